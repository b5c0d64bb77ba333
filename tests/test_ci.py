"""``audit ci``: exit 0 when the baseline holds, 1 when a value or verdict moved, 2 on bad input."""

import yaml
from typer.testing import CliRunner

from audit.cli import app
from tests.test_verify import bind

runner = CliRunner()


def baseline(tmp_path, **check):
    entry = {"claim": "squad-gain", "profile": "full", "seeds": 3, "params": {"values": [8.1, 8.2, 8.3]},
             "value": 8.2, "tolerance": 0.05, "verdict": "SUPPORTED", **check}  # fmt: skip
    path = tmp_path / "baseline.yaml"
    path.write_text(yaml.safe_dump({"schema_version": 1, "checks": [entry]}))
    return path


def run(settings, path):
    where = ["--store", str(settings.store), "--claims-dir", str(settings.claims_dir)]
    return runner.invoke(app, [*where, "ci", "--baseline", str(path)])


def test_a_baseline_that_holds_exits_0(monkeypatch, settings, tmp_path):
    bind(monkeypatch, settings, "squad-gain", "per_seed")
    result = run(settings, baseline(tmp_path))
    assert result.exit_code == 0, result.output
    assert "1 of 1 consistent" in result.output


def test_a_moved_value_exits_1(monkeypatch, settings, tmp_path):
    bind(monkeypatch, settings, "squad-gain", "per_seed")
    result = run(settings, baseline(tmp_path, value=9.0))  # deliberately altered
    assert result.exit_code == 1 and "moved" in result.output


def test_a_changed_verdict_exits_1(monkeypatch, settings, tmp_path):
    bind(monkeypatch, settings, "squad-gain", "per_seed")
    result = run(settings, baseline(tmp_path, verdict="PARTIAL"))
    assert result.exit_code == 1


def test_the_check_params_reach_the_experiment(monkeypatch, settings, tmp_path):
    bind(monkeypatch, settings, "squad-gain", "per_seed")
    # the baseline's params replace the values: 1, 2, 3 -> mean 2, CI straddles 0, and 3 seeds
    # detect only about 3.1 points (> the 2-point effect of interest) -> UNDERPOWERED
    path = baseline(tmp_path, params={"values": [1.0, 2.0, 3.0]}, value=2.0, verdict="UNDERPOWERED")
    assert run(settings, path).exit_code == 0


def test_bad_baselines_are_usage_errors(settings, tmp_path):
    missing = run(settings, tmp_path / "nope.yaml")
    assert missing.exit_code == 2 and "no such baseline file" in missing.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nchecks:\n  - claim: squad-gain\n")
    result = run(settings, bad)
    assert result.exit_code == 2 and "field 'checks.0.profile'" in result.output
