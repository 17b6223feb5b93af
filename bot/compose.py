"""Extractive answers: pick the sentences from the hits that answer a question.

Each candidate sentence is scored by the overlap of its stemmed tokens with the
question's content tokens, the rank of its hit, cues for the kind of answer asked for
(a date for "når"/"when", a number for "hvor mange"/"how many", a name for
"hvem"/"who"), and optionally its dense similarity to the question. The best one to
three sentences become the answer, each followed by a ``[n]`` citation marker.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from bot.models import Citation
from bot.prompts import message
from bot.sentences import content_tokens, split_sentences
from indexer.models import Chunk, Hit, Language

AnswerType = Literal["date", "number", "name", "other"]

# Weights of the sentence score. Overlap is a fraction of the question's content
# tokens (0–1); the hit weight scales with the hit's score relative to the top hit.
# Chosen by hand on the golden set.
OVERLAP_WEIGHT = 1.0
HIT_WEIGHT = 0.35
CUE_WEIGHT = 0.45
DENSE_WEIGHT = 0.6
SAME_LANGUAGE_BONUS = 0.08
# Extra sentences must score at least this fraction of the best sentence.
EXTRA_SENTENCE_RATIO = 0.8
MAX_SENTENCES = 3
MAX_SENTENCE_CHARS = 600
CANDIDATE_HITS = 5

_MONTHS = (
    "januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember|"
    "january|february|march|may|june|july|october|december"
)
_DATE = re.compile(
    rf"\b\d{{1,2}}\.\s*(?:{_MONTHS})\b|\b(?:{_MONTHS})\s+\d{{1,2}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b"
    rf"|\b\d{{1,2}}\.\d{{1,2}}\.\d{{2,4}}\b|\b(?:{_MONTHS})\s+(?:19|20)\d{{2}}\b"
    r"|\b(?:19|20)\d{2}\b|\bQ[1-4]\b|\b[1-4]\.\s*kvartal\b|\bkvartal\b|\bquarter\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\d|\b(?:en|ett|to|tre|fire|fem|seks|sju|syv|åtte|ni|ti|tolv|tjue|hundre|tusen|million"
    r"|millioner|milliard|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty"
    r"|hundred|thousand|millions?|billion)\b|kr\b|NOK|EUR|USD|%|prosent|percent",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-ZÆØÅ][\wÆØÅæøå]+|\b[A-ZÆØÅ]{2,}\b")

_CUES: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    (
        "date",
        re.compile(
            r"\bnår\b|\bwhen\b|\bdato\b|\bdate\b|\bfrist|\bdeadlines?\b|\bhvilket år\b"
            r"|\bwhich year\b|\bwhat year\b|\bhvor lenge\b|\bhow long\b|\bvarighet\b",
            re.IGNORECASE,
        ),
    ),
    (
        "number",
        re.compile(
            r"\bhvor (?:mange|mye|stor)\b|\bhow (?:many|much|large|big)\b|\bkoste[rt]?\b"
            r"|\bcosts?\b|\bpris(?:en)?\b|\bprice\b|\bantall\b|\bnumber of\b|\bbudsjett\b"
            r"|\bbudget\b|\bverdi(?:en)?\b|\bvalue\b",
            re.IGNORECASE,
        ),
    ),
    (
        "name",
        re.compile(
            r"\bhvem\b|\bwho\b|\bhvilke(?:n|t)? (?:leverandør|virksomhet|organisasjon|etat)"
            r"|\bwhich (?:supplier|vendor|organisation|organization|agency)|\bhva heter\b"
            r"|\bwhat is the name\b",
            re.IGNORECASE,
        ),
    ),
)


class SentenceEmbedder(Protocol):
    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Candidate:
    """One sentence of one hit, with its position and score parts."""

    text: str
    hit_rank: int
    # Hit score relative to the top hit, 0–1.
    hit_strength: float
    position: int
    overlap: float
    cue: float
    dense: float = 0.0
    score: float = 0.0


@dataclass(frozen=True)
class Composition:
    """The composed answer text, its citations and the signals for confidence."""

    text: str
    citations: tuple[Citation, ...]
    # Overlap of the best sentence with the question's content tokens, 0–1.
    best_overlap: float
    best_score: float
    notes: tuple[str, ...] = field(default=())


def answer_type(question: str) -> AnswerType:
    """Return the kind of fact the question asks for, from its question words."""
    for kind, pattern in _CUES:
        if pattern.search(question):
            return kind
    return "other"


def _cue_score(sentence: str, kind: AnswerType) -> float:
    if kind == "date":
        return 1.0 if _DATE.search(sentence) else 0.0
    if kind == "number":
        return 1.0 if _NUMBER.search(sentence) else 0.0
    if kind == "name":
        return 1.0 if _NAME.search(sentence) else 0.0
    return 0.0


def _similarities(question: str, texts: Sequence[str], embedder: SentenceEmbedder) -> np.ndarray:
    """Return the cosine similarity of each text to the question, in one batch."""
    query = np.asarray(embedder.embed_query(question), dtype=np.float32)
    matrix = np.asarray(embedder.embed_documents(list(texts)), dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1) * np.linalg.norm(query)
    return (matrix @ query) / np.where(norms == 0, 1.0, norms)


def _candidates(question: str, hits: Sequence[Hit]) -> list[tuple[Hit, Candidate]]:
    wanted = content_tokens(question)
    kind = answer_type(question)
    result: list[tuple[Hit, Candidate]] = []
    top_score = max((hit.score for hit in hits[:CANDIDATE_HITS]), default=0.0)
    for rank, hit in enumerate(hits[:CANDIDATE_HITS]):
        strength = hit.score / top_score if top_score > 0 else 1.0 / (rank + 1)
        for position, sentence in enumerate(split_sentences(hit.chunk.text)):
            if len(sentence) > MAX_SENTENCE_CHARS:
                sentence = sentence[:MAX_SENTENCE_CHARS].rsplit(" ", 1)[0] + " …"
            tokens = content_tokens(sentence)
            overlap = len(wanted & tokens) / len(wanted) if wanted else 0.0
            candidate = Candidate(
                sentence, rank, strength, position, overlap, _cue_score(sentence, kind)
            )
            result.append((hit, candidate))
    return result


def _score(
    question: str,
    language: Language,
    pairs: list[tuple[Hit, Candidate]],
    embedder: SentenceEmbedder | None,
) -> list[tuple[Hit, Candidate]]:
    dense = [0.0] * len(pairs)
    if embedder is not None and pairs:
        texts = [candidate.text for _, candidate in pairs]
        dense = [float(value) for value in _similarities(question, texts, embedder)]
    scored = []
    for (hit, candidate), similarity in zip(pairs, dense, strict=True):
        score = (
            OVERLAP_WEIGHT * candidate.overlap
            + HIT_WEIGHT * candidate.hit_strength
            + CUE_WEIGHT * candidate.cue
            + DENSE_WEIGHT * similarity
            + (SAME_LANGUAGE_BONUS if hit.chunk.language == language else 0.0)
        )
        scored.append(
            (hit, Candidate(**{**candidate.__dict__, "dense": similarity, "score": score}))
        )
    return scored


def _select(scored: list[tuple[Hit, Candidate]]) -> list[tuple[Hit, Candidate]]:
    ranked = sorted(scored, key=lambda pair: pair[1].score, reverse=True)
    best_hit, best = ranked[0]
    chosen = [(best_hit, best)]
    seen = {best.text.casefold()}
    for hit, candidate in ranked[1:]:
        if len(chosen) >= MAX_SENTENCES or candidate.score < EXTRA_SENTENCE_RATIO * best.score:
            break
        # Sentences in the other language are usually translations of the chosen one.
        if hit.chunk.language != best_hit.chunk.language or candidate.overlap == 0.0:
            continue
        if candidate.text.casefold() in seen:
            continue
        seen.add(candidate.text.casefold())
        chosen.append((hit, candidate))
    return _reading_order(chosen)


def _reading_order(chosen: list[tuple[Hit, Candidate]]) -> list[tuple[Hit, Candidate]]:
    """Group sentences by chunk (best group first) and keep document order inside a group."""
    groups: dict[str, list[tuple[Hit, Candidate]]] = {}
    for hit, candidate in chosen:
        groups.setdefault(hit.chunk.id, []).append((hit, candidate))
    ordered: list[tuple[Hit, Candidate]] = []
    for group in groups.values():
        ordered.extend(sorted(group, key=lambda pair: pair[1].position))
    return ordered


def citation_for(chunk: Chunk, n: int, quote: str) -> Citation:
    """Build the numbered citation of ``chunk`` quoting ``quote``."""
    when = chunk.reviewed or chunk.published
    return Citation(
        n=n,
        document_id=chunk.document_id,
        title=chunk.title,
        section=chunk.section,
        source=chunk.source_url or chunk.source,
        page=chunk.page,
        date=when.isoformat() if when else None,
        quote=quote,
        chunk_id=chunk.id,
        audience=chunk.audience,
    )


def compose(
    question: str,
    language: Language,
    hits: Sequence[Hit],
    *,
    embedder: SentenceEmbedder | None = None,
) -> Composition | None:
    """Compose an extractive answer from ``hits``; None when they contain no sentence."""
    pairs = _candidates(question, hits)
    if not pairs:
        return None
    chosen = _select(_score(question, language, pairs, embedder))

    numbers: dict[str, int] = {}
    quotes: dict[str, list[str]] = {}
    chunks: dict[str, Chunk] = {}
    parts = [message("answer.lead_in", language)]
    for hit, candidate in chosen:
        chunk_id = hit.chunk.id
        numbers.setdefault(chunk_id, len(numbers) + 1)
        quotes.setdefault(chunk_id, []).append(candidate.text)
        chunks[chunk_id] = hit.chunk
        parts.append(f"{candidate.text} [{numbers[chunk_id]}]")

    citations = tuple(
        citation_for(chunks[chunk_id], n, " ".join(quotes[chunk_id]))
        for chunk_id, n in numbers.items()
    )
    other = [f"[{c.n}]" for c in citations if chunks[c.chunk_id].language != language]
    notes: tuple[str, ...] = ()
    if other:
        note = message("answer.other_language_source", language, markers=", ".join(other))
        parts.append(note)
        notes = (note,)
    best = max((candidate for _, candidate in chosen), key=lambda c: c.score)
    return Composition(
        text=" ".join(parts),
        citations=citations,
        best_overlap=max(candidate.overlap for _, candidate in chosen),
        best_score=best.score,
        notes=notes,
    )
