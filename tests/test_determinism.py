"""A claim's values depend on its spec and seed alone, never on what else the process ran.

The leak found at d995d10: torch's CPU kernels split their reductions by thread count,
so a training stage computed in a one-thread worker (``--jobs 2`` on 2 cores) and the
same stage computed in a two-thread process gave different weights, and whichever
process first computed a stage that claims share (a baseline arm) set everyone's
value. These tests run one smoke claim, CI-sized, in each situation and compare every
measured value exactly, and every trained stage's weights byte for byte.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from audit.judge.ci import with_params
from audit.profiles import Profile
from audit.run.records import read_records
from audit.run.runner import run_once
from audit.run.workers import run_all
from audit.settings import Settings
from audit.synthesis.claims import load_all
from tests.conftest import CLAIMS, SHARED

# squad-gain at smoke, sized down: its intermediate task and one trained target in two
# languages, so intermediate and target stages both take part.
SMALL = {"targets": ["xnli"], "max_steps": 12, "examples": 32, "eval_examples": 32, "max_languages": 2}


@pytest.fixture
def spec():
    if not (SHARED / "data").is_dir():
        pytest.skip("data pack not found")
    return with_params(load_all(CLAIMS)["squad-gain"], Profile.SMOKE, SMALL)


def _settings(root: Path) -> Settings:
    return Settings(store=root / "audit.duckdb", claims_dir=CLAIMS, data_dir=SHARED / "data")


BOOKKEEPING = {"stages_cached", "stages_run", "train_steps", "training_stages"}


def _values(settings: Settings, seed: int = 0) -> dict:
    """Every measurement of the seed's run, bookkeeping aside (cache counts differ by design)."""
    record = _newest(settings, seed)
    assert record.status.value == "ok", record.error
    return {
        (m.metric, m.task, m.language, m.condition): m.value for m in record.measurements if m.metric not in BOOKKEEPING
    }


def _newest(settings: Settings, seed: int = 0):
    runs = [r for r in read_records(settings.records_dir) if r.seed == seed and r.claim_id == "squad-gain"]
    return max(runs, key=lambda r: r.ended_at)


def _weights(settings: Settings) -> dict[str, str]:
    """Each stage's trained weights by stage key and file: what a stage computed, bit for bit."""
    stages = settings.stages_dir
    return {
        f"{p.relative_to(stages)}": hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(stages.rglob("*.safetensors"))
        if "trainer" not in p.parts
    }


def _alone(root: Path, spec, threads: int = 2) -> Settings:
    import torch

    torch.set_num_threads(threads)  # what the process happens to run with
    settings = _settings(root)
    run_once(spec, Profile.SMOKE, 0, settings)
    return settings


@pytest.fixture
def alone(tmp_path, spec):
    return _alone(tmp_path / "alone", spec)


def test_the_process_thread_count_changes_no_value(alone, tmp_path, spec):
    other = _alone(tmp_path / "one-thread", spec, threads=1)
    assert _values(other) == _values(alone)
    assert _weights(other) == _weights(alone)


def test_a_worker_of_jobs_2_gives_the_values_of_a_lone_run(alone, tmp_path, spec):
    pooled = _settings(tmp_path / "pooled")
    run_all([(spec, 0), (spec, 1)], Profile.SMOKE, pooled, workers=2)
    assert _values(pooled) == _values(alone)
    shared = set(_weights(alone)) & set(_weights(pooled))
    assert shared and {k: _weights(pooled)[k] for k in shared} == {k: _weights(alone)[k] for k in shared}


def test_a_claim_after_another_in_one_process_gives_its_lone_values(alone, tmp_path, spec):
    settings = _settings(tmp_path / "after")
    mnli = with_params(load_all(CLAIMS)["mnli-gain"], Profile.SMOKE, SMALL)
    run_once(mnli, Profile.SMOKE, 1, settings)  # another claim and seed first: the baseline arm is its
    run_once(spec, Profile.SMOKE, 0, settings)
    assert _values(settings) == _values(alone)


def test_a_warm_cache_gives_the_values_it_stored(alone, spec):
    first = _values(alone)
    run_once(spec, Profile.SMOKE, 0, alone)
    assert {m.metric: m.value for m in _newest(alone).measurements}["stages_run"] == 0
    assert _values(alone) == first


def test_a_record_says_what_its_numbers_depended_on_and_names_no_machine_folder(alone):
    prov = _newest(alone).provenance
    assert prov.hardware["processor"] and isinstance(prov.hardware["isa"], list)
    assert prov.numerics["threads"] == 1 and prov.numerics["precision"] in {"bf16", "fp32"}
    assert prov.numerics["attention"] == "eager" and prov.numerics["cpu_capability"]
    assert prov.data_fingerprints and all(k.startswith("pack:") for k in prov.data_fingerprints)
    assert str(SHARED) not in _newest(alone).model_dump_json()


def test_audit_show_prints_the_newest_runs_machine_and_regime(alone):
    from typer.testing import CliRunner

    from audit.cli.main import app
    from audit.store import Store

    with Store(alone.store) as store:
        store.ingest_records(alone.records_dir)
    out = CliRunner().invoke(app, ["--store", str(alone.store), "show", "squad-gain"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "threads" in out.output and "isa:" in out.output and "smoke" in out.output


def test_on_a_gpu_the_stage_regime_keeps_attention_to_its_deterministic_kernel(monkeypatch):
    """warn_only left the flash and memory-efficient attention backwards (atomic, non-deterministic)
    in use on CUDA (issue #32). On a CPU machine torch only pretends to have CUDA here; the switches
    are process-wide flags, put back afterwards."""
    import torch

    from audit.run import determinism

    kernels = ("flash", "mem_efficient", "cudnn", "math")
    before = {k: getattr(torch.backends.cuda, f"{k}_sdp_enabled")() for k in kernels}
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    try:
        determinism.deterministic(torch.get_num_threads())
        assert determinism.regime()["sdpa_kernels"] == ["math"]
    finally:
        for k, on in before.items():
            getattr(torch.backends.cuda, f"enable_{k}_sdp")(on)
