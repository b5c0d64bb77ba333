"""Readers for the data pack's file formats, each producing the records of one format.

Record shapes (hub records are mapped into the same shapes by ``experiments.toolkit.tasks``):

- pair:     {"text_a", "text_b", "label"}            (label as in the file: str or int)
- choice:   {"context", "choices": [...], "label": int}
- span:     {"id", "context", "question", "answers": {"text": [...], "answer_start": [...]}}
- tags:     {"tokens": [...], "tags": [...]}
- parallel: {"source": [...], "target": [...], "gold": [[i, j], ...]}  (retrieval pairs)

A reader never drops or splits a row silently. Files are split on newlines only (``str.splitlines``
also breaks on control characters such as U+001C, which split a PAWS-X ko row in two and lost
it); a line a reader cannot use is counted by reason in the ``Rows`` it returns, and
``experiments.toolkit.tasks.load_records`` writes the counts into the run's notes.
"""

from __future__ import annotations

import bz2
import csv
import json
from pathlib import Path

from audit.contract import Unverifiable

ANLI_LABELS = {"e": "entailment", "n": "neutral", "c": "contradiction"}


class Rows(list):
    """A reader's records, with the lines it could not use counted by reason (``skipped``)."""

    def __init__(self, rows=(), skipped: dict[str, int] | None = None):
        super().__init__(rows)
        self.skipped: dict[str, int] = dict(skipped or {})

    def skip(self, reason: str, n: int = 1) -> None:
        if n:
            self.skipped[reason] = self.skipped.get(reason, 0) + n


