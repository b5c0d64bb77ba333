"""Binding, wider (issue #34): claims that name a target, tasks outside the paper's nine, and
facts the pack can answer, phrased as the synthesizer's other reports phrase them."""

from __future__ import annotations

import json

import pytest

from audit.synthesis.binding import Binding, Unbound, bind

TRANSFER = "xtreme-transfer"
FACTS = "dataset-facts"
INVENTORY = "benchmark-inventory"

# (statement, experiment, params it must carry, comparison, claimed value)
PHRASINGS = [
    # 1. a target named, direction only
    ("MNLI improves BUCC F1.", TRANSFER, {"intermediate": ["mnli"], "targets": ["bucc"]}, "positive", None),
    ("Intermediate-task training on HellaSwag helps XQuAD.", TRANSFER,
     {"intermediate": ["hellaswag"], "targets": ["xquad"]}, "positive", None),
    ("PAN-X benefits from intermediate training on SQuAD v1.1.", TRANSFER,
     {"intermediate": ["squad_v1"], "targets": ["panx"]}, "positive", None),
    ("Using CosmosQA as an intermediate task improves UD-POS accuracy.", TRANSFER,
     {"intermediate": ["cosmosqa"], "targets": ["udpos"]}, "positive", None),
    ("ANLI+ boosts zero-shot XNLI performance in zero-shot cross-lingual transfer.", TRANSFER,
     {"intermediate": ["anli_plus"], "targets": ["xnli"]}, "positive", None),
    ("Tatoeba scores improve with English intermediate training on MNLI.", TRANSFER,
     {"intermediate": ["mnli"], "targets": ["tatoeba"]}, "positive", None),
    ("QQP hurts TyDiQA.", TRANSFER, {"intermediate": ["qqp"], "targets": ["tydiqa"]}, "negative", None),
    ("Intermediate training on CommonsenseQA degrades PAWS-X accuracy.", TRANSFER,
     {"intermediate": ["commonsenseqa"], "targets": ["pawsx"]}, "negative", None),
    ("MLQA performance drops after intermediate training on HellaSwag.", TRANSFER,
     {"intermediate": ["hellaswag"], "targets": ["mlqa"]}, "negative", None),
    # ... no effect
    ("MNLI does not help MLQA.", TRANSFER, {"intermediate": ["mnli"], "targets": ["mlqa"]}, "no-effect", 0.0),
    ("Intermediate-task training on QQP does not improve BUCC.", TRANSFER,
     {"intermediate": ["qqp"], "targets": ["bucc"]}, "no-effect", 0.0),
    ("XNLI doesn't benefit from MNLI intermediate training.", TRANSFER,
     {"intermediate": ["mnli"], "targets": ["xnli"]}, "no-effect", 0.0),
    ("HellaSwag has no effect on WikiANN F1.", TRANSFER,
     {"intermediate": ["hellaswag"], "targets": ["panx"]}, "no-effect", 0.0),
    # ... a magnitude
    ("MNLI raises PAN-X F1 by 3 points.", TRANSFER, {"intermediate": ["mnli"], "targets": ["panx"]}, "approx", 3.0),
    ("SQuAD v2.0 as an intermediate task boosts TyDiQA by 4.5 points.", TRANSFER,
     {"intermediate": ["squad_v2"], "targets": ["tydiqa"]}, "approx", 4.5),
    ("XQuAD F1 rises by 2.1 points with intermediate training on SQuAD v1.1.", TRANSFER,
     {"intermediate": ["squad_v1"], "targets": ["xquad"]}, "approx", 2.1),
    ("Using ANLI+ as an intermediate task raises XNLI accuracy by 1.8 points.", TRANSFER,
     {"intermediate": ["anli_plus"], "targets": ["xnli"]}, "approx", 1.8),
    ("HellaSwag lowers TyDiQA by 2 points.", TRANSFER,
     {"intermediate": ["hellaswag"], "targets": ["tydiqa"]}, "approx", -2.0),
    ("BUCC F1 drops by 6.3 points after intermediate training on QQP.", TRANSFER,
     {"intermediate": ["qqp"], "targets": ["bucc"]}, "approx", -6.3),
    # 2. intermediate tasks outside the paper's nine, which the hub serves
    ("QNLI improves XNLI accuracy.", TRANSFER, {"intermediate": ["qnli"], "targets": ["xnli"]}, "positive", None),
    ("BoolQ does not help PAWS-X.", TRANSFER, {"intermediate": ["boolq"], "targets": ["pawsx"]}, "no-effect", 0.0),
    ("WinoGrande hurts UD-POS.", TRANSFER, {"intermediate": ["winogrande"], "targets": ["udpos"]}, "negative", None),
    ("Intermediate-task training on QNLI yields a target-task improvement of 2.2 points.", TRANSFER,
     {"intermediate": ["qnli"]}, "approx", 2.2),
    ("The QNLI dataset has 104,743 training examples.", FACTS, {"check": "row-count", "datasets": ["qnli"]},
     "approx", 104743),
    ("BoolQ's training set contains 9,427 questions.", FACTS, {"check": "row-count", "datasets": ["boolq"]},
     "approx", 9427),
    ("There are 40,398 training examples in WinoGrande.", FACTS,
     {"check": "row-count", "datasets": ["winogrande"]}, "approx", 40398),
    ("BoolQ is derived from Google search queries and Wikipedia.", FACTS,
     {"check": "source", "datasets": ["boolq"], "expect": ["google search", "wikipedia"]}, "approx", 1),
    ("QNLI uses passages from SQuAD.", FACTS, {"check": "source", "datasets": ["qnli"], "expect": ["squad"]},
     "approx", 1),
    # 3. a benchmark's language coverage
    ("Tatoeba covers 36 languages.", INVENTORY, {"count": "task-languages", "task": "tatoeba"}, "approx", 36),
    ("XNLI includes 15 languages.", INVENTORY, {"count": "task-languages", "task": "xnli"}, "approx", 15),
    ("The MLQA dataset is available in 7 languages.", INVENTORY, {"task": "mlqa"}, "approx", 7),
    ("11 languages are covered by XQuAD.", INVENTORY, {"task": "xquad"}, "approx", 11),
    ("TyDiQA is evaluated on 9 languages.", INVENTORY, {"task": "tydiqa"}, "approx", 9),
]  # fmt: skip


