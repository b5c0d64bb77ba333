import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.errors import IngestError
from audit.synthesis.claims import load_all
from audit.synthesis.reading import read_report
from audit.synthesis.report_format import normalise, parse
from tests.conftest import CLAIMS


def test_seed_report_is_read_whole(seed_report):
    rec = read_report(seed_report)
    assert rec.id == "000_adfd80519d6416c1"
    assert rec.title.startswith("Alignment Stability During Zero-Shot")
    assert rec.date == "June 22, 2026"
    assert rec.research_question.startswith("Does English intermediate-task training improve or degrade")
    assert rec.research_question.endswith("in the XTREME suite?")
    assert (rec.papers, rec.claims_stated, rec.verified_stated, rec.quality) == (10, 21, 14, 7.2)
    assert len(rec.rows) == 21 and rec.verified_found == 14
    assert len(rec.references) == 3 and "2005.13013v2" in rec.references[-1]


def test_seed_counts_match_and_the_cut_row_is_flagged(seed_report):
    rec = read_report(seed_report)
    cut = [r for r in rec.rows if r.truncated]
    assert [r.statement[-30:] for r in cut] == ["yields an average improvement of 5.4"[-30:]]
    assert rec.problems == [f"line {cut[0].line}: statement looks cut mid-sentence"]


def test_seed_recovers_the_curated_statements_marks_and_confidences(seed_report):
    rec = read_report(seed_report)
    specs = {normalise(s.statement): s for s in load_all(CLAIMS).values()}
    for row in rec.rows:
        spec = specs[normalise(row.statement)]
        assert spec.statement == row.statement
        assert (spec.synthesis.verified, spec.synthesis.confidence) == (row.verified, row.confidence)


def test_dropped_row_is_reported_as_a_count_mismatch(seed_report):
    lines = seed_report.read_text().split("\n")
    row = next(i for i, line in enumerate(lines) if line.startswith("The MNLI intermediate task"))
    rec = parse("\n".join(lines[:row] + lines[row + 1 :]), "x")
    assert "report says 21 claims extracted; the table has 20" in rec.problems
    assert "report says 14 verified; the table marks 14 ✓" not in rec.problems


def test_crlf_and_bom_parse_the_same(seed_report):
    text = seed_report.read_text()
    a = parse(text, "x")
    b = parse("\ufeff" + text.replace("\n", "\r\n"), "x")
    assert [r.statement for r in a.rows] == [r.statement for r in b.rows]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("just some notes\n", "no '# title' line"),
        ("# A title\n\nno table here\n", "no claims table"),
        ("# T\nClaim\tVerified\tConfidence\n\n", "header but no rows"),
        ("# T\nClaim\tVerified\tConfidence\nA claim.\t✓\n", "line 3: expected 3 tab-separated cells"),
        ("# T\nClaim\tVerified\tConfidence\nA claim.\tmaybe\t0.2\n", "must be ✓/✔ or ×/✗ .*got 'maybe'"),
        ("# T\nClaim\tVerified\tConfidence\nA claim.\t✓\thigh\n", "'high' is not a number"),
        ("# T\nClaim\tVerified\tConfidence\nA claim.\t✓\t1.7\n", "outside 0-1"),
    ],
)
def test_malformed_input_gets_a_clear_error(text, message):
    with pytest.raises(IngestError, match=message):
        parse(text, "x")


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(IngestError, match="not UTF-8"):
        read_report(path)


def _mangle(text: str, data) -> str:
    lines = text.split("\n")
    for _ in range(data.draw(st.integers(0, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        op = data.draw(st.sampled_from(["drop", "dup", "tabs", "junk", "cut"]))
        if op == "drop":
            lines.pop(i)
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "tabs":
            lines[i] = lines[i].replace("\t", data.draw(st.sampled_from(["  ", "\t\t", ""])))
        elif op == "junk":
            lines[i] = data.draw(st.text(string.printable + "✓×\t", max_size=40))
        else:
            lines[i] = lines[i][: data.draw(st.integers(0, max(len(lines[i]), 1)))]
        if not lines:
            break
    return "\n".join(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mangled_reports_parse_or_fail_cleanly(seed_report, data):
    text = _mangle(seed_report.read_text(), data)
    try:
        rec = parse(text, "x")
    except IngestError as exc:
        assert "\n" not in str(exc)
        return
    stated_ok = rec.claims_stated is None or rec.claims_stated == len(rec.rows)
    assert stated_ok or any("claims extracted" in p for p in rec.problems)
    assert all(0.0 <= r.confidence <= 1.0 for r in rec.rows)
