"""A reader for every data-pack format, checked against MANIFEST.md's counts."""

import pytest

from experiments.toolkit.readers import READERS
from experiments.toolkit.tasks import get, load_records, map_hub, pack_file


class Ctx:
    def __init__(self, data_dir):
        self.data_dir, self.used = data_dir, []

    def use(self, path):
        self.used.append(path)


NER_TAGS = {"O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"}
# (task, split, language, rows in MANIFEST.md, a field check)
CASES = [
    ("xnli", "dev", "de", 2490, lambda r: r["label"] in {"entailment", "neutral", "contradiction"}),
    ("pawsx", "dev", "ja", 2000, lambda r: r["label"] in {"0", "1"}),
    ("mnli", "train", "en", 9815, lambda r: r["text_a"] and r["text_b"]),
    ("anli_plus", "train", "en", 1000, lambda r: r["label"] == "contradiction" or r["label"]),
    ("hellaswag", "train", "en", 10042, lambda r: len(r["choices"]) == 4 and 0 <= r["label"] < 4),
    ("cosmosqa", "train", "en", 2985, lambda r: len(r["choices"]) == 4),
    ("commonsenseqa", "train", "en", 1221, lambda r: len(r["choices"]) == 5),
    ("xquad", "dev", "th", 1190, lambda r: r["answers"]["text"]),
    ("mlqa", "dev", "de", 512, lambda r: r["question"]),
    ("tydiqa", "train", "en", 3696, lambda r: r["context"]),
    ("udpos", "train", "en", 12544, lambda r: len(r["tokens"]) == len(r["tags"])),
    ("udpos", "dev", "nl", None, lambda r: len(r["tokens"]) == len(r["tags"])),
    ("panx", "train", "en", 20000, lambda r: set(r["tags"]) <= NER_TAGS),
]  # fmt: skip


@pytest.mark.parametrize(("task", "split", "lang", "count", "check"), CASES)
def test_pack_readers(data_pack, task, split, lang, count, check):
    ctx = Ctx(data_pack)
    records = load_records(get(task), split, lang, ctx)
    if count is not None:
        assert len(records) == count
    assert all(check(r) for r in records[:200])
    assert ctx.used and ctx.used[0].is_file()


def test_conllu_skips_comments_ranges_and_empty_nodes(tmp_path):
    f = tmp_path / "x.conllu"
    lines = ["# sent_id = 1", "1-2\tvom\t_\t_", "1\tvon\tvon\tADP", "2\tdem\tder\tDET"]
    lines += ["2.1\tx\tx\tX", "3\tHaus\tHaus\tNOUN", ""]
    f.write_text("\n".join(lines) + "\n")
    expected = [{"tokens": ["von", "dem", "Haus"], "tags": ["ADP", "DET", "NOUN"]}]
    assert READERS["conllu"](f) == expected


def test_tatoeba_pairs_line_by_line(data_pack):
    [rec] = load_records(get("tatoeba"), "dev", "swh", Ctx(data_pack))
    assert len(rec["source"]) == len(rec["target"]) == 390  # MANIFEST: swh 390 pairs
    assert rec["gold"][5] == [5, 5]


def test_bucc_gold_pairs_resolve_to_sentences(data_pack):
    [rec] = load_records(get("bucc"), "dev", "zh", Ctx(data_pack))
    assert (len(rec["source"]), len(rec["target"]), len(rec["gold"])) == (8624, 13589, 257)
    i, j = rec["gold"][0]  # zh-000000057 <-> en-000008530: the ids sit on lines 57 and 8530
    assert (i, j) == (56, 8529)


def test_udpos_uses_conllu_where_the_tsv_is_missing(data_pack):
    path, entry = pack_file(get("udpos"), "dev", "de", data_pack)
    assert path.name == "de_gsd-ud-test.conllu" and entry["reader"] == "conllu"


def test_hub_records_map_onto_the_reader_shape():
    hub_row = {"premise": "A man.", "hypothesis": "A person.", "label": 0, "idx": 3}
    fields = get("mnli").hub["fields"]
    assert map_hub(hub_row, fields) == {"text_a": "A man.", "text_b": "A person.", "label": 0}
    xtreme_row = {"tokens": ["Berlin"], "ner_tags": ["B-LOC"], "langs": ["de"]}
    assert map_hub(xtreme_row, get("panx").hub["fields"]) == {"tokens": ["Berlin"], "tags": ["B-LOC"]}


