from audit.store import Store
from audit.synthesis.claims import load_all
from audit.synthesis.ingest import ingest


def test_seed_ingest_matches_all_curated_specs_and_writes_no_drafts(settings, seed_report):
    result = ingest(settings, seed_report)
    assert sum(m.spec is not None for m in result.matches) == 21
    assert result.drafts == []
    with Store(settings.store) as store:
        row = store.rows("SELECT * FROM reports")[0]
    assert (row["claims_stated"], row["rows_found"], row["verified_found"]) == (21, 21, 14)


def test_drafts_are_written_only_for_missing_claims(settings, seed_report):
    folder = settings.claims_dir / "000_adfd80519d6416c1"
    (folder / "mnli-size.yaml").unlink()
    first = ingest(settings, seed_report)
    assert len(first.drafts) == 1
    draft = load_all(settings.claims_dir)[first.drafts[0].stem]
    assert draft.status == "drafted" and draft.binding.template == "intermediate-train-size"
    assert draft.experiment.params == {"check": "row-count", "datasets": ["mnli"], "split": "train"}
    assert draft.evidence[0].location == "report 000_adfd80519d6416c1, line 50"  # no machine path
    assert draft.claimed.value == 392702 and draft.claimed.precision == 0.5
    assert (draft.synthesis.verified, draft.synthesis.confidence) == (False, 0.09)
    again = ingest(settings, seed_report)
    assert again.drafts == []


def test_a_curated_file_is_never_overwritten(settings, seed_report):
    folder = settings.claims_dir / "000_adfd80519d6416c1"
    text = (folder / "mnli-size.yaml").read_text()
    (folder / "mnli-size.yaml").unlink()
    drafted = ingest(settings, seed_report).drafts[0]
    drafted.write_text(text.replace("id: mnli-size", f"id: {drafted.stem}") + "\n# curated by hand\n")
    ingest(settings, seed_report)
    assert drafted.read_text().endswith("# curated by hand\n")


def test_disagreeing_marks_are_reported(settings, seed_report):
    path = settings.claims_dir / "000_adfd80519d6416c1" / "qqp-source.yaml"
    path.write_text(path.read_text().replace("confidence: 0.07", "confidence: 0.7"))
    problems = ingest(settings, seed_report).problems
    assert any("qqp-source: confidence 0.7 in the spec, 0.07 in the report" in p for p in problems)


def _seed_variant(seed_report, tmp_path, name, transform):
    path = tmp_path / name
    path.write_text(transform(seed_report.read_text(encoding="utf-8")), encoding="utf-8")
    return path


def test_pathological_reports_neither_hang_nor_overflow(seed_report, tmp_path):
    import subprocess
    import sys

    from audit.synthesis.reading import read_report

    blank = _seed_variant(seed_report, tmp_path, "blank.txt", lambda t: "\n" * 100_000 + t)
    digits = _seed_variant(seed_report, tmp_path, "digits.txt", lambda t: t + "\n" + "7" * 300_000 + "\n")
    huge = _seed_variant(
        seed_report, tmp_path, "huge.txt", lambda t: t.replace("papers retrieved", "1234567890 papers retrieved", 1)
    )
    code = (
        "import sys; from pathlib import Path; from audit.synthesis.reading import read_report; "
        "[read_report(Path(p)) for p in sys.argv[1:]]"
    )
    # A hang detector, not a speed target: each of these parses in well under a second.
    subprocess.run([sys.executable, "-c", code, str(blank), str(digits)], check=True, timeout=60)
    assert read_report(blank).claims_stated == 21
    assert read_report(huge).claims_stated is None  # a 10-digit count is not read as one


def test_a_file_name_that_would_escape_the_claims_folder_is_refused(seed_report, tmp_path):
    import pytest

    from audit.errors import IngestError
    from audit.synthesis.reading import read_report

    path = _seed_variant(seed_report, tmp_path, "...txt", lambda t: t)
    with pytest.raises(IngestError, match="report id '..'"):
        read_report(path)


def test_reingesting_a_changed_file_adds_a_version_and_keeps_the_first(settings, seed_report, tmp_path):
    path = tmp_path / "000_adfd80519d6416c1.txt"
    text = seed_report.read_text()
    path.write_text(text)
    first = ingest(settings, path, drafts=False)
    same = ingest(settings, path, drafts=False)
    lines = text.split("\n")
    last_row = max(i for i, line in enumerate(lines) if line.count("\t") == 2)
    path.write_text("\n".join(lines[:last_row] + lines[last_row + 1 :]))  # one claim fewer
    changed = ingest(settings, path, drafts=False)
    assert (first.version, first.new_version, same.version, same.new_version) == (1, True, 1, False)
    assert (changed.version, changed.new_version) == (2, True)
    with Store(settings.store) as store:
        kept = store.rows("SELECT version, rows_found FROM report_versions ORDER BY version")
        current = store.rows("SELECT rows_found FROM reports")
    assert [(r["version"], r["rows_found"]) for r in kept] == [(1, 21), (2, 20)]
    assert [r["rows_found"] for r in current] == [20]
