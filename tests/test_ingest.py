from audit.claims import load_all
from audit.ingest import ingest
from audit.store import Store


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
