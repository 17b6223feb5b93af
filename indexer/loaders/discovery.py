"""Finding the supported files in the knowledge directory."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from indexer.loaders.errors import LoadError

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".txt"}
)

_OUTSIDE = "symbolic link points outside the knowledge directory; copy the file in instead"


def discover_files(knowledge_dir: Path) -> tuple[list[Path], list[LoadError]]:
    """Supported files under knowledge_dir, sorted; plus problems found while walking.

    Hidden entries (names starting with '.') and unsupported suffixes are skipped
    silently. Symbolic links to files inside the directory are returned; symbolic
    links to directories are not followed. Raises FileNotFoundError when
    knowledge_dir is not a directory, so a wrong path never looks like an empty
    knowledge base.
    """
    if not knowledge_dir.is_dir():
        raise FileNotFoundError(
            f"knowledge directory {knowledge_dir} not found; set MPSBOT_KNOWLEDGE_DIR "
            "to the folder with the documents"
        )
    root = knowledge_dir.resolve()
    files: list[Path] = []
    problems: list[LoadError] = []
    pending = [knowledge_dir]
    while pending:
        directory = pending.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError as error:
            problems.append(_unreadable(directory, knowledge_dir, error))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            if entry.is_symlink():
                _check_link(path, knowledge_dir, root, files, problems)
            elif entry.is_dir(follow_symlinks=False):
                pending.append(path)
            elif entry.is_file(follow_symlinks=False) and _is_supported(path):
                files.append(path)
    files.sort(key=lambda path: path.relative_to(knowledge_dir).as_posix())
    problems.sort(key=lambda problem: problem.path.as_posix())
    return files, problems


def relative_to_knowledge(path: Path, knowledge_dir: Path) -> Path:
    """Path relative to knowledge_dir, or the path unchanged when it is not inside."""
    try:
        return path.relative_to(knowledge_dir)
    except ValueError:
        return path


def is_inside(target: Path, root: Path) -> bool:
    return target == root or root in target.parents


def _check_link(
    path: Path, knowledge_dir: Path, root: Path, files: list[Path], problems: list[LoadError]
) -> None:
    relative = path.relative_to(knowledge_dir)
    target = path.resolve()
    if not is_inside(target, root):
        problems.append(LoadError(relative, _OUTSIDE))
    elif not target.exists():
        problems.append(
            LoadError(relative, "symbolic link target not found; fix or delete the link")
        )
    elif target.is_dir():
        logger.debug("not following symbolic link to directory %s", relative)
    elif target.is_file() and _is_supported(path):
        files.append(path)


def _is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def _unreadable(directory: Path, knowledge_dir: Path, error: OSError) -> LoadError:
    relative = relative_to_knowledge(directory, knowledge_dir)
    return LoadError(
        relative, f"cannot read directory: {error.strerror or error}; check its permissions"
    )
