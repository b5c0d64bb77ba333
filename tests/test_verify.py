"""The whole flow, spec -> experiment -> record -> store -> verdict, with fake experiments."""

import pytest
import yaml

import experiments
from audit.judge.verdict import Status
from audit.profiles import Profile
from audit.run.verify import verify
from audit.store import Store
from audit.synthesis.claims import load_all


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


def test_gates_read_back_from_the_store_drop_a_collapsed_seed_and_fail_a_collapsed_arm(monkeypatch, settings):
    import json

    from audit.output.audit_report import build
    from audit.output.render_json import as_json

    spec = bind(monkeypatch, settings, "squad-gain", "gated")
    data = yaml.safe_load(next(settings.claims_dir.glob("*/squad-gain.yaml")).read_text())
    [v] = verify([spec], Profile.MINI, 3, settings)
    assert v.status == Status.CONSISTENT  # every seed's arms learned: judged, and on a proxy
    for bad_seed in (1, -1):
        data["experiment"]["params"]["bad_seed"] = bad_seed
        next(settings.claims_dir.glob("*/squad-gain.yaml")).write_text(yaml.safe_dump(data))
        spec = load_all(settings.claims_dir)["squad-gain"]
        [v] = verify([spec], Profile.MINI, 3, settings)
        if bad_seed == 1:  # one seed collapsed: dropped by the pre-registered rule, and said
            assert v.n == 2 and "2 of 3 seeds kept" in v.reason and "seed 1: xnli [mnli]: 100% of items" in v.reason
    assert v.status == Status.INVALID and "trainability failed: xnli [mnli]: collapsed in all 3 seeds" in v.reason
    with Store(settings.store) as store:
        assert store.count("item_outcomes") == 2 * 90 * 9  # two cells of 90 items, nine runs
    row = next(c for c in json.loads(as_json(build(settings, Profile.MINI)))["claims"] if c["claim_id"] == "squad-gain")
    assert row["status"] == "INVALID" and row["fidelity"] == "proxy" and row["model"] == "multilingual-e5-small"
    assert {g["name"]: g["passed"] for g in row["gates"]}["trainability"] is False
    assert "crossed seeds x item clusters (3 seeds x 90" in row["interval_method"]
    assert row["p_value"] is None and row["p_adjusted"] is None  # INVALID: no test to read, not in the family


def test_missing_data_is_unverifiable_with_the_reason(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "mnli-size", "missing_data")
    [v] = verify([spec], Profile.MINI, 1, settings)
    assert v.status == Status.UNVERIFIABLE and "MNLI train split" in v.reason


def test_a_crashing_experiment_is_incomplete_and_recorded(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "squad-gain", "broken")
    [v] = verify([spec], Profile.MINI, 2, settings)
    assert v.status == Status.INCOMPLETE and "0 of 2 seeds ran" in v.reason and "RuntimeError: boom" in v.reason
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
    from audit.run.verify import seed_notes

    runs = [{"notes": '["xnli [mnli]: learned nothing", "all seeds"]'}, {"notes": '["all seeds"]'}, {"notes": None}]
    assert seed_notes(runs) == ["all seeds (in 2 of 3 seeds)", "xnli [mnli]: learned nothing (in 1 of 3 seeds)"]
    assert seed_notes(runs[:2]) == ["all seeds", "xnli [mnli]: learned nothing (in 1 of 2 seeds)"]


def test_a_proxy_that_cannot_answer_makes_the_claim_not_applicable_with_why(monkeypatch, settings):
    from audit.judge.calibration import calibrate

    spec = bind(monkeypatch, settings, "squad-gain", "proxy_cannot")
    [v] = verify([spec], Profile.MINI, 2, settings)
    assert v.status == Status.NOT_APPLICABLE and "lacks the mechanism" in v.reason
    assert calibrate([v]).decided == 0  # says nothing about the claim, so it labels nothing


