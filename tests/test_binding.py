"""Claim templates: statements phrased unlike the seed's bind to the right experiment and params."""

import pytest

from audit.synthesis.binding import Binding, Unbound, bind
from audit.synthesis.claims import load_all
from tests.conftest import CLAIMS


def bound(statement: str) -> Binding:
    b = bind(statement)
    assert isinstance(b, Binding), getattr(b, "reason", b)
    return b


@pytest.mark.parametrize(
    ("statement", "template", "params", "value"),
    [
        (
            "Intermediate-task training on CosmosQA yields a target-task improvement of 4.1 points on the dev set.",
            "intermediate-gain",
            {"intermediate": ["cosmosqa"]},
            4.1,
        ),
        (
            "English intermediate-task training on Cosmos QA raises the average target-task score by 3 points.",
            "intermediate-gain",
            {"intermediate": ["cosmosqa"]},
            3.0,
        ),
        (
            "Using ANLI+ as an intermediate task improves target-task performance by 6.25 points.",
            "intermediate-gain",
            {"intermediate": ["anli_plus"]},
            6.25,
        ),
        (
            "Intermediate-task training on HellaSwag improves PAWS-X by 2.5 points.",
            "intermediate-gain-on-target",
            {"intermediate": ["hellaswag"], "targets": ["pawsx"]},
            2.5,
        ),
        (
            "Intermediate training on MultiNLI yields a gain of 1.2 points on WikiANN.",
            "intermediate-gain-on-target",
            {"intermediate": ["mnli"], "targets": ["panx"]},
            1.2,
        ),
        (
            "PAWS-X does not see any benefit from intermediate-task training.",
            "target-no-gain",
            {"targets": ["pawsx"]},
            0.0,
        ),
        (
            "The MLQA German development set contains 512 questions.",
            "dev-set-size",
            {"check": "task-rows", "task": "mlqa", "language": "de", "split": "dev"},
            512,
        ),
        (
            "The es development set of XQuAD has 1,190 questions.",
            "dev-set-size",
            {"task": "xquad", "language": "es"},
            1190,
        ),
        (
            "The QQP dataset has 363,846 training examples.",
            "intermediate-train-size",
            {"check": "row-count", "datasets": ["qqp"]},
            363846,
        ),
        (
            "The CosmosQA and MNLI datasets are drawn from Wikipedia articles and Quora questions.",
            "dataset-source",
            {"datasets": ["cosmosqa", "mnli"], "expect": ["wikipedia", "quora"]},
            1,
        ),
        ("We evaluate on 7 target tasks from the XTREME benchmark.", "target-task-count", {"count": "tasks"}, 7),
        (
            "XNLI, PAWS-X and MLQA have no training data of their own.",
            "retrieval-without-training",
            {"datasets": ["xnli", "pawsx", "mlqa"]},
            1,
        ),
        (
            "PAWS-X shows consistent improvements with most intermediate tasks.",
            "gain-with-most-intermediates",
            {"targets": ["pawsx"], "compare": "no-intermediate"},
            None,
        ),
        (
            "Applying intermediate training to Tatoeba and XNLI yields large gains"
            " with nearly every intermediate task.",
            "gain-with-most-intermediates",
            {"targets": ["tatoeba", "xnli"]},
            None,
        ),
        (
            "The BUCC Chinese-English development set contains 1,899 gold pairs.",
            "gold-pair-count",
            {"check": "gold-pairs", "task": "bucc", "language": "zh", "split": "dev"},
            1899,
        ),
        ("BUCC has 2,000 gold sentence pairs for de-en.", "gold-pair-count", {"language": "de"}, 2000),
        (
            "The PAWS-X benchmark covers 7 languages.",
            "task-language-count",
            {"count": "task-languages", "task": "pawsx"},
            7,
        ),
        ("WikiANN is evaluated in 40 languages.", "task-language-count", {"task": "panx"}, 40),
        (
            "English intermediate training beats continued multilingual masked language modelling.",
            "english-beats-mlm",
            {"compare": "intermediate-plus-mlm"},
            None,
        ),
    ],
)
def test_paraphrases_bind_with_their_params(statement, template, params, value):
    b = bound(statement)
    assert b.template == template
    assert params.items() <= b.spec["experiment"]["params"].items()
    assert b.spec["claimed"].get("value") == (None if value is None else pytest.approx(value))


def test_printed_precision_and_slot_provenance_are_kept():
    b = bound("The MNLI intermediate task contains 392,702 training examples.")
    assert b.spec["claimed"]["precision"] == 0.5
    assert b.slots["task"]["text"] == "MNLI" and "alias" in b.slots["task"]["how"]
    assert bound("Intermediate-task training on MNLI yields a target-task improvement of 7.25 points.").spec["claimed"][
        "precision"
    ] == pytest.approx(0.005)


