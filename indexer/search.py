"""Hybrid search: BM25 and dense legs fused with weighted reciprocal rank fusion.

Each leg ranks a pool of candidates; a chunk's fused score is the sum over the legs
of ``weight / (k + rank)``. Dense hits count only when their id is in the committed
manifest, so chunks of a half-finished index run never show up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from indexer.chunking import embedding_text
from indexer.config import IndexConfig
from indexer.embedding import Embedder, load_embedder
from indexer.errors import IndexNotBuiltError
from indexer.manifest import IndexState, index_dir, load_state, read_current
from indexer.models import Chunk, Hit, SearchFilters
from indexer.store import ChromaStore, open_client, where_clause
from indexer.tokens import tokenize, words

logger = logging.getLogger(__name__)

SearchMode = Literal["hybrid", "bm25", "dense"]

# Candidates each leg contributes before fusion.
CANDIDATE_POOL = 50
# Chunks whose word sets overlap at least this much (Jaccard) count as duplicates.
DUPLICATE_JACCARD = 0.9
# Default filters: public chunks of any topic, kind and language.
PUBLIC_ONLY = SearchFilters()


class FusionWeights(BaseModel):
    """Weights of the two legs in reciprocal rank fusion, and its rank offset k."""

    model_config = ConfigDict(frozen=True)

    # NOTE: dense 1.0 and BM25 0.5 are a starting point, not yet measured on the golden set.
    bm25: float = Field(default=0.5, ge=0.0)
    dense: float = Field(default=1.0, ge=0.0)
    k: int = Field(default=60, ge=1)


@dataclass(frozen=True)
class _Loaded:
    state: IndexState
    store: ChromaStore
    committed: frozenset[str]
    position: dict[str, int]
    topic: np.ndarray
    kind: np.ndarray
    language: np.ndarray
    audience: np.ndarray

    def allowed(self, filters: SearchFilters) -> np.ndarray:
        mask = np.isin(self.audience, sorted(filters.audiences))
        for field, values in (
            ("topic", self.topic),
            ("kind", self.kind),
            ("language", self.language),
        ):
            wanted = getattr(filters, field)
            if wanted is not None:
                mask &= values == wanted
        return mask


class Searcher:
    """Search over the committed index; picks up a new index when CURRENT changes."""

    def __init__(
        self,
        config: IndexConfig,
        *,
        embedder: Embedder | None = None,
        weights: FusionWeights | None = None,
        candidate_pool: int = CANDIDATE_POOL,
    ) -> None:
        self.config = config
        self.embedder: Embedder = embedder or load_embedder(config)
        self.weights = weights or FusionWeights()
        self.candidate_pool = candidate_pool
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()

    def refresh(self) -> bool:
        """Reload the index if CURRENT names another state; return True when reloaded."""
        name = read_current(self.config.data_dir)
        loaded = self._loaded
        if name is None or (loaded is not None and loaded.state.name == name):
            return False
        with self._lock:
            if self._loaded is not None and self._loaded.state.name == name:
                return False
            state = load_state(self.config.data_dir)
            if state is None:
                return False
            state.manifest.check_model(self.config.embedding_backend, self.embedder)
            # A fresh client, because a cached one does not see vectors another process added.
            client = open_client(self.config, fresh=self._loaded is not None)
            self._loaded = _load(state, ChromaStore(client, state.manifest.collection))
            logger.info(
                "loaded index %s: %d documents, %d chunks",
                name,
                len(state.manifest.documents),
                len(state.chunks),
            )
            return True

    def _current(self) -> _Loaded:
        self.refresh()
        loaded = self._loaded
        if loaded is None or not loaded.state.chunks:
            raise IndexNotBuiltError(index_dir(self.config.data_dir))
        return loaded

    def chunks(self) -> Sequence[Chunk]:
        """Return the chunks of the committed index."""
        return self._current().state.chunks

    def search(
        self,
        query: str,
        *,
        top_k: int = 5,
        filters: SearchFilters = PUBLIC_ONLY,
        mode: SearchMode = "hybrid",
    ) -> list[Hit]:
        """Return up to top_k hits for the query, best first."""
        loaded = self._current()
        allowed = loaded.allowed(filters)
        query_tokens = tokenize(query)
        bm25_scores = loaded.state.bm25.get_scores(query_tokens)
        query_vector = self.embedder.embed_query(query)

        bm25_ranking: list[str] = []
        dense_ranking: list[str] = []
        if mode in ("hybrid", "bm25"):
            bm25_ranking = self._bm25_leg(loaded, query_tokens, bm25_scores, allowed)
        if mode in ("hybrid", "dense"):
            dense_ranking = self._dense_leg(loaded, query_vector, filters)
        weights = self._weights(mode)
        fused = _fuse(bm25_ranking, dense_ranking, weights)
        selected = _collapse_duplicates(fused, loaded, top_k)
        similarities = self._similarities(loaded, selected, query_vector)
        hits = []
        for chunk_id, score in selected:
            position = loaded.position[chunk_id]
            hits.append(
                Hit(
                    chunk=loaded.state.chunks[position],
                    score=score,
                    bm25_rank=_rank_of(chunk_id, bm25_ranking),
                    dense_rank=_rank_of(chunk_id, dense_ranking),
                    dense_similarity=similarities.get(chunk_id),
                    bm25_score=float(bm25_scores[position]),
                )
            )
        logger.debug("search returned %d hits (mode %s)", len(hits), mode)
        return hits

    def _weights(self, mode: SearchMode) -> FusionWeights:
        if mode == "bm25":
            return FusionWeights(bm25=1.0, dense=0.0, k=self.weights.k)
        if mode == "dense":
            return FusionWeights(bm25=0.0, dense=1.0, k=self.weights.k)
        return self.weights

    def _bm25_leg(
        self,
        loaded: _Loaded,
        query_tokens: list[str],
        scores: np.ndarray,
        allowed: np.ndarray,
    ) -> list[str]:
        # BM25+ gives every document a floor score, so only documents that contain a
        # query term are candidates.
        candidates = np.flatnonzero(allowed & loaded.state.bm25.matching(query_tokens))
        order = candidates[np.argsort(-scores[candidates], kind="stable")][: self.candidate_pool]
        return [loaded.state.chunks[i].id for i in order]

    def _dense_leg(
        self, loaded: _Loaded, query_vector: np.ndarray, filters: SearchFilters
    ) -> list[str]:
        # Ask for more than the pool, since chunks of an unfinished run are dropped.
        results = loaded.store.query(query_vector, 2 * self.candidate_pool, where_clause(filters))
        committed = [chunk_id for chunk_id, _ in results if chunk_id in loaded.committed]
        return committed[: self.candidate_pool]

    def _similarities(
        self, loaded: _Loaded, selected: Sequence[tuple[str, float]], query_vector: np.ndarray
    ) -> dict[str, float]:
        """Compute the query's cosine similarity to each selected chunk."""
        ids = [chunk_id for chunk_id, _ in selected]
        vectors = loaded.store.embeddings(ids)
        missing = [chunk_id for chunk_id in ids if chunk_id not in vectors]
        if missing:
            chunks = [loaded.state.chunks[loaded.position[chunk_id]] for chunk_id in missing]
            texts = [
                embedding_text(chunk, self.embedder, loaded.state.manifest.chunking.max_tokens)
                for chunk in chunks
            ]
            vectors.update(zip(missing, self.embedder.embed_documents(texts), strict=True))
        return {chunk_id: float(vectors[chunk_id] @ query_vector) for chunk_id in ids}


