"""PDF files: the text layer of each page, one section per page."""

from __future__ import annotations

import io
import logging
import struct
import zlib

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PyPdfError

from indexer.loaders.errors import ContentError
from indexer.loaders.parsed import ParsedContent
from indexer.models import Section

logger = logging.getLogger(__name__)

# pypdf 7 raises its own errors for most damage, but some broken files still surface
# as these built-in errors from deep inside its parser (found by fuzzing).
_DAMAGED_PDF_ERRORS = (
    PyPdfError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    AssertionError,
    RecursionError,
    ZeroDivisionError,
    NotImplementedError,
    struct.error,
    zlib.error,
)


def parse_pdf(data: bytes) -> ParsedContent:
    """Extract each page's text; pages without a text layer become warnings."""
    reader = _open(data)
    sections: list[Section] = []
    warnings: list[str] = []
    try:
        pages = list(reader.pages)
    except _DAMAGED_PDF_ERRORS as error:
        raise ContentError(_damaged(error)) from error
    for number, page in enumerate(pages, start=1):
        try:
            text = page.extract_text() or ""
        except _DAMAGED_PDF_ERRORS as error:
            logger.warning("failed to extract text from PDF page %d: %s", number, error)
            warnings.append(f"page {number} could not be read ({error}); check the page")
            continue
        text = _tidy(text)
        if text:
            sections.append(Section(text=text, page=number))
        else:
            warnings.append(f"page {number} has no text layer; run OCR or supply a text version")
    if not sections:
        raise ContentError(
            f"no text layer on any of the {len(pages)} pages; run OCR or supply a text version"
        )
    return ParsedContent(sections=tuple(sections), title=_title(reader), warnings=tuple(warnings))


def _open(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ContentError("PDF is encrypted with a password; save a copy without a password")
    except FileNotDecryptedError as error:
        raise ContentError(
            "PDF is encrypted with a password; save a copy without a password"
        ) from error
    except DependencyError as error:
        raise ContentError(
            f"PDF is encrypted with a method pypdf cannot read here ({error}); "
            "save a copy without encryption"
        ) from error
    except _DAMAGED_PDF_ERRORS as error:
        raise ContentError(_damaged(error)) from error
    return reader


def _title(reader: PdfReader) -> str | None:
    try:
        metadata = reader.metadata
        title = metadata.title if metadata is not None else None
    except _DAMAGED_PDF_ERRORS as error:
        logger.debug("ignoring unreadable PDF metadata: %s", error)
        return None
    if isinstance(title, str) and title.strip():
        return " ".join(title.split())
    return None


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\x00", "").splitlines()]
    return "\n".join(lines).strip()


def _damaged(error: BaseException) -> str:
    detail = str(error) or type(error).__name__
    if isinstance(error, PdfReadError | PyPdfError):
        return f"PDF is damaged or not a PDF ({detail}); export it again from the source"
    return f"PDF is damaged ({type(error).__name__}: {detail}); export it again from the source"
