"""Synthesis reports as JSON: one object with the report's fields and a list of claims.

Fields: ``title`` (required), ``date``, ``research_question``, ``papers``,
``claims_extracted``, ``verified`` (the stated count), ``quality``, ``references`` and
``claims``: a list of ``{"claim", "verified", "confidence"}`` (``verified`` a boolean or a
mark such as ✓ or "yes"). Each claim's "line" is its position in the list (1-based), which
errors and drafts' evidence name. Parsed with the standard library's ``json``.
"""

from __future__ import annotations

import hashlib
import json

from audit.errors import IngestError
from audit.synthesis.report_format import ReportRecord, checked, claim_row, clean


def _int(data: dict, key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise IngestError(f"field '{key}': expected a count (a whole number), got {str(value)[:40]!r}")
    return value


def _object(text: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(f"line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("title"), str):
        raise IngestError("expected a JSON object with a 'title' string and a 'claims' list")
    if not isinstance(data.get("claims"), list) or not data["claims"]:
        raise IngestError("field 'claims': expected a non-empty list of {claim, verified, confidence}")
    return data


def parse(text: str, report_id: str, source_path: str = "") -> ReportRecord:
    text = clean(text)
    data = _object(text)
    rows = []
    for n, c in enumerate(data["claims"], start=1):
        if not isinstance(c, dict) or not isinstance(c.get("claim"), str):
            raise IngestError(f"line {n}: claim {n} must be an object with a 'claim' string")
        rows.append(claim_row(n, c["claim"], c.get("verified"), c.get("confidence")))
    quality = data.get("quality")
    rec = ReportRecord(
        id=report_id,
        title=data["title"],
        date=data.get("date"),
        research_question=data.get("research_question"),
        papers=_int(data, "papers"),
        claims_stated=_int(data, "claims_extracted"),
        verified_stated=_int(data, "verified"),
        quality=quality if isinstance(quality, int | float) else None,
        rows=rows,
        references=[str(r) for r in data.get("references") or []],
        source_path=source_path,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
    return checked(rec)
