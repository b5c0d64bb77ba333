"""The synthesis-report text format: parse a report into a ``ReportRecord``.

The format is the seed's: a ``# title``, a date line, "Research question: ...?", a
counts line ("N papers retrieved. M claims extracted; K independently verified.
Quality review score: X/10"), a tab-separated ``Claim / Verified / Confidence`` table
and a ``## References`` list. Rows may be cut mid-sentence; they are kept verbatim.
"""

from __future__ import annotations

import hashlib
import re

from pydantic import BaseModel, Field

from audit.errors import IngestError

HEADER = re.compile(r"^\s*Claim\tVerified\tConfidence\s*$")
# Bounded quantifiers and no whitespace runs across lines: a line of 300,000 digits or 100,000
# blank lines must not make these backtrack for minutes, and counts stay within an INTEGER.
COUNTS = re.compile(
    r"(?<!\d)(\d{1,9}) papers retrieved\.\s{0,8}(\d{1,9}) claims extracted;\s{0,8}(\d{1,9}) independently "
    r"verified\.\s{0,8}Quality review score:\s{0,8}(\d{1,3}(?:\.\d{1,3})?)/10"
)
DATE = re.compile(
    r"^[ \t]*((?:January|February|March|April|May|June|July|August|September|"
    r"October|November|December) \d{1,2}, \d{4})[ \t]*$",
    re.M,
)
QUESTION = re.compile(r"Research question:\s*(.+?\?)", re.S)
MARKS = {"✓": True, "✔": True, "×": False, "✗": False, "x": False, "X": False, "yes": True, "no": False,
         "true": True, "false": False}  # fmt: skip


class ClaimRow(BaseModel):
    line: int
    statement: str
    verified: bool
    confidence: float = Field(ge=0.0, le=1.0)

    @property
    def truncated(self) -> bool:
        return not self.statement.rstrip().endswith((".", "?", "!", '"'))


class ReportRecord(BaseModel):
    id: str
    title: str
    date: str | None
    research_question: str | None
    papers: int | None
    claims_stated: int | None
    verified_stated: int | None
    quality: float | None
    rows: list[ClaimRow]
    references: list[str]
    source_path: str
    sha256: str
    problems: list[str] = Field(default_factory=list)

    @property
    def verified_found(self) -> int:
        return sum(r.verified for r in self.rows)


def _title(lines: list[str]) -> str:
    for line in lines:
        if line.startswith("# "):
            return line[2:].strip()
    raise IngestError("no '# title' line; expected a synthesis report in the seed's format")


def _parse_row(number: int, line: str) -> ClaimRow:
    cells = [c.strip() for c in line.split("\t")]
    if len(cells) != 3:
        raise IngestError(f"line {number}: expected 3 tab-separated cells (claim, ✓/×, confidence), found {len(cells)}")
    return claim_row(number, *cells)


def claim_row(number: int, statement: str, mark, conf) -> ClaimRow:
    """One claims-table row, from any format's cells; one-line errors name the line (or entry)."""
    given = mark
    mark = mark if isinstance(mark, bool) else MARKS.get(str(mark).strip().lower(), MARKS.get(str(mark).strip()))
    if not statement or not isinstance(mark, bool):
        raise IngestError(f"line {number}: verified mark must be ✓/✔ or ×/✗ (or yes/no), got '{given}'")
    try:
        confidence = float(conf)
    except (TypeError, ValueError):
        raise IngestError(f"line {number}: confidence '{conf}' is not a number") from None
    if not 0.0 <= confidence <= 1.0:
        raise IngestError(f"line {number}: confidence {confidence} is outside 0-1")
    return ClaimRow(line=number, statement=str(statement), verified=mark, confidence=confidence)


def _table(lines: list[str]) -> list[ClaimRow]:
    start = next((i for i, line in enumerate(lines) if HEADER.match(line)), None)
    if start is None:
        raise IngestError(
            "no claims table: expected a 'Claim<TAB>Verified<TAB>Confidence' "
            "header line; is this a synthesis report in the seed's format?"
        )
    rows = []
    for i in range(start + 1, len(lines)):
        if not lines[i].strip() or lines[i].startswith("#"):
            break
        rows.append(_parse_row(i + 1, lines[i]))
    if not rows:
        raise IngestError(f"line {start + 1}: the claims table has a header but no rows")
    return rows


def _references(lines: list[str]) -> list[str]:
    start = next((i for i, line in enumerate(lines) if line.strip() == "## References"), None)
    if start is None:
        return []
    refs = [line.strip()[2:].strip(" <>") for line in lines[start + 1 :] if line.strip().startswith("- ")]
    return [r for r in refs if r]


def _problems(rec: ReportRecord) -> list[str]:
    found = []
    if rec.claims_stated is None:
        found.append("no counts line ('N papers retrieved. M claims extracted; ...')")
    if rec.claims_stated is not None and rec.claims_stated != len(rec.rows):
        found.append(f"report says {rec.claims_stated} claims extracted; the table has {len(rec.rows)}")
    if rec.verified_stated is not None and rec.verified_stated != rec.verified_found:
        found.append(f"report says {rec.verified_stated} verified; the table marks {rec.verified_found} ✓")
    found += [f"line {r.line}: statement looks cut mid-sentence" for r in rec.rows if r.truncated]
    return found


def clean(text: str) -> str:
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def from_prose(text: str, report_id: str, source_path: str, rows: list[ClaimRow]) -> ReportRecord:
    """A record from a text or markdown report: the header fields read from its prose."""
    lines = text.split("\n")
    counts = COUNTS.search(text)
    date, question = DATE.search(text), QUESTION.search(text)
    rec = ReportRecord(
        id=report_id,
        title=_title(lines),
        date=date and date.group(1),
        research_question=question and " ".join(question.group(1).split()),
        papers=counts and int(counts.group(1)),
        claims_stated=counts and int(counts.group(2)),
        verified_stated=counts and int(counts.group(3)),
        quality=counts and float(counts.group(4)),
        rows=rows,
        references=_references(lines),
        source_path=source_path,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
    return checked(rec)


def checked(rec: ReportRecord) -> ReportRecord:
    """The record with its cross-checks: stated against found counts, rows cut mid-sentence."""
    return rec.model_copy(update={"problems": _problems(rec)})


def parse(text: str, report_id: str, source_path: str = "") -> ReportRecord:
    """Parse a report in the seed's text format; raises ``IngestError`` with a line number on bad input."""
    text = clean(text)
    lines = text.split("\n")
    _title(lines)  # a file with no title is not a report at all: say that before asking for its table
    return from_prose(text, report_id, source_path, _table(lines))


def normalise(statement: str) -> str:
    return " ".join(statement.split()).casefold()
