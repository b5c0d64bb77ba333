"""Per-profile task settings (tasks.yaml) over a claim's params: jiant's at full, step sizes at mini."""

from __future__ import annotations

from pathlib import Path

from audit.profiles import Profile
from experiments.toolkit.stages import StageCache
from experiments.toolkit.tasks import get
from experiments.toolkit.training import arguments
from experiments.transfer.experiment import Pipeline
from tests.tiny import transfer_params


class _Ctx:
    def __init__(self, profile: Profile):
        self.profile, self.seed = profile, 0


def _pipe(profile: Profile) -> Pipeline:
    params = transfer_params(max_length=64, batch_size=16, max_steps=48, learning_rate=1e-5)
    return Pipeline(_Ctx(profile), params, StageCache(Path("unused"), "c"))


def test_full_takes_jiants_per_task_settings():
    pipe = _pipe(Profile.FULL)
    xnli, panx, xquad = (pipe.task_params(get(t)) for t in ("xnli", "panx", "xquad"))
    # jiant: 4 examples a step, 8 steps of accumulation (4 for QA): 32 (16) per optimiser step
    assert (xnli["epochs"], xnli["batch_size"], xnli["grad_accumulation"], xnli["max_length"]) == (2, 4, 8, 256)
    assert (panx["epochs"], panx["max_length"]) == (10, 256)
    assert (xquad["epochs"], xquad["batch_size"], xquad["grad_accumulation"], xquad["max_length"]) == (2, 4, 4, 384)
    assert pipe.task_params(get("tatoeba"))["max_length"] == 512


def test_other_profiles_keep_the_specs_sizing():
    params = _pipe(Profile.MINI).task_params(get("xnli"))
    assert "epochs" not in params and (params["batch_size"], params["max_length"]) == (16, 64)


def test_epochs_replace_the_step_budget(tmp_path):
    args = arguments(tmp_path, {"epochs": 2, "batch_size": 32, "max_steps": 48}, seed=0)
    assert (args.num_train_epochs, args.max_steps) == (2, -1)
    assert arguments(tmp_path, {"max_steps": 48}, seed=0).max_steps == 48


def test_mini_gives_multiple_choice_as_many_sequences_a_step_as_the_other_tasks():
    mini, smoke = _pipe(Profile.MINI), _pipe(Profile.SMOKE)
    assert [mini.task_params(get(t))["batch_size"] for t in ("hellaswag", "cosmosqa", "mnli")] == [4, 4, 16]
    assert smoke.task_params(get("hellaswag"))["batch_size"] == 16  # no smoke settings: the claim's own


def test_mini_trains_every_arm_on_one_schedule_fixed_in_advance():
    from experiments.toolkit.tasks import schedule

    pipe = _pipe(Profile.MINI)  # the claim asks for 48 steps at 1e-5
    for name in ("mnli", "hellaswag", "squad_v1", "xnli", "panx", "tydiqa"):
        task = get(name)
        taken = pipe.task_params(task)
        assert {k: taken[k] for k in schedule("mini", task.role)} == schedule("mini", task.role)
        assert (taken["max_steps"], taken["learning_rate"]) != (48, 1e-5)
    assert schedule("mini", "intermediate") == schedule("mini", "target")  # tuned on the reference arm, for all


def test_a_tasks_own_evaluation_size_wins_and_enters_its_stage_keys():
    pipe = _pipe(Profile.MINI)
    panx, xnli = get("panx"), get("xnli")
    cap = panx.profiles["mini"]["eval_examples"]
    assert pipe.setting(panx, "eval_examples") == cap and pipe.setting(xnli, "eval_examples") is None
    assert pipe.score_spec(panx, "de")["eval_examples"] == cap
    assert pipe.target_spec(panx)["eval_examples"] == cap and pipe.target_spec(xnli)["eval_examples"] is None
    assert _pipe(Profile.SMOKE).setting(panx, "eval_examples") is None  # mini's cap only
