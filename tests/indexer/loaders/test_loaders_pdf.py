from __future__ import annotations

import io
from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from indexer.loaders import LoadError, load_document


def make_pdf(pages: list[str], title: str | None = None) -> bytes:
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def encrypt(data: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PAGES = ["Page one is about cloud contracts.", "", "Page three is about privacy."]


def test_pdf_text_per_page(knowledge_dir: Path) -> None:
    path = knowledge_dir / "report.pdf"
    path.write_bytes(make_pdf(PAGES, title="Cloud report"))
    document = load_document(path, knowledge_dir)
    assert [section.page for section in document.sections] == [1, 3]
    assert document.sections[0].text == "Page one is about cloud contracts."
    assert document.sections[1].text == "Page three is about privacy."
    assert document.sections[0].heading_path == ()


def test_pdf_warns_empty_page(knowledge_dir: Path) -> None:
    path = knowledge_dir / "report.pdf"
    path.write_bytes(make_pdf(PAGES))
    document = load_document(path, knowledge_dir)
    assert document.warnings == ("page 2 has no text layer; run OCR or supply a text version",)


def test_pdf_title_from_metadata(knowledge_dir: Path) -> None:
    path = knowledge_dir / "report.pdf"
    path.write_bytes(make_pdf(PAGES, title="Cloud report"))
    document = load_document(path, knowledge_dir)
    assert document.meta.title == "Cloud report"
    assert document.meta.language == "en"


def test_pdf_title_from_file_name(knowledge_dir: Path) -> None:
    path = knowledge_dir / "rapport-2024.pdf"
    path.write_bytes(make_pdf(["Tekst om sky og avtaler."]))
    document = load_document(path, knowledge_dir)
    assert document.meta.title == "rapport-2024"


def test_pdf_without_text_layer(knowledge_dir: Path) -> None:
    path = knowledge_dir / "scan.pdf"
    path.write_bytes(make_pdf(["", ""]))
    with pytest.raises(LoadError) as caught:
        load_document(path, knowledge_dir)
    assert caught.value.reason == (
        "no text layer on any of the 2 pages; run OCR or supply a text version"
    )


def test_pdf_encrypted_with_password(knowledge_dir: Path) -> None:
    path = knowledge_dir / "secret.pdf"
    path.write_bytes(encrypt(make_pdf(PAGES), user_password="secret"))
    with pytest.raises(LoadError) as caught:
        load_document(path, knowledge_dir)
    assert caught.value.reason == (
        "PDF is encrypted with a password; save a copy without a password"
    )


def test_pdf_encrypted_empty_password(knowledge_dir: Path) -> None:
    path = knowledge_dir / "restricted.pdf"
    path.write_bytes(encrypt(make_pdf(PAGES), user_password=""))
    document = load_document(path, knowledge_dir)
    assert document.sections[0].text == "Page one is about cloud contracts."


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", b"not a pdf at all", make_pdf(PAGES)[:300]],
)
def test_pdf_broken_file(knowledge_dir: Path, data: bytes) -> None:
    path = knowledge_dir / "broken.pdf"
    path.write_bytes(data)
    with pytest.raises(LoadError) as caught:
        load_document(path, knowledge_dir)
    assert caught.value.reason.startswith("PDF is damaged")
    assert caught.value.reason.endswith("export it again from the source")
