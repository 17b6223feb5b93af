"""Golden-set metrics: retrieval, facts in answers, refusals and topics.

``load_questions`` reads ``tests/golden/questions-*.yaml``; ``evaluate`` runs each
question through an AnswerService and returns an EvalReport with figures overall
and per language.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.models import Answer
from indexer.models import Audience, Hit, Language, SearchFilters

RANKING_DEPTH = 10


class GoldenQuestion(BaseModel):
    """One question of the golden set with what a good answer must contain."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    question: str
    language: Language
    topic: str | None = None
    expected_documents: list[str] = Field(default_factory=list)
    # Strings of which at least one must appear in the answer (case-insensitive).
    facts: list[str] = Field(default_factory=list)
    paraphrased: bool = False
    out_of_scope: bool = False
    audience: Audience = "public"


class Evaluated(Protocol):
    def answer(self, question: str, *, audiences: frozenset[Audience] = ...) -> Answer: ...

    def search(
        self, query: str, *, top_k: int = ..., filters: SearchFilters = ...
    ) -> list[Hit]: ...


@dataclass(frozen=True)
class QuestionResult:
    """What one golden question got: the first relevant rank and the answer checks."""

    question: GoldenQuestion
    answer: Answer
    ranked_documents: tuple[str, ...]
    first_relevant_rank: int | None
    fact_hit: bool
    cited_fact: bool
    topic_correct: bool


@dataclass(frozen=True)
class Metrics:
    """Figures over a set of questions; each is a share from 0 to 1."""

    questions: int
    in_scope: int
    out_of_scope: int
    recall_at_1: float
    recall_at_5: float
    mrr: float
    ndcg_at_10: float
    fact_hit: float
    citation_precision: float
    out_of_scope_refused: float
    in_scope_answered: float
    topic_accuracy: float

    def summary(self) -> str:
        return (
            f"n={self.questions} (in-scope {self.in_scope}, out-of-scope {self.out_of_scope}) "
            f"recall@1={self.recall_at_1:.3f} recall@5={self.recall_at_5:.3f} "
            f"MRR={self.mrr:.3f} nDCG@10={self.ndcg_at_10:.3f} fact_hit={self.fact_hit:.3f} "
            f"citation_precision={self.citation_precision:.3f} "
            f"oos_refused={self.out_of_scope_refused:.3f} "
            f"in_scope_answered={self.in_scope_answered:.3f} "
            f"topic_accuracy={self.topic_accuracy:.3f}"
        )


@dataclass(frozen=True)
class EvalReport:
    """Metrics overall and per language, and the result of every question."""

    overall: Metrics
    by_language: dict[Language, Metrics]
    results: tuple[QuestionResult, ...]

    def failures(self) -> list[QuestionResult]:
        """Return in-scope results that missed retrieval, the fact or the topic."""
        return [
            result
            for result in self.results
            if not result.question.out_of_scope
            and not (
                result.first_relevant_rank is not None
                and result.first_relevant_rank <= 5
                and (result.fact_hit or not result.question.facts)
                and result.topic_correct
            )
        ]


def load_questions(directory: Path) -> list[GoldenQuestion]:
    """Read every ``questions-*.yaml`` in ``directory``; errors name the file and entry."""
    questions: list[GoldenQuestion] = []
    for path in sorted(directory.glob("questions-*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        for index, entry in enumerate(entries, start=1):
            try:
                questions.append(GoldenQuestion.model_validate(entry))
            except ValidationError as error:
                raise ValueError(f"{path.name}: question #{index} is invalid: {error}") from error
    return questions


def _distinct_documents(hits: Sequence[Hit]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(hit.chunk.document_id for hit in hits))


def _ndcg(ranked: Sequence[str], expected: set[str]) -> float:
    gains = [1.0 if document in expected else 0.0 for document in ranked[:RANKING_DEPTH]]
    dcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains))
    ideal_count = min(len(expected), RANKING_DEPTH)
    ideal = sum(1.0 / math.log2(rank + 2) for rank in range(ideal_count))
    return dcg / ideal if ideal else 0.0


def _contains_fact(text: str, facts: Iterable[str]) -> bool:
    lowered = text.casefold()
    return any(fact.casefold() in lowered for fact in facts)


def evaluate_question(service: Evaluated, question: GoldenQuestion) -> QuestionResult:
    """Run one golden question through search and answering."""
    audiences: frozenset[Audience] = frozenset({"public", question.audience})
    hits = service.search(
        question.question, top_k=RANKING_DEPTH, filters=SearchFilters(audiences=audiences)
    )
    ranked = _distinct_documents(hits)
    expected = set(question.expected_documents)
    first = next((rank for rank, doc in enumerate(ranked, start=1) if doc in expected), None)
    answer = service.answer(question.question, audiences=audiences)
    quotes = " ".join(citation.quote for citation in answer.citations)
    return QuestionResult(
        question=question,
        answer=answer,
        ranked_documents=ranked,
        first_relevant_rank=first,
        fact_hit=answer.answered and _contains_fact(answer.text, question.facts),
        cited_fact=answer.answered and _contains_fact(quotes, question.facts),
        topic_correct=answer.topic == question.topic,
    )


def _share(values: Sequence[bool | float]) -> float:
    return sum(float(value) for value in values) / len(values) if values else 0.0


def compute_metrics(results: Sequence[QuestionResult]) -> Metrics:
    """Compute the figures over ``results``."""
    in_scope = [result for result in results if not result.question.out_of_scope]
    out_of_scope = [result for result in results if result.question.out_of_scope]
    ranks = [result.first_relevant_rank for result in in_scope]
    with_facts = [result for result in in_scope if result.question.facts]
    return Metrics(
        questions=len(results),
        in_scope=len(in_scope),
        out_of_scope=len(out_of_scope),
        recall_at_1=_share([rank == 1 for rank in ranks]),
        recall_at_5=_share([rank is not None and rank <= 5 for rank in ranks]),
        mrr=_share([1.0 / rank if rank else 0.0 for rank in ranks]),
        ndcg_at_10=_share(
            [
                _ndcg(result.ranked_documents, set(result.question.expected_documents))
                for result in in_scope
            ]
        ),
        fact_hit=_share([result.fact_hit for result in with_facts]),
        citation_precision=_share([result.cited_fact for result in with_facts]),
        out_of_scope_refused=_share([not result.answer.answered for result in out_of_scope]),
        in_scope_answered=_share([result.answer.answered for result in in_scope]),
        topic_accuracy=_share([result.topic_correct for result in in_scope]),
    )


def evaluate(service: Evaluated, questions: Sequence[GoldenQuestion]) -> EvalReport:
    """Run every question and compute the metrics overall and per language."""
    results = tuple(evaluate_question(service, question) for question in questions)
    languages = sorted({result.question.language for result in results})
    by_language = {
        language: compute_metrics(
            [result for result in results if result.question.language == language]
        )
        for language in languages
    }
    return EvalReport(overall=compute_metrics(results), by_language=by_language, results=results)
