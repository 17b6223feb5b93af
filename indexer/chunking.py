"""Cut documents into chunks that fit the embedding model, one heading section at a time.

Sizes are counted with the embedding model's own tokenizer on the text that is
embedded: a short prefix with the document title and the section path, then the
chunk text. A section too long for one chunk is split between sentences, a sentence
too long for one chunk between words, and a word too long for one chunk between
characters, so no text is dropped or left to the model's truncation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from indexer.embedding import Embedder
from indexer.models import Chunk, Document, Section

# Tokens kept free below the model's maximum sequence length.
MARGIN_TOKENS = 8

# A sentence ends after ., ! or ? (and any closing quotes or brackets) before
# whitespace; a line break always ends one, so list items stay apart.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'»”)\]]*\s+|\n+")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class _Span:
    start: int
    end: int


def token_limit(embedder: Embedder, max_tokens: int) -> int:
    """Return the maximum size of an embedded chunk text, in the model's tokens."""
    return min(max_tokens, embedder.max_tokens - MARGIN_TOKENS)


def embedding_prefix(
    title: str, heading_path: Sequence[str], embedder: Embedder, limit: int
) -> str:
    """Build the title and section line put before a chunk's text when it is embedded.

    The prefix takes at most a third of ``limit``: a long heading path keeps only its
    last heading, and a long title loses words from its end.
    """
    headings = [heading for heading in heading_path if heading.strip() != title.strip()]
    budget = limit // 3
    candidates = [headings, headings[-1:], []]
    for path in candidates:
        prefix = _format_prefix(title, path)
        if embedder.count_tokens(prefix) <= budget:
            return prefix
    title_words = title.split()
    while title_words:
        title_words.pop()
        prefix = _format_prefix(" ".join(title_words), [])
        if embedder.count_tokens(prefix) <= budget:
            return prefix
    return ""


def _format_prefix(title: str, headings: Sequence[str]) -> str:
    lines = [line for line in (title, " › ".join(headings)) if line]
    return "\n".join(lines) + "\n\n" if lines else ""


def embedding_text(chunk: Chunk, embedder: Embedder, max_tokens: int) -> str:
    """Return the text embedded for a chunk: the prefix and then the chunk's text."""
    limit = token_limit(embedder, max_tokens)
    return embedding_prefix(chunk.title, chunk.heading_path, embedder, limit) + chunk.text


def chunk_document(
    document: Document, embedder: Embedder, *, max_tokens: int, overlap_sentences: int
) -> list[Chunk]:
    """Cut a document into chunks whose embedded text fits ``token_limit()``."""
    limit = token_limit(embedder, max_tokens)
    if limit < 16:
        raise ValueError(
            f"chunk limit of {limit} tokens is too small for {embedder.name}; "
            "raise chunk_max_tokens"
        )
    texts: list[tuple[Section, str]] = []
    for section in document.sections:
        prefix = embedding_prefix(document.meta.title, section.heading_path, embedder, limit)

        def fits(text: str, prefix: str = prefix) -> bool:
            return embedder.count_tokens(prefix + text) <= limit

        for text in split_section(section.text, fits, overlap_sentences):
            texts.append((section, text))
    return [_make_chunk(document, section, text, i) for i, (section, text) in enumerate(texts)]


def _make_chunk(document: Document, section: Section, text: str, index: int) -> Chunk:
    meta = document.meta
    return Chunk(
        id=f"{meta.id}:{document.content_hash[:12]}:{index}",
        document_id=meta.id,
        text=text,
        heading_path=section.heading_path,
        page=section.page,
        title=meta.title,
        kind=meta.kind,
        topic=meta.topic,
        language=meta.language,
        audience=meta.audience,
        source=document.path,
        source_url=meta.source_url,
        published=meta.published,
        reviewed=meta.reviewed,
    )


