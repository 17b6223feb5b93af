"""Turn files in the knowledge directory into Documents.

discover_files() lists the files to index and load_document() loads one of them.
Every problem a maintainer can fix is raised or returned as a LoadError.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from indexer.loaders.discovery import (
    SUPPORTED_SUFFIXES,
    discover_files,
    is_inside,
    relative_to_knowledge,
)
from indexer.loaders.docx import parse_docx
from indexer.loaders.errors import ContentError, LoadError
from indexer.loaders.html import parse_html
from indexer.loaders.markdown import parse_markdown
from indexer.loaders.metadata import build_meta
from indexer.loaders.parsed import ParsedContent
from indexer.loaders.pdf import parse_pdf
from indexer.loaders.plain_text import parse_plain_text
from indexer.loaders.reading import MAX_FILE_BYTES, decode_text, read_file_bytes
from indexer.models import Document

__all__ = [
    "MAX_FILE_BYTES",
    "SUPPORTED_SUFFIXES",
    "LoadError",
    "discover_files",
    "load_document",
]


def _load_markdown(data: bytes) -> ParsedContent:
    return parse_markdown(decode_text(data))


def _load_html(data: bytes) -> ParsedContent:
    return parse_html(decode_text(data))


def _load_plain_text(data: bytes) -> ParsedContent:
    return parse_plain_text(decode_text(data))


_PARSERS: dict[str, Callable[[bytes], ParsedContent]] = {
    ".md": _load_markdown,
    ".markdown": _load_markdown,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": parse_pdf,
    ".docx": parse_docx,
    ".txt": _load_plain_text,
}


def load_document(path: Path, knowledge_dir: Path) -> Document:
    """Load one file; raise LoadError with the path and a reason a maintainer can act on."""
    relative = relative_to_knowledge(path, knowledge_dir)
    parser = _PARSERS.get(path.suffix.lower())
    if parser is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise LoadError(relative, f"unsupported file type {path.suffix!r}; use one of {supported}")
    if not is_inside(path.resolve(), knowledge_dir.resolve()):
        raise LoadError(relative, "file is outside the knowledge directory; copy it in instead")
    try:
        data = read_file_bytes(path)
        parsed = parser(data)
        meta = build_meta(relative.as_posix(), parsed)
    except ContentError as error:
        raise LoadError(relative, error.reason) from error
    return Document(
        meta=meta,
        path=relative.as_posix(),
        content_hash=hashlib.sha256(data).hexdigest(),
        sections=parsed.sections,
        warnings=parsed.warnings,
    )
