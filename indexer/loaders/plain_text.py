"""Plain text files: one section, paragraphs separated by blank lines."""

from __future__ import annotations

import re

from indexer.loaders.parsed import ParsedContent
from indexer.models import Section

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def parse_plain_text(text: str) -> ParsedContent:
    """Keep the text as one section, with exactly one blank line between paragraphs."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [
        "\n".join(line.rstrip() for line in block.strip("\n").splitlines())
        for block in _PARAGRAPH_BREAK.split(normalized)
    ]
    body = "\n\n".join(paragraph for paragraph in paragraphs if paragraph.strip())
    return ParsedContent(sections=(Section(text=body),))
