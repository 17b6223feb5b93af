"""Errors raised while finding and loading documents."""

from __future__ import annotations

from pathlib import Path


class LoadError(Exception):
    """A file that could not be loaded; str() is '<relative path>: <reason>'."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.as_posix()}: {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self) -> tuple[type[LoadError], tuple[Path, str]]:
        return (LoadError, (self.path, self.reason))


class ContentError(Exception):
    """A problem in a file's content; load_document adds the path and raises LoadError."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
