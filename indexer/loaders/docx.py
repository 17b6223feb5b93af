"""Word documents (.docx): paragraphs and tables in document order."""

from __future__ import annotations

import io
import re
import zipfile
import zlib

import docx
from docx.document import Document as WordDocument
from docx.opc.exceptions import OpcError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from indexer.loaders.errors import ContentError
from indexer.loaders.parsed import ParsedContent
from indexer.loaders.sections import SectionBuilder

# Encrypted Office files and old .doc files are OLE compound files, not ZIP packages.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Built-in heading styles by English name or Norwegian Word's localized name or id.
# The Title style counts as level 0, above Heading 1.
_HEADING_STYLE = re.compile(r"^(?:heading|overskrift)\s*([1-6])$", re.IGNORECASE)
_TITLE_STYLES = frozenset({"title", "tittel"})
# Errors that python-docx 1.2, zipfile and lxml raise for damaged packages (found by fuzzing).
_BROKEN_DOCX_ERRORS = (
    zipfile.BadZipFile,
    OpcError,
    KeyError,
    ValueError,
    etree.XMLSyntaxError,
    EOFError,
    NotImplementedError,
    zlib.error,
)
# python-docx parses the whole body XML into memory, so a small ZIP that expands to
# gigabytes would exhaust memory before any check runs. The declared sizes bound what
# can be read because zipfile stops reading a member at its declared file_size
# (CPython 3.11 ZipExtFile).
MAX_UNCOMPRESSED_MB = 50
MAX_COMPRESSION_RATIO = 100
# Members smaller than this may compress well (styles, empty parts) without risk.
_RATIO_CHECK_MIN_BYTES = 1024 * 1024
_MEGABYTE = 1024 * 1024
_BODY_PARAGRAPH = qn("w:p")
_BODY_TABLE = qn("w:tbl")


def parse_docx(data: bytes) -> ParsedContent:
    """Read body paragraphs and tables in order; heading styles build the heading path."""
    document = _open(data)
    builder = SectionBuilder()
    first_heading: str | None = None
    try:
        for block in _body_blocks(document):
            if isinstance(block, Table):
                for line in _table_lines(block):
                    builder.add_line(line)
                continue
            text = block.text.strip()
            if not text:
                continue
            level = _heading_level(block)
            if level is None:
                builder.add_line(text)
                continue
            builder.start_heading(level, text)
            first_heading = first_heading or text
        sections = builder.finish()
        title = _core_title(document) or first_heading
        language_tag = document.core_properties.language or None
    except _BROKEN_DOCX_ERRORS as error:
        raise ContentError(_broken(error)) from error
    if not sections:
        raise ContentError("empty document: the DOCX has no text in its body; add text")
    return ParsedContent(sections=sections, title=title, language_tag=language_tag)


def _open(data: bytes) -> WordDocument:
    if data.startswith(_OLE_MAGIC):
        raise ContentError(
            "DOCX is password protected or is an old .doc file; "
            "save it as a .docx without a password"
        )
    _check_expanded_size(data)
    try:
        return docx.Document(io.BytesIO(data))
    except _BROKEN_DOCX_ERRORS as error:
        raise ContentError(_broken(error)) from error


def _check_expanded_size(data: bytes) -> None:
    """Reject a package whose members expand past the size or compression ratio limits."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
    except _BROKEN_DOCX_ERRORS as error:
        raise ContentError(_broken(error)) from error
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_MB * _MEGABYTE:
        raise ContentError(
            f"DOCX expands to {total // _MEGABYTE} MB, over the {MAX_UNCOMPRESSED_MB} MB limit; "
            "split the document or save it as PDF"
        )
    for member in members:
        if member.file_size < _RATIO_CHECK_MIN_BYTES:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            raise ContentError(
                f"DOCX part {member.filename} is compressed {ratio:.0f}:1, over the "
                f"{MAX_COMPRESSION_RATIO}:1 limit; open it in Word and save it again"
            )


def _body_blocks(document: WordDocument) -> list[Paragraph | Table]:
    """Return top-level paragraphs and tables in the order they appear in the body XML."""
    blocks: list[Paragraph | Table] = []
    for element in document.element.body.iterchildren():
        if element.tag == _BODY_PARAGRAPH:
            blocks.append(Paragraph(element, document))
        elif element.tag == _BODY_TABLE:
            blocks.append(Table(element, document))
    return blocks


def _heading_level(paragraph: Paragraph) -> int | None:
    style = paragraph.style
    if style is None:
        return None
    for name in (style.name or "", style.style_id or ""):
        if name.strip().lower() in _TITLE_STYLES:
            return 0
        match = _HEADING_STYLE.match(name.strip())
        if match:
            return int(match.group(1))
    return None


def _table_lines(table: Table) -> list[str]:
    lines = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            # A merged cell appears once per grid column it spans; keep it once.
            if previous is not None and cell._tc is previous:
                continue
            previous = cell._tc
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            lines.append(" | ".join(cells))
    return lines


def _core_title(document: WordDocument) -> str | None:
    title = document.core_properties.title
    return " ".join(title.split()) if title and title.strip() else None


def _broken(error: BaseException) -> str:
    detail = str(error) or type(error).__name__
    return (
        f"DOCX is damaged or not a Word document ({detail}); "
        "open it in Word and save it again as .docx"
    )