@pytest.mark.parametrize(("statement", "experiment", "params", "comparison", "value"), PHRASINGS)
def test_a_new_phrasing_binds_to_its_experiment_and_params(statement, experiment, params, comparison, value):
    b = bind(statement)
    assert isinstance(b, Binding), getattr(b, "reason", b)
    assert b.spec["experiment"]["name"] == experiment
    assert params.items() <= b.spec["experiment"]["params"].items(), b.spec["experiment"]["params"]
    assert b.spec["claimed"]["comparison"] == comparison
    claimed = b.spec["claimed"].get("value")
    assert (claimed is None) if value is None else float(claimed) == pytest.approx(value)


def test_there_are_at_least_thirty_new_phrasings():
    assert len(PHRASINGS) >= 30


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("The PAWS-X benchmark was released in 2019.", "no template matched"),
        ("QuAC improves XNLI accuracy.", "slot 'task' ('QuAC') is not a known intermediate task (known: anli_plus"),
        ("MNLI improves GLUE.", "slot 'target' ('GLUE') is not a known target task"),
        ("Intermediate-task training on CCG improves PAN-X F1.", "names ccg, which no source serves: CCGbank"),
        ("MNLI raises XNLI accuracy by many points.", "slot 'value' ('many') is not a known number"),
    ],
)
def test_an_unbound_statement_says_why_in_one_line(statement, reason):
    b = bind(statement)
    assert isinstance(b, Unbound) and reason in b.reason and "\n" not in b.reason


