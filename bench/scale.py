"""Scale: warm ask latency and memory at 1k, 10k and 100k chunks.

Each size runs in its own process (``python -m bench.scale``), so memory figures do
not carry over between sizes. The process builds an index of the real chunks plus
synthetic ones (see bench/synthetic.py) through the indexer's own classes: a real
Chroma collection, a real BM25 index and a committed state directory.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import math
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from unittest import mock

import numpy as np
import psutil

import indexer.search
from bench.common import markdown_table, milliseconds
from bench.stages import StageTimer, instrument
from bench.synthetic import make_corpus
from bot.evaluation import GoldenQuestion
from bot.service import AnswerService
from bot.settings import Settings
from indexer.bm25 import BM25Index
from indexer.config import IndexConfig
from indexer.embedding import load_embedder
from indexer.manifest import DocumentEntry, Manifest, commit_state, load_state
from indexer.models import Chunk, DocumentMeta
from indexer.pipeline import _bm25_tokens
from indexer.search import Searcher
from indexer.store import ChromaStore, new_collection_name, open_client

logger = logging.getLogger(__name__)

FULL_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (300, 1_000)
# Questions answered with the former dense leg (the `where` filter always sent to Chroma).
LEGACY_QUESTIONS = 20


@dataclass(frozen=True)
class ScalePoint:
    """What one size measured; latencies in seconds, memory in MiB."""

    chunks: int
    build_seconds: float
    load_seconds: float
    answers: int
    p50: float
    p95: float
    stages: list[list[object]]
    # The same answers with the search filter always passed to Chroma as `where`.
    legacy_p50: float
    legacy_p95: float
    legacy_vector_median: float
    vector_median: float
    rss_model_mib: float
    rss_loaded_mib: float
    peak_mib: float


def _mib(value: float) -> float:
    return value / (1024 * 1024)


def peak_rss_mib() -> float:
    """Return this process's peak resident memory since it started (exec), in MiB."""
    # VmHWM starts afresh at exec; ru_maxrss would include the parent's pages at fork.
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    # Linux and most BSDs report ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _synthetic_entries(
    documents: Sequence[DocumentMeta], chunks: Sequence[Chunk]
) -> dict[str, DocumentEntry]:
    chunk_ids: dict[str, list[str]] = {}
    for chunk in chunks:
        chunk_ids.setdefault(chunk.document_id, []).append(chunk.id)
    return {
        meta.id: DocumentEntry(
            path=f"synthetic/{meta.id}.md",
            content_hash=f"synthetic-{meta.id}",
            chunk_ids=chunk_ids[meta.id],
            meta=meta,
        )
        for meta in documents
    }


def build_scaled_index(source: IndexConfig, target: IndexConfig, size: int) -> float:
    """Commit an index of ``size`` chunks: the real ones plus synthetic ones."""
    started = time.perf_counter()
    state = load_state(source.data_dir)
    if state is None:
        raise RuntimeError(f"no committed index in {source.data_dir}; build it first")
    real = list(state.chunks)
    source_store = ChromaStore(open_client(source), state.manifest.collection)
    stored = source_store.embeddings([chunk.id for chunk in real])
    real_vectors = np.stack([stored[chunk.id] for chunk in real])
    corpus = make_corpus(real, real_vectors, max(0, size - len(real)))

    chunks = real + list(corpus.chunks)
    vectors = np.concatenate([real_vectors, corpus.vectors])
    collection = new_collection_name()
    store = ChromaStore(open_client(target), collection)
    store.upsert(chunks, vectors, [chunk.text for chunk in chunks])
    bm25 = BM25Index.build([_bm25_tokens(chunk) for chunk in chunks], [c.id for c in chunks])
    documents = dict(state.manifest.documents)
    documents.update(_synthetic_entries(corpus.documents, corpus.chunks))
    manifest = state.manifest.model_copy(update={"collection": collection, "documents": documents})
    commit_state(target.data_dir, Manifest.model_validate(manifest), chunks, bm25)
    return time.perf_counter() - started


def measure(
    source: IndexConfig, workdir: Path, size: int, questions: list[str], repeats: int
) -> ScalePoint:
    process = psutil.Process()
    settings = Settings(
        data_dir=workdir / f"scale-{size}",
        knowledge_dir=source.knowledge_dir,
        chroma_url=None,
        routing_file=source.knowledge_dir / "routing.yaml",
    )
    target = settings.index_config()
    build_seconds = build_scaled_index(source, target, size)
    embedder = load_embedder(target)
    embedder.embed_query("warm")
    rss_model = process.memory_info().rss

    started = time.perf_counter()
    searcher = Searcher(target, embedder=embedder)
    searcher.refresh()
    load_seconds = time.perf_counter() - started
    service = AnswerService(settings, searcher=searcher)
    for question in questions:
        service.answer(question)
    # The dense leg as it was before: the search filter always sent to Chroma as `where`.
    # It takes seconds per answer at 100k chunks, so it runs on the first questions only.
    with mock.patch.object(indexer.search, "UNFILTERED_QUERY_SHARE", math.inf):
        legacy = _timed_answers(service, searcher, questions[:LEGACY_QUESTIONS], 1)
    timer = _timed_answers(service, searcher, questions, repeats)
    totals = timer.samples["total"]
    legacy_totals = legacy.samples["total"]
    return ScalePoint(
        chunks=len(searcher.chunks()),
        build_seconds=build_seconds,
        load_seconds=load_seconds,
        answers=len(totals),
        p50=float(np.median(totals)),
        p95=_p95(totals),
        stages=timer.rows(),
        legacy_p50=float(np.median(legacy_totals)),
        legacy_p95=_p95(legacy_totals),
        legacy_vector_median=float(np.median(legacy.samples["vector search"])),
        vector_median=float(np.median(timer.samples["vector search"])),
        rss_model_mib=_mib(rss_model),
        rss_loaded_mib=_mib(process.memory_info().rss),
        peak_mib=peak_rss_mib(),
    )


