"""The CLI as lm-eval, asv, MLflow and pytest users expect it (issue #33), one test per habit."""

from __future__ import annotations

import json
import re

import pytest

from audit.cli.main import app
from tests.test_cli import invoke, runner
from tests.test_verify import bind

STAMP = re.compile(r"^\[\d\d:\d\d:\d\d\] ", re.MULTILINE)


def _verify(settings, *args):
    return invoke(settings, "verify", "--jobs", "1", *args)


# 1. progress in logs, Ctrl-C -------------------------------------------------------------------
def test_verify_into_a_log_prints_timestamped_progress_lines(monkeypatch, settings):
    bind(monkeypatch, settings, "squad-gain", "reports", values=[8.1, 8.2])
    result = _verify(settings, "--claim", "squad-gain", "--seeds", "2")
    assert result.exit_code == 0, result.output
    lines = STAMP.findall(result.stdout)
    assert len(lines) >= 6 and "2 runs (claim x seed) to do" in result.stdout
    assert "main: squad-gain (seed 0) started" in result.stdout and "fake work (3) started" in result.stdout
    assert "done (1 of 2 runs; ETA" in result.stdout and "ended after" in result.stdout


def test_ctrl_c_keeps_finished_stages_and_exits_130(monkeypatch, settings):
    bind(monkeypatch, settings, "squad-gain", "interrupted")
    result = _verify(settings, "--claim", "squad-gain", "--seeds", "1")
    assert result.exit_code == 130
    assert re.search(r"interrupted: 1 stages kept; re-run the same command to resume", result.stderr)


# 2. cost before work, default seeds --------------------------------------------------------------
def test_verify_says_what_it_will_do_first_and_defaults_to_the_readme_seeds(monkeypatch, settings):
    bind(monkeypatch, settings, "squad-gain", "per_seed", values=[8.1, 8.2, 8.3, 8.4])
    result = _verify(settings, "--claim", "squad-gain")
    first = result.stdout.splitlines()[0]
    assert first.startswith("verify: mini, 4 seeds, 1 workers; 4 runs; ") and "stages to run" in first
    assert "4 runs (claim x seed) to do" in result.stdout


def test_the_first_line_estimates_time_from_the_measured_throughput(settings, data_pack):
    from dataclasses import replace

    from audit.output.render_plan import preview_line
    from audit.profiles import Profile
    from audit.run.plan import preview
    from audit.synthesis.claims import load_all

    specs = [load_all(settings.claims_dir)["mnli-gain"]]
    line = preview_line(preview(specs, Profile.MINI, 4, replace(settings, data_dir=data_pack), 2, 4))
    assert re.search(r"\d+ stages to run, 0 cached; about \d+ min of training with 2 workers", line), line


# 3. wrong paths fail loudly -----------------------------------------------------------------------
def test_a_missing_claims_dir_is_one_line_and_exit_2(tmp_path):
    result = runner.invoke(app, ["--claims-dir", str(tmp_path / "nope"), "claims"])
    assert result.exit_code == 2 and "no claims folder at" in result.stderr and "--claims-dir" in result.stderr


def test_reading_a_missing_store_is_one_line_and_exit_2(settings):
    for command in (["report"], ["runs"], ["compare", "a", "b"]):
        result = invoke(settings, *command)
        assert result.exit_code == 2 and "no store at" in result.stderr, command


def test_a_missing_data_pack_is_named_as_such(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path / "no-pack"))
    for command in (["verify", "--claim", "mnli-size"], ["data"], ["plan", "--claim", "mnli-gain"]):
        result = invoke(settings, *command)
        assert result.exit_code == 2 and "no data pack at" in result.stderr, command


# 4. smoke is a pipeline check ----------------------------------------------------------------------
def test_smoke_lists_no_gate_as_failed_plots_nothing_and_reproduces_the_command_that_ran(monkeypatch, settings):
    from audit.output.audit_report import build
    from audit.output.render import formatted
    from audit.profiles import Profile

    spec = bind(monkeypatch, settings, "squad-gain", "gated", bad_seed=-1)
    from audit.run.verify import verify

    verify([spec], Profile.SMOKE, 1, settings)
    report = build(settings, Profile.SMOKE, figures=False)
    md = formatted(report, "md")
    assert "PIPELINE_OK" in md and "failed" not in md.split("<details><summary><b>squad-gain")[1].split("</details>")[0]
    html = formatted(report, "html", profile="smoke")
    assert "--profile smoke --seeds 1" in html and "not applied (smoke" in html
    from audit.output.html_report import _plotted

    row = next(r for r in report.rows if r.verdict.claim_id == "squad-gain")
    assert row.verdict.mean is not None and not _plotted(row.verdict)


