"""The ``mpsbot eval`` command: run a golden set through the real answering pipeline.

Golden files are YAML lists of questions in the format of
``bot.evaluation.GoldenQuestion`` (documented in docs/golden-set.md). This module reads
and checks them strictly, so a typo in a field name or a missing expected document is
an error naming the file, the entry and the field instead of a silently wrong figure.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
import yaml
from pydantic import ValidationError

from bot.evaluation import EvalReport, GoldenQuestion, Metrics, QuestionResult, evaluate
from bot.prompts import message
from bot.service import AnswerService
from bot.settings import REPO_ROOT, Settings

logger = logging.getLogger(__name__)

DEFAULT_GOLDEN_DIR = REPO_ROOT / "tests" / "golden"
GOLDEN_PATTERN = "questions-*.yaml"
CLI_LANGUAGE: Literal["en"] = "en"
EXIT_USAGE_ERROR = 2

# Rows of the printed table: the Metrics attribute and its label.
METRIC_ROWS: tuple[tuple[str, str], ...] = (
    ("questions", "questions"),
    ("in_scope", "in scope"),
    ("out_of_scope", "out of scope"),
    ("recall_at_1", "recall@1"),
    ("recall_at_5", "recall@5"),
    ("mrr", "MRR"),
    ("ndcg_at_10", "nDCG@10"),
    ("fact_hit", "fact hit"),
    ("citation_precision", "citation precision"),
    ("out_of_scope_refused", "out-of-scope refused"),
    ("in_scope_answered", "in-scope answered"),
    ("topic_accuracy", "topic accuracy"),
)

app = typer.Typer(
    name="eval",
    help="Run the golden set through search and answering and print quality metrics.",
    add_completion=False,
    pretty_exceptions_enable=False,
)


class GoldenFileError(ValueError):
    """A golden file is missing, is not valid YAML or has an invalid entry."""


# --- reading golden files ----------------------------------------------------------


def golden_paths(target: Path | None) -> list[Path]:
    """Return the golden files to run: ``target`` itself, or the questions-*.yaml in it."""
    directory = DEFAULT_GOLDEN_DIR if target is None else target
    if directory.is_file():
        return [directory]
    if not directory.is_dir():
        raise GoldenFileError(message("eval.file_not_found", CLI_LANGUAGE, path=directory))
    paths = sorted(directory.glob(GOLDEN_PATTERN))
    if not paths:
        raise GoldenFileError(message("eval.no_files", CLI_LANGUAGE, directory=directory))
    return paths


def _entry_error(path: Path, index: int, entry: dict[str, Any], field: str, reason: str) -> str:
    label = f"id {entry['id']!r}" if isinstance(entry.get("id"), str) else "no id"
    return message(
        "eval.invalid_field",
        CLI_LANGUAGE,
        path=path,
        index=index,
        entry=label,
        field=field,
        reason=reason,
    )


def _parse_entry(path: Path, index: int, entry: object) -> GoldenQuestion:
    if not isinstance(entry, dict):
        found = type(entry).__name__
        raise GoldenFileError(
            message("eval.entry_not_mapping", CLI_LANGUAGE, path=path, index=index, found=found)
        )
    allowed = set(GoldenQuestion.model_fields)
    for key in entry:
        if key not in allowed:
            reason = message("eval.unknown_field", CLI_LANGUAGE, allowed=", ".join(sorted(allowed)))
            raise GoldenFileError(_entry_error(path, index, entry, str(key), reason))
    try:
        question = GoldenQuestion.model_validate(entry)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "?"
        raise GoldenFileError(_entry_error(path, index, entry, field, first["msg"])) from error
    if not question.out_of_scope and not question.expected_documents:
        reason = message("eval.no_expected_documents", CLI_LANGUAGE)
        raise GoldenFileError(_entry_error(path, index, entry, "expected_documents", reason))
    return question


def read_golden_file(path: Path) -> list[GoldenQuestion]:
    """Read one golden YAML file; raise GoldenFileError naming the file, entry and field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise GoldenFileError(message("eval.file_not_found", CLI_LANGUAGE, path=path)) from error
    except yaml.YAMLError as error:
        reason = str(error).replace("\n", " ")
        raise GoldenFileError(
            message("eval.invalid_yaml", CLI_LANGUAGE, path=path, reason=reason)
        ) from error
    if data is None:
        return []
    if not isinstance(data, list):
        found = type(data).__name__
        raise GoldenFileError(message("eval.not_a_list", CLI_LANGUAGE, path=path, found=found))
    return [_parse_entry(path, index, entry) for index, entry in enumerate(data, start=1)]


