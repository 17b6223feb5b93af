"""The nouns of answering: Citation and Answer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from indexer.models import Audience, Hit, Language


class Citation(BaseModel):
    """A numbered source behind an answer; ``quote`` is the sentence or passage cited."""

    model_config = ConfigDict(frozen=True)

    n: int = Field(ge=1)
    document_id: str
    title: str
    section: str = ""
    source: str  # source_url when the document has one, else its path in knowledge/
    page: int | None = None
    date: str | None = None  # ISO date: reviewed, else published
    quote: str
    chunk_id: str = ""
    audience: str = "public"


class Answer(BaseModel):
    """What mpsbot replies to one question, with the citations behind it."""

    model_config = ConfigDict(frozen=True)

    question: str
    language: Language
    answered: bool
    text: str  # contains [n] markers that refer to citations
    confidence: float = Field(ge=0.0, le=1.0)
    topic: str | None = None
    topic_confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    citations: tuple[Citation, ...] = ()
    # Team that owns the nearest topic; named in refusals and used by triage.
    team: str | None = None
    # Where the answer was produced, shown to the user.
    produced_by: str = "extractive"
    notes: tuple[str, ...] = ()
    # Set when the question is about joining a pilot that takes enrolments.
    pilot_id: str | None = None


class Answerer(Protocol):
    """What the front ends (CLI, Slack, triage) need from the answering service."""

    def answer(
        self,
        question: str,
        *,
        audiences: frozenset[Audience] = frozenset({"public"}),
        history: Sequence[str] = (),
        channel: str | None = None,
        top_k: int = 5,
        on_partial: Callable[[str], None] | None = None,
    ) -> Answer: ...


class Generator(Protocol):
    """Turns retrieved hits into an answer; ``fallback`` is the extractive answer.

    Implementations return ``fallback`` (with a note) whenever they cannot produce
    an answer whose citations check out.
    """

    def generate(
        self,
        question: str,
        language: Language,
        hits: Sequence[Hit],
        fallback: Answer,
        *,
        channel: str | None = None,
        on_partial: Callable[[str], None] | None = None,
    ) -> Answer: ...
