"""The whole flow, spec -> experiment -> record -> store -> verdict, with fake experiments."""

import pytest
import yaml

import experiments
from audit.claims import load_all
from audit.profiles import Profile
from audit.store import Store
from audit.verdict import Status
from audit.verify import verify


def bind(monkeypatch, settings, claim_id, fn, name="fake", **params):
    """Point a curated claim at a fake experiment (registered as ``name``) with the given params."""
    monkeypatch.setitem(experiments.EXPERIMENTS.entries, name, f"tests.fake_experiments:{fn}")
    path = next(settings.claims_dir.glob(f"*/{claim_id}.yaml"))
    data = yaml.safe_load(path.read_text())
    data["experiment"]["name"] = name
    data["experiment"]["params"].update({"values": [0], **params})
    path.write_text(yaml.safe_dump(data))
    return load_all(settings.claims_dir)[claim_id]


def test_three_seeds_give_a_stored_verdict_with_provenance(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "squad-gain", "per_seed", values=[8.1, 8.2, 8.3])
    [v] = verify([spec], Profile.FULL, 3, settings)
    assert v.status == Status.SUPPORTED and v.n == 3
    assert v.mean == pytest.approx(8.2)
    with Store(settings.store) as store:
        assert store.count("runs") == 3 and store.count("measurements") == 6
        prov = store.rows("SELECT * FROM provenance")[0]
        assert prov["spec_hash"] == spec.content_hash() and prov["code_hash"]
        assert prov["python"] and '"duckdb"' in prov["packages"]
        assert [v["status"] for v in store.latest_verdicts()] == ["SUPPORTED"]


def test_mini_judges_direction_on_a_proxy_and_full_magnitude(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "squad-gain", "per_seed", values=[1.0, 1.5, 2.0])
    mini = verify([spec], Profile.MINI, 3, settings)[0]
    assert (mini.status, mini.fidelity, mini.model) == (Status.CONSISTENT, "proxy", "multilingual-e5-small")
    assert "item noise not measured" in mini.interval_method
    assert verify([spec], Profile.FULL, 3, settings)[0].status == Status.PARTIAL


def test_smoke_runs_only_prove_the_pipeline(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "squad-gain", "per_seed", values=[8.2])
    assert verify([spec], Profile.SMOKE, 1, settings)[0].status == Status.PIPELINE_OK
    broken = bind(monkeypatch, settings, "squad-gain", "broken")
    assert verify([broken], Profile.SMOKE, 1, settings)[0].status == Status.PIPELINE_FAILED


def test_a_failed_gate_read_back_from_the_store_makes_the_verdict_invalid(monkeypatch, settings):
    import json

    from audit.render import as_json
    from audit.report import build

    spec = bind(monkeypatch, settings, "squad-gain", "gated")
    data = yaml.safe_load(next(settings.claims_dir.glob("*/squad-gain.yaml")).read_text())
    [v] = verify([spec], Profile.MINI, 3, settings)
    assert v.status == Status.CONSISTENT  # every seed's arms learned: judged, and on a proxy
    data["experiment"]["params"]["bad_seed"] = 1
    next(settings.claims_dir.glob("*/squad-gain.yaml")).write_text(yaml.safe_dump(data))
    spec = load_all(settings.claims_dir)["squad-gain"]
    [v] = verify([spec], Profile.MINI, 3, settings)
    assert v.status == Status.INVALID and "trainability failed: xnli [mnli] in 1 of 3 seeds" in v.reason
    with Store(settings.store) as store:
        assert store.count("item_outcomes") == 2 * 90 * 6  # two cells of 90 items, six runs
    row = next(c for c in json.loads(as_json(build(settings, Profile.MINI)))["claims"] if c["claim_id"] == "squad-gain")
    assert row["status"] == "INVALID" and row["fidelity"] == "proxy" and row["model"] == "multilingual-e5-small"
    assert {g["name"]: g["passed"] for g in row["gates"]}["trainability"] is False
    assert "item noise" in row["interval_method"] and row["p_value"] is not None and row["p_adjusted"] is not None


def test_missing_data_is_unverifiable_with_the_reason(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "mnli-size", "missing_data")
    [v] = verify([spec], Profile.MINI, 1, settings)
    assert v.status == Status.UNVERIFIABLE and "MNLI train split" in v.reason


def test_a_crashing_experiment_is_not_run_and_recorded(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "squad-gain", "broken")
    [v] = verify([spec], Profile.MINI, 2, settings)
    assert v.status == Status.NOT_RUN and "RuntimeError: boom" in v.reason
    with Store(settings.store) as store:
        assert {r["status"] for r in store.rows("SELECT status FROM runs")} == {"failed"}


def test_a_run_without_the_headline_metric_is_not_judged(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "squad-gain", "no_headline")
    [v] = verify([spec], Profile.MINI, 2, settings)
    assert v.status == Status.NOT_RUN and "avg_gain" in v.reason


def test_unregistered_experiments_are_not_run_with_a_reason(settings):
    path = next(settings.claims_dir.glob("*/squad-gain.yaml"))
    data = yaml.safe_load(path.read_text())
    data["experiment"]["name"] = "not-built"
    path.write_text(yaml.safe_dump(data))
    spec = load_all(settings.claims_dir)["squad-gain"]
    [v] = verify([spec], Profile.MINI, 3, settings)
    assert v.status == Status.NOT_RUN and "experiment 'not-built'" in v.reason
    with Store(settings.store) as store:
        assert store.count("runs") == 0 and store.count("verdicts") == 1


def test_a_changed_spec_does_not_reuse_old_runs(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "squad-gain", "per_seed", values=[8.2])
    verify([spec], Profile.FULL, 3, settings)
    edited = spec.model_copy(update={"statement": spec.statement + " (edited)"})
    with Store(settings.store) as store:
        assert store.latest_runs("squad-gain", "full", [0, 1, 2], edited.content_hash()) == []


def test_a_note_that_not_every_seed_made_says_how_many_did():
    from audit.verify import seed_notes

    runs = [{"notes": '["xnli [mnli]: learned nothing", "all seeds"]'}, {"notes": '["all seeds"]'}, {"notes": None}]
    assert seed_notes(runs) == ["all seeds (in 2 of 3 seeds)", "xnli [mnli]: learned nothing (in 1 of 3 seeds)"]
    assert seed_notes(runs[:2]) == ["all seeds", "xnli [mnli]: learned nothing (in 1 of 2 seeds)"]


def test_a_proxy_that_cannot_answer_makes_the_claim_not_applicable_with_why(monkeypatch, settings):
    from audit.calibration import calibrate

    spec = bind(monkeypatch, settings, "squad-gain", "proxy_cannot")
    [v] = verify([spec], Profile.MINI, 2, settings)
    assert v.status == Status.NOT_APPLICABLE and "lacks the mechanism" in v.reason
    assert calibrate([v]).decided == 0  # says nothing about the claim, so it labels nothing
