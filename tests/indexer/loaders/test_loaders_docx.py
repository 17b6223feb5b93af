from __future__ import annotations

import os
import zipfile
from pathlib import Path

import docx
import pytest

from indexer.loaders import LoadError, load_document


def make_docx(path: Path) -> None:
    document = docx.Document()
    document.core_properties.language = "nb-NO"
    document.add_heading("Avtale om skytjenester", level=1)
    document.add_paragraph("Første avsnitt om avtalen.")
    document.add_paragraph("")
    document.add_heading("Priser", level=2)
    document.add_paragraph("Prisene gjelder for ett år.")
    table = document.add_table(rows=2, cols=3)
    for column, text in enumerate(["Tjeneste", "Pris", "Enhet"]):
        table.cell(0, column).text = text
    for column, text in enumerate(["Lagring", "10", "kr per GB"]):
        table.cell(1, column).text = text
    document.add_paragraph("Teksten etter tabellen.")
    document.add_heading("Vilkår", level=2)
    document.add_paragraph("Vilkårene følger CIPS.")
    document.save(str(path))


def test_docx_sections_in_order(knowledge_dir: Path) -> None:
    path = knowledge_dir / "avtale.docx"
    make_docx(path)
    sections = load_document(path, knowledge_dir).sections
    assert [section.heading_path for section in sections] == [
        ("Avtale om skytjenester",),
        ("Avtale om skytjenester", "Priser"),
        ("Avtale om skytjenester", "Vilkår"),
    ]
    assert sections[0].text == "Første avsnitt om avtalen."
    assert sections[1].text == (
        "Prisene gjelder for ett år.\nTjeneste | Pris | Enhet\nLagring | 10 | kr per GB\n"
        "Teksten etter tabellen."
    )
    assert sections[2].text == "Vilkårene følger CIPS."


def test_docx_metadata_defaults(knowledge_dir: Path) -> None:
    path = knowledge_dir / "avtale.docx"
    make_docx(path)
    meta = load_document(path, knowledge_dir).meta
    assert meta.title == "Avtale om skytjenester"
    assert meta.language == "nb"
    assert meta.id == "avtale"


def test_docx_norwegian_heading_style(knowledge_dir: Path) -> None:
    document = docx.Document()
    heading = document.add_heading("Innledning", level=1)
    heading.style.name = "Overskrift 1"
    document.add_paragraph("Tekst under overskriften.")
    path = knowledge_dir / "norsk.docx"
    document.save(str(path))
    sections = load_document(path, knowledge_dir).sections
    assert sections[0].heading_path == ("Innledning",)


@pytest.mark.parametrize(
    ("data", "reason_start"),
    [
        (os.urandom(2048), "DOCX is damaged or not a Word document"),
        (b"PK\x03\x04" + b"\x00" * 100, "DOCX is damaged or not a Word document"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
            "DOCX is password protected or is an old .doc file",
        ),
    ],
)
def test_docx_broken_file(knowledge_dir: Path, data: bytes, reason_start: str) -> None:
    path = knowledge_dir / "broken.docx"
    path.write_bytes(data)
    with pytest.raises(LoadError) as caught:
        load_document(path, knowledge_dir)
    assert caught.value.reason.startswith(reason_start)


def test_docx_without_text(knowledge_dir: Path) -> None:
    path = knowledge_dir / "blank.docx"
    docx.Document().save(str(path))
    with pytest.raises(LoadError) as caught:
        load_document(path, knowledge_dir)
    assert caught.value.reason.startswith("empty document")


def make_bomb(path: Path, body_bytes: int) -> None:
    """Write a valid docx whose word/document.xml is padded with spaces."""
    make_docx(path)
    with zipfile.ZipFile(path) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    document_xml = parts["word/document.xml"]
    padding = b" " * (body_bytes - len(document_xml))
    # Whitespace before the root element's closing tag keeps the XML valid.
    parts["word/document.xml"] = document_xml.replace(b"</w:document>", padding + b"</w:document>")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bomb:
        for name, content in parts.items():
            bomb.writestr(name, content)


def test_docx_expanding_past_limit(knowledge_dir: Path) -> None:
    path = knowledge_dir / "bomb.docx"
    make_bomb(path, 60 * 1024 * 1024)
    with pytest.raises(LoadError) as caught:
        load_document(path, knowledge_dir)
    reason = caught.value.reason
    assert reason.startswith("DOCX expands to 60 MB, over the 50 MB limit")
    assert reason.endswith("split the document or save it as PDF")


def test_docx_compression_ratio_limit(knowledge_dir: Path) -> None:
    path = knowledge_dir / "dense.docx"
    make_bomb(path, 5 * 1024 * 1024)
    with pytest.raises(LoadError) as caught:
        load_document(path, knowledge_dir)
    reason = caught.value.reason
    assert reason.startswith("DOCX part word/document.xml is compressed ")
    assert "over the 100:1 limit" in reason
