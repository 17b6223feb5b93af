"""What a format parser extracts from a file before metadata defaults are filled in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from indexer.models import Section


@dataclass(frozen=True)
class ParsedContent:
    """Sections and the hints a file carries about its own metadata."""

    sections: tuple[Section, ...]
    # Title found in the file (front matter excluded), such as <title> or PDF metadata.
    title: str | None = None
    # Language tag declared by the file, such as <html lang="nb-NO">; None when absent.
    language_tag: str | None = None
    # Front matter exactly as written; only Markdown has it.
    front_matter: Mapping[str, object] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
