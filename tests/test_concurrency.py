"""Several ``audit verify`` processes on one store, some killed with SIGKILL mid-run, then a rerun.

The single-writer design: runs never hold the store; each process takes DuckDB's lock
only to sync specs, then to ingest the run records (JSON files written atomically) and
judge, and waits for the lock while another holds it. So a kill can lose at most the run
in flight, whose record was never written, and the rerun completes it.
"""

import random
import signal
import subprocess
import sys
import time

import yaml

from audit.settings import REPO_ROOT
from audit.store import Store
from tests.test_verify import bind

LAUNCH = """
import sys
import experiments
experiments.EXPERIMENTS.register("fake", "tests.fake_experiments:sleepy")
from audit.cli.main import run
sys.exit(run(sys.argv[1:]))
"""


def _verify(settings):
    argv = [
        "--store",
        str(settings.store),
        "--claims-dir",
        str(settings.claims_dir),
        "verify",
        "--claim",
        "squad-gain",
        "--profile",
        "full",
        "--seeds",
        "3",
    ]
    return subprocess.Popen(
        [sys.executable, "-c", LAUNCH, *argv],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _slow(settings, seconds: float) -> None:
    path = next(settings.claims_dir.glob("*/squad-gain.yaml"))
    data = yaml.safe_load(path.read_text())
    data["experiment"]["params"]["sleep"] = seconds
    path.write_text(yaml.safe_dump(data))


def test_killed_verifies_lose_nothing_and_a_rerun_completes(monkeypatch, settings):
    bind(monkeypatch, settings, "squad-gain", "sleepy", values=[1.0, 2.0, 3.0])
    _slow(settings, 0.7)
    procs = [_verify(settings) for _ in range(4)]
    rng = random.Random(7)
    for victim in (0, 2):  # killed at a moment in the middle of their runs
        time.sleep(rng.uniform(1.5, 4.0))
        procs[victim].send_signal(signal.SIGKILL)
    survivors = [procs[i].communicate(timeout=180)[0] for i in (1, 3)]
    assert [procs[i].returncode for i in (1, 3)] == [0, 0], survivors
    rerun = _verify(settings)
    out = rerun.communicate(timeout=180)[0]
    assert rerun.returncode == 0 and "Traceback" not in out, out
    records = {p.stem for p in settings.records_dir.glob("*.json")}
    with Store.reader(settings.store) as store:
        runs = store.rows("SELECT id, seed, status FROM runs WHERE claim_id = 'squad-gain'")
        verdicts = store.rows("SELECT status, n FROM verdicts WHERE claim_id = 'squad-gain'")
    assert sorted(r["id"] for r in runs) == sorted(records)  # none lost, none twice
    assert {r["seed"] for r in runs if r["status"] == "ok"} == {0, 1, 2}
    assert verdicts and all(v["n"] == 3 for v in verdicts)
