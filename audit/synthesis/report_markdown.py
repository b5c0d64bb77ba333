"""Synthesis reports in markdown: the seed's header prose, claims in a pipe table.

The claims table is ``| Claim | Verified | Confidence |`` with a ``|---|`` separator; marks
may be ✓/✔, ×/✗ or yes/no. Rows end at the first line that is not a table row. Errors are
one line with the line number.
"""

from __future__ import annotations

import re

from audit.errors import IngestError
from audit.synthesis.report_format import ClaimRow, ReportRecord, claim_row, clean, from_prose

HEADER = re.compile(r"^\s*\|\s*Claim\s*\|\s*Verified\s*\|\s*Confidence\s*\|\s*$", re.IGNORECASE)
SEPARATOR = re.compile(r"^\s*\|(?:\s*:?-{3,}:?\s*\|){3}\s*$")


def _cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [c.strip() for c in re.split(r"(?<!\\)\|", inner)]


def _rows(lines: list[str]) -> list[ClaimRow]:
    start = next((i for i, line in enumerate(lines) if HEADER.match(line)), None)
    if start is None:
        raise IngestError("no claims table: expected a '| Claim | Verified | Confidence |' header row")
    first = start + 1
    if first < len(lines) and SEPARATOR.match(lines[first]):
        first += 1
    rows = []
    for i in range(first, len(lines)):
        if not lines[i].strip().startswith("|"):
            break
        cells = _cells(lines[i])
        if len(cells) != 3:
            raise IngestError(f"line {i + 1}: expected 3 table cells (claim, verified, confidence), found {len(cells)}")
        rows.append(claim_row(i + 1, cells[0].replace("\\|", "|"), cells[1], cells[2]))
    if not rows:
        raise IngestError(f"line {start + 1}: the claims table has a header but no rows")
    return rows


def parse(text: str, report_id: str, source_path: str = "") -> ReportRecord:
    text = clean(text)
    return from_prose(text, report_id, source_path, _rows(text.split("\n")))
