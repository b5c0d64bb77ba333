"""The placebo arm (#31): labels cut from their inputs, everything else kept; and where it enters the design.

Each format's shuffle is checked on rows whose label is a known function of the input, so a
shuffle that left the link in place (or changed what a label-free model could still learn:
the class shares, the tags' frequencies, sentence lengths, the share of unanswerable questions)
fails here.
"""

from __future__ import annotations

from collections import Counter

import pytest

from audit.profiles import Profile
from audit.synthesis.claims import load_all
from experiments.toolkit.placebo import arm_of, shuffled
from tests.conftest import CLAIMS


def pairs(n: int = 3000) -> list[dict]:
    """NLI-like rows whose label is written in the premise: the link a placebo must cut."""
    return [{"text_a": f"class {i % 3} row {i}", "text_b": "h", "label": [0, 0, 1, 2][i % 4]} for i in range(n)]


def test_pair_labels_keep_their_shares_and_lose_their_inputs():
    rows = pairs()
    placebo = shuffled("pair", rows, seed=0, task="mnli")
    assert Counter(r["label"] for r in placebo) == Counter(r["label"] for r in rows)
    assert [r["text_a"] for r in placebo] == [r["text_a"] for r in rows]  # the inputs are untouched
    kept = sum(p["label"] == r["label"] for p, r in zip(placebo, rows, strict=True)) / len(rows)
    chance = sum((c / len(rows)) ** 2 for c in Counter(r["label"] for r in rows).values())  # 0.375
    assert abs(kept - chance) < 0.04  # a label still tied to its row would be near 1


def test_a_placebo_is_one_fixed_stage_per_seed_and_differs_between_seeds():
    rows = pairs(500)
    assert shuffled("pair", rows, 3, "mnli") == shuffled("pair", rows, 3, "mnli")
    assert shuffled("pair", rows, 3, "mnli") != shuffled("pair", rows, 4, "mnli")


def test_choice_labels_are_permuted_too():
    rows = [{"context": str(i), "choices": ["a", "b", "c", "d"], "label": i % 4} for i in range(2000)]
    placebo = shuffled("choice", rows, 1, "hellaswag")
    assert Counter(r["label"] for r in placebo) == Counter(r["label"] for r in rows)
    assert sum(p["label"] == r["label"] for p, r in zip(placebo, rows, strict=True)) / len(rows) < 0.3


def test_tags_keep_lengths_and_frequencies_not_their_tokens():
    rows = [
        {"tokens": ["w"] * (3 + i % 5), "tags": ["NOUN" if j % 2 else "VERB" for j in range(3 + i % 5)]}
        for i in range(800)
    ]
    placebo = shuffled("tags", rows, 0, "ccg")
    assert [len(r["tags"]) for r in placebo] == [len(r["tags"]) for r in rows]
    assert Counter(t for r in placebo for t in r["tags"]) == Counter(t for r in rows for t in r["tags"])
    same = sum(a == b for p, r in zip(placebo, rows, strict=True) for a, b in zip(p["tags"], r["tags"], strict=True))
    assert same / sum(len(r["tags"]) for r in rows) < 0.6  # gold alternates; a kept link would be 1.0


def test_an_answer_moves_within_its_context_and_unanswerable_stays_so():
    context = "The quick brown fox jumps over the lazy dog near the river bank today."
    rows = [
        {"id": str(i), "context": context, "question": "q", "answers": {"text": ["lazy dog"], "answer_start": [35]}}
        for i in range(200)
    ] + [{"id": "u", "context": context, "question": "q", "answers": {"text": [], "answer_start": []}}]
    placebo = shuffled("span", rows, 0, "squad_v2")
    for r in placebo[:-1]:
        [text], [start] = r["answers"]["text"], r["answers"]["answer_start"]
        assert context[start : start + len(text)] == text and len(text) == len("lazy dog")
    assert placebo[-1] == rows[-1]
    assert sum(r["answers"]["answer_start"] == [35] for r in placebo) < 20  # 1 of 57 places


def test_an_unknown_format_has_no_placebo():
    with pytest.raises(ValueError, match="no placebo"):
        shuffled("parallel", [], 0, "bucc")


def test_mini_measures_a_gain_over_the_placebo_and_checks_the_plateau(data_pack, tmp_path):
    """The mini plan: the placebo's own stages, the untouched reference and its doubled schedule."""
    from audit.run.plan import resolve_run
    from audit.settings import Settings

    settings = Settings(store=tmp_path / "audit.duckdb", claims_dir=CLAIMS, data_dir=data_pack)
    plan = resolve_run(load_all(CLAIMS)["mnli-gain"], Profile.MINI, 0, settings)
    rows = {(s.stage, s.arm): s for s in plan.stages}
    gold, fake = rows[("intermediate", "mnli")], rows[("intermediate", arm_of("mnli"))]
    assert fake.values["labels"] == "shuffled" and "labels" not in gold.values
    assert {k: v for k, v in fake.values.items() if k != "labels"} == gold.values  # same rows, steps, settings
    base, longer = rows[("target", "baseline")], rows[("target", "baseline@2x")]
    assert longer.values["max_steps"] == 2 * base.values["max_steps"]
    assert rows[("target", arm_of("mnli"))].inputs == fake.keys


def test_other_comparisons_have_their_own_control():
    spec = load_all(CLAIMS)["english-beats-mlm"]
    from experiments.transfer.params import TransferParams

    assert TransferParams.for_spec(spec, Profile.MINI).control is None
    assert TransferParams.for_spec(load_all(CLAIMS)["mnli-gain"], Profile.SMOKE).control == "baseline"


def test_the_stability_sweep_records_no_placebo_it_did_not_run():
    from experiments.stability.experiment import StabilityParams

    spec = load_all(CLAIMS)["mnli-xnli-char-noise"]
    params = StabilityParams.for_spec(spec, Profile.MINI)
    assert params.control is None and params.model == "offline:multilingual-e5-small"
