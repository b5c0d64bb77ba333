"""``audit ci``: exit 0 when the baseline holds, 1 when a value or verdict moved, 2 on bad input."""

import yaml
from typer.testing import CliRunner

from audit.cli.main import app
from tests.test_verify import bind

runner = CliRunner()


# The check most tests start from: squad-gain bound to the per-seed fake, which measures 8.1, 8.2, 8.3.
CHECK = {
    "claim": "squad-gain",
    "profile": "full",
    "seeds": 3,
    "params": {"values": [8.1, 8.2, 8.3]},
    "value": 8.2,
    "tolerance": 0.05,
    "verdict": "SUPPORTED",
}


def baseline(tmp_path, **check):
    entry = {**CHECK, **check}
    path = tmp_path / "baseline.yaml"
    path.write_text(yaml.safe_dump({"schema_version": 1, "checks": [entry]}))
    return path


def run(settings, path):
    where = ["--store", str(settings.store), "--claims-dir", str(settings.claims_dir)]
    return runner.invoke(app, [*where, "ci", "--baseline", str(path)])


def test_the_gate_logs_its_runs_as_timestamped_lines(monkeypatch, settings, tmp_path):
    import re

    bind(monkeypatch, settings, "squad-gain", "per_seed")
    result = run(settings, baseline(tmp_path))
    assert re.search(r"^\[\d\d:\d\d:\d\d\] worker \d: squad-gain \(seed 0\) done", result.stdout, re.MULTILINE)


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


def junit(settings, tmp_path, entries):
    path = tmp_path / "baseline.yaml"
    path.write_text(yaml.safe_dump({"schema_version": 1, "checks": entries}))
    where = ["--store", str(settings.store), "--claims-dir", str(settings.claims_dir)]
    out = tmp_path / "junit.xml"
    result = runner.invoke(app, [*where, "ci", "--baseline", str(path), "--junit", str(out)])
    return result, out


def test_junit_output_validates_and_names_each_outcome(monkeypatch, settings, tmp_path):
    from pathlib import Path

    from lxml import etree

    bind(monkeypatch, settings, "squad-gain", "per_seed")
    base = CHECK
    moved = {**base, "value": 9.0, "why": "a deliberately altered value"}
    result, out = junit(settings, tmp_path, [base, moved])
    assert result.exit_code == 1, result.output
    schema = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("junit.xsd"))))
    doc = etree.parse(str(out))
    assert schema.validate(doc), schema.error_log
    suite = doc.getroot()[0]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "1", "0")
    assert suite[0].find("failure") is None and "baseline 9" in suite[1].find("failure").get("message")


def test_junit_marks_a_run_that_could_not_run_as_an_error_and_invalid_as_skipped(monkeypatch, settings, tmp_path):
    from lxml import etree

    bind(monkeypatch, settings, "squad-gain", "broken")
    result, out = junit(
        settings,
        tmp_path,
        [{"claim": "squad-gain", "profile": "mini", "seeds": 1, "value": 0, "tolerance": 1, "verdict": "NOT_RUN"}],
    )
    case = etree.parse(str(out)).getroot()[0][0]
    assert case.find("error") is not None and "boom" in case.find("error").get("message")
    from audit.judge.verdict import Status, Verdict
    from audit.output.junit import junit_xml

    class Outcome:  # an INVALID run that its baseline expected: it measured nothing, so it is skipped
        check = type("C", (), {"claim": "x", "profile": type("P", (), {"value": "mini"})(), "seeds": 1})()
        verdict = Verdict(claim_id="x", profile="mini", status=Status.INVALID, reason="manipulation failed: ...")
        ok = True

    skipped = etree.fromstring(junit_xml([Outcome()]).encode())[0][0].find("skipped")
    assert skipped is not None and "manipulation failed" in skipped.get("message")


def test_an_unwritable_junit_path_is_one_line_and_exit_2(monkeypatch, settings, tmp_path):
    bind(monkeypatch, settings, "squad-gain", "per_seed")
    blocker = tmp_path / "file"
    blocker.write_text("")
    path = baseline(tmp_path)
    where = ["--store", str(settings.store), "--claims-dir", str(settings.claims_dir)]
    result = runner.invoke(app, [*where, "ci", "--baseline", str(path), "--junit", str(blocker / "junit.xml")])
    assert result.exit_code == 2 and "cannot write" in result.output and "Traceback" not in result.output


def test_every_flag_in_the_ci_guide_exists():
    import re
    from pathlib import Path

    import typer

    root = typer.main.get_command(app)
    text = (Path(__file__).parents[1] / "docs" / "ci.md").read_text()
    calls = re.findall(r"audit((?: --[a-z-]+ \S+)*) ([a-z]+)((?: \S+)*)", text)
    assert len(calls) >= 3
    global_flags = {o for p in root.params for o in p.opts}
    for before, command, after in calls:
        sub = root.commands[command]
        flags = {o for p in sub.params for o in getattr(p, "opts", []) if o.startswith("--")}
        assert set(re.findall(r"--[a-z-]+", before)) <= global_flags
        assert set(re.findall(r"--[a-z-]+", after)) <= flags, (command, after)


def test_a_seed_that_moves_fails_the_gate_even_when_the_mean_holds(monkeypatch, settings, tmp_path):
    from lxml import etree

    bind(monkeypatch, settings, "squad-gain", "per_seed")
    base = {**CHECK, "tolerance": 0.5, "seed_values": [8.1, 8.2, 8.3], "seed_tolerance": 0.01}
    swapped = {**base, "seed_values": [8.3, 8.2, 8.1]}  # same mean, seeds 0 and 2 moved
    result, out = junit(settings, tmp_path, [base, swapped])
    assert result.exit_code == 1, result.output
    cases = etree.parse(str(out)).getroot()[0]
    assert cases[0].find("failure") is None
    message = cases[1].find("failure").get("message")
    assert "seed 0: baseline 8.3" in message and "seed 2: baseline 8.1" in message and "seed 1" not in message


def test_seed_values_must_match_the_seed_count(settings, tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "schema_version": 1,
                "checks": [
                    {
                        "claim": "squad-gain",
                        "profile": "mini",
                        "seeds": 3,
                        "value": 0,
                        "tolerance": 1,
                        "verdict": "INVALID",
                        "seed_values": [1.0],
                    }
                ],
            }
        )
    )
    result = run(settings, path)
    assert result.exit_code == 2 and "seed_values has 1 values for 3 seeds" in result.output