# 5. cite names its sources ----------------------------------------------------------------------
def test_cite_names_each_source_by_hash_and_arxiv_id(settings, tmp_path):
    paper = tmp_path / "paper.txt"
    paper.write_text(
        "English Intermediate-Task Training, arXiv:2005.13013v2\n"
        "SQuAD intermediate training: a target-task improvement of 8.2 points on the dev set.\n"
    )
    result = invoke(settings, "cite", "--claim", "squad-gain", "--source", str(paper))
    assert result.exit_code == 0, result.output
    from audit.output.audit_report import stored_verdicts

    [v] = stored_verdicts(settings.store, None)["squad-gain"]
    assert "paper.txt [sha256 " in v.reason and "arXiv 2005.13013v2" in v.reason


def test_citing_the_ingested_synthesis_for_its_own_claim_is_refused(settings, seed_report):
    assert invoke(settings, "ingest", "--no-drafts", str(seed_report)).exit_code == 0
    result = invoke(settings, "cite", "--claim", "squad-gain", "--source", str(seed_report))
    assert result.exit_code == 2 and "cannot be the evidence for its own claims" in result.stderr


# 6. machine-readable everywhere ------------------------------------------------------------------
ENVELOPE = {"tool", "envelope_version", "schema_version", "git", "command"}


