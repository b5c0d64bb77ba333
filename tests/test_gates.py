"""Validity gates on hand-made item outcomes: each gate's pass and fail, and the verdicts they force."""

import pytest

from audit.gates import evaluate, failed, units
from audit.profiles import Profile
from audit.records import Cell, Item
from audit.spec import ClaimSpec
from audit.stats import summarise
from audit.verdict import Status, decide
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
    gates = evaluate({0: healthy(), 1: healthy(62), 2: healthy(58)})
    assert [g.passed for g in gates] == [True, True, True]
    assert gate(gates, "trainability").figures == {"checked": 6, "failed": 0}


def test_threshold_is_three_binomial_standard_errors_above_the_majority_class():
    # At p = 0.45 over 100 items the item SE is sqrt(.45 * .55 / 100) * 100 = 4.97 points;
    # 33.3 + 3 x 4.97 = 48.3: 45% correct fails, 50% passes.
    [u] = units({0: [cell("a", "treated", 45)]})
    assert u.se == pytest.approx(100 * (0.45 * 0.55 / 99) ** 0.5, rel=1e-9)
    assert not u.beats_trivial
    assert units({0: [cell("a", "treated", 50)]})[0].beats_trivial


def test_reference_arm_at_majority_fails_the_positive_control():
    runs = {0: healthy(), 1: [cell("baseline", "reference", 34), *healthy()[1:]]}
    g = gate(evaluate(runs), "positive-control")
    assert g.passed is False and "xnli [baseline] in 1 of 2 seeds" in g.failures[0]


def test_declared_floor_binds_above_the_trivial_margin():
    runs = {0: [cell("baseline", "reference", 60, floor=70.0)]}
    g = gate(evaluate(runs), "positive-control")
    assert g.passed is False and "floor 70" in g.failures[0]


def test_checkpoint_that_did_not_learn_its_task_fails_the_manipulation_check():
    runs = {0: [*healthy()[:2], cell("squad_v2", "intermediate", 2, task="squad_v2", lang="en", trivial=0.0)]}
    assert gate(evaluate(runs), "manipulation").passed is False


def test_one_class_model_fails_trainability_even_above_the_margin():
    # 96 of 100 items in one class: the arm learned the label prior, not the task.
    items = [Item(id=str(i), num=float(i < 60), pred="0" if i < 96 else "1") for i in range(100)]
    one_class = Cell(arm="squad_v2", role="treated", task="xnli", language="de", trivial=34.0, items=items)
    g = gate(evaluate({0: [healthy()[0], one_class]}), "trainability")
    assert g.passed is False and "96% of items in one class" in g.failures[0]


def test_retrieval_cells_train_nothing_and_skip_trainability():
    runs = {0: [cell("baseline", "reference", 1, task="tatoeba", trivial=1.0, trained=False)]}
    gates = evaluate(runs)
    assert gate(gates, "trainability").passed is None
    assert gate(gates, "positive-control").passed is False  # chance-level retrieval is still no control


def test_runs_without_cells_have_no_gates_to_fail():
    assert failed(evaluate({0: [], 1: []})) == []


def squad_spec() -> ClaimSpec:
    data = _valid()
    data["experiment"]["profiles"] = {
        "mini": {"params": {"model": "offline:multilingual-e5-small"}, "claimed": {"comparison": "positive"}}
    }
    return ClaimSpec.model_validate(data)


def test_regression_treated_xnli_arm_at_majority_in_one_seed_is_invalid_not_refuted():
    # The mini squad-gain pattern of d995d10: gains strongly negative in every seed (REFUTED
    # before), with the treated XNLI model at the 33% majority class in 1 of 3 seeds.
    runs = {0: healthy(), 1: healthy(), 2: [healthy()[0], cell("squad_v2", "treated", 33, pred_class=0), healthy()[2]]}
    iv = summarise([-20.0, -22.0, -25.0], item_se=[3.0, 3.0, 3.0])
    verdict = decide(squad_spec(), Profile.MINI, iv, gates=evaluate(runs))
    assert verdict.status == Status.INVALID
    assert "trainability failed" in verdict.reason and "in 1 of 3 seeds" in verdict.reason
    healthy_runs = {s: healthy() for s in range(3)}
    assert decide(squad_spec(), Profile.MINI, iv, gates=evaluate(healthy_runs)).status == Status.NOT_REPLICATED
