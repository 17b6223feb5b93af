"""Errors the indexer raises; each message names the value that failed and the fix."""

from __future__ import annotations

from pathlib import Path


class IndexerError(Exception):
    """Base class of every error the indexer raises on purpose."""


class IndexNotBuiltError(IndexerError):
    """Search found no committed index, or an index with no chunks."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(f"no index in {data_dir}; run `mpsbot index`")
        self.data_dir = data_dir


class ModelMismatchError(IndexerError):
    """The index was built with another embedding model than the settings request."""

    def __init__(self, built_with: str, requested: str) -> None:
        super().__init__(
            f"the index was built with {built_with}, settings ask for {requested}; "
            "rebuild with `mpsbot index --rebuild`"
        )
        self.built_with = built_with
        self.requested = requested


class CorruptIndexError(IndexerError):
    """A committed index state on disk is missing files or cannot be read."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(
            f"the index at {path} cannot be read ({problem}); "
            "rebuild it with `mpsbot index --rebuild`"
        )
        self.path = path
        self.problem = problem


class IndexLockedError(IndexerError):
    """Another index run holds the lock file."""

    def __init__(self, lock_path: Path) -> None:
        super().__init__(
            f"another index run holds {lock_path}; wait for it to finish, "
            "or delete the file if no `mpsbot index` process is running"
        )
        self.lock_path = lock_path


class EmbeddingModelError(IndexerError):
    """The embedding model could not be found or loaded."""


class StoreError(IndexerError):
    """The Chroma store could not be opened or reached."""


class IndexWriteError(IndexerError):
    """An index run could not write to the data directory or the Chroma store.

    The run stops before it replaces CURRENT, so the previous index stays in use.
    """

    def __init__(self, data_dir: Path, problem: str) -> None:
        super().__init__(
            f"index run failed in {data_dir} ({problem}); free disk space or fix the "
            "permissions, then run `mpsbot index` again. The previous index is still in use"
        )
        self.data_dir = data_dir
        self.problem = problem
