"""``audit verify --executor ray``: stages as Ray tasks on a local cluster, one store writer, retries, resume.

One local Ray (2 CPUs, no dashboard) serves every test here. The workers find ``tests``
through PYTHONPATH, as a cluster's nodes find the installed package.
"""

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from audit.profiles import Profile
from audit.run import ray_executor
from audit.run.records import RunStatus, read_records
from audit.run.verify import verify
from audit.run.workers import Executor
from audit.store import Store
from tests.test_verify import bind

ray = pytest.importorskip("ray")
RAY = Executor(kind="ray")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", autouse=True)
def cluster():
    env = {"PYTHONPATH": str(ROOT), **{k: os.environ[k] for k in ray_executor.ENV if k in os.environ}}
    ray.init(num_cpus=2, include_dashboard=False, runtime_env={"env_vars": env}, log_to_driver=False)
    yield
    ray.shutdown()


# What a process computed rather than what was measured: on Ray the driver's last pass computes nothing.
BOOKKEEPING = {"train_steps", "stages_cached", "stages_run"}


def measured(settings) -> list:
    records = read_records(settings.records_dir)
    return [sorted((m.metric, m.value) for m in r.measurements if m.metric not in BOOKKEEPING) for r in records]


def stage_keys(settings) -> set[str]:
    return {p.parent.name for p in settings.stages_dir.glob("*/stage.json")}


def test_smoke_gives_the_verdicts_and_stage_keys_of_the_local_executor(settings, data_pack, tmp_path):
    from audit.synthesis.claims import load_all

    here = settings.__class__(settings.store, settings.claims_dir, data_pack)
    spec = load_all(settings.claims_dir)["mnli-gain"]
    local = verify([spec], Profile.SMOKE, 1, here)
    on_ray = here.__class__(tmp_path / "ray" / "audit.duckdb", here.claims_dir, data_pack)
    remote = verify([spec], Profile.SMOKE, 1, on_ray, executor=RAY)
    assert [(v.status, v.mean) for v in remote] == [(v.status, v.mean) for v in local]
    assert stage_keys(on_ray) == stage_keys(here) and stage_keys(here)
    assert measured(on_ray) == measured(here)


def test_the_placebo_and_plateau_stages_compute_from_their_plan_entries_as_locally(settings, data_pack, tmp_path):
    """Mini's design (#31) at smoke size: a shuffled-label intermediate and a doubled target, on Ray."""
    from audit.synthesis.claims import load_all

    small = {"control": "placebo", "targets": ["xnli"], "max_steps": 8, "examples": 32, "eval_examples": 32}
    spec = load_all(settings.claims_dir)["mnli-gain"].with_params(Profile.SMOKE, small)
    here = settings.__class__(tmp_path / "local" / "audit.duckdb", settings.claims_dir, data_pack)
    local = verify([spec], Profile.SMOKE, 1, here)
    on_ray = here.__class__(tmp_path / "ray" / "audit.duckdb", here.claims_dir, data_pack)
    remote = verify([spec], Profile.SMOKE, 1, on_ray, executor=RAY)
    assert [(v.status, v.mean) for v in remote] == [(v.status, v.mean) for v in local]
    assert stage_keys(on_ray) == stage_keys(here) and len(stage_keys(here)) >= 7
    assert measured(on_ray) == measured(here)
    assert any(m == "plateau_shift[baseline@2x]" for run in measured(here) for m, _ in run)


def test_a_gpu_stage_is_declared_with_one_call_per_worker():
    """.options(num_gpus=1) bypassed Ray's one-call-per-GPU-worker default, and max_calls cannot be set
    there (issue #32): the GPU memory of a finished stage stayed in a reused worker."""
    gpu = ray_executor.remote(ray, ray_executor._stage_task, {"num_gpus": 1})
    cpu = ray_executor.remote(ray, ray_executor._stage_task, {"num_cpus": 1})
    assert gpu._default_options["max_calls"] == 1 and gpu._default_options["num_gpus"] == 1
    assert "max_calls" not in cpu._default_options


