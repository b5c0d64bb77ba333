from audit.judge.verdict import Status
from audit.output.audit_report import build
from audit.synthesis.cite import cite, find
from audit.synthesis.claims import load_all
from tests.conftest import CLAIMS
from tests.pdf_maker import write_pdf
from tests.test_documents import DOCS

SPECS = load_all(CLAIMS)


def stances(claim_id, path):
    return {(f.location, f.stance, f.matched) for f in find(SPECS[claim_id], path)}


def test_a_table_row_with_thousands_separators_supports():
    assert ("line 10", "supports", "392702") in stances("mnli-size", DOCS / "paper_v2_excerpt.txt")


def test_a_point_improvement_sentence_supports():
    assert ("line 5", "supports", "5.4") in stances("xtreme-best-gain", DOCS / "paper_v2_excerpt.txt")


def test_a_different_number_contradicts_at_printed_precision():
    found = stances("squad-gain", DOCS / "paper_v1_excerpt.txt")
    assert found == {("line 2", "contradicts", "8.4")}


def test_a_design_fact_needs_all_its_terms():
    found = stances("base-model", DOCS / "paper_v2_excerpt.txt")
    assert ("line 4", "supports", "xlm-r large") in found
    assert len(found) == 1


def test_unrelated_numbers_are_ignored():
    assert stances("hellaswag-gain", DOCS / "paper_v2_excerpt.txt") == set()


def test_pdf_page_is_the_location(tmp_path):
    pdf = write_pdf(tmp_path / "v2.pdf", [["Abstract."], ["The MNLI task has 392,702 training examples."]])
    assert ("page 2", "supports", "392702") in stances("mnli-size", pdf)


def test_sources_that_disagree_are_both_shown(settings, tmp_path):
    v1 = DOCS / "paper_v1_excerpt.txt"
    v2 = tmp_path / "v2.txt"
    v2.write_text("SQuAD intermediate training: a target-task improvement of 8.2 points on the dev set.\n")
    _, first = cite(settings, "squad-gain", [v1])
    assert first.status == Status.REFUTED and first.route == "documented"
    findings, both = cite(settings, "squad-gain", [v2])  # a later call adds a second source
    assert both.status == Status.INCONCLUSIVE and "sources disagree" in both.reason
    assert "paper_v1_excerpt.txt [sha256 " in both.reason and "] (line 2)" in both.reason
    assert "v2.txt [sha256 " in both.reason and "] (line 1)" in both.reason
    assert {f.stance for f in findings} == {"supports", "contradicts"}


def test_documented_and_measured_verdicts_show_apart(settings):
    cite(settings, "mnli-size", [DOCS / "paper_v2_excerpt.txt"])
    from audit.profiles import Profile
    from audit.run.verify import verify

    verify([SPECS["mnli-size"]], Profile.MINI, 1, settings)
    rows = [r.verdict for r in build(settings).rows if r.spec.id == "mnli-size"]
    assert {(v.route, v.status) for v in rows} == {("documented", "SUPPORTED"), ("dataset", "UNVERIFIABLE")}


def test_citing_again_replaces_that_source_only(settings):
    cite(settings, "mnli-size", [DOCS / "paper_v2_excerpt.txt"])
    findings, _ = cite(settings, "mnli-size", [DOCS / "paper_v2_excerpt.txt", DOCS / "notes.html"])
    assert sorted(f.location for f in findings if f.stance == "supports") == ["line 10", "line 4"]


def test_verify_shows_the_documented_verdict_and_never_overwrites_it(settings):
    from audit.profiles import Profile
    from audit.run.verify import verify

    [before] = verify([SPECS["base-model"]], Profile.MINI, 1, settings)
    assert before.status == Status.UNVERIFIABLE and "audit cite --claim base-model" in before.reason
    cite(settings, "base-model", [DOCS / "paper_v2_excerpt.txt"])
    [after] = verify([SPECS["base-model"]], Profile.MINI, 1, settings)
    assert (after.status, after.route) == (Status.SUPPORTED, "documented")
    assert [r.verdict.status for r in build(settings).rows if r.spec.id == "base-model"] == [Status.SUPPORTED]


def test_a_random_file_named_pdf_is_one_line(settings, tmp_path, caplog):
    import random

    from typer.testing import CliRunner

    from audit.cli.main import app

    path = tmp_path / "paper.pdf"
    path.write_bytes(b"%PDF-1.4\n" + random.Random(3).randbytes(3000))
    where = ["--store", str(settings.store), "--claims-dir", str(settings.claims_dir)]
    result = CliRunner().invoke(app, [*where, "cite", "--claim", "base-model", "--source", str(path)])
    assert result.exit_code == 2 and "not a readable PDF" in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]  # its repair log would reach stderr
