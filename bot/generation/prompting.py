"""The chat messages sent to the model: system prompt, numbered sources, question."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from openai.types.chat import ChatCompletionMessageParam

from bot.prompts import render
from indexer.models import Chunk, Hit, Language

# Tags the prompt uses to delimit data. Text inside a source or the question that
# opens or closes one of them gets a look-alike bracket, so it cannot end the block.
_TAG = re.compile(r"<(\s*/?\s*)(source|question)", re.IGNORECASE)


@dataclass(frozen=True)
class PromptSource:
    """A chunk as it appears in the prompt: its number, title, language and text."""

    n: int
    title: str
    language: Language
    text: str


def neutralise(text: str) -> str:
    """Return ``text`` with ``<source``, ``</source`` and ``<question`` defused as ``‹…``."""
    return _TAG.sub(lambda match: f"‹{match.group(1)}{match.group(2)}", text)


def unique_chunks(hits: Sequence[Hit]) -> list[Chunk]:
    """Return the chunks of ``hits`` in rank order, each chunk once."""
    chunks: dict[str, Chunk] = {}
    for hit in hits:
        chunks.setdefault(hit.chunk.id, hit.chunk)
    return list(chunks.values())


def prompt_sources(chunks: Sequence[Chunk]) -> list[PromptSource]:
    """Number ``chunks`` from 1 and defuse tags and quotes in their text and title."""
    return [
        PromptSource(
            n=n,
            title=neutralise(chunk.title).replace('"', "'"),
            language=chunk.language,
            text=neutralise(chunk.text),
        )
        for n, chunk in enumerate(chunks, start=1)
    ]


def build_messages(
    question: str, language: Language, sources: Sequence[PromptSource]
) -> list[ChatCompletionMessageParam]:
    """Return the system and user messages for one question."""
    return [
        {"role": "system", "content": render(f"llm/system.{language}.j2")},
        {
            "role": "user",
            "content": render(
                f"llm/answer.{language}.j2", question=neutralise(question), sources=sources
            ),
        },
    ]


def language_retry_messages(
    messages: Sequence[ChatCompletionMessageParam], reply: str, language: Language
) -> list[ChatCompletionMessageParam]:
    """Return ``messages`` plus the wrong-language reply and a stronger instruction."""
    return [
        *messages,
        {"role": "assistant", "content": reply},
        {"role": "user", "content": render(f"llm/retry_language.{language}.j2")},
    ]
