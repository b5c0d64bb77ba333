"""Runs side by side in worker processes judge exactly as runs in one process."""

import pytest

from audit.errors import AuditError
from audit.profiles import Profile
from audit.store import Store
from audit.verify import verify
from audit.workers import cores, run_all
from tests.test_verify import bind


def test_two_workers_give_the_verdicts_of_one_process(monkeypatch, settings, tmp_path):
    specs = [bind(monkeypatch, settings, "squad-gain", "per_seed", values=[8.1, 8.2, 8.3]),
             bind(monkeypatch, settings, "mnli-gain", "per_seed", values=[1.0, 2.0, 4.0])]  # fmt: skip
    alone = {v.claim_id: (v.status, v.mean, v.ci_low) for v in verify(specs, Profile.FULL, 3, settings)}
    pooled = settings.__class__(tmp_path / "pooled" / "audit.duckdb", settings.claims_dir, settings.data_dir)
    side_by_side = {v.claim_id: (v.status, v.mean, v.ci_low) for v in verify(specs, Profile.FULL, 3, pooled, jobs=2)}
    assert side_by_side == alone
    with Store(pooled.store) as store:
        assert store.count("runs") == 6  # every (claim, seed) ran once, in a worker


def test_progress_counts_every_run_a_pool_finishes(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "squad-gain", "per_seed", values=[1.0, 2.0])
    said: list[str] = []
    run_all([(spec, 0), (spec, 1)], Profile.MINI, settings, workers=2, progress=said.append)
    assert len(said) == 2 and said[-1].startswith("2/2 runs done")
    assert len(list(settings.records_dir.glob("*.json"))) == 2


def test_a_worker_that_dies_is_one_line_and_keeps_the_finished_records(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "squad-gain", "dies", values=[1.0, 2.0])
    with pytest.raises(AuditError, match="a worker process died .* run again with fewer --jobs"):
        run_all([(spec, 0), (spec, 1)], Profile.MINI, settings, workers=2)
    assert len(list(settings.records_dir.glob("*.json"))) == 1  # seed 0's record survives


def test_cores_is_at_least_one():
    assert cores() >= 1