@pytest.mark.parametrize(
    "command",
    [["claims"], ["show", "mnli-size", "--profile", "mini"], ["plan", "--claim", "mnli-gain"], ["data"]],
)
def test_json_on_every_listing_command(settings, command, data_pack, monkeypatch):
    monkeypatch.setenv("AUDIT_DATA_DIR", str(data_pack))
    result = invoke(settings, *command, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= ENVELOPE and data["tool"]["name"] == "audit" and data["command"] == command[0]


def test_verify_json_is_the_whole_stdout_with_a_summary(monkeypatch, settings):
    bind(monkeypatch, settings, "squad-gain", "per_seed", values=[8.1, 8.2])
    result = _verify(settings, "--claim", "squad-gain", "--seeds", "2", "--format", "json")
    data = json.loads(result.stdout)
    assert data["summary"] == {"verdicts": 1, "by_status": {"CONSISTENT (proxy)": 1}}
    assert result.stderr.startswith("verify: mini, 2 seeds")


def test_the_json_report_carries_version_commit_schema_and_a_structured_summary(monkeypatch, settings):
    bind(monkeypatch, settings, "squad-gain", "per_seed", values=[8.1, 8.2])
    _verify(settings, "--claim", "squad-gain", "--seeds", "2")
    data = json.loads(invoke(settings, "report", "--format", "json").stdout)
    assert set(data) >= ENVELOPE and data["summary"]["by_status"]["CONSISTENT (proxy)"] == 1
    assert "commit" in data["git"] and isinstance(data["schema_version"], int)


# 7. history ----------------------------------------------------------------------------------
def test_runs_lists_and_filters_and_compare_shows_what_moved(monkeypatch, settings):
    bind(monkeypatch, settings, "squad-gain", "per_seed", values=[8.1, 8.2])
    _verify(settings, "--claim", "squad-gain", "--seeds", "2")
    bind(monkeypatch, settings, "squad-gain", "per_seed", values=[9.1, 8.2])
    _verify(settings, "--claim", "squad-gain", "--seeds", "2")
    listed = json.loads(invoke(settings, "runs", "--claim", "squad-gain", "--format", "json").stdout)["runs"]
    assert len(listed) == 4 and {r["seed"] for r in listed} == {0, 1} and listed[0]["verdict"]
    seed0 = [r["id"] for r in listed if r["seed"] == 0]
    changes = json.loads(invoke(settings, "compare", seed0[1], seed0[0], "--format", "json").stdout)["changes"]
    moved = [c for c in changes if c["metric"] == "avg_gain"]
    assert moved[0]["a"] == 8.1 and moved[0]["b"] == 9.1 and moved[0]["delta"] == pytest.approx(1.0)
    assert invoke(settings, "runs", "--status", "failed").exit_code == 0
    table = invoke(settings, "compare", seed0[1], seed0[0]).stdout
    assert "1 moved" in table


def test_compare_two_commits_pairs_the_same_claims_and_seeds(monkeypatch, settings):
    from audit.store.history import compare

    bind(monkeypatch, settings, "squad-gain", "per_seed", values=[8.1, 8.2])
    _verify(settings, "--claim", "squad-gain", "--seeds", "2")
    from audit.run.provenance import git_state

    commit = git_state()[0][:8]
    title, changes = compare(settings.store, commit, commit)
    assert title.startswith("commit") and {c.seed for c in changes} == {0, 1}


# 8. overrides ------------------------------------------------------------------------------------
def test_a_param_override_enters_the_plan_the_keys_and_the_record(settings, data_pack, monkeypatch):
    monkeypatch.setenv("AUDIT_DATA_DIR", str(data_pack))
    base = json.loads(invoke(settings, "plan", "--claim", "squad-gain", "--format", "json").stdout)
    over = json.loads(
        invoke(settings, "plan", "--claim", "squad-gain", "--param", "max_languages=2", "--format", "json").stdout
    )
    assert over["plans"][0]["params"]["max_languages"] == 2
    assert {s["key"] for s in base["plans"][0]["stages"]} != {s["key"] for s in over["plans"][0]["stages"]}
    shown = json.loads(
        invoke(settings, "show", "squad-gain", "--profile", "mini", "-p", "max_languages=2", "-f", "json").stdout
    )
    assert shown["run_plan"]["params"]["max_languages"] == 2


def test_a_param_override_is_in_the_run_record(monkeypatch, settings):
    bind(monkeypatch, settings, "squad-gain", "per_seed", values=[8.1])
    _verify(settings, "--claim", "squad-gain", "--seeds", "1", "--param", "sleep=0.5")
    from audit.store import Store

    with Store(settings.store) as store:
        [row] = store.rows("SELECT params FROM runs")
    assert json.loads(row["params"])["sleep"] == 0.5


def test_a_malformed_param_is_one_line():
    result = runner.invoke(app, ["plan", "--claim", "mnli-gain", "--param", "oops"])
    assert result.exit_code == 2 and "is not key=value" in result.stderr


# 9. basics -------------------------------------------------------------------------------------
def test_version_short_help_completion_and_store_after_the_subcommand(settings):
    from importlib import metadata

    assert runner.invoke(app, ["--version"]).stdout.strip() == f"audit {metadata.version('audit')}"
    assert runner.invoke(app, ["verify", "-h"]).exit_code == 0
    assert "--install-completion" in runner.invoke(app, ["--help"]).stdout
    result = runner.invoke(app, ["report", "--store", str(settings.store)])
    assert result.exit_code == 2 and str(settings.store.name) in result.stderr  # the store named after the command


def test_help_text_shows_square_brackets():
    out = runner.invoke(app, ["verify", "--help"], terminal_width=200).stdout
    assert "audit[ray]" in out


# 10. files ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("paper.pdf", b"%PDF-1.7\n...", "a PDF"),
        ("page.html", b"<!DOCTYPE html><html><body>x</body></html>", "an HTML page"),
        ("claims.csv", b"claim,verified,confidence\nA,yes,0.5\nB,no,0.2\n", "a CSV table"),
    ],
)
def test_ingest_names_what_kind_of_file_it_was_given(settings, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = invoke(settings, "ingest", str(path))
    assert result.exit_code == 2 and message in result.stderr


def test_ingest_of_a_folder_says_so(settings, tmp_path):
    result = invoke(settings, "ingest", str(tmp_path))
    assert result.exit_code == 2 and "a folder" in result.stderr


def test_report_output_into_a_missing_folder_is_refused(monkeypatch, settings, tmp_path):
    bind(monkeypatch, settings, "squad-gain", "per_seed", values=[8.1])
    _verify(settings, "--claim", "squad-gain", "--seeds", "1")
    result = invoke(settings, "report", "-o", str(tmp_path / "no" / "such" / "r.md"), "-f", "md")
    assert result.exit_code == 2 and "no folder" in result.stderr
    assert not (tmp_path / "no").exists()


def test_drafts_never_go_into_the_installed_package(tmp_path, monkeypatch):
    from audit.settings import REPO_ROOT, drafts_dir

    monkeypatch.chdir(tmp_path)  # a user working outside the checkout or install
    assert drafts_dir(REPO_ROOT / "claims") == tmp_path.joinpath("claims").relative_to(tmp_path)
    assert drafts_dir(tmp_path / "mine") == tmp_path / "mine"


# 12. bad stores and baselines --------------------------------------------------------------------
def test_a_store_with_flipped_bytes_is_one_line(settings, seed_report, tmp_path):
    assert invoke(settings, "ingest", "--no-drafts", str(seed_report)).exit_code == 0
    raw = bytearray(settings.store.read_bytes())
    for i in range(4096, len(raw), 97):
        raw[i] ^= 0xFF
    settings.store.write_bytes(bytes(raw))
    result = invoke(settings, "report")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_a_store_from_a_newer_audit_is_refused_by_readers_too(settings, seed_report):
    import duckdb

    assert invoke(settings, "ingest", "--no-drafts", str(seed_report)).exit_code == 0
    con = duckdb.connect(str(settings.store))
    con.execute("INSERT INTO schema_migrations VALUES (999, 'from the future', now())")
    con.close()
    for command in (["report"], ["runs"]):
        result = invoke(settings, *command)
        assert result.exit_code == 2 and "newer than this audit understands" in result.stderr, command


@pytest.mark.parametrize(
    ("check", "message"),
    [
        ({"claim": "mnli-gain", "params": {"nonsense": 1}}, "its params do not make a valid run"),
        ({"claim": "base-model"}, "a documented claim is settled by 'audit cite'"),
    ],
)
def test_a_baseline_check_that_cannot_run_is_one_line(settings, tmp_path, check, message):
    import yaml

    row = {"profile": "mini", "seeds": 1, "value": 1, "tolerance": 1, "verdict": "SUPPORTED", **check}
    path = tmp_path / "baseline.yaml"
    path.write_text(yaml.safe_dump({"schema_version": 1, "checks": [row]}))
    result = invoke(settings, "ci", "--baseline", str(path))
    assert result.exit_code == 2 and message in result.stderr and str(path) in result.stderr
