"""Reading a synthesis report file: which of the three readers it needs, and what it is when it is none.

The readers (``report_format`` for text, ``report_markdown``, ``report_json``) only parse;
this module picks one from the file's content, so none of them imports another's caller.
"""

from __future__ import annotations

import re
from pathlib import Path

from audit.errors import IngestError
from audit.synthesis import report_json, report_markdown
from audit.synthesis.report_format import ReportRecord, clean, parse

REPORT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def read_report(path: Path, fmt: str | None = None) -> ReportRecord:
    """Read a report in any supported format (detected from its content unless ``fmt`` says)."""
    if path.is_dir():
        raise IngestError(f"{path}: a folder; pass one report file in it (e.g. {path}/000_report.txt)")
    if not path.is_file():
        raise IngestError(f"{path}: no such file; pass the path of a synthesis report")
    raw = path.read_bytes()
    if problem := not_a_report(raw):
        raise IngestError(f"{path}: {problem}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise IngestError(f"{path}: not UTF-8 text; expected a synthesis report") from None
    readers = {"text": parse, "md": report_markdown.parse, "json": report_json.parse}
    return readers[fmt or detect(text)](text, report_id=report_id(path), source_path=str(path))


def not_a_report(raw: bytes) -> str:
    """Why these bytes are no report a reader could take ('' when they may be one): each kind its own line."""
    head = raw.lstrip()[:512].lower()
    if not head:
        return "empty; expected a synthesis report (text, markdown or JSON)"
    if head.startswith(b"%pdf"):
        return "a PDF; ingest takes the report's text (pdftotext it first); to cite a paper, use 'audit cite'"
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        return "an HTML page; save the report as text or markdown and ingest that"
    return "a CSV table; write it as JSON ({'claims': [{claim, verified, confidence}]}) or markdown" * _csv(raw)


def _csv(raw: bytes) -> bool:
    """Rows of the same number (two or more) of commas, and no title, table or JSON opening."""
    lines = [line for line in raw.decode("utf-8", "replace").splitlines()[:5] if line.strip()]
    if len(lines) < 2 or lines[0].lstrip().startswith(("#", "{", "[", "|")):
        return False
    return len({line.count(",") for line in lines}) == 1 and lines[0].count(",") >= 2


def report_id(path: Path) -> str:
    """The report's id, from its file name; one that could name a folder outside claims/ is refused."""
    stem = path.stem
    if not REPORT_ID.match(stem) or set(stem) <= {"."}:
        raise IngestError(
            f"{path.name}: the file name gives report id {stem!r}; rename the file to letters, "
            "digits, '.', '_' or '-' (for example 001_report.txt)"
        )
    return stem


def detect(text: str) -> str:
    """json when the content is a JSON object; md when its claims sit in a '| Claim |' table; else text."""
    body = clean(text).lstrip()
    if body.startswith(("{", "[")):
        return "json"
    return "md" if any(report_markdown.HEADER.match(line) for line in body.split("\n")) else "text"
