"""Source documents (PDF, HTML, plain text) as located sentences.

PDF text comes from pypdf, page by page; HTML is reduced to its text with the standard
library's parser, keeping each piece's source line; plain text keeps its lines. Every
passage carries a location a reader can open: "page 3" or "line 42".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from audit.errors import AuditError

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")


@dataclass(frozen=True)
class Passage:
    text: str
    location: str


def _sentences(text: str) -> list[str]:
    # A table row or a heading is one passage; prose is split into sentences.
    pieces = SENTENCE_END.split(" ".join(text.split()))
    return [p for p in pieces if p]


def from_lines(lines: list[tuple[int, str]], prefix: str = "line") -> list[Passage]:
    """Passages from (line number, text) pairs; a sentence is located where it starts."""
    return [Passage(s, f"{prefix} {n}") for n, line in lines for s in _sentences(line) if line.strip()]


def read_text(path: Path) -> list[Passage]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return from_lines(list(enumerate(text.splitlines(), start=1)))


class _HTMLText(HTMLParser):
    SKIP = {"script", "style", "head"}

    def __init__(self):
        super().__init__()
        self.pieces: list[tuple[int, str]] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in self.SKIP

    def handle_endtag(self, tag):
        self.skipping -= tag in self.SKIP and self.skipping > 0

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.pieces.append((self.getpos()[0], data))


def read_html(path: Path) -> list[Passage]:
    parser = _HTMLText()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return from_lines(parser.pieces)


def read_pdf(path: Path) -> list[Passage]:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs each repair it tries ("EOF marker not found", ...) on stderr; a broken
    # file must come out as one line, ours.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    try:
        pages = PdfReader(str(path)).pages
        texts = [page.extract_text() or "" for page in pages]
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise AuditError(f"{path}: not a readable PDF ({type(exc).__name__}: {exc})") from None
    return [Passage(s, f"page {i}") for i, text in enumerate(texts, start=1) for s in _sentences(text)]


READERS = {".pdf": read_pdf, ".html": read_html, ".htm": read_html}


def read(path: Path) -> list[Passage]:
    """Located passages of a document, by its extension (text for anything else)."""
    if not path.is_file():
        raise AuditError(f"{path}: no such file; pass a PDF, HTML or text document with --source")
    if path.suffix.lower() != ".pdf" and b"\0" in path.read_bytes()[:4096]:
        raise AuditError(f"{path}: binary file; pass a PDF, HTML or text document")
    return READERS.get(path.suffix.lower(), read_text)(path)