def test_the_driver_plans_under_the_numerics_its_workers_resolve(settings, data_pack, monkeypatch):
    """A CPU-only head resolved 'auto' precision for itself and keyed every stage as its workers did not
    compute them (issue #32): the driver now asks a worker and plans under its answer."""
    from audit.run.plan import resolve_run, resolved_on
    from audit.synthesis.claims import load_all

    spec = load_all(settings.claims_dir)["mnli-gain"]
    here = settings.__class__(settings.store, settings.claims_dir, data_pack)
    driver = ray_executor._Driver(ray, [(spec, 0)], Profile.SMOKE, here, lambda _e: None)
    found = driver.probe()
    local = resolve_run(spec, Profile.SMOKE, 0, here)
    assert found["mnli-gain"]["precision"] == local.params["precision"]  # one machine: the same answer
    with resolved_on({"mnli-gain": {**found["mnli-gain"], "precision": "fp16"}}):
        elsewhere = resolve_run(spec, Profile.SMOKE, 0, here)
    assert elsewhere.params["precision"] == "fp16"
    trained = [s for s in elsewhere.stages if s.stage in ("intermediate", "target")]
    assert trained and all(s.values["precision"] == "fp16" for s in trained)
    assert {k for s in trained for k in s.keys}.isdisjoint({k for s in local.stages for k in s.keys})


def test_a_killed_worker_is_retried_and_the_store_is_complete_once(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "squad-gain", "staged", sleep=5.0)
    killed = []
    killer = threading.Thread(target=_kill_first_attempt, args=(settings.stages_dir, killed), daemon=True)
    killer.start()
    [v] = verify([spec], Profile.FULL, 2, settings, executor=RAY)
    killer.join(timeout=5)
    assert killed, "no stage attempt was seen to kill"
    assert len(list(settings.stages_dir.glob("*/attempt-*"))) == 3  # one seed's twice (killed, retried), the other once
    assert v.n == 2 and v.mean == pytest.approx(3.0)  # seeds 0 and 1 measure 2 and 4
    with Store(settings.store) as store:
        assert store.count("runs") == 2  # one record per (claim, seed): the retry left no duplicate


def test_a_second_run_executes_no_stage(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "squad-gain", "staged", sleep=0.0)
    first = ray_executor.run_all([(spec, 0), (spec, 1)], Profile.MINI, settings, None)
    again = ray_executor.run_all([(spec, 0), (spec, 1)], Profile.MINI, settings, None)
    assert len(first.stages_run) == 4 and first.records == 2
    assert again.stages_run == [] and again.records == 2


def test_a_stage_that_is_unverifiable_wherever_it_runs_is_met_once_not_resubmitted(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "squad-gain", "skips_a_language")
    done = ray_executor.run_all([(spec, 0)], Profile.MINI, settings, None)
    assert done.records == 1 and len(done.stages_run) == 2  # the 'xx' stage once (the driver met it again), 'de'
    [record] = read_records(settings.records_dir)
    assert record.status == RunStatus.OK and record.measurements[0].value == 1.0


def test_a_failed_stage_is_one_line_and_the_other_runs_are_kept(monkeypatch, settings):
    failing = bind(monkeypatch, settings, "squad-gain", "stage_fails")
    fine = bind(monkeypatch, settings, "mnli-gain", "per_seed", name="fake-ok", values=[1.0])
    verify([failing, fine], Profile.FULL, 1, settings, executor=RAY)
    records = {r.claim_id: r for r in read_records(settings.records_dir)}
    assert records["mnli-gain"].status == RunStatus.OK
    assert records["squad-gain"].status == RunStatus.FAILED
    assert records["squad-gain"].error.startswith("stage train (")
    assert "failed on Ray: RuntimeError: disk quota exceeded / while writing the model" in records["squad-gain"].error
    assert "\n" not in records["squad-gain"].error


def _kill_first_attempt(stages: Path, killed: list, timeout: float = 60) -> None:
    """Kill (SIGKILL) the process of the first training attempt seen, as a lost node would."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and not killed:
        for mark in stages.glob("*/attempt-*"):
            os.kill(int(mark.name.split("-")[1]), signal.SIGKILL)
            killed.append(mark)
            return
        time.sleep(0.05)
