"""A newcomer's first session, as separate processes in a fresh folder with output to files (issue #33).

The README's commands, run the way a CI job or a `> log` runs them: nothing is a terminal,
so progress must come as timestamped lines, every file lands where the messages say, and
every exit code means what the README's command table says.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import SEED_REPORT, SHARED


def _audit(folder, *args, log: str) -> int:
    env = {**os.environ, "AUDIT_DATA_DIR": str(SHARED / "data"), "HF_HUB_OFFLINE": "1"}
    env.pop("AUDIT_STORE", None)  # the embedded default: ./.audit/audit.duckdb in this folder
    with open(folder / log, "w") as out:
        command = [sys.executable, "-m", "audit", *args]  # the installed CLI, whatever PATH holds
        return subprocess.run(command, cwd=folder, stdout=out, stderr=out, env=env).returncode


def test_the_readme_commands_in_a_fresh_folder_with_output_to_files(tmp_path):
    if not (SHARED / "data").is_dir() or not SEED_REPORT.is_file():
        pytest.skip("data pack or seed report not found")
    assert _audit(tmp_path, "ingest", str(SEED_REPORT), log="ingest.log") == 0
    assert _audit(tmp_path, "claims", log="claims.log") == 0
    assert _audit(tmp_path, "verify", "--claim", "mnli-size", "--jobs", "1", log="verify.log") == 0
    verify = (tmp_path / "verify.log").read_text()
    assert verify.startswith("verify: mini, 4 seeds, 1 workers; 1 runs;")
    assert re.search(r"^\[\d\d:\d\d:\d\d\] main: mnli-size \(seed 0\) done \(1 of 1 runs\)", verify, re.MULTILINE)
    assert "UNVERIFIABLE" in verify and "needs the Hugging Face hub" in verify  # MNLI train is not in the pack
    assert _audit(tmp_path, "report", "--format", "md", "--output", "report.md", log="report.log") == 0
    assert "| mnli-size |" in (tmp_path / "report.md").read_text()
    assert _audit(tmp_path, "runs", "--format", "json", log="runs.json") == 0
    assert (tmp_path / ".audit" / "audit.duckdb").is_file() and not (tmp_path / "claims").exists()
    assert _audit(tmp_path, "report", "--output", "nowhere/report.md", log="bad.log") == 2
    assert (tmp_path / "bad.log").read_text().count("\n") == 1 and not (tmp_path / "nowhere").exists()