def _lines(path: Path) -> list[str]:
    """The file's lines, split on newlines only (a final newline ends the last line, it opens none)."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def pair_tsv(path: Path, lang: str = "") -> list[dict]:
    out = Rows()
    for line in _lines(path):
        r = line.split("\t")
        if len(r) >= 3:
            out.append({"text_a": r[0], "text_b": r[1], "label": r[2]})
        else:
            out.skip("lines with fewer than 3 tab-separated cells" if line.strip() else "blank lines")
    return out


def nli_jsonl(path: Path, lang: str = "") -> list[dict]:
    lines = _lines(path)
    rows = (json.loads(line) for line in lines if line.strip())
    out = Rows({"text_a": r["premise"], "text_b": r["hypothesis"], "label": r["label"]} for r in rows)
    out.skip("blank lines", len(lines) - len(out))
    return out


def anli_csv(path: Path, lang: str = "") -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [{"text_a": r["context"], "text_b": r["statement"], "label": ANLI_LABELS[r["gold_label"]]} for r in rows]


def squad_json(path: Path, lang: str = "") -> list[dict]:
    """SQuAD v1.1 JSON. A file where no question has an answer text has no gold to score or train with.

    (The pack's TyDiQA-GoldP dev files are such copies: every answer is ``{"text": ""}``.)

    Question ids must be unique, since a question's windows and its gold answers are found by
    its id. A file whose ids repeat (the pack's TyDiQA-GoldP English train numbers the questions
    of each paragraph from 0: 3,696 questions, 89 distinct ids) gets each id qualified by the
    question's place in the file (``id@n``); a file with unique ids keeps them.
    """
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    rows = [
        {
            "id": qa["id"],
            "context": para["context"],
            "question": qa["question"],
            "answers": {
                "text": [a["text"] for a in qa["answers"]],
                "answer_start": [a["answer_start"] for a in qa["answers"]],
            },
        }
        for article in data
        for para in article["paragraphs"]
        for qa in para["qas"]
    ]
    if rows and not any(t for r in rows for t in r["answers"]["text"]):
        raise Unverifiable(f"{path.name}: all {len(rows)} answers are empty, so this copy has no gold answers")
    if len({r["id"] for r in rows}) < len(rows):
        rows = [{**r, "id": f"{r['id']}@{n}"} for n, r in enumerate(rows)]
    return rows


def hellaswag_text(path: Path, lang: str = "") -> list[dict]:
    """klosax's format: 6 lines per item (context, gold index, four endings)."""
    with bz2.open(path, "rt", encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    lines = lines[:-1] if lines and lines[-1] == "" else lines
    items = [lines[i : i + 6] for i in range(0, len(lines) - 5, 6)]
    out = Rows({"context": it[0], "choices": it[2:6], "label": int(it[1])} for it in items)
    out.skip("trailing lines that make no 6-line item", len(lines) - 6 * len(items))
    return out


def cosmosqa_record(r: dict) -> dict:
    """One CosmosQA item (the pack's CSV row or the hub's row: the same field names)."""
    choices = [r[f"answer{i}"] for i in range(4)]
    return {"context": f"{r['context']} {r['question']}", "choices": choices, "label": int(r["label"])}


def csqa_record(r: dict) -> dict:
    """One CommonsenseQA item (the pack's JSON line or the hub's row: the same schema)."""
    return {
        "context": r["question"],
        "choices": r["choices"]["text"],
        "label": r["choices"]["label"].index(r["answerKey"]),
    }


def cosmosqa_csv(path: Path, lang: str = "") -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [cosmosqa_record(r) for r in csv.DictReader(fh)]


def csqa_jsonl(path: Path, lang: str = "") -> list[dict]:
    lines = _lines(path)
    out = Rows(csqa_record(json.loads(line)) for line in lines if line.strip())
    out.skip("blank lines", len(lines) - len(out))
    return out


def sentence_pairs(rows: list[dict]) -> list[dict]:
    """The hub's retrieval rows (one aligned pair each) as one record whose gold is the diagonal."""
    src, tgt = [r["source_sentence"] for r in rows], [r["target_sentence"] for r in rows]
    return [{"source": src, "target": tgt, "gold": [[i, i] for i in range(len(src))]}] if rows else []


def _sentences(lines, parse, skip_reason: str = "") -> Rows:
    out, tokens, tags = Rows(), [], []
    for line in lines:
        cells = parse(line)
        if cells is None:
            if tokens:
                out.append({"tokens": tokens, "tags": tags})
            tokens, tags = [], []
        elif cells:
            tokens.append(cells[0])
            tags.append(cells[1])
        elif skip_reason:
            out.skip(skip_reason)
    if tokens:
        out.append({"tokens": tokens, "tags": tags})
    return out


def _token_tsv_line(line: str):
    # None ends a sentence; an empty tuple skips a line.
    if not line.strip():
        return None
    parts = line.split("\t")
    return (parts[0], parts[1]) if len(parts) >= 2 else ()


def token_tsv(path: Path, lang: str = "") -> list[dict]:
    return _sentences(_lines(path), _token_tsv_line, "token lines without a tab-separated tag")


def _conllu_line(line: str):
    if not line.strip():
        return None
    cols = line.split("\t")
    # Comments, multi-word ranges (3-4) and empty nodes (5.1) are not tokens.
    if line.startswith("#") or len(cols) < 4 or not cols[0].isdigit():
        return ()
    return cols[1], cols[3]


def conllu(path: Path, lang: str = "") -> list[dict]:
    return _sentences(_lines(path), _conllu_line)


def tatoeba(base: Path, lang: str) -> list[dict]:
    src = _lines(base.with_name(f"{base.name}.{lang}"))
    tgt = _lines(base.with_name(f"{base.name}.eng"))
    if len(src) != len(tgt):  # line i of one file is the translation of line i of the other
        raise Unverifiable(f"{base.name}.{lang} has {len(src)} lines and {base.name}.eng {len(tgt)}: not aligned")
    return [{"source": src, "target": tgt, "gold": [[i, i] for i in range(len(src))]}]


def _id_lines(path: Path) -> tuple[list[str], list[str]]:
    lines = _lines(path)
    pairs = [line.split("\t", 1) for line in lines if "\t" in line]
    if len(pairs) < len(lines):
        raise Unverifiable(f"{path.name}: {len(lines) - len(pairs)} of {len(lines)} lines have no id<TAB>sentence")
    return [p[0] for p in pairs], [p[1] for p in pairs]


def bucc(base: Path, lang: str) -> list[dict]:
    src_ids, src = _id_lines(base.with_name(f"{base.name}.{lang}"))
    tgt_ids, tgt = _id_lines(base.with_name(f"{base.name}.en"))
    s_index, t_index = {k: i for i, k in enumerate(src_ids)}, {k: i for i, k in enumerate(tgt_ids)}
    gold_ids, gold_tgt = _id_lines(base.with_name(f"{base.name}.gold"))
    gold = [[s_index[s], t_index[t]] for s, t in zip(gold_ids, gold_tgt, strict=True)]
    return [{"source": src, "target": tgt, "gold": gold}]


def winogrande_record(r: dict) -> dict:
    """A WinoGrande sentence with its blank: the context up to '_', each option completing the rest."""
    head, _, tail = r["sentence"].partition("_")
    choices = [f"{r['option1']}{tail}", f"{r['option2']}{tail}"]
    return {"context": head.strip(), "choices": choices, "label": int(r["answer"]) - 1}


# How the hub's rows of a task become records, where renaming fields is not enough (``shape:``).
HUB_SHAPES = {
    "winogrande": lambda rows: [winogrande_record(r) for r in rows if r.get("answer") in ("1", "2")],
    "cosmosqa": lambda rows: [cosmosqa_record(r) for r in rows],
    "csqa": lambda rows: [csqa_record(r) for r in rows],
    "sentence-pairs": sentence_pairs,
}

READERS = {
    "pair-tsv": pair_tsv, "nli-jsonl": nli_jsonl, "anli-csv": anli_csv, "squad-json": squad_json,
    "hellaswag-text": hellaswag_text, "cosmosqa-csv": cosmosqa_csv, "csqa-jsonl": csqa_jsonl,
    "token-tsv": token_tsv, "conllu": conllu, "tatoeba": tatoeba, "bucc": bucc,
}  # fmt: skip
