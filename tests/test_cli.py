"""Every command through typer's test runner, plus the cold-start import rule."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from audit.cli.main import app

runner = CliRunner()
COMMANDS = ["claims", "show", "verify", "plan", "report", "ingest", "cite", "data", "ci", "runs", "compare"]


def invoke(settings, *args):
    return runner.invoke(app, ["--store", str(settings.store), "--claims-dir", str(settings.claims_dir), *args])


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output and len(result.output.splitlines()) > 3


def test_every_registered_command_is_tested():
    assert sorted(c.name for c in app.registered_commands) == sorted(COMMANDS)


def test_claims_lists_every_spec(settings):
    result = invoke(settings, "claims")
    assert result.exit_code == 0 and "28 claims" in result.output and "squad-gain" in result.output


def test_show_prints_the_spec(settings):
    result = invoke(settings, "show", "mnli-size")
    assert result.exit_code == 0 and "392702" in result.output


def test_unknown_claim_suggests_and_exits_2(settings):
    result = invoke(settings, "show", "squad-gian")
    assert result.exit_code == 2
    assert "did you mean squad-gain" in result.output
    assert "Traceback" not in result.output


def test_an_id_with_markup_and_control_characters_is_shown_escaped(settings):
    result = invoke(settings, "show", "[/]evil\x1b[31mred\x07")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output  # no raw control bytes reach the terminal
    assert "[/]evil\\x1b[31mred\\x07" in result.output and len(result.output.strip().splitlines()) == 1


def test_a_store_path_under_a_file_is_one_line_exit_2(settings, tmp_path, seed_report):
    (tmp_path / "afile").write_text("x")
    store = tmp_path / "afile" / "s.duckdb"
    result = runner.invoke(app, ["--store", str(store), "ingest", "--no-drafts", str(seed_report)])
    assert result.exit_code == 2 and "cannot open store" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_invalid_spec_is_one_line_exit_2(settings):
    path = settings.claims_dir / "000_adfd80519d6416c1" / "mnli-size.yaml"
    path.write_text(path.read_text().replace("kind: dataset-fact", "kind: rumour"))
    result = invoke(settings, "claims")
    assert result.exit_code == 2
    assert "mnli-size.yaml: field 'kind'" in result.output
    assert "Traceback" not in result.output


def test_verify_then_report_in_every_format(settings):
    result = invoke(settings, "verify", "--claim", "english-beats-translated", "--profile", "smoke", "--seeds", "1")
    assert result.exit_code == 0 and "UNVERIFIABLE" in result.output
    table = invoke(settings, "report")
    assert table.exit_code == 0 and "Synthesis vs verdicts" in table.output
    md = invoke(settings, "report", "--format", "md")
    assert md.output.startswith("| claim |") and md.output.count("\n| ") == 28
    data = json.loads(invoke(settings, "report", "--format", "json").output)
    assert len(data["claims"]) == 28  # 21 from the seed report, 7 of our own
    mt = next(c for c in data["claims"] if c["claim_id"] == "english-beats-translated")
    assert mt["profile"] == "smoke" and "machine-translation model" in mt["reason"]


def test_verify_needs_claims_or_all(settings):
    assert invoke(settings, "verify").exit_code == 2
    assert invoke(settings, "verify", "--all", "--claim", "squad-gain").exit_code == 2


def test_verify_rejects_an_unknown_profile(settings):
    result = invoke(settings, "verify", "--all", "--profile", "huge")
    assert result.exit_code == 2 and "huge" in result.output


def test_ingest_the_seed(settings, seed_report):
    result = invoke(settings, "ingest", str(seed_report))
    assert result.exit_code == 0
    assert "21 in the table (stated: 21)" in result.output
    assert "14 marked ✓ (stated: 14)" in result.output
    assert "21/21" in result.output


def test_ingest_of_a_foreign_file_is_one_line(settings, tmp_path):
    other = tmp_path / "notes.md"
    other.write_text("# Shopping\n- milk\n")
    result = invoke(settings, "ingest", str(other))
    assert result.exit_code == 2 and "no claims table" in result.output
    missing = invoke(settings, "ingest", str(tmp_path / "nope.txt"))
    assert missing.exit_code == 2 and "no such file" in missing.output


@pytest.mark.parametrize("args", [["--help"], ["claims"], ["verify", "--help"]])
def test_cold_commands_do_not_import_torch_or_ray(args):
    code = (
        "import sys; from audit.cli.main import app\n"
        f"try: app({args!r})\nexcept SystemExit: pass\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        "assert 'transformers' not in sys.modules, 'transformers imported'\n"
        "assert 'ray' not in sys.modules, 'ray imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_cite_prints_passages_and_a_documented_verdict(settings):
    from tests.test_documents import DOCS

    result = invoke(settings, "cite", "--claim", "mnli-size", "--source", str(DOCS / "paper_v2_excerpt.txt"))
    assert result.exit_code == 0
    assert "supports" in result.output and "line 10" in result.output and "SUPPORTED" in result.output
    missing = invoke(settings, "cite", "--claim", "mnli-size", "--source", "nope.pdf")
    assert missing.exit_code == 2 and "no such file" in missing.output and "Traceback" not in missing.output


def test_data_shows_local_and_hub_only_languages(settings, data_pack, monkeypatch):
    monkeypatch.setenv("AUDIT_DATA_DIR", str(data_pack))
    result = runner.invoke(app, ["data"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    assert "xnli" in result.output and "15/15" in result.output
    assert "CCGbank is LDC-licensed" in result.output


def test_data_at_full_lists_no_stand_in_and_serves_fewer_splits_locally(data_pack, monkeypatch):
    from experiments.toolkit.tasks import inventory

    mini = {(r["task"], r["split"]): r for r in inventory(data_pack, "mini")}
    full = {(r["task"], r["split"]): r for r in inventory(data_pack, "full")}
    assert mini[("xnli", "train")]["local"] == ["en"] and full[("xnli", "train")]["local"] == []
    assert full[("panx", "train")]["local"] == ["en"]  # XTREME's own split serves full
    assert not any(r["stand_in"] for r in full.values()) and any(r["stand_in"] for r in mini.values())
    monkeypatch.setenv("AUDIT_DATA_DIR", str(data_pack))
    result = runner.invoke(app, ["data", "--profile", "full"], env={"COLUMNS": "250"})
    assert result.exit_code == 0 and "xnli" in result.output


def test_verify_takes_every_claim_of_a_report_and_one_way_to_choose(settings, monkeypatch):
    from audit.errors import AuditError
    from audit.run.verify import choose
    from audit.synthesis.claims import load_all

    specs = load_all(settings.claims_dir)
    chosen = choose(specs, [], ["rq-alignment-stability"], False)
    assert len(chosen) == 7 and {s.source.report for s in chosen} == {"rq-alignment-stability"}
    assert len(choose(specs, [], ["000_adfd80519d6416c1", "rq-alignment-stability"], False)) == 28
    with pytest.raises(AuditError, match="reports with claims: 000_adfd80519d6416c1, rq-alignment-stability"):
        choose(specs, [], ["nope"], False)
    with pytest.raises(AuditError, match="--claim and --report given together"):
        choose(specs, ["squad-gain"], ["rq-alignment-stability"], False)
    result = invoke(settings, "verify", "--report", "nope", "--profile", "smoke")
    assert result.exit_code == 2 and "no claim comes from report 'nope'" in result.output


def test_a_wrong_executor_is_one_line_before_anything_runs(settings):
    bad = invoke(settings, "verify", "--claim", "mnli-size", "--executor", "slurm")
    assert bad.exit_code == 2 and "--executor 'slurm' is not one of local, ray" in bad.output
    stray = invoke(settings, "verify", "--claim", "mnli-size", "--address", "auto")
    assert stray.exit_code == 2 and "pass it with --executor ray" in stray.output
    assert "Traceback" not in bad.output + stray.output


def test_verify_exits_1_when_a_run_failed_and_still_prints_the_verdicts(monkeypatch, settings):
    from tests.test_verify import bind

    bind(monkeypatch, settings, "squad-gain", "broken")
    result = invoke(settings, "verify", "--claim", "squad-gain", "--seeds", "2", "--jobs", "1")
    assert result.exit_code == 1, result.output
    assert "INCOMPLETE" in result.stdout and "a run failed in squad-gain" in result.stderr


def test_verify_exits_0_when_every_run_finished(monkeypatch, settings):
    from tests.test_verify import bind

    bind(monkeypatch, settings, "squad-gain", "per_seed", values=[8.1, 8.2])
    assert invoke(settings, "verify", "--claim", "squad-gain", "--seeds", "2", "--jobs", "1").exit_code == 0
