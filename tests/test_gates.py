"""Validity gates on hand-made item outcomes: each gate's pass and fail, and the verdicts they force."""

import pytest

from audit.judge.gates import evaluate, failed, units
from audit.judge.stats import summarise
from audit.judge.verdict import Status, decide
from audit.profiles import Profile
from audit.run.records import Cell, Item
from audit.synthesis.spec import ClaimSpec
from tests.test_spec import _valid


def classes(correct: int, n: int = 100, pred_class=None) -> list[Item]:
    """n items, the first ``correct`` right; predictions spread over 3 classes unless one is given."""
    return [
        Item(id=str(i), num=float(i < correct), pred=str(pred_class if pred_class is not None else i % 3))
        for i in range(n)
    ]


def cell(arm, role, score, task="xnli", lang="de", trivial=100 / 3, floor=None, pred_class=None, trained=True):
    return Cell(
        arm=arm,
        role=role,
        task=task,
        language=lang,
        trained=trained,
        trivial=trivial,
        floor=floor,
        items=classes(score, pred_class=pred_class),
    )


def gate(gates, name):
    return next(g for g in gates if g.name == name)


def healthy(seed_correct=60):
    return [
        cell("baseline", "reference", seed_correct),
        cell("squad_v2", "treated", seed_correct - 5),
        cell("squad_v2", "intermediate", 70, task="squad_v2", lang="en", trivial=0.0),
    ]


def test_healthy_runs_pass_every_gate():
    gating = evaluate({0: healthy(), 1: healthy(62), 2: healthy(58)})
    assert [g.outcome for g in gating.gates] == ["PASS", "PASS", "PASS"] and gating.kept == [0, 1, 2]
    assert gate(gating.gates, "trainability").figures == {"checked": 2, "failed": 0, "indeterminate": 0}


def test_a_checkpoint_at_its_trivial_score_fails_whatever_its_se():
    """The mini squad-gain of 8f80a87: 0.0 on 32 held-out items against a trivial 0.0 (SE 0) passed."""
    zeros = [Item(id=str(i), num=0.0) for i in range(32)]
    zero = Cell(arm="squad_v2", role="intermediate", task="squad_v2", language="en", trivial=0.0, items=zeros)
    gating = evaluate({s: [*healthy()[:2], zero] for s in range(3)})
    g = gate(gating.gates, "manipulation")
    assert g.outcome == "FAIL" and "collapsed in all 3 seeds" in g.failures[0]
    assert units({0: [zero]})[0].se == 0.0


def test_the_item_standard_error_is_the_binomial_one():
    [u] = units({0: [cell("a", "treated", 45)]})
    assert u.se == pytest.approx(100 * (0.45 * 0.55 / 99) ** 0.5, rel=1e-9)


def test_a_reference_at_majority_in_one_seed_drops_that_seed_not_the_claim():
    runs = {0: healthy(), 1: [cell("baseline", "reference", 34), *healthy()[1:]], 2: healthy(61)}
    gating = evaluate(runs)
    assert gating.kept == [0, 2] and gate(gating.gates, "positive-control").outcome == "PASS"
    assert "2 of 3 seeds kept" in gating.note() and "seed 1: xnli [baseline]" in gating.note()


def test_a_reference_at_majority_in_every_seed_fails_the_positive_control():
    runs = {s: [cell("baseline", "reference", 34), *healthy()[1:]] for s in range(2)}
    g = gate(evaluate(runs).gates, "positive-control")
    assert g.passed is False and "xnli [baseline]: collapsed in all 2 seeds" in g.failures[0]


def test_declared_floor_binds_above_the_trivial_margin():
    runs = {0: [cell("baseline", "reference", 50, floor=70.0)], 1: [cell("baseline", "reference", 51, floor=70.0)]}
    g = gate(evaluate(runs).gates, "positive-control")
    assert g.passed is False and "floor 70" in g.failures[0]


def test_one_class_model_is_a_collapsed_seed_even_above_the_margin():
    # 96 of 100 items in one class: the arm learned the label prior, not the task.
    items = [Item(id=str(i), num=float(i < 60), pred="0" if i < 96 else "1") for i in range(100)]
    one_class = Cell(arm="squad_v2", role="treated", task="xnli", language="de", trivial=34.0, items=items)
    gating = evaluate({0: [healthy()[0], one_class], 1: healthy()[:2]})
    assert gating.kept == [1] and "96% of items in one class" in gating.dropped[0]