def split_section(text: str, fits: Callable[[str], bool], overlap_sentences: int) -> list[str]:
    """Split text into pieces that each satisfy ``fits``, repeating sentences as overlap.

    Every piece is a substring of ``text``; without overlap the pieces cover every
    non-space character of ``text`` once and in order.
    """
    sentences = _sentence_spans(text)
    pieces: list[str] = []
    i = 0
    while i < len(sentences):

        def fits_sentences(n: int, first: int = i) -> bool:
            return fits(_cut(text, sentences[first], sentences[first + n - 1]))

        end = i + _longest_fit(len(sentences) - i, fits_sentences)
        if end == i:
            pieces.extend(_split_long(text, sentences[i], fits))
            i += 1
            continue
        pieces.append(_cut(text, sentences[i], sentences[end - 1]))
        i = _next_start(text, sentences, i, end, fits, overlap_sentences)
    return pieces


def _next_start(
    text: str,
    sentences: list[_Span],
    start: int,
    end: int,
    fits: Callable[[str], bool],
    overlap_sentences: int,
) -> int:
    # Repeat the last sentences of a chunk at the start of the next one, as long as
    # they still leave room for the next sentence.
    if end >= len(sentences):
        return end
    for overlap in range(min(overlap_sentences, end - start - 1), 0, -1):
        if fits(_cut(text, sentences[end - overlap], sentences[end])):
            return end - overlap
    return end


def _sentence_spans(text: str) -> list[_Span]:
    spans = []
    position = 0
    for match in _SENTENCE_END.finditer(text):
        spans.append(_Span(position, match.start()))
        position = match.end()
    spans.append(_Span(position, len(text)))
    return [span for span in (_strip(text, s) for s in spans) if span.end > span.start]


def _strip(text: str, span: _Span) -> _Span:
    piece = text[span.start : span.end]
    leading = len(piece) - len(piece.lstrip())
    trailing = len(piece) - len(piece.rstrip())
    return _Span(span.start + leading, span.end - trailing)


def _cut(text: str, first: _Span, last: _Span) -> str:
    return text[first.start : last.end]


def _split_long(text: str, sentence: _Span, fits: Callable[[str], bool]) -> list[str]:
    """Split one sentence that is too long between words, or between characters."""
    words = [
        _Span(sentence.start + m.start(), sentence.start + m.end())
        for m in _WORD.finditer(text[sentence.start : sentence.end])
    ]
    pieces = []
    i = 0
    while i < len(words):

        def fits_words(n: int, first: int = i) -> bool:
            return fits(_cut(text, words[first], words[first + n - 1]))

        count = _longest_fit(len(words) - i, fits_words)
        if count == 0:
            pieces.extend(_split_characters(text[words[i].start : words[i].end], fits))
            i += 1
            continue
        pieces.append(_cut(text, words[i], words[i + count - 1]))
        i += count
    return pieces


def _split_characters(word: str, fits: Callable[[str], bool]) -> list[str]:
    pieces = []
    start = 0
    while start < len(word):
        # One character always fits because the limit leaves room for the prefix.
        def fits_characters(n: int, first: int = start) -> bool:
            return fits(word[first : first + n])

        count = max(1, _longest_fit(len(word) - start, fits_characters))
        pieces.append(word[start : start + count])
        start += count
    return pieces


def _longest_fit(available: int, fits_count: Callable[[int], bool]) -> int:
    """Return the largest n in 0..available with fits_count(n).

    Probes 1, 2, 4, ... until a count does not fit and then binary-searches below it.
    No probe covers more than twice the text that fits, so cutting a long text costs
    time in proportion to its length rather than its square. Token counts grow with
    the text, so fits_count is treated as monotonic.
    """
    low, high = 0, available
    probe = 1
    while probe <= high:
        if not fits_count(probe):
            high = probe - 1
            break
        low = probe
        probe *= 2
    while low < high:
        middle = (low + high + 1) // 2
        if fits_count(middle):
            low = middle
        else:
            high = middle - 1
    return low