def test_an_ambiguous_slot_is_never_guessed():
    b = bind("Intermediate-task training on SQuAD yields a target-task improvement of 8.2 points.")
    assert isinstance(b, Unbound) and "squad_v1, squad_v2" in b.reason


def test_unmatched_statements_say_so_with_the_nearest_templates():
    b = bind("The PAWS-X benchmark was released in 2019.")
    assert isinstance(b, Unbound) and b.reason == "no template matched" and b.nearest
    assert isinstance(
        bind("Intermediate-task training on Klingon yields a target-task improvement of 2 points."), Unbound
    )
    assert isinstance(bind("x" * 5000), Unbound)


def test_binding_the_seed_without_its_curated_specs_reproduces_their_experiments():
    """Report the agreement: how many curated specs a template reproduces (experiment and params)."""
    curated = load_all(CLAIMS)
    seed = [s for s in curated.values() if s.source.report == "000_adfd80519d6416c1"]
    agree, bound_any = [], []
    for spec in seed:
        b = bind(spec.statement)
        if isinstance(b, Binding):
            bound_any.append(spec.id)
            exp = b.spec["experiment"]
            if exp["name"] == spec.experiment.name and exp["params"] == spec.experiment.params:
                agree.append(spec.id)
    # anli-plus-size binds its five parts but not the curated drop_no_gold; squad-source binds the
    # same two datasets in the statement's order; squad-gain's "SQuAD" is ambiguous (v1.1 or v2.0).
    expected = {
        "mnli-gain",
        "hellaswag-gain",
        "mnli-size",
        "xnli-no-gain",
        "english-beats-mlm",
        "hellaswag-source",
        "qqp-source",
        "language-count",
        "multitask-gain",
        "retrieval-no-train",
        "target-task-count",
        "retrieval-gain",
        "tydiqa-gain",
    }
    assert set(agree) == expected, (agree, bound_any)
    assert "squad-gain" not in bound_any and {"anli-plus-size", "squad-source"} <= set(bound_any)


def second_report(tmp_path, rows: list[str]):
    """A new synthesis in the seed's own format, with claims the project has not seen."""
    head = [
        "# Another synthesis of 2005.13013",
        "",
        "June 30, 2026",
        "",
        "Research question: does it hold?",
        "",
        f"3 papers retrieved. {len(rows)} claims extracted; 1 independently verified. Quality review score: 6/10",
        "",
        "## Extracted Claims",
        "",
        "Claim\tVerified\tConfidence",
    ]
    body = [f"{r}\t{'✓' if i == 0 else '×'}\t0.{i + 3}" for i, r in enumerate(rows)]
    path = tmp_path / "001_second.txt"
    path.write_text("\n".join([*head, *body, "", "## References", "", "1. Phang et al. 2020"]) + "\n")
    return path


def test_a_new_reports_bound_dataset_fact_verifies_offline_from_the_pack(settings, tmp_path, data_pack):
    import dataclasses
    import json

    from audit.judge.verdict import Status
    from audit.profiles import Profile
    from audit.run.verify import verify
    from audit.synthesis.ingest import ingest

    settings = dataclasses.replace(settings, data_dir=data_pack)
    report = second_report(
        tmp_path, ["The MLQA German development set contains 512 questions.", "XLM-R Large has 550 million parameters."]
    )
    dry = ingest(settings, report, dry_run=True)
    assert [p.spec.status for p in dry.planned] == ["drafted", "draft"] and dry.drafts == []
    assert not (settings.claims_dir / "001_second").exists()  # a dry run writes nothing
    result = ingest(settings, report)
    specs = load_all(settings.claims_dir)
    mlqa = specs[result.drafts[0].stem]
    assert "nearest templates" in specs[result.drafts[1].stem].evidence[0].note
    [v] = verify([mlqa], Profile.MINI, 3, settings)
    squad = json.loads((data_pack / "mlqa" / "dev-context-de-question-de.json").read_text())
    questions = sum(len(p["qas"]) for a in squad["data"] for p in a["paragraphs"])
    assert v.mean == questions and v.n == 1  # counted from the file, once (a deterministic metric)
    assert v.status == (Status.SUPPORTED if questions == 512 else Status.REFUTED) and v.fidelity == "claim"