def test_bounds_that_straddle_the_bar_are_indeterminate_and_make_the_claim_underpowered():
    # 20 items at 45% against 33.3 + 2: the one-sided 99% bounds [~20, ~70] straddle 35.3.
    small = [Item(id=str(i), num=float(i % 20 < 9), pred=str(i % 3)) for i in range(20)]
    reference = Cell(arm="baseline", role="reference", task="xnli", language="de", trivial=100 / 3, items=small)
    runs = {s: [reference] for s in range(2)}
    gating = evaluate(runs)
    assert gate(gating.gates, "positive-control").outcome == "INDETERMINATE"
    verdict = decide(squad_spec(), Profile.MINI, summarise([3.0, 4.0, 5.0]), gates=gating.gates)
    assert verdict.status == Status.UNDERPOWERED and "positive-control indeterminate" in verdict.reason


def test_retrieval_cells_train_nothing_and_skip_trainability():
    runs = {0: [cell("baseline", "reference", 1, task="tatoeba", trivial=1.0, trained=False)]}
    gates = evaluate(runs).gates
    assert gate(gates, "trainability").passed is None
    assert gate(gates, "positive-control").passed is False  # chance-level retrieval is still no control


def test_runs_without_cells_have_no_gates_to_fail():
    assert failed(evaluate({0: [], 1: []}).gates) == []


def squad_spec() -> ClaimSpec:
    data = _valid()
    data["experiment"]["profiles"] = {
        "mini": {"params": {"model": "offline:multilingual-e5-small"}, "claimed": {"comparison": "positive"}}
    }
    return ClaimSpec.model_validate(data)


def test_regression_treated_xnli_arm_at_majority_in_one_seed_is_dropped_by_rule_not_read():
    # The mini squad-gain pattern of d995d10: the treated XNLI model at the 33% majority class in
    # 1 of 3 seeds. Before issue #29 that made the claim INVALID; the pre-registered collapse rule
    # now drops the seed and says so, and a claim every seed of which collapsed is INVALID.
    runs = {0: healthy(), 1: healthy(), 2: [healthy()[0], cell("squad_v2", "treated", 33, pred_class=0), healthy()[2]]}
    gating = evaluate(runs)
    assert gating.kept == [0, 1] and "seed 2: xnli [squad_v2]" in gating.note()
    collapsed = {s: [healthy()[0], cell("squad_v2", "treated", 33, pred_class=0), healthy()[2]] for s in range(3)}
    verdict = decide(squad_spec(), Profile.MINI, summarise([-20.0, -22.0, -25.0]), gates=evaluate(collapsed).gates)
    assert verdict.status == Status.INVALID and "trainability failed" in verdict.reason


# -- error rates, by simulation: scores drawn with a known truth, outcomes counted ------------------


def _accuracy_runs(rng, truth: float, seeds: int = 4, items: int = 1000, seed_sd: float = 1.5) -> dict:
    """A reference arm per seed at true accuracy ``truth`` (+ seed noise), 3 balanced classes, trivial 33.3."""
    out = {}
    for s in range(seeds):
        p = min(max(truth + seed_sd * rng.standard_normal(), 0.0), 100.0) / 100
        right = rng.random(items) < p
        preds = rng.integers(0, 3, items)
        its = [Item(id=str(i), num=float(r), pred=str(c)) for i, (r, c) in enumerate(zip(right, preds, strict=True))]
        out[s] = [Cell(arm="baseline", role="reference", task="xnli", language="de", trivial=100 / 3, items=its)]
    return out


def _outcomes(truth: float, replications: int, seed: int) -> dict[str, float]:
    import numpy as np

    rng = np.random.default_rng(seed)
    found = [gate(evaluate(_accuracy_runs(rng, truth)).gates, "positive-control").outcome for _ in range(replications)]
    return {k: found.count(k) / replications for k in ("PASS", "FAIL", "INDETERMINATE")}


def test_a_model_ten_points_above_trivial_is_almost_never_invalid():
    rates = _outcomes(100 / 3 + 10, 400, seed=1)
    assert rates["FAIL"] <= 0.05 and rates["PASS"] >= 0.95, rates


def test_a_model_at_trivial_almost_never_passes():
    rates = _outcomes(100 / 3, 400, seed=2)
    assert rates["PASS"] <= 0.01 and rates["FAIL"] >= 0.9, rates


def test_a_seed_moved_by_half_a_point_never_turns_a_pass_into_a_fail():
    """0c153fd: another AdamW moved mini seeds by up to 0.46 points and turned a gate (and the claim) INVALID."""
    import numpy as np

    rng = np.random.default_rng(3)
    for _ in range(50):
        runs = _accuracy_runs(rng, 100 / 3 + 6, items=200)
        before = gate(evaluate(runs).gates, "positive-control").outcome
        for cells in runs.values():  # flip one item in each seed: 0.5 points
            item = next(i for i in cells[0].items if i.num == 1.0)
            item.num = 0.0
        after = gate(evaluate(runs).gates, "positive-control").outcome
        assert not (before == "PASS" and after == "FAIL")
