"""Extractive answers: pick the sentences from the hits that answer a question.

Each candidate sentence is scored by the overlap of its stemmed tokens with the
question's content tokens, the rank of its hit, cues for the kind of answer asked for
(a date for "når"/"when", a number for "hvor mange"/"how many", a name for
"hvem"/"who"), and optionally its dense similarity to the question. The best one to
three sentences become the answer, each followed by a ``[n]`` citation marker.
Questions that request a date, price or amount only get sentences that state one.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

import numpy as np

from bot.models import Citation
from bot.prompts import message
from bot.sentences import Sentence, content_tokens, split_sentences
from indexer.models import Chunk, Hit, Language

AnswerType = Literal["date", "price", "share", "number", "name", "definition", "other"]

# Weights of the sentence score, chosen by hand on the golden set. Overlap is a fraction
# of the question's content tokens (0–1), and the hit strength falls with the hit's rank
# (see _hit_strengths). Overlap weights from 0.7 to 0.9 gave the same golden-set figures.
OVERLAP_WEIGHT = 0.8
HIT_WEIGHT = 0.35
CUE_WEIGHT = 0.45
# Sentence similarities of the shipped model fall in a narrow band (about 0.75–0.95),
# so the dense weight is large to let them matter.
DENSE_WEIGHT = 4.0
SAME_LANGUAGE_BONUS = 0.08
# Extra sentences must score at least this fraction of the best sentence.
EXTRA_SENTENCE_RATIO = 0.7
MAX_SENTENCES = 3
# The confidence signal is the highest dense similarity among this many best-scoring
# sentences; 2 answered two more golden questions than 1 and no more out-of-scope ones.
DENSE_SIGNAL_SENTENCES = 2
# The first sentences under a heading answer it, so they borrow the heading's overlap
# with the question: fully for FAQ question headings, partly for other headings.
HEADING_SENTENCES = 2
QUESTION_HEADING_SHARE = 0.9
HEADING_SHARE = 0.6
MAX_SENTENCE_CHARS = 600
CANDIDATE_HITS = 5
MAX_LIST_ITEMS = 10
# A 384-dimension float32 vector takes 1.5 kB, so a full cache uses roughly 80 MB.
MAX_CACHED_VECTORS = 50_000

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
_MONTH = re.compile(rf"\b(?:{_MONTHS}|august|september|april)\b", re.IGNORECASE)
_NUMBER = re.compile(
    r"\d|\b(?:en|ett|to|tre|fire|fem|seks|sju|syv|åtte|ni|ti|tolv|tjue|hundre|tusen|million"
    r"|millioner|milliard|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty"
    r"|hundred|thousand|millions?|billion)\b|kr\b|NOK|EUR|USD|%|prosent|percent",
    re.IGNORECASE,
)
# Stricter than _NUMBER: "en", "ett" and "one" are articles and pronouns in most
# sentences, so they do not show that a sentence states an amount. "ingen" (none)
# does answer "how many".
_AMOUNT = re.compile(
    r"\d|\b(?:ingen|none|zero|tre|fire|fem|seks|sju|syv|åtte|ni|ti|tolv|tjue|hundre|tusen"
    r"|millioner|milliard"
    r"|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|hundred|thousand|millions?"
    r"|billion)\b",
    re.IGNORECASE,
)
_PRICE = re.compile(
    r"\d\s*(?:kr\b|kroner|NOK|EUR|USD|euro|dollar|mill|mrd|milliard|billion)"
    r"|\b(?:kr|NOK|EUR|USD)\s*\d|[$€]\s*\d|\bkostnadsfri|\bgratis\b|\bfree of charge\b"
    r"|\bat no cost\b|\buten kostnad",
    re.IGNORECASE,
)
_SHARE = re.compile(r"%|\bprosent|\bpercent|\bandel|\bshare\b|\bhalvparten\b|\bhalf\b", re.I)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-ZÆØÅ][\wÆØÅæøå]+|\b[A-ZÆØÅ]{2,}\b")

_CUES: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    (
        "date",
        re.compile(
            r"^(?:når|when)\b|\bdato\b|\bdate\b|\bfrist|\bdeadlines?\b|\bhvilket år\b"
            r"|\bwhich year\b|\bwhat year\b|\bhvor lenge\b|\bhow long\b|\bvarighet\b",
            re.IGNORECASE,
        ),
    ),
    (
        "price",
        re.compile(
            r"\bkoste[rt]?\b|\bcosts?\b|\bpris(?:en)?\b|\bprice\b|\btimepris|\bper time\b"
            r"|\bper hour\b|\bhourly\b|\brates?\b|\bverdien\b|\bvalue of\b|\bbudsjett\b"
            r"|\bbudget\b|\bbetale\b|\bpay\b|\bgratis\b|\bfree of charge\b",
            re.IGNORECASE,
        ),
    ),
    (
        "share",
        re.compile(
            r"\bhvor (?:mye|stor del) av\b|\bhow much of\b|\bandel(?:en)?\b|\bshare of\b"
            r"|\bprosent|\bpercent",
            re.IGNORECASE,
        ),
    ),
    (
        "number",
        re.compile(
            r"\bhvor (?:mange|mye|stor)\b|\bhow (?:many|much|large|big)\b|\bantall\b"
            r"|\bnumber of\b",
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


# "Hva er X?", "What is X?", "Hva betyr X?": a definition is a sentence that starts
# with the term and goes on with "er", "betyr", "handler om" or their English twins.
_DEFINITION_QUESTION = re.compile(
    r"^(?:hva (?:er|betyr|står)|what (?:is|are|does)|hvad er)\b", re.IGNORECASE
)
_DEFINING = re.compile(
    r"^\S+(?:\s\S+){0,4}?\s(?:er|betyr|står for|handler om|is|are|means|stands for|is about)\s",
    re.IGNORECASE,
)
_REASON = re.compile(r"\s*(?:hvorfor|why)\b", re.IGNORECASE)


class SentenceEmbedder(Protocol):
    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Candidate:
    """One sentence of one hit, with its position and score parts."""

    text: str
    # 1 for the best hit in the question's language, falling with rank; see _hit_strengths.
    hit_strength: float
    position: int
    overlap: float
    cue: float
    # List items that follow a sentence introducing a list; quoted together with it.
    list_items: tuple[str, ...] = ()
    dense: float = 0.0
    score: float = 0.0

    @property
    def quote(self) -> str:
        if not self.list_items:
            return self.text
        items = "; ".join(item.rstrip(".;") for item in self.list_items)
        return f"{self.text} {items}."


@dataclass(frozen=True)
class Composition:
    """The composed answer text, its citations and the signals for confidence."""

    text: str
    citations: tuple[Citation, ...]
    # Overlap of the best sentence with the question's content tokens, 0–1.
    best_overlap: float
    # Highest dense similarity to the question among the DENSE_SIGNAL_SENTENCES best-scoring
    # sentences; 0 without an embedder.
    best_dense: float
    best_score: float
    notes: tuple[str, ...] = field(default=())


def answer_type(question: str) -> AnswerType:
    """Return the kind of fact the question asks for, from its question words.

    "Når"/"when" ask for a date only at the start; inside a question they mostly mean
    "if" ("trenger vi avtale når DPF gjelder?"). "Hvorfor"/"why" ask for a reason even
    when the question mentions a cost.
    """
    if _REASON.match(question):
        return "other"
    for kind, pattern in _CUES:
        if pattern.search(question):
            return kind
    if _DEFINITION_QUESTION.match(question):
        return "definition"
    return "other"


def _cue_score(sentence: str, kind: AnswerType) -> float:
    if kind == "date":
        return 1.0 if _DATE.search(sentence) else 0.0
    if kind == "price":
        return 1.0 if _PRICE.search(sentence) else 0.0
    if kind == "share":
        return 1.0 if _SHARE.search(sentence) else 0.0
    if kind == "number":
        return 1.0 if _NUMBER.search(sentence) else 0.0
    if kind == "name":
        return 1.0 if _NAME.search(sentence) else 0.0
    if kind == "definition":
        return 1.0 if _DEFINING.search(sentence) else 0.0
    return 0.0


def states_kind(text: str, kind: AnswerType) -> bool:
    """Return False when ``kind`` is a date, price or amount and ``text`` states none.

    A duration ("seks måneder") answers "how long", so a date question accepts amounts.
    """
    if kind == "date":
        return bool(_DATE.search(text) or _MONTH.search(text) or _AMOUNT.search(text))
    if kind in ("number", "share"):
        # Digits inside a date ("14. desember 2023") do not answer "how many".
        return bool(_AMOUNT.search(_DATE.sub(" ", text)))
    if kind == "price":
        return bool(_PRICE.search(text))
    return True


class VectorCache:
    """Sentence and question vectors of one embedder, least recently used dropped first.

    The same chunks come back for related questions, so most candidate sentences were
    embedded before; a warm answer then costs a dictionary lookup per sentence.
    """

    def __init__(self, embedder: SentenceEmbedder, max_entries: int = MAX_CACHED_VECTORS) -> None:
        self._embedder = embedder
        self._max_entries = max_entries
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def query(self, text: str) -> np.ndarray:
        found = self._get([("query", text)])
        if found[0] is None:
            vector = np.asarray(self._embedder.embed_query(text), dtype=np.float32)
            self._put([("query", text)], [vector])
            return vector
        return found[0]

    def documents(self, texts: Sequence[str]) -> np.ndarray:
        keys = [("document", text) for text in texts]
        vectors = {
            key: vector
            for key, vector in zip(keys, self._get(keys), strict=True)
            if vector is not None
        }
        missing = list(dict.fromkeys(key for key in keys if key not in vectors))
        if missing:
            computed = self._embedder.embed_documents([text for _, text in missing])
            fresh = list(np.asarray(computed, dtype=np.float32))
            self._put(missing, fresh)
            vectors.update(zip(missing, fresh, strict=True))
        return np.stack([vectors[key] for key in keys])

    def _get(self, keys: Sequence[tuple[str, str]]) -> list[np.ndarray | None]:
        with self._lock:
            found = [self._vectors.get(key) for key in keys]
            for key, vector in zip(keys, found, strict=True):
                if vector is not None:
                    self._vectors.move_to_end(key)
            return found

    def _put(self, keys: Sequence[tuple[str, str]], vectors: Sequence[np.ndarray]) -> None:
        with self._lock:
            for key, vector in zip(keys, vectors, strict=True):
                self._vectors[key] = vector
            while len(self._vectors) > self._max_entries:
                self._vectors.popitem(last=False)


_caches: weakref.WeakKeyDictionary[SentenceEmbedder, VectorCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def vector_cache(embedder: SentenceEmbedder) -> VectorCache:
    """Return the process-wide vector cache of ``embedder``, created on first use."""
    with _caches_lock:
        cache = _caches.get(embedder)
        if cache is None:
            cache = _caches[embedder] = VectorCache(embedder)
        return cache


def _similarities(question: str, texts: Sequence[str], embedder: SentenceEmbedder) -> np.ndarray:
    """Return the cosine similarity of each text to the question, in one batch."""
    cache = vector_cache(embedder)
    query = cache.query(question)
    matrix = cache.documents(texts)
    norms = np.linalg.norm(matrix, axis=1) * np.linalg.norm(query)
    return (matrix @ query) / np.where(norms == 0, 1.0, norms)


def _hit_strengths(hits: Sequence[Hit], language: Language) -> list[float]:
    """Weigh hits by their rank in dense similarity, counting the question's language first.

    Most documents exist in both languages, so the closest hit in the question's language
    gets 1.0 even when its translation is closer; other-language hits start at 0.5. The
    dense rank beats the fused rank here because BM25 lifts chunks that share words with
    the question without answering it. Hits without a dense similarity keep their order.
    """
    order = sorted(range(len(hits)), key=lambda index: -(hits[index].dense_similarity or 0.0))
    strengths = [0.0] * len(hits)
    same = other = 0
    for index in order:
        if hits[index].chunk.language == language:
            same += 1
            strengths[index] = 1.0 / same
        else:
            other += 1
            strengths[index] = 1.0 / (other + 1)
    return strengths


def _following_list_items(sentences: Sequence[Sentence], index: int) -> tuple[str, ...]:
    if sentences[index].list_item:
        return ()
    items: list[str] = []
    for sentence in sentences[index + 1 :]:
        if not sentence.list_item or len(items) >= MAX_LIST_ITEMS:
            break
        items.append(sentence.text)
    return tuple(items)


def _shorten(text: str) -> str:
    if len(text) <= MAX_SENTENCE_CHARS:
        return text
    return text[:MAX_SENTENCE_CHARS].rsplit(" ", 1)[0] + " …"


def _overlap(wanted: frozenset[str], text: str) -> float:
    return len(wanted & content_tokens(text)) / len(wanted) if wanted else 0.0


def _heading_of(sentence: Sentence, chunk: Chunk) -> str | None:
    if sentence.heading is not None:
        return sentence.heading
    return chunk.heading_path[-1] if chunk.heading_path else None


def _candidates(
    question: str, language: Language, hits: Sequence[Hit]
) -> list[tuple[Hit, Candidate]]:
    wanted = content_tokens(question)
    kind = answer_type(question)
    top_hits = hits[:CANDIDATE_HITS]
    result: list[tuple[Hit, Candidate]] = []
    for hit, strength in zip(top_hits, _hit_strengths(top_hits, language), strict=True):
        sentences = split_sentences(hit.chunk.text)
        for position, sentence in enumerate(sentences):
            text = _shorten(sentence.text)
            overlap = _overlap(wanted, text)
            heading = _heading_of(sentence, hit.chunk)
            if heading and sentence.position_under_heading < HEADING_SENTENCES:
                share = QUESTION_HEADING_SHARE if heading.endswith("?") else HEADING_SHARE
                overlap = max(overlap, share * _overlap(wanted, heading))
            items = _following_list_items(sentences, position)
            cue = max(_cue_score(part, kind) for part in (text, *items))
            result.append((hit, Candidate(text, strength, position, overlap, cue, items)))
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
        scored.append((hit, replace(candidate, dense=similarity, score=score)))
    return scored


def _select(scored: list[tuple[Hit, Candidate]]) -> list[tuple[Hit, Candidate]]:
    ranked = sorted(scored, key=lambda pair: pair[1].score, reverse=True)
    best_hit, best = ranked[0]
    chosen = [(best_hit, best)]
    seen = {best.text.casefold(), *(item.casefold() for item in best.list_items)}
    for hit, candidate in ranked[1:]:
        if len(chosen) >= MAX_SENTENCES or candidate.score < EXTRA_SENTENCE_RATIO * best.score:
            break
        # Sentences in the other language are usually translations of the chosen one.
        if hit.chunk.language != best_hit.chunk.language or candidate.overlap == 0.0:
            continue
        if candidate.text.casefold() in seen:
            continue
        seen.update(item.casefold() for item in (candidate.text, *candidate.list_items))
        chosen.append((hit, candidate))
    quoted_items = {item for _, candidate in chosen for item in candidate.list_items}
    chosen = [pair for pair in chosen if pair[1].text not in quoted_items]
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


def _section_below_title(chunk: Chunk) -> str:
    """Return the heading path without a leading heading that repeats the title."""
    path = chunk.heading_path
    if path and path[0].strip() == chunk.title.strip():
        path = path[1:]
    return " › ".join(path)


def citation_for(chunk: Chunk, n: int, quote: str) -> Citation:
    """Build the numbered citation of ``chunk`` quoting ``quote``."""
    when = chunk.reviewed or chunk.published
    return Citation(
        n=n,
        document_id=chunk.document_id,
        title=chunk.title,
        section=_section_below_title(chunk),
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
    """Compose an extractive answer from ``hits``.

    Returns None when the hits contain no sentence, or when the question requests a
    date, price or amount and no sentence states one. The nearest sentences then
    describe the subject without giving the fact, so the caller should decline.
    """
    kind = answer_type(question)
    pairs = [
        (hit, candidate)
        for hit, candidate in _candidates(question, language, hits)
        if states_kind(candidate.quote, kind)
    ]
    if not pairs:
        return None
    scored = _score(question, language, pairs, embedder)
    chosen = _select(scored)

    numbers: dict[str, int] = {}
    quotes: dict[str, list[str]] = {}
    chunks: dict[str, Chunk] = {}
    parts = [message("answer.lead_in", language)]
    for hit, candidate in chosen:
        chunk_id = hit.chunk.id
        numbers.setdefault(chunk_id, len(numbers) + 1)
        quotes.setdefault(chunk_id, []).append(candidate.quote)
        chunks[chunk_id] = hit.chunk
        parts.append(f"{candidate.quote} [{numbers[chunk_id]}]")

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
    leading = sorted((candidate for _, candidate in scored), key=lambda c: c.score, reverse=True)
    return Composition(
        text=" ".join(parts),
        citations=citations,
        best_overlap=max(candidate.overlap for _, candidate in chosen),
        best_dense=max(candidate.dense for candidate in leading[:DENSE_SIGNAL_SENTENCES]),
        best_score=best.score,
        notes=notes,
    )
