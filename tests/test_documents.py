import pytest

from audit.errors import AuditError
from audit.synthesis.documents import read
from tests.pdf_maker import write_pdf

DOCS = __import__("pathlib").Path(__file__).with_name("documents")


def test_text_passages_carry_their_line():
    passages = read(DOCS / "paper_v2_excerpt.txt")
    row = next(p for p in passages if "392,702" in p.text)
    assert row.location == "line 10"


def test_html_keeps_source_lines_and_drops_scripts():
    passages = read(DOCS / "notes.html")
    assert [p.location for p in passages if "392,702" in p.text] == ["line 4"]
    assert not any("var n" in p.text for p in passages)


def test_pdf_passages_carry_their_page(tmp_path):
    pdf = write_pdf(tmp_path / "p.pdf", [["Title page."], ["MNLI has 392,702 training examples."]])
    passages = read(pdf)
    assert [p.location for p in passages if "392,702" in p.text] == ["page 2"]


def test_unreadable_documents_are_one_line_errors(tmp_path):
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"%PDF-1.4 this is not really a pdf")
    with pytest.raises(AuditError, match="not a readable PDF"):
        read(fake)
    with pytest.raises(AuditError, match="no such file"):
        read(tmp_path / "missing.txt")
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\0\1\2")
    with pytest.raises(AuditError, match="binary file"):
        read(blob)