def read_golden_set(paths: Sequence[Path]) -> list[GoldenQuestion]:
    """Read every file; question ids must be unique across all of them."""
    questions: list[GoldenQuestion] = []
    seen: dict[str, str] = {}
    for path in paths:
        for index, question in enumerate(read_golden_file(path), start=1):
            where = f"{path.name} #{index}"
            if question.id in seen:
                reason = message("eval.duplicate_id", CLI_LANGUAGE, first=seen[question.id])
                raise GoldenFileError(_entry_error(path, index, {"id": question.id}, "id", reason))
            seen[question.id] = where
            questions.append(question)
    if not questions:
        names = ", ".join(str(path) for path in paths)
        raise GoldenFileError(message("eval.no_questions", CLI_LANGUAGE, paths=names))
    return questions


# --- output ------------------------------------------------------------------------


def _cell(metrics: Metrics, attribute: str) -> str:
    value = getattr(metrics, attribute)
    return str(value) if isinstance(value, int) else f"{value:.3f}"


def report_table(report: EvalReport) -> str:
    """Return the metrics as a Markdown table: one row per metric, overall and per language."""
    columns: list[tuple[str, Metrics]] = [("overall", report.overall)]
    columns += [(language, metrics) for language, metrics in report.by_language.items()]
    lines = [
        "| metric | " + " | ".join(name for name, _ in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for attribute, label in METRIC_ROWS:
        cells = " | ".join(_cell(metrics, attribute) for _, metrics in columns)
        lines.append(f"| {label} | {cells} |")
    return "\n".join(lines)


def _result_dict(result: QuestionResult) -> dict[str, object]:
    return {
        "id": result.question.id,
        "language": result.question.language,
        "out_of_scope": result.question.out_of_scope,
        "answered": result.answer.answered,
        "first_relevant_rank": result.first_relevant_rank,
        "ranked_documents": list(result.ranked_documents),
        "fact_hit": result.fact_hit,
        "cited_fact": result.cited_fact,
        "expected_topic": result.question.topic,
        "topic": result.answer.topic,
        "topic_correct": result.topic_correct,
    }


def report_dict(report: EvalReport) -> dict[str, object]:
    """Return the report as plain data for ``--json``: metrics and one row per question."""
    return {
        "overall": dataclasses.asdict(report.overall),
        "by_language": {
            language: dataclasses.asdict(metrics)
            for language, metrics in report.by_language.items()
        },
        "results": [_result_dict(result) for result in report.results],
    }


def _miss_line(result: QuestionResult) -> str:
    rank = "-" if result.first_relevant_rank is None else result.first_relevant_rank
    return (
        f"  {result.question.id}: rank {rank}, answered {result.answer.answered}, "
        f"fact {result.fact_hit}, topic {result.answer.topic} "
        f"(expected {result.question.topic})"
    )


# --- command -----------------------------------------------------------------------


def _service(settings: Settings) -> AnswerService:
    service = AnswerService(settings, progress=True)
    service.ensure_index()
    return service


@app.command(name="eval")
def run_eval(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="A golden YAML file, or a directory of questions-*.yaml; default tests/golden/.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as one JSON object.")
    ] = False,
) -> None:
    """Run a golden set through search and answering; print recall, MRR, nDCG and more."""
    try:
        paths = golden_paths(file)
        questions = read_golden_set(paths)
    except GoldenFileError as error:
        typer.echo(message("cli.error", CLI_LANGUAGE, error=error), err=True)
        raise typer.Exit(EXIT_USAGE_ERROR) from error
    logger.info("evaluating %d golden questions from %d files", len(questions), len(paths))
    report = evaluate(_service(Settings()), questions)
    if as_json:
        typer.echo(json.dumps(report_dict(report), ensure_ascii=False))
        return
    typer.echo(
        message("eval.table_heading", CLI_LANGUAGE, questions=len(questions), files=len(paths))
    )
    typer.echo(report_table(report))
    misses = report.failures()
    if misses:
        typer.echo("")
        typer.echo(message("eval.misses_heading", CLI_LANGUAGE))
        for result in misses:
            typer.echo(_miss_line(result))


def register(parent: typer.Typer) -> None:
    """Add ``eval`` to the ``mpsbot`` app as a command of its own."""
    parent.command(name="eval")(run_eval)
