"""run_index(): bring the index up to date with the knowledge directory.

Only new and changed documents are embedded. Their chunks are added to Chroma under
ids that contain the document's content hash, then a new state directory is
committed, and only after that commit are stale chunks deleted from Chroma. A run
killed at any point leaves the previous state answering, and the next run deletes
what the killed run left behind.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout
from pydantic import BaseModel, Field
from tqdm import tqdm

from indexer.bm25 import BM25Index
from indexer.chunking import chunk_document, embedding_text
from indexer.config import IndexConfig
from indexer.embedding import Embedder, load_embedder
from indexer.errors import CorruptIndexError, IndexerError, IndexLockedError, IndexWriteError
from indexer.loaders import LoadError, discover_files, load_document
from indexer.manifest import (
    ChunkSettings,
    DocumentEntry,
    IndexState,
    Manifest,
    commit_state,
    load_state,
    prune_states,
)
from indexer.models import Chunk, Document
from indexer.store import (
    STORE_ERRORS,
    ChromaStore,
    collection_names,
    drop_collection,
    new_collection_name,
)
from indexer.store import open_client as open_chroma_client
from indexer.tokens import tokenize

logger = logging.getLogger(__name__)

LOCK_FILE = "index.lock"


class FailedFile(BaseModel):
    """A knowledge file that could not be indexed, with the reason."""

    path: str
    reason: str


class IndexReport(BaseModel):
    """What one index run did; document lists contain document ids."""

    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    failed: list[FailedFile] = Field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0
    warnings: list[str] = Field(default_factory=list)


@dataclass
class _Plan:
    """Chunks of the new state, split by what has to happen to them in Chroma."""

    chunks: dict[str, list[Chunk]] = field(default_factory=dict)
    to_embed: list[Chunk] = field(default_factory=list)
    to_update: list[Chunk] = field(default_factory=list)


def run_index(
    config: IndexConfig,
    *,
    rebuild: bool = False,
    progress: bool = False,
    embedder: Embedder | None = None,
) -> IndexReport:
    """Index the knowledge directory incrementally, or from scratch with ``rebuild``.

    Raises IndexLockedError when another run holds ``data_dir/index.lock``,
    ModelMismatchError when the index was built with another embedding model and
    IndexWriteError when the data directory or Chroma cannot be written.
    """
    config.data_dir.mkdir(parents=True, exist_ok=True)
    lock_path = config.data_dir / LOCK_FILE
    lock = FileLock(lock_path, timeout=0)
    try:
        lock.acquire()
    except Timeout as error:
        raise IndexLockedError(lock_path) from error
    try:
        return _run_locked(config, rebuild, progress, embedder or load_embedder(config))
    except OSError as error:
        if error.errno is None:
            # Raised on purpose with a complete message, such as a missing knowledge dir.
            raise IndexerError(str(error)) from error
        raise IndexWriteError(config.data_dir, str(error)) from error
    except STORE_ERRORS as error:
        raise IndexWriteError(config.data_dir, f"Chroma: {error}") from error
    finally:
        lock.release()


def _run_locked(
    config: IndexConfig, rebuild: bool, progress: bool, embedder: Embedder
) -> IndexReport:
    started = time.monotonic()
    logger.info("index run started: %s (rebuild=%s)", config.knowledge_dir, rebuild)
    report = IndexReport()
    previous = _previous_state(config.data_dir, rebuild)
    if previous is not None and not rebuild:
        previous.manifest.check_model(config.embedding_backend, embedder)
    base = None if rebuild else previous

    documents = _load_documents(config.knowledge_dir, report)
    client = open_chroma_client(config)
    collection = base.manifest.collection if base else new_collection_name()
    store = ChromaStore(client, collection)
    settings = ChunkSettings(
        max_tokens=config.chunk_max_tokens, overlap_sentences=config.chunk_overlap_sentences
    )
    plan = _plan(documents, base, settings, store, embedder, report)
    _embed(plan.to_embed, store, embedder, config, progress)
    store.update_metadata(plan.to_update)

    manifest = _manifest(config, embedder, settings, collection, documents, plan)
    chunks = [chunk for document_id in sorted(plan.chunks) for chunk in plan.chunks[document_id]]
    bm25 = BM25Index.build([_bm25_tokens(chunk) for chunk in chunks], [c.id for c in chunks])
    name = commit_state(config.data_dir, manifest, chunks, bm25)
    logger.debug("committed index state %s; deleting stale chunks next", name)

    _clean_up(store, manifest, previous, owns_store=config.chroma_url is None)
    prune_states(config.data_dir, keep={name} | ({previous.name} if previous else set()))
    if previous is not None:
        report.removed = sorted(set(previous.manifest.documents) - set(manifest.documents))
    report.chunks = len(chunks)
    report.embedded = len(plan.to_embed)
    report.seconds = round(time.monotonic() - started, 3)
    logger.info(
        "index run finished: %s committed, %d added, %d updated, %d removed, %d unchanged, "
        "%d failed, %d chunks, %d embedded, %.1f s",
        name,
        len(report.added),
        len(report.updated),
        len(report.removed),
        len(report.unchanged),
        len(report.failed),
        report.chunks,
        report.embedded,
        report.seconds,
    )
    return report


def _previous_state(data_dir: Path, rebuild: bool) -> IndexState | None:
    """Load the committed state; a rebuild starts over when that state is damaged."""
    try:
        return load_state(data_dir)
    except CorruptIndexError as error:
        if not rebuild:
            raise
        logger.warning("rebuilding over a damaged index: %s", error)
        return None


def _load_documents(knowledge_dir: Path, report: IndexReport) -> list[Document]:
    """Load every file; failures go into the report and the run goes on."""
    paths, errors = discover_files(knowledge_dir)
    for error in errors:
        report.failed.append(FailedFile(path=str(error.path), reason=error.reason))
    documents: dict[str, Document] = {}
    for path in paths:
        try:
            document = load_document(path, knowledge_dir)
        except LoadError as error:
            report.failed.append(FailedFile(path=str(error.path), reason=error.reason))
            logger.warning("could not load %s: %s", error.path, error.reason)
            continue
        first = documents.get(document.meta.id)
        if first is not None:
            reason = (
                f"duplicate document id {document.meta.id!r}: {first.path} and {document.path} "
                f"both use it; {document.path} was skipped, give it another id"
            )
            report.failed.append(FailedFile(path=document.path, reason=reason))
            logger.warning("%s", reason)
            continue
        documents[document.meta.id] = document
        report.warnings.extend(f"{document.path}: {warning}" for warning in document.warnings)
    return [documents[document_id] for document_id in sorted(documents)]


def _plan(
    documents: Sequence[Document],
    base: IndexState | None,
    settings: ChunkSettings,
    store: ChromaStore,
    embedder: Embedder,
    report: IndexReport,
) -> _Plan:
    """Decide per document: keep its chunks, update their metadata, or re-embed them."""
    plan = _Plan()
    previous_entries = base.manifest.documents if base else {}
    reusable = base is not None and base.manifest.chunking == settings
    previous_chunks = {chunk.id: chunk for chunk in base.chunks} if base else {}
    stored = store.ids() if base else set()
    for document in documents:
        document_id = document.meta.id
        entry = previous_entries.get(document_id) if reusable else None
        same_content = entry is not None and entry.content_hash == document.content_hash
        if entry is not None and same_content and not set(entry.chunk_ids) <= stored:
            report.warnings.append(f"{document.path}: vectors missing from Chroma, re-embedded")
            same_content = False
        if entry is not None and same_content and entry.path == document.path:
            plan.chunks[document_id] = [previous_chunks[i] for i in entry.chunk_ids]
            report.unchanged.append(document_id)
            continue
        chunks = chunk_document(
            document,
            embedder,
            max_tokens=settings.max_tokens,
            overlap_sentences=settings.overlap_sentences,
        )
        plan.chunks[document_id] = chunks
        if same_content:
            # Moved file, same content: the chunk ids and vectors stay, the source changes.
            plan.to_update.extend(chunks)
        else:
            plan.to_embed.extend(chunks)
        if document_id in previous_entries:
            report.updated.append(document_id)
        else:
            report.added.append(document_id)
    return plan


def _embed(
    chunks: Sequence[Chunk],
    store: ChromaStore,
    embedder: Embedder,
    config: IndexConfig,
    progress: bool,
) -> None:
    """Embed chunks batch by batch and upsert each batch into Chroma."""
    batch_size = config.embed_batch_size
    with tqdm(
        total=len(chunks), disable=not progress, file=sys.stderr, unit="chunk", desc="embedding"
    ) as bar:
        for start in range(0, len(chunks), batch_size):
            batch = list(chunks[start : start + batch_size])
            texts = [embedding_text(chunk, embedder, config.chunk_max_tokens) for chunk in batch]
            vectors = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
            if vectors.shape != (len(batch), embedder.dimension):
                raise IndexerError(
                    f"embedding model {embedder.name} returned shape {vectors.shape} for "
                    f"{len(batch)} texts, expected ({len(batch)}, {embedder.dimension})"
                )
            store.upsert(batch, vectors, texts)
            bar.update(len(batch))


def _manifest(
    config: IndexConfig,
    embedder: Embedder,
    settings: ChunkSettings,
    collection: str,
    documents: Sequence[Document],
    plan: _Plan,
) -> Manifest:
    entries = {
        document.meta.id: DocumentEntry(
            path=document.path,
            content_hash=document.content_hash,
            chunk_ids=[chunk.id for chunk in plan.chunks[document.meta.id]],
            meta=document.meta,
        )
        for document in documents
    }
    return Manifest(
        backend=config.embedding_backend,
        model=embedder.name,
        dimension=embedder.dimension,
        chunking=settings,
        collection=collection,
        documents=entries,
    )


def _bm25_tokens(chunk: Chunk) -> list[str]:
    return tokenize(f"{chunk.title}\n{chunk.section}\n{chunk.text}")


def _clean_up(
    store: ChromaStore, manifest: Manifest, previous: IndexState | None, *, owns_store: bool
) -> None:
    """Delete chunks the committed manifest no longer lists, and collections out of use.

    With the embedded store every application collection but the current one is
    dropped, including those of killed rebuilds. A Chroma server may serve other
    deployments, so there only the collection this index used before is dropped.
    """
    orphans = store.ids() - manifest.chunk_ids()
    if orphans:
        store.delete(sorted(orphans))
        logger.info("deleted %d stale chunks from %s", len(orphans), store.name)
    if owns_store:
        unused = set(collection_names(store.client)) - {manifest.collection}
    elif previous is not None and previous.manifest.collection != manifest.collection:
        unused = {previous.manifest.collection}
    else:
        unused = set()
    for name in sorted(unused):
        drop_collection(store.client, name)