MD = """# A markdown synthesis

June 30, 2026

Research question: does intermediate training transfer?

3 papers retrieved. 2 claims extracted; 1 independently verified. Quality review score: 7/10

| Claim | Verified | Confidence |
|---|:---:|---:|
| Intermediate-task training on CosmosQA yields a target-task improvement of 4.1 points. | ✔ | 0.31 |
| The MLQA German development set contains 512 questions. | no | 0.2 |
"""


def test_markdown_and_json_reports_read_into_the_same_record(tmp_path):
    import json

    from audit.synthesis.reading import read_report

    md = tmp_path / "002_md.md"
    md.write_text(MD)
    rec = read_report(md)
    assert [(r.verified, r.confidence, r.line) for r in rec.rows] == [(True, 0.31, 11), (False, 0.2, 12)]
    assert (rec.claims_stated, rec.verified_stated, rec.problems) == (2, 1, [])
    js = tmp_path / "003_js.json"
    js.write_text(
        json.dumps(
            {
                "title": "A JSON synthesis",
                "claims_extracted": 2,
                "verified": 1,
                "claims": [
                    {"claim": r.statement, "verified": r.verified, "confidence": r.confidence} for r in rec.rows
                ],
            }
        )
    )
    again = read_report(js)
    assert [(r.statement, r.verified, r.confidence) for r in again.rows] == [
        (r.statement, r.verified, r.confidence) for r in rec.rows
    ]
    assert again.problems == []


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.md", MD.replace("| no | 0.2 |", "| maybe | 0.2 |"), "line 12: verified mark"),
        ("b.md", MD.replace("| ✔ | 0.31 |", "| ✔ |"), "line 11: expected 3 table cells"),
        ("c.md", MD.replace("| 0.2 |", "| 2.0 |"), "line 12: confidence 2.0 is outside 0-1"),
        ("d.json", '{"title": "t", "claims": [', "line 1: not valid JSON"),
        (
            "e.json",
            '{"title": "t", "claims": [{"claim": "x.", "verified": true, "confidence": "high"}]}',
            "line 1: confidence 'high' is not a number",
        ),
        (
            "f.json",
            '{"title": "t", "papers": 12345678901, "claims": [{"claim": "x.", "verified": true, "confidence": 0.1}]}',
            "field 'papers'",
        ),
        ("g.json", "[1, 2]", "expected a JSON object"),
    ],
)
def test_malformed_reports_give_one_line_errors(tmp_path, name, text, message):
    from audit.errors import IngestError
    from audit.synthesis.reading import read_report

    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(IngestError, match=message):
        read_report(path)


def test_format_can_be_forced(tmp_path):
    from audit.errors import IngestError
    from audit.synthesis.reading import read_report

    path = tmp_path / "004.txt"
    path.write_text(MD)
    assert len(read_report(path).rows) == 2  # detected as markdown from its content
    with pytest.raises(IngestError, match="Claim<TAB>Verified"):
        read_report(path, "text")


def test_a_bound_language_count_is_read_from_the_benchmarks_configs(settings, tmp_path, monkeypatch):
    from audit.judge.verdict import Status
    from audit.profiles import Profile
    from audit.run.verify import verify
    from audit.synthesis.ingest import ingest
    from tests import hub_mirror

    hub_mirror.xtreme(tmp_path / "mirror")  # PAN-X: de en fr sw; XNLI: a language column of en de fr
    monkeypatch.setenv("AUDIT_HUB_MIRROR", str(tmp_path / "mirror"))
    report = second_report(tmp_path, ["The PAN-X benchmark covers 4 languages.", "XNLI covers 15 languages."])
    result = ingest(settings, report)
    specs = load_all(settings.claims_dir)
    panx, xnli = (specs[p.stem] for p in result.drafts)
    verdicts = verify([panx, xnli], Profile.MINI, 1, settings)
    assert [(v.mean, v.status) for v in verdicts] == [(4, Status.SUPPORTED), (3, Status.REFUTED)]


def test_a_bound_gold_pair_count_is_counted_from_the_pack(settings, tmp_path, data_pack):
    import dataclasses

    from audit.judge.verdict import Status
    from audit.profiles import Profile
    from audit.run.verify import verify
    from audit.synthesis.ingest import ingest

    settings = dataclasses.replace(settings, data_dir=data_pack)
    lines = (data_pack / "bucc2018" / "zh-en.dev.gold").read_text().splitlines()
    gold = sum(1 for line in lines if line.strip())
    report = second_report(tmp_path, [f"The BUCC zh-en dev set has {gold:,} gold pairs."])
    draft = ingest(settings, report).drafts[0]
    spec = load_all(settings.claims_dir)[draft.stem]
    [v] = verify([spec], Profile.MINI, 1, settings)
    assert (v.mean, v.status) == (gold, Status.SUPPORTED)
