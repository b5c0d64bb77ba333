"""Mini's targets where the mechanism can show (#31): xnli-no-gain's XNLI trains on its MNLI arm's rows."""

from __future__ import annotations

import pytest

from audit.errors import AuditError
from audit.profiles import Profile
from audit.run.plan import context, resolve_run
from audit.settings import Settings
from audit.synthesis.claims import load_all
from experiments.toolkit.tasks import get
from experiments.transfer import experiment as transfer
from tests.conftest import CLAIMS


@pytest.fixture
def settings(data_pack, tmp_path):
    return Settings(store=tmp_path / "audit.duckdb", claims_dir=CLAIMS, data_dir=data_pack)


def test_xnli_trains_on_the_rows_its_mnli_arm_trained_on(settings):
    spec = load_all(CLAIMS)["xnli-no-gain"]
    ctx = context(spec, Profile.MINI, 0, settings, transfer.EXPERIMENT)
    pipe = transfer.Pipeline(ctx, ctx.params, cache=None)
    xnli, mnli = get("xnli"), get("mnli")
    assert pipe.train_rows(xnli) == pipe.train_rows(mnli) and len(pipe.train_rows(xnli)) > 1000
    held_out = pipe.check_rows(mnli)  # the manipulation check's items train neither
    pair = lambda r: (r["text_a"], r["text_b"])  # noqa: E731 (MNLI writes several hypotheses per premise)
    assert not {pair(r) for r in held_out} & {pair(r) for r in pipe.train_rows(xnli)}


def test_the_target_stage_names_whose_rows_it_trained_on(settings):
    plan = resolve_run(load_all(CLAIMS)["xnli-no-gain"], Profile.MINI, 0, settings)
    targets = [s for s in plan.stages if s.stage == "target"]
    assert targets and all(s.values["train_rows"] == "mnli" for s in targets)
    other = resolve_run(load_all(CLAIMS)["mnli-gain"], Profile.MINI, 0, settings)
    assert not any("train_rows" in s.values for s in other.stages)  # mnli-gain's XNLI keeps its own rows


def test_rows_of_another_format_are_refused_in_one_line():
    spec = load_all(CLAIMS)["xnli-no-gain"].with_params(Profile.MINI, {"train_on": {"xnli": "squad_v1"}})
    with pytest.raises(AuditError, match="same format and labels"):
        transfer.TransferParams.for_spec(spec, Profile.MINI)


def test_a_task_mini_cannot_learn_is_left_out_with_its_measured_reason(settings):
    """HellaSwag's mini checkpoint chose 25.7% of held-out endings right against a majority class of 26.9%."""
    alone = resolve_run(load_all(CLAIMS)["hellaswag-gain"], Profile.MINI, 0, settings)
    assert alone.stopped == "not-applicable" and "25.7%" in alone.why
    several = resolve_run(load_all(CLAIMS)["xnli-no-gain"], Profile.MINI, 0, settings)
    assert "hellaswag" not in {s.task for s in several.stages} and {"mnli", "squad_v1"} <= {
        s.task for s in several.stages
    }
    assert any(n.startswith("hellaswag left out at mini: multilingual-e5-small does not learn") for n in several.notes)


def test_a_target_mini_cannot_learn_is_left_out_and_alone_is_not_applicable():
    """PAWS-X's untouched mini model gave one class to every held-out pair (57.4-59.1%, the majority)."""
    from types import SimpleNamespace

    from audit.contract import NotApplicable
    from experiments.transfer.pipeline import Pipeline
    from tests.tiny import transfer_params

    pipe = Pipeline(SimpleNamespace(profile=Profile.MINI, seed=0), transfer_params(), cache=None)
    assert [t.name for t in pipe.applicable([get("pawsx"), get("xnli")])] == ["xnli"]
    assert pipe.notes[0].startswith("pawsx left out at mini: multilingual-e5-small does not learn PAWS-X")
    with pytest.raises(NotApplicable, match="one class to every held-out pair"):
        pipe.applicable([get("pawsx")])
    full = Pipeline(SimpleNamespace(profile=Profile.FULL, seed=0), transfer_params(), cache=None)
    assert full.applicable([get("pawsx")]) == [get("pawsx")]  # a measured reason holds only where measured