def _report(fmt: str, rows: list[tuple[str, bool, float]]) -> str:
    if fmt == "json":
        claims = [{"claim": c, "verified": v, "confidence": p} for c, v, p in rows]
        return json.dumps({"title": "T", "date": "2026", "research_question": "Q", "claims": claims})
    if fmt == "md":
        body = "\n".join(f"| {c} | {'✓' if v else '×'} | {p} |" for c, v, p in rows)
        return f"# T\n\n## Claims\n\n| Claim | Verified | Confidence |\n|---|---|---|\n{body}\n"
    body = "\n".join(f"{c}\t{'✓' if v else '×'}\t{p}" for c, v, p in rows)
    return f"# T\n\nExtracted claims ({len(rows)}):\n\nClaim\tVerified\tConfidence\n{body}\n"


@pytest.mark.parametrize("fmt", ["text", "md", "json"])
def test_ingest_binds_the_new_shapes_in_every_format(settings, tmp_path, fmt):
    from audit.synthesis.ingest import ingest

    rows = [
        ("MNLI improves BUCC F1.", True, 0.4),
        ("QNLI improves XNLI accuracy.", False, 0.3),
        ("Tatoeba covers 36 languages.", True, 0.6),
        ("QuAC improves XNLI accuracy.", True, 0.2),
    ]
    path = tmp_path / f"007_wider.{ {'text': 'txt', 'md': 'md', 'json': 'json'}[fmt] }"
    path.write_text(_report(fmt, rows), encoding="utf-8")
    try:
        result = ingest(settings, path, dry_run=True)
    except Exception as exc:  # the seed's text format states its counts; say which reader refused
        pytest.fail(f"{fmt}: {exc}")
    bound = {p.spec.statement: p.spec for p in result.planned}
    assert bound["MNLI improves BUCC F1."].experiment.params["targets"] == ["bucc"]
    assert bound["QNLI improves XNLI accuracy."].experiment.params["intermediate"] == ["qnli"]
    assert bound["Tatoeba covers 36 languages."].experiment.name == INVENTORY
    unbound = bound["QuAC improves XNLI accuracy."]
    assert unbound.status == "draft" and "is not a known intermediate task" in unbound.evidence[0].note


def test_a_language_count_is_answered_offline_by_the_pack_and_says_so(settings, tmp_path, data_pack, monkeypatch):
    from dataclasses import replace

    from audit.judge.verdict import Status
    from audit.profiles import Profile
    from audit.run.verify import verify
    from audit.synthesis.ingest import ingest

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    rows = [
        ("Tatoeba covers 36 languages.", True, 0.6),
        ("PAWS-X covers 6 languages.", True, 0.5),
        ("WikiANN is evaluated in 40 languages.", False, 0.5),
    ]
    path = tmp_path / "008_languages.md"
    path.write_text(_report("md", rows), encoding="utf-8")
    ingest(settings, path)
    from audit.synthesis.claims import load_all

    specs = [s for s in load_all(settings.claims_dir).values() if s.source.report == "008_languages"]
    verdicts = {v.claim_id: v for v in verify(specs, Profile.MINI, 1, replace(settings, data_dir=data_pack))}
    by_statement = {s.statement: verdicts[s.id] for s in specs}
    tatoeba = by_statement["Tatoeba covers 36 languages."]
    assert tatoeba.status == Status.SUPPORTED and "answered by the data pack" in tatoeba.reason
    assert by_statement["PAWS-X covers 6 languages."].status == Status.REFUTED  # it has 7
    wikiann = by_statement["WikiANN is evaluated in 40 languages."]
    assert wikiann.status == Status.UNVERIFIABLE and "holds 39 of XTREME's 40 languages (not th)" in wikiann.reason


def test_winogrande_rows_become_two_choice_records():
    from experiments.toolkit.readers import HUB_SHAPES

    trophy = {
        "sentence": "The trophy does not fit in the case because _ is too big.",
        "option1": "the trophy",
        "option2": "the case",
        "answer": "1",
    }
    [record] = HUB_SHAPES["winogrande"]([trophy, {"sentence": "x _ y", "option1": "a", "option2": "b", "answer": ""}])
    assert record == {
        "context": "The trophy does not fit in the case because",
        "choices": ["the trophy is too big.", "the case is too big."],
        "label": 0,
    }