def test_hub_path_through_a_mirror(tmp_path, monkeypatch):
    from tests.hub_mirror import write_split

    write_split(
        tmp_path,
        "google/xtreme",
        "PAN-X.sw",
        "validation",
        [{"tokens": ["Nairobi"], "ner_tags": ["B-LOC"], "langs": ["sw"]}],
    )
    monkeypatch.setenv("AUDIT_HUB_MIRROR", str(tmp_path))
    records = load_records(get("panx"), "dev", "sw", Ctx(None))
    assert records == [{"tokens": ["Nairobi"], "tags": ["B-LOC"]}]


def test_missing_everywhere_is_unverifiable_and_named():
    from audit.errors import Unverifiable

    with pytest.raises(Unverifiable, match=r"panx dev \[sw\] is not in the data pack"):
        load_records(get("panx"), "dev", "sw", Ctx(None))
    with pytest.raises(Unverifiable, match="CCGbank is LDC-licensed"):
        load_records(get("ccg"), "train", "en", Ctx(None))


def test_a_qa_file_without_gold_answers_is_unverifiable(tmp_path):
    import json

    from audit.errors import Unverifiable

    qas = [{"id": f"q{i}", "question": "Who?", "answers": [{"text": "", "answer_start": 0}]} for i in range(3)]
    path = tmp_path / "dev.json"
    path.write_text(json.dumps({"data": [{"paragraphs": [{"context": "Ada wrote it.", "qas": qas}]}]}))
    with pytest.raises(Unverifiable, match="all 3 answers are empty"):
        READERS["squad-json"](path)
    qas[0]["answers"][0] = {"text": "Ada", "answer_start": 0}  # one gold answer is enough to score
    path.write_text(json.dumps({"data": [{"paragraphs": [{"context": "Ada wrote it.", "qas": qas}]}]}))
    assert len(READERS["squad-json"](path)) == 3


def test_the_packs_tydiqa_dev_copies_have_no_gold_and_say_so(data_pack, monkeypatch):
    from audit.errors import Unverifiable

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(Unverifiable, match=r"tydiqa dev \[ar\] has no usable pack copy .*no gold answers"):
        load_records(get("tydiqa"), "dev", "ar", Ctx(data_pack))


def test_a_control_character_inside_a_row_does_not_split_it(data_pack):
    """PAWS-X ko's dev file holds U+001C inside a row: str.splitlines broke it in two, and a row was lost."""
    from experiments.toolkit import readers

    path = data_pack / "pawsx" / "dev-ko.tsv"
    assert "\x1c" in path.read_text(encoding="utf-8")
    rows = readers.pair_tsv(path)
    assert len(rows) == 2000 and rows.skipped == {}


def test_a_reader_counts_what_it_skips_and_the_run_notes_it(tmp_path):
    from types import SimpleNamespace

    from experiments.toolkit import readers
    from experiments.toolkit.tasks import _noted

    path = tmp_path / "dev-xx.tsv"
    path.write_text("a\tb\t1\nonly one cell\n\nc\x1cd\te\t0\n", encoding="utf-8")
    rows = readers.pair_tsv(path)
    assert [r["text_a"] for r in rows] == ["a", "c\x1cd"]
    assert rows.skipped == {"lines with fewer than 3 tab-separated cells": 1, "blank lines": 1}
    ctx = SimpleNamespace(notes=[])
    _noted(rows, path, ctx)
    assert ctx.notes == [
        "dev-xx.tsv: 1 blank lines skipped by the reader",
        "dev-xx.tsv: 1 lines with fewer than 3 tab-separated cells skipped by the reader",
    ]


def test_tatoeba_files_that_do_not_align_are_refused(tmp_path):
    import pytest

    from audit.errors import Unverifiable
    from experiments.toolkit import readers

    (tmp_path / "tatoeba.xx-eng.xx").write_text("a\nb\n", encoding="utf-8")
    (tmp_path / "tatoeba.xx-eng.eng").write_text("a\n", encoding="utf-8")
    with pytest.raises(Unverifiable, match="not aligned"):
        readers.tatoeba(tmp_path / "tatoeba.xx-eng", "xx")


def test_every_question_of_a_qa_file_has_its_own_id(data_pack):
    """The pack's TyDiQA English train repeats ids (89 for 3,696 questions): the held-out check scored
    57 'items' for 924 questions, each id's windows pooled across questions, until 2026-12-08."""
    rows = load_records(get("tydiqa"), "train", "en", Ctx(data_pack))
    assert len({r["id"] for r in rows}) == len(rows) == 3696
    xquad = load_records(get("xquad"), "dev", "de", Ctx(data_pack))
    assert not any("@" in r["id"] for r in xquad)  # a file with unique ids keeps them
