"""Per-stage timing of one warm ``AnswerService.answer`` call, without changing the code.

``instrument`` wraps the search and answering steps of one service with timers for
the duration of a ``with`` block. It relies on the names of those steps in
indexer/search.py and bot/service.py, so a rename fails here with an AttributeError
instead of timing nothing.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

import bot.service
import indexer.search
from bench.common import median, milliseconds, percentile
from bot.service import AnswerService
from indexer.bm25 import BM25Index
from indexer.search import Searcher

STAGES = ("embed", "BM25", "vector search", "fusion", "topic", "composition")


class StageTimer:
    """Seconds spent per stage in the current call, and the samples of finished calls."""

    def __init__(self) -> None:
        self.current: dict[str, float] = {}
        self._active = False
        self.samples: dict[str, list[float]] = {stage: [] for stage in (*STAGES, "other", "total")}

    def wrap(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            # A timed step called inside another (composition embedding sentences, say)
            # counts toward the outer stage only, so no time is counted twice.
            if self._active:
                return function(*args, **kwargs)
            self._active = True
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self._active = False
                self.current[stage] = self.current.get(stage, 0.0) + time.perf_counter() - started

        return timed

    def measure(self, call: Callable[[], object]) -> None:
        """Run ``call`` once and add its total and per-stage times to the samples."""
        self.current = {}
        started = time.perf_counter()
        call()
        total = time.perf_counter() - started
        for stage in STAGES:
            self.samples[stage].append(self.current.get(stage, 0.0))
        self.samples["other"].append(total - sum(self.current.values()))
        self.samples["total"].append(total)

    def rows(self) -> list[list[object]]:
        """Return one row per stage: median and p95 in milliseconds."""
        return [
            [stage, milliseconds(median(values)), milliseconds(percentile(values, 0.95))]
            for stage, values in self.samples.items()
        ]


@contextmanager
def instrument(service: AnswerService, searcher: Searcher) -> Iterator[StageTimer]:
    timer = StageTimer()
    patches: list[tuple[object, str, str]] = [
        (searcher.embedder, "embed_query", "embed"),
        (BM25Index, "get_scores", "BM25"),
        (indexer.search._Loaded, "allowed", "BM25"),
        (searcher, "_bm25_leg", "BM25"),
        (searcher, "_dense_leg", "vector search"),
        (indexer.search, "_fuse", "fusion"),
        (indexer.search, "_collapse_duplicates", "fusion"),
        (searcher, "_similarities", "fusion"),
        (bot.service, "classify", "topic"),
        (bot.service, "compose", "composition"),
    ]
    with ExitStack() as stack:
        for target, name, stage in patches:
            original = getattr(target, name)
            stack.enter_context(mock.patch.object(target, name, timer.wrap(stage, original)))
        yield timer
