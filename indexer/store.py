"""The Chroma vector store: an embedded PersistentClient or a Chroma server.

Collections never get an embedding function: the indexer always passes vectors in,
because Chroma's default function would try to download a model.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import chromadb
import httpx
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.client import SharedSystemClient
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings
from chromadb.errors import ChromaError

from indexer.config import IndexConfig
from indexer.errors import StoreError
from indexer.models import Chunk, SearchFilters

logger = logging.getLogger(__name__)

COLLECTION_PREFIX = "mpsbot-"
# Errors Chroma raises when its files cannot be written, such as on a full disk.
STORE_ERRORS: tuple[type[Exception], ...] = (ChromaError,)
_PAGE_SIZE = 1000

Metadata = dict[str, str | int | float | bool]


def new_collection_name() -> str:
    """Return a fresh collection name, so a rebuild never writes into the live one."""
    return f"{COLLECTION_PREFIX}{secrets.token_hex(4)}"


def chunk_metadata(chunk: Chunk) -> Metadata:
    """Flatten a chunk's metadata for Chroma: no None values, dates as ISO strings."""
    values: dict[str, Any] = {
        "document_id": chunk.document_id,
        "title": chunk.title,
        "section": chunk.section,
        "page": chunk.page,
        "kind": chunk.kind,
        "topic": chunk.topic,
        "language": chunk.language,
        "audience": chunk.audience,
        "source": chunk.source,
        "source_url": chunk.source_url,
        "published": chunk.published.isoformat() if chunk.published else None,
        "reviewed": chunk.reviewed.isoformat() if chunk.reviewed else None,
    }
    return {key: value for key, value in values.items() if value is not None}


def where_clause(filters: SearchFilters) -> dict[str, Any] | None:
    """Translate search filters into a Chroma ``where`` filter."""
    conditions: list[dict[str, Any]] = []
    for field in ("topic", "kind", "language"):
        value = getattr(filters, field)
        if value is not None:
            conditions.append({field: value})
    conditions.append({"audience": {"$in": sorted(filters.audiences)}})
    if len(conditions) == 1:
        return conditions[0]
    return {"$and": conditions}


def _settings() -> Settings:
    return Settings(anonymized_telemetry=False, allow_reset=True)


def open_client(config: IndexConfig, *, fresh: bool = False) -> ClientAPI:
    """Open the configured Chroma client.

    ``fresh=True`` makes an embedded client reread the files on disk. Chroma shares
    one in-memory system per path within a process, and that system does not see
    vectors another process added after it was opened.
    """
    if config.chroma_url:
        return _open_http_client(config.chroma_url)
    path = config.data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    if fresh:
        # Clients opened before keep their own system; only new clients get a new one.
        SharedSystemClient.clear_system_cache()
    return chromadb.PersistentClient(path=str(path), settings=_settings())


def _open_http_client(url: str) -> ClientAPI:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreError(
            f"invalid Chroma URL {url!r}; set MPSBOT_CHROMA_URL to http://host:port or "
            "https://host:port"
        )
    ssl = parts.scheme == "https"
    port = parts.port or (443 if ssl else 8000)
    try:
        return chromadb.HttpClient(host=parts.hostname, port=port, ssl=ssl, settings=_settings())
    except (ValueError, httpx.HTTPError) as error:
        raise StoreError(
            f"Chroma server at {url} is unreachable ({error}); start it with "
            "`chroma run` or unset MPSBOT_CHROMA_URL to use the embedded store"
        ) from error


class ChromaStore:
    """The chunk vectors of one Chroma collection."""

    def __init__(self, client: ClientAPI, collection: str) -> None:
        self.client = client
        self.name = collection
        self._collection: Collection = client.get_or_create_collection(
            collection, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )

    def _batches(self, size: int) -> Iterator[tuple[int, int]]:
        step = max(1, min(self.client.get_max_batch_size(), _PAGE_SIZE))
        for start in range(0, size, step):
            yield start, min(start + step, size)

    def upsert(self, chunks: Sequence[Chunk], embeddings: np.ndarray, texts: Sequence[str]) -> None:
        """Add or replace chunks with their vectors and the texts that were embedded."""
        for start, end in self._batches(len(chunks)):
            self._collection.upsert(
                ids=[chunk.id for chunk in chunks[start:end]],
                embeddings=np.asarray(embeddings[start:end], dtype=np.float32),
                metadatas=[chunk_metadata(chunk) for chunk in chunks[start:end]],
                documents=list(texts[start:end]),
            )

    def update_metadata(self, chunks: Sequence[Chunk]) -> None:
        """Replace the metadata of stored chunks and keep their vectors."""
        for start, end in self._batches(len(chunks)):
            self._collection.update(
                ids=[chunk.id for chunk in chunks[start:end]],
                metadatas=[chunk_metadata(chunk) for chunk in chunks[start:end]],
            )

    def delete(self, ids: Sequence[str]) -> None:
        ordered = sorted(ids)
        for start, end in self._batches(len(ordered)):
            self._collection.delete(ids=ordered[start:end])

    def ids(self) -> set[str]:
        """Return every chunk id in the collection, read page by page."""
        found: set[str] = set()
        offset = 0
        while True:
            page = self._collection.get(include=[], limit=_PAGE_SIZE, offset=offset)
            found.update(page["ids"])
            if len(page["ids"]) < _PAGE_SIZE:
                return found
            offset += _PAGE_SIZE

    def count(self) -> int:
        return self._collection.count()

    def query(
        self, embedding: np.ndarray, n_results: int, where: Mapping[str, Any] | None
    ) -> list[tuple[str, float]]:
        """Return (chunk id, cosine similarity) pairs, most similar first."""
        if n_results <= 0 or self.count() == 0:
            return []
        result = self._collection.query(
            query_embeddings=[np.asarray(embedding, dtype=np.float32).tolist()],
            n_results=n_results,
            where=dict(where) if where else None,
            include=["distances"],
        )
        distances = result["distances"] or [[]]
        # Chroma's cosine distance is 1 - cosine similarity.
        return [
            (chunk_id, 1.0 - float(distance))
            for chunk_id, distance in zip(result["ids"][0], distances[0], strict=True)
        ]

    def embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Return the stored vectors of the given chunk ids that exist."""
        if not ids:
            return {}
        result = self._collection.get(ids=list(ids), include=["embeddings"])
        vectors = result["embeddings"]
        if vectors is None:
            return {}
        return {
            chunk_id: np.asarray(vector, dtype=np.float32)
            for chunk_id, vector in zip(result["ids"], vectors, strict=True)
        }


def collection_names(client: ClientAPI) -> list[str]:
    """Return the names of this application's collections."""
    return [
        collection.name
        for collection in client.list_collections()
        if collection.name.startswith(COLLECTION_PREFIX)
    ]


def drop_collection(client: ClientAPI, name: str) -> None:
    client.delete_collection(name)
    logger.info("dropped Chroma collection %s", name)
