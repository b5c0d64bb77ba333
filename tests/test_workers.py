"""Runs side by side in worker processes judge exactly as runs in one process."""

import pytest

from audit.errors import AuditError
from audit.profiles import Profile
from audit.run.verify import verify
from audit.run.workers import cores, run_all
from audit.store import Store
from tests.test_verify import bind


def test_two_workers_give_the_verdicts_of_one_process(monkeypatch, settings, tmp_path):
    specs = [
        bind(monkeypatch, settings, "squad-gain", "per_seed", values=[8.1, 8.2, 8.3]),
        bind(monkeypatch, settings, "mnli-gain", "per_seed", values=[1.0, 2.0, 4.0]),
    ]
    alone = {v.claim_id: (v.status, v.mean, v.ci_low) for v in verify(specs, Profile.FULL, 3, settings)}
    pooled = settings.__class__(tmp_path / "pooled" / "audit.duckdb", settings.claims_dir, settings.data_dir)
    side_by_side = {v.claim_id: (v.status, v.mean, v.ci_low) for v in verify(specs, Profile.FULL, 3, pooled, jobs=2)}
    assert side_by_side == alone
    with Store(pooled.store) as store:
        assert store.count("runs") == 6  # every (claim, seed) ran once, in a worker


def test_progress_counts_every_run_a_pool_finishes(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "squad-gain", "per_seed", values=[1.0, 2.0])
    said = []
    run_all([(spec, 0), (spec, 1)], Profile.MINI, settings, workers=2, progress=said.append)
    assert said[0].kind == "runs" and said[0].total == 2
    assert sorted(e.label for e in said if e.kind == "run-end") == ["squad-gain (seed 0)", "squad-gain (seed 1)"]
    assert len(list(settings.records_dir.glob("*.json"))) == 2


def test_a_worker_that_dies_is_one_line_and_keeps_the_finished_records(monkeypatch, settings):
    spec = bind(monkeypatch, settings, "squad-gain", "dies", values=[1.0, 2.0])
    with pytest.raises(AuditError, match="a worker process died .* run again with fewer --jobs"):
        run_all([(spec, 0), (spec, 1)], Profile.MINI, settings, workers=2)
    assert len(list(settings.records_dir.glob("*.json"))) == 1  # seed 0's record survives


def test_cores_is_at_least_one():
    assert cores() >= 1


def test_a_worker_dies_with_its_parent(tmp_path):
    """kill -9 of the parent takes its worker with it (Linux: PR_SET_PDEATHSIG)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    if not sys.platform.startswith("linux"):
        pytest.skip("parent-death signal is Linux only")
    pid_file = tmp_path / "child.pid"
    child_py = tmp_path / "child.py"
    child_py.write_text(
        "import os, sys, time\n"
        "from audit.run.processes import die_with_parent\n"
        "die_with_parent(int(sys.argv[2]))\n"
        "open(sys.argv[1], 'w').write(str(os.getpid()))\n"
        "time.sleep(60)\n"
    )
    parent = (
        "import os, subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, {str(child_py)!r}, {str(pid_file)!r}, str(os.getpid())])\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", parent])
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.1)
    child = int(pid_file.read_text())
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for _ in range(50):
        if not _alive(child):
            return
        time.sleep(0.1)
    os.kill(child, signal.SIGKILL)
    pytest.fail("the child outlived its killed parent")


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is dead, only not yet reaped
        return f.read().split(")")[-1].split()[0] != "Z"
