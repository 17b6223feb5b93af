"""Checks on a model's reply: mentions, links, citation markers and sentence support."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.compose import citation_for
from bot.generation.citations import AnswerSentence, parse_answer, render_answer, valid_sources
from bot.generation.sanitize import remove_foreign_links, remove_mentions, urls_in
from bot.generation.support import Support, SupportChecker
from bot.models import Citation
from indexer.models import Chunk

_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class CheckedAnswer:
    """A reply that passed the checks: its text, citations and how many sentences survived."""

    text: str
    citations: tuple[Citation, ...]
    kept_sentences: int
    total_sentences: int


def allowed_urls(chunks: Sequence[Chunk]) -> frozenset[str]:
    """Return the normalised URLs in the text and source URLs of ``chunks``."""
    return urls_in([chunk.text for chunk in chunks] + [c.source_url or "" for c in chunks])


def _without_foreign_links(
    sentences: Sequence[AnswerSentence], sources: Sequence[Chunk]
) -> list[tuple[AnswerSentence, tuple[int, ...]]]:
    """Pair each sentence with its valid source numbers and strip links its sources lack."""
    cleaned: list[tuple[AnswerSentence, tuple[int, ...]]] = []
    for sentence in sentences:
        numbers = valid_sources(sentence.sources, len(sources))
        allowed = allowed_urls([sources[n - 1] for n in numbers])
        text = remove_foreign_links(sentence.text, allowed).strip()
        if _WORD.search(text):
            cleaned.append((AnswerSentence(text, numbers, sentence.line, sentence.prefix), numbers))
    return cleaned


def check_reply(
    reply: str, sources: Sequence[Chunk], checker: SupportChecker
) -> CheckedAnswer | None:
    """Keep the supported, cited sentences of ``reply``; None when fewer than half survive.

    ``sources[i]`` is the chunk the prompt numbered i + 1.
    """
    sentences = parse_answer(remove_mentions(reply))
    total = len(sentences)
    if total == 0:
        return None
    cleaned = _without_foreign_links(sentences, sources)
    pairs = [(s.text, sources[n - 1]) for s, numbers in cleaned for n in numbers]
    supports = iter(checker.score(pairs))

    kept: list[AnswerSentence] = []
    keys: list[list[str]] = []
    quotes: dict[str, list[Support]] = {}
    for sentence, numbers in cleaned:
        supporting: list[str] = []
        for number in numbers:
            support = next(supports)
            chunk_id = sources[number - 1].id
            if support.supported and chunk_id not in supporting:
                supporting.append(chunk_id)
                quotes.setdefault(chunk_id, []).append(support)
        if supporting:
            kept.append(sentence)
            keys.append(supporting)

    if not kept or 2 * len(kept) < total:
        return None
    text, numbers_by_chunk = render_answer(kept, keys)
    chunks = {chunk.id: chunk for chunk in sources}
    citations = tuple(
        citation_for(chunks[chunk_id], n, _quote(quotes[chunk_id]))
        for chunk_id, n in numbers_by_chunk.items()
    )
    return CheckedAnswer(text, citations, len(kept), total)


def _quote(supports: Sequence[Support]) -> str:
    """Join the distinct supporting chunk sentences in the order they were first used."""
    return " ".join(dict.fromkeys(support.quote for support in supports))