def _p95(values: list[float]) -> float:
    return float(np.percentile(values, 95, method="inverted_cdf"))


def _timed_answers(
    service: AnswerService, searcher: Searcher, questions: list[str], repeats: int
) -> StageTimer:
    with instrument(service, searcher) as timer:
        for _ in range(repeats):
            for question in questions:
                timer.measure(functools.partial(service.answer, question))
    return timer


def run_size(
    source: IndexConfig, workdir: Path, size: int, questions: list[GoldenQuestion], repeats: int
) -> ScalePoint:
    """Measure one size in a fresh Python process."""
    arguments = [
        sys.executable,
        "-m",
        "bench.scale",
        "--knowledge-dir",
        str(source.knowledge_dir),
        "--source-data-dir",
        str(source.data_dir),
        "--workdir",
        str(workdir),
        "--size",
        str(size),
        "--repeats",
        str(repeats),
    ]
    payload = json.dumps([question.question for question in questions])
    environment = {key: value for key, value in os.environ.items() if not key.startswith("MPSBOT_")}
    environment["HF_HUB_OFFLINE"] = "1"
    completed = subprocess.run(
        arguments, input=payload, capture_output=True, text=True, env=environment, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"scale run at {size} chunks failed: {completed.stderr[-3000:]}")
    return ScalePoint(**json.loads(completed.stdout.strip().splitlines()[-1]))


def _latency_rows(points: list[ScalePoint]) -> list[list[object]]:
    return [
        [
            f"{point.chunks:,}",
            milliseconds(point.p50),
            milliseconds(point.p95),
            milliseconds(point.vector_median),
            milliseconds(point.legacy_p50),
            milliseconds(point.legacy_p95),
            milliseconds(point.legacy_vector_median),
        ]
        for point in points
    ]


def _memory_rows(points: list[ScalePoint]) -> list[list[object]]:
    return [
        [
            f"{point.chunks:,}",
            f"{point.build_seconds:.1f}",
            f"{point.load_seconds:.2f}",
            f"{point.rss_loaded_mib - point.rss_model_mib:.0f}",
            f"{point.rss_loaded_mib:.0f}",
            f"{point.peak_mib:.0f}",
        ]
        for point in points
    ]


def _growth(points: list[ScalePoint]) -> list[str]:
    if len(points) < 2:
        return []
    first, last = points[-2], points[-1]
    return [
        "",
        f"From {first.chunks:,} to {last.chunks:,} chunks the p50 grows "
        f"{last.p50 / first.p50:.2f}× and the p95 {last.p95 / first.p95:.2f}× "
        f"(with the `where` filter: {last.legacy_p50 / first.legacy_p50:.2f}× and "
        f"{last.legacy_p95 / first.legacy_p95:.2f}×).",
    ]


def scale_section(points: list[ScalePoint], note: str = "") -> str:
    latency_header = [
        "chunks",
        "p50 ms",
        "p95 ms",
        "vector search median ms",
        "before: p50 ms",
        "before: p95 ms",
        "before: vector search median ms",
    ]
    memory_header = [
        "chunks",
        "build s",
        "index load s",
        "index RSS MiB",
        "RSS MiB",
        "peak RSS MiB",
    ]
    parts = [
        "## Scale",
        "",
        note,
        "",
        "### Warm `ask` latency",
        "",
        f"*Before* answers the first {LEGACY_QUESTIONS} questions with the search filter "
        "always sent to Chroma as a `where` filter, as `Searcher` did before the dense leg "
        "applied the filter itself.",
        "",
        markdown_table(latency_header, _latency_rows(points)),
        *_growth(points),
        "",
        "### Build time and memory",
        "",
        markdown_table(memory_header, _memory_rows(points)),
    ]
    for point in points:
        parts += [
            "",
            f"### Stages at {point.chunks:,} chunks ({point.answers} answers)",
            "",
            markdown_table(["stage", "median ms", "p95 ms"], point.stages),
        ]
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description="Measure one corpus size (used by bench.run).")
    parser.add_argument("--knowledge-dir", type=Path, required=True)
    parser.add_argument("--source-data-dir", type=Path, required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=2)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    questions = json.loads(sys.stdin.read())
    source = IndexConfig(knowledge_dir=arguments.knowledge_dir, data_dir=arguments.source_data_dir)
    point = measure(source, arguments.workdir, arguments.size, questions, arguments.repeats)
    print(json.dumps(asdict(point)))


if __name__ == "__main__":
    main()
