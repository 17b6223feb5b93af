"""The nouns of the indexer: Document, Section, Chunk, Hit and SearchFilters.

A Document is one source file in the knowledge directory. The indexer cuts it into
Chunks. A Hit is a Chunk with a search score, where higher is better.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["guidance", "regulation", "contract", "faq", "pilot", "news"]
Language = Literal["nb", "en"]
Audience = Literal["public", "internal"]


class DocumentMeta(BaseModel):
    """Front matter of a document, with defaults filled in by the loader."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1)
    kind: Kind = "guidance"
    topic: str = "general"
    language: Language = "nb"
    source_url: str | None = None
    published: date | None = None
    reviewed: date | None = None
    audience: Audience = "public"


class Section(BaseModel):
    """A run of text under one heading path, on one page where the format has pages."""

    model_config = ConfigDict(frozen=True)

    heading_path: tuple[str, ...] = ()
    text: str
    page: int | None = None


class Document(BaseModel):
    """A loaded source file: its metadata, its sections and where it came from."""

    model_config = ConfigDict(frozen=True)

    meta: DocumentMeta
    # Path relative to the knowledge directory, with forward slashes.
    path: str
    # sha256 of the file's bytes; unchanged hash means the document is skipped.
    content_hash: str
    sections: tuple[Section, ...]
    # Problems that did not stop loading, such as PDF pages with no text layer.
    warnings: tuple[str, ...] = ()


class Chunk(BaseModel):
    """A piece of a document small enough for the embedding model."""

    model_config = ConfigDict(frozen=True)

    id: str
    document_id: str
    text: str
    heading_path: tuple[str, ...] = ()
    page: int | None = None
    # Copied from the document so a hit can be cited and filtered on its own.
    title: str
    kind: Kind
    topic: str
    language: Language
    audience: Audience
    source: str  # path relative to the knowledge directory
    source_url: str | None = None
    published: date | None = None
    reviewed: date | None = None

    @property
    def section(self) -> str:
        return " › ".join(self.heading_path)


class Hit(BaseModel):
    """A chunk returned by search, with its fused score and the rank in each leg."""

    model_config = ConfigDict(frozen=True)

    chunk: Chunk
    score: float
    bm25_rank: int | None = None
    dense_rank: int | None = None
    # Cosine similarity between the query and the chunk, when the dense leg found it.
    dense_similarity: float | None = None
    bm25_score: float | None = None


class SearchFilters(BaseModel):
    """Restrictions on which chunks a search may return; None means any."""

    model_config = ConfigDict(frozen=True)

    topic: str | None = None
    kind: Kind | None = None
    language: Language | None = None
    # Audiences the caller may see: public callers see only "public".
    audiences: frozenset[Audience] = frozenset({"public"})