def test_a_transient_error_is_retried_once_and_the_record_says_so(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "squad-gain", "flaky", values=[8.1, 8.2, 8.3], bad_seed=1)
    [v] = verify([spec], Profile.FULL, 3, settings)
    assert v.status == Status.SUPPORTED and v.n == 3
    retried = "retried once after a transient error (OSError: [Errno 39] Directory not empty)"
    assert f"{retried} (in 1 of 3 seeds)" in v.reason


def test_a_seed_that_still_fails_costs_one_seed_not_the_claim(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "squad-gain", "one_seed_fails", values=[8.1, 8.2, 8.3, 8.4], bad_seed=1)
    settings.stages_dir.mkdir(parents=True, exist_ok=True)
    (settings.stages_dir / "disk-full").touch()
    [v] = verify([spec], Profile.FULL, 4, settings)
    assert v.status == Status.INCOMPLETE and v.n == 3 and v.mean == pytest.approx((8.1 + 8.3 + 8.4) / 3)
    assert v.reason.startswith("3 of 4 seeds ran (seed 1: OSError: [Errno 28] No space left on device)")
    assert "on the 3 that ran: SUPPORTED" in v.reason and v.p_value is None
    with Store(settings.store) as store:
        assert sorted(r["status"] for r in store.rows("SELECT status FROM runs")) == ["failed", "ok", "ok", "ok"]
    (settings.stages_dir / "disk-full").unlink()  # room again: the same command fills in seed 1
    [again] = verify([spec], Profile.FULL, 4, settings)
    assert again.status == Status.SUPPORTED and again.n == 4


def test_a_seed_without_a_run_makes_the_claim_incomplete(monkeypatch, settings):
    from audit.run.verify import judge_stored

    spec = bind(monkeypatch, settings, "squad-gain", "per_seed", values=[8.1, 8.2, 8.3])
    verify([spec], Profile.FULL, 3, settings)
    with Store(settings.store) as store:
        v = judge_stored(store, spec, Profile.FULL, 4)
    assert v.status == Status.INCOMPLETE and "3 of 4 seeds ran (seed 3: no run)" in v.reason


def _verify_in_order(monkeypatch, settings, order: list[str]) -> dict[str, tuple]:
    """Each claim verified by its own command, in ``order``; what the report then says of each."""
    from audit.output.audit_report import stored_verdicts

    values = {"squad-gain": [1.0, 1.2, 1.4], "mnli-gain": [0.5, 1.5, 2.6], "hellaswag-gain": [3.0, 3.1, 3.3]}
    specs = {c: bind(monkeypatch, settings, c, "per_seed", values=v) for c, v in values.items()}
    for claim in order:
        verify([specs[claim]], Profile.MINI, 3, settings)
    stored = stored_verdicts(settings.store, Profile.MINI)
    with Store(settings.store) as store:
        raw = {r["claim_id"]: (r["status"], r["p_value"]) for r in store.latest_verdicts("mini")}
    return {c: (*raw[c], stored[c][0].status, stored[c][0].p_adjusted, stored[c][0].family_size) for c in values}


def test_multiplicity_does_not_depend_on_the_order_claims_ran_in(monkeypatch, settings, tmp_path):
    from dataclasses import replace

    first = _verify_in_order(monkeypatch, settings, ["squad-gain", "mnli-gain", "hellaswag-gain"])
    other = replace(settings, store=tmp_path / "other" / "audit.duckdb")
    second = _verify_in_order(monkeypatch, other, ["hellaswag-gain", "mnli-gain", "squad-gain"])
    assert first == second
    assert {m for *_, m in first.values()} == {3}  # one family of three, m printed beside p
    smallest = min(first.values(), key=lambda row: row[1])
    assert smallest[3] == pytest.approx(3 * smallest[1])  # Holm's first step: p times m


def test_an_invalid_verdict_is_not_in_the_family(monkeypatch, settings):
    from audit.judge.verdict import adjust, in_family

    spec = bind(monkeypatch, settings, "squad-gain", "gated", bad_seed=-1)
    [v] = verify([spec], Profile.MINI, 3, settings)
    assert v.status == Status.INVALID and not in_family(v)
    assert adjust([v], [v])[0].p_adjusted is None