def _load(state: IndexState, store: ChromaStore) -> _Loaded:
    chunks = state.chunks
    return _Loaded(
        state=state,
        store=store,
        committed=frozenset(chunk.id for chunk in chunks),
        position={chunk.id: i for i, chunk in enumerate(chunks)},
        topic=np.array([chunk.topic for chunk in chunks], dtype=object),
        kind=np.array([chunk.kind for chunk in chunks], dtype=object),
        language=np.array([chunk.language for chunk in chunks], dtype=object),
        audience=np.array([chunk.audience for chunk in chunks], dtype=object),
    )


def _fuse(
    bm25_ranking: Sequence[str], dense_ranking: Sequence[str], weights: FusionWeights
) -> list[tuple[str, float]]:
    """Weighted reciprocal rank fusion; ranks start at 1. Ties keep the dense order."""
    scores: dict[str, float] = {}
    for ranking, weight in ((dense_ranking, weights.dense), (bm25_ranking, weights.bm25)):
        if weight == 0:
            continue
        for rank, chunk_id in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (weights.k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


def _collapse_duplicates(
    fused: Sequence[tuple[str, float]], loaded: _Loaded, top_k: int
) -> list[tuple[str, float]]:
    """Keep the best of chunks with nearly the same words, up to top_k."""
    kept: list[tuple[str, float]] = []
    kept_words: list[set[str]] = []
    for chunk_id, score in fused:
        if len(kept) >= top_k:
            break
        chunk_words = set(words(loaded.state.chunks[loaded.position[chunk_id]].text))
        if any(_jaccard(chunk_words, other) >= DUPLICATE_JACCARD for other in kept_words):
            continue
        kept.append((chunk_id, score))
        kept_words.append(chunk_words)
    return kept


def _jaccard(first: set[str], second: set[str]) -> float:
    if not first and not second:
        return 1.0
    return len(first & second) / len(first | second)


def _rank_of(chunk_id: str, ranking: Sequence[str]) -> int | None:
    try:
        return ranking.index(chunk_id) + 1
    except ValueError:
        return None
