"""What an index was built from and with, and the committed state directories on disk.

``data_dir/index/CURRENT`` contains the name of the committed state directory
(``state-<n>``), which holds ``manifest.json``, ``chunks.jsonl`` and the BM25 files.
A state directory is written and fsynced in full before CURRENT is replaced, so a
reader sees either the old state or the new one.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from indexer.bm25 import BM25Index
from indexer.embedding import Embedder
from indexer.errors import CorruptIndexError, ModelMismatchError
from indexer.models import Chunk, DocumentMeta

logger = logging.getLogger(__name__)

MANIFEST_FILE = "manifest.json"
CHUNKS_FILE = "chunks.jsonl"
CURRENT_FILE = "CURRENT"
_STATE_NAME = re.compile(r"^state-(\d+)$")


class ChunkSettings(BaseModel):
    """Chunking settings an index was built with; other settings mean re-chunking."""

    max_tokens: int
    overlap_sentences: int


class DocumentEntry(BaseModel):
    """One indexed document: where it came from, its content hash and its chunk ids."""

    path: str
    content_hash: str
    chunk_ids: list[str]
    meta: DocumentMeta


class Manifest(BaseModel):
    """How an index was built and which documents and chunks it contains."""

    backend: str
    model: str
    dimension: int
    chunking: ChunkSettings
    collection: str
    created: datetime = Field(default_factory=lambda: datetime.now(UTC))
    documents: dict[str, DocumentEntry] = Field(default_factory=dict)

    def chunk_ids(self) -> set[str]:
        return {chunk_id for entry in self.documents.values() for chunk_id in entry.chunk_ids}

    def check_model(self, backend: str, embedder: Embedder) -> None:
        """Raise ModelMismatchError unless this index was built with the same model."""
        built_with = f"{self.backend} model {self.model} (dimension {self.dimension})"
        requested = f"{backend} model {embedder.name} (dimension {embedder.dimension})"
        if built_with != requested:
            raise ModelMismatchError(built_with, requested)


@dataclass(frozen=True)
class IndexState:
    """A committed index: its manifest, its chunks in BM25 order and the BM25 index."""

    name: str
    manifest: Manifest
    chunks: tuple[Chunk, ...]
    bm25: BM25Index


def index_dir(data_dir: Path) -> Path:
    return data_dir / "index"


def read_current(data_dir: Path) -> str | None:
    """Return the name of the committed state directory, or None when there is none."""
    try:
        name = (index_dir(data_dir) / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not _STATE_NAME.match(name):
        raise CorruptIndexError(
            index_dir(data_dir) / CURRENT_FILE, f"it contains {name[:40]!r}, not a state name"
        )
    return name


def load_state(data_dir: Path) -> IndexState | None:
    """Load the committed state, or return None when no index was committed yet.

    Raises CorruptIndexError when CURRENT names a missing state directory or one of
    its files is missing, truncated or invalid.
    """
    name = read_current(data_dir)
    if name is None:
        return None
    directory = index_dir(data_dir) / name
    try:
        return _read_state(name, directory)
    except FileNotFoundError as error:
        raise CorruptIndexError(
            directory, f"{Path(error.filename or '').name} not found"
        ) from error
    except (ValidationError, ValueError, OSError, KeyError, EOFError, zipfile.BadZipFile) as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CorruptIndexError(directory, first_line[:200]) from error


def _read_state(name: str, directory: Path) -> IndexState:
    manifest = Manifest.model_validate_json((directory / MANIFEST_FILE).read_text("utf-8"))
    with (directory / CHUNKS_FILE).open(encoding="utf-8") as lines:
        chunks = tuple(Chunk.model_validate_json(line) for line in lines if line.strip())
    bm25 = BM25Index.load(directory)
    if bm25.document_ids != [chunk.id for chunk in chunks]:
        raise ValueError(f"the BM25 files do not match {CHUNKS_FILE}")
    return IndexState(name=name, manifest=manifest, chunks=chunks, bm25=bm25)


def commit_state(
    data_dir: Path, manifest: Manifest, chunks: Sequence[Chunk], bm25: BM25Index
) -> str:
    """Write a new state directory, fsync it and make it current; return its name."""
    root = index_dir(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    name = f"state-{_next_number(root)}"
    directory = root / name
    directory.mkdir()
    written = [directory / MANIFEST_FILE, directory / CHUNKS_FILE]
    written[0].write_text(manifest.model_dump_json(indent=1), encoding="utf-8")
    with written[1].open("w", encoding="utf-8") as out:
        for chunk in chunks:
            out.write(chunk.model_dump_json() + "\n")
    written.extend(bm25.save(directory))
    for path in written:
        _fsync_file(path)
    _fsync_dir(directory)

    temporary = root / f"{CURRENT_FILE}.tmp"
    temporary.write_text(name + "\n", encoding="utf-8")
    _fsync_file(temporary)
    os.replace(temporary, root / CURRENT_FILE)
    _fsync_dir(root)
    return name


def prune_states(data_dir: Path, keep: Iterable[str]) -> list[str]:
    """Delete state directories not named in ``keep``; return the names deleted."""
    root = index_dir(data_dir)
    kept = set(keep)
    removed = []
    for path in sorted(root.iterdir()):
        if path.is_dir() and _STATE_NAME.match(path.name) and path.name not in kept:
            shutil.rmtree(path)
            removed.append(path.name)
    return removed


def _next_number(root: Path) -> int:
    numbers = [0]
    for path in root.iterdir():
        match = _STATE_NAME.match(path.name)
        if match:
            numbers.append(int(match.group(1)))
    return max(numbers) + 1


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
