"""The experiment contract (``audit.contract``): typed params, their layers and origins, the stored record."""

import json

import pytest

from audit.errors import AuditError
from audit.profiles import Profile
from audit.run.plan import params_of, params_view
from audit.synthesis.claims import load_all
from experiments.stability.experiment import StabilityParams
from experiments.transfer.experiment import TransferParams
from tests.conftest import CLAIMS


@pytest.fixture(scope="module")
def specs():
    return load_all(CLAIMS)


def test_params_lay_the_profile_over_the_spec_over_the_sizing_over_the_defaults(specs):
    p = params_of(specs["squad-gain"], Profile.MINI)
    assert isinstance(p, TransferParams)
    assert (p.batch_size, p.max_languages) == (16, 4)  # the spec's mini override
    assert (p.max_steps, p.learning_rate) == (100, None)  # defaults: tasks.yaml's mini schedule sets them per task
    assert p.intermediate == ["squad_v2"]  # the spec's own params
    assert p.warmup_ratio is None and p.precision == "auto"  # defaults, not yet decided
    full = params_of(specs["squad-gain"], Profile.FULL)
    assert (full.max_steps, full.targets[-1]) == (100, "tatoeba")  # the default steps, all nine targets


def test_evaluation_is_sized_like_training_unless_a_spec_says():
    asked = TransferParams.model_validate({**TransferParams.GIVEN, "model": "m", "intermediate": [], "targets": []})
    assert asked.eval_examples is None
    sized = TransferParams.model_validate({**TransferParams.GIVEN, "model": "m", "intermediate": [], "targets": [],
                                           "examples": 64})  # fmt: skip
    assert sized.eval_examples == 64 and "eval_examples" in sized.given()
    told = sized.model_copy(update={"eval_examples": 10})
    assert told.eval_examples == 10


def test_given_holds_only_what_was_set_so_stage_specs_hash_what_was_asked(specs):
    given = params_of(specs["squad-gain"], Profile.MINI).given()
    assert "warmup_ratio" not in given and "epochs" not in given  # nobody set them
    assert given["examples"] is None and given["compare"] == "no-intermediate"  # GIVEN: set even when unset
    assert given["max_languages"] == 4  # the spec's mini params


def test_a_misspelt_param_is_one_line_naming_the_claim_and_field(specs):
    data = specs["squad-gain"].model_dump(mode="json")
    data["experiment"]["profiles"]["mini"]["params"]["max_step"] = 10
    spec = type(specs["squad-gain"]).model_validate(data)
    with pytest.raises(AuditError) as caught:
        params_of(spec, Profile.MINI)
    message = str(caught.value)
    assert "squad-gain" in message and "max_step" in message and "\n" not in message


def test_a_param_of_the_wrong_type_is_refused(specs):
    data = specs["squad-gain"].model_dump(mode="json")
    data["experiment"]["profiles"]["mini"]["params"]["precision"] = "fp8"
    with pytest.raises(AuditError, match="precision"):
        params_of(type(specs["squad-gain"]).model_validate(data), Profile.MINI)


def test_every_curated_spec_makes_valid_params_at_every_profile(specs):
    from audit.registry import is_registered

    checked = 0
    for spec in specs.values():
        if is_registered(spec.experiment.name):
            for profile in Profile:
                params_of(spec, profile)
                checked += 1
    assert checked >= 3 * 20


def test_the_stability_hypothesis_is_typed(specs):
    p = params_of(specs["mnli-tatoeba-char-noise"], Profile.SMOKE)
    assert isinstance(p, StabilityParams)
    assert (p.hypothesis.task, p.hypothesis.condition, p.hypothesis.encoder) == ("tatoeba", "char@0.1", "mnli")
    assert p.attack_examples == 4 and p.strengths == [0.1, 0.2]


def test_the_view_says_where_each_value_came_from_and_what_auto_became(specs):
    view = params_view(specs["squad-gain"], Profile.MINI)
    assert view.origins["max_languages"] == "spec, profiles.mini"
    assert view.origins["max_steps"] == "default"  # tasks.yaml's mini schedule sets each task's
    assert view.origins["intermediate"] == "spec"
    assert view.origins["warmup_ratio"] == "default"
    assert view.params.threads == 1 and "'auto' decided on this machine" in view.origins["threads"]
    assert view.params.precision in {"bf16", "fp32"}


def test_each_training_stage_of_the_plan_lists_what_it_trains_with(specs, data_pack):
    """What each task's training stage runs with at a profile is its plan entry's values (the per-task view)."""
    from audit.run.plan import resolve_run
    from audit.settings import Settings

    settings = Settings(store=data_pack / "n.duckdb", claims_dir=CLAIMS, data_dir=data_pack)
    plan = resolve_run(specs["squad-gain"], Profile.MINI, 0, settings)
    trained = {(s.stage, s.task) for s in plan.stages if s.schedule != "-"}
    assert trained == {("intermediate", "squad_v2"), ("target", "xnli"), ("target", "panx")}
    assert any(n.startswith("tatoeba left out at mini") for n in plan.notes)  # a retrieval target trains nothing


def test_audit_show_prints_the_resolved_params_at_a_profile(settings):
    from tests.test_cli import invoke

    result = invoke(settings, "show", "squad-gain", "--profile", "mini")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Params of xtreme-transfer at mini" in out
    for text in ("max_steps", "max_languages", "learning_rate", "spec, profiles.mini", "decided on this"):
        assert text in out
    assert "5e-05" in out and "150" in out  # each task's stage: tasks.yaml's mini schedule
    assert "Every value each stage computes with" in out and "What the verdict reads the run with" in out


def test_audit_show_of_a_documented_claim_says_it_has_no_run_to_plan(settings):
    from tests.test_cli import invoke

    result = invoke(settings, "show", "three-phase", "--profile", "full")
    assert result.exit_code == 0 and "no run to plan" in result.output


def test_a_bad_param_stops_verify_before_any_run_in_one_line(settings):
    import yaml

    from tests.test_cli import invoke

    path = next(settings.claims_dir.glob("*/squad-gain.yaml"))
    data = yaml.safe_load(path.read_text())
    data["experiment"]["profiles"]["smoke"]["params"]["batch_size"] = 0
    path.write_text(yaml.safe_dump(data))
    result = invoke(settings, "verify", "--claim", "squad-gain", "--profile", "smoke", "--seeds", "1")
    assert result.exit_code == 2 and "batch_size" in result.output
    assert not (settings.home / "records").exists()  # nothing ran


def test_a_run_record_stores_the_params_that_ran(monkeypatch, settings):
    from audit.run.verify import verify
    from audit.store import Store
    from tests.test_verify import bind

    spec = bind(monkeypatch, settings, "squad-gain", "per_seed", values=[1.0, 2.0])
    verify([spec], Profile.SMOKE, 2, settings)
    with Store(settings.store) as store:
        stored = [json.loads(r["params"]) for r in store.rows("SELECT params FROM runs ORDER BY seed")]
    assert [p["values"] for p in stored] == [[1.0, 2.0], [1.0, 2.0]]
    assert stored[0]["examples"] == 16  # the spec's smoke param, carried by the fake's params
