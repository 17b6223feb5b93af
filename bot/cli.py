"""The ``mpsbot`` command: build the index, ask questions, chat and search.

Sub-commands owned by other packages (``serve`` from ``bot.slack``, ``triage`` from
``bot.triage`` and ``eval`` from ``bot.evaluation``) are added by
``register_subcommands``, which ``main`` calls before running the app.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, Iterator
from typing import Annotated, Literal

import typer
from pydantic import ValidationError

from bot.generation.policy import producer_line
from bot.logs import configure_logging
from bot.models import Answer
from bot.prompts import message
from bot.routing import RoutingError
from bot.service import AnswerService, index_exists
from bot.settings import Settings
from indexer.errors import IndexerError, IndexLockedError, ModelMismatchError
from indexer.models import Audience, Hit, SearchFilters
from indexer.pipeline import IndexReport, run_index
from indexer.search import SearchMode

logger = logging.getLogger(__name__)

app = typer.Typer(
    name="mpsbot",
    help="Cited answers about DFØ's Marketplace for cloud services (MPS).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Operator-facing messages (errors, index summaries) are printed in English.
CLI_LANGUAGE: Literal["en"] = "en"
EXIT_USAGE_ERROR = 2
SEARCH_MODES: dict[str, SearchMode] = {"hybrid": "hybrid", "bm25": "bm25", "dense": "dense"}


def register_subcommands() -> None:
    """Add the sub-commands that other packages provide (serve, triage, eval)."""
    from bot.eval_cli import register as register_eval
    from bot.slack.cli import app as serve_app
    from bot.triage.cli import app as triage_app

    register_eval(app)
    registered = {group.name for group in app.registered_groups}
    for group in (serve_app, triage_app):
        if group.info.name not in registered:
            app.add_typer(group, name=group.info.name)


def _settings() -> Settings:
    return Settings()


def _fail(error: Exception) -> typer.Exit:
    typer.echo(message("cli.error", CLI_LANGUAGE, error=error), err=True)
    return typer.Exit(EXIT_USAGE_ERROR)


def _service(settings: Settings) -> AnswerService:
    config = settings.index_config()
    if not index_exists(config):
        typer.echo(
            message(
                "cli.building_index",
                CLI_LANGUAGE,
                data_dir=config.data_dir,
                knowledge_dir=config.knowledge_dir,
            ),
            err=True,
        )
    service = AnswerService(settings, progress=True)
    service.ensure_index()
    return service


# --- index -----------------------------------------------------------------------


def _report_dict(report: IndexReport) -> dict[str, object]:
    return {
        "added": len(report.added),
        "updated": len(report.updated),
        "removed": len(report.removed),
        "unchanged": len(report.unchanged),
        "failed": [{"path": failed.path, "reason": failed.reason} for failed in report.failed],
        "chunks": report.chunks,
        "seconds": round(report.seconds, 2),
    }


@app.command()
def index(
    rebuild: Annotated[
        bool, typer.Option(help="Drop the index and embed everything again.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Build or update the index from the knowledge directory."""
    settings = _settings()
    try:
        report = run_index(settings.index_config(), rebuild=rebuild, progress=not as_json)
    except (IndexLockedError, ModelMismatchError) as error:
        raise _fail(error) from error
    if as_json:
        typer.echo(json.dumps(_report_dict(report), ensure_ascii=False))
        return
    typer.echo(
        message(
            "cli.index_summary",
            CLI_LANGUAGE,
            added=len(report.added),
            updated=len(report.updated),
            removed=len(report.removed),
            unchanged=len(report.unchanged),
            failed=len(report.failed),
            chunks=report.chunks,
            seconds=report.seconds,
        )
    )
    for failed in report.failed:
        typer.echo(
            message("cli.index_failed_file", CLI_LANGUAGE, path=failed.path, reason=failed.reason)
        )


# --- ask and chat ----------------------------------------------------------------


def answer_json(answer: Answer) -> str:
    """Return ``answer`` as one line of JSON for ``mpsbot ask --json``."""
    payload = {
        "question": answer.question,
        "language": answer.language,
        "answered": answer.answered,
        "answer": answer.text,
        "confidence": answer.confidence,
        "topic": answer.topic,
        "topic_confidence": answer.topic_confidence,
        "team": answer.team,
        "produced_by": answer.produced_by,
        "produced_note": producer_line(answer.produced_by, answer.language),
        "notes": list(answer.notes),
        "citations": [
            {
                "n": citation.n,
                "document_id": citation.document_id,
                "title": citation.title,
                "section": citation.section,
                "source": citation.source,
                "page": citation.page,
                "date": citation.date,
                "quote": citation.quote,
            }
            for citation in answer.citations
        ],
    }
    return json.dumps(payload, ensure_ascii=False)


def answer_text(answer: Answer) -> str:
    """Return ``answer`` for a terminal: the text, notes and numbered sources."""
    lines = [answer.text]
    if answer.citations:
        lines += ["", message("cli.sources_heading", answer.language)]
    for citation in answer.citations:
        line = f"[{citation.n}] {citation.title}"
        if citation.section:
            line += f" — {citation.section}"
        if citation.date:
            line += f" ({citation.date})"
        line += f" {citation.source}"
        if citation.page is not None:
            line += f" p. {citation.page}"
        lines.append(line)
    extra = [note for note in answer.notes if note not in answer.text]
    if extra:
        lines += ["", message("cli.notes_heading", answer.language), *extra]
    if answer.answered:
        lines += ["", producer_line(answer.produced_by, answer.language)]
    return "\n".join(lines)


def _questions_from(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        if line.strip():
            yield line.rstrip("\n")


AudienceOption = Annotated[
    str, typer.Option("--audience", help="Who may see the sources: public or internal.")
]


def _audiences(audience: str) -> frozenset[Audience]:
    if audience == "public":
        return frozenset({"public"})
    if audience == "internal":
        return frozenset({"public", "internal"})
    raise typer.BadParameter(f"invalid audience {audience!r}; use public or internal")


@app.command()
def ask(
    question: Annotated[
        str | None, typer.Argument(help="The question; without it, one question per stdin line.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per answer.")] = False,
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=50, help="Hits to search.")] = 5,
    audience: AudienceOption = "public",
) -> None:
    """Answer one question, or each line read from standard input."""
    audiences = _audiences(audience)
    service = _service(_settings())
    questions = [question] if question is not None else _questions_from(sys.stdin)
    for item in questions:
        answer = service.answer(item, audiences=audiences, top_k=top_k)
        typer.echo(answer_json(answer) if as_json else answer_text(answer))
        if not as_json and question is None:
            typer.echo("")


def _chat_turn(
    service: AnswerService, line: str, history: list[str], audiences: frozenset[Audience]
) -> None:
    try:
        answer = service.answer(line, audiences=audiences, history=tuple(history))
    except (IndexerError, OSError, ValueError, RuntimeError) as error:
        logger.exception("chat turn failed")
        typer.echo(message("cli.turn_failed", CLI_LANGUAGE, error=error), err=True)
        return
    typer.echo(answer_text(answer))
    history.append(line)


@app.command()
def chat(audience: AudienceOption = "public") -> None:
    """Ask questions in a loop; follow-up questions use the earlier ones. Ctrl-D ends."""
    audiences = _audiences(audience)
    service = _service(_settings())
    typer.echo(message("cli.chat_greeting", CLI_LANGUAGE), err=True)
    history: list[str] = []
    while True:
        try:
            line = input("> ")
        except EOFError:
            break
        command = line.strip().lower()
        if command in {"exit", "quit", "avslutt"}:
            break
        if command in {"/help", "help", "hjelp", "?"}:
            typer.echo(message("cli.chat_help", CLI_LANGUAGE), err=True)
        elif command in {"/new", "/ny"}:
            # Forget earlier questions, so the next one is not read as a follow-up.
            history.clear()
            typer.echo(message("cli.chat_new", CLI_LANGUAGE), err=True)
        elif command:
            _chat_turn(service, line, history, audiences)


# --- search ----------------------------------------------------------------------


def hit_dict(rank: int, hit: Hit) -> dict[str, object]:
    """Return the fields of ``hit`` that maintainers compare when tuning search."""
    return {
        "rank": rank,
        "score": round(hit.score, 6),
        "bm25_rank": hit.bm25_rank,
        "dense_rank": hit.dense_rank,
        "dense_similarity": None
        if hit.dense_similarity is None
        else round(hit.dense_similarity, 4),
        "bm25_score": None if hit.bm25_score is None else round(hit.bm25_score, 4),
        "document_id": hit.chunk.document_id,
        "section": hit.chunk.section,
        "chunk_id": hit.chunk.id,
        "language": hit.chunk.language,
        "audience": hit.chunk.audience,
    }


def _hit_line(row: dict[str, object]) -> str:
    def shown(value: object) -> object:
        return "-" if value is None else value

    return (
        f"{row['rank']:>2}. {row['score']:.4f}  bm25 #{shown(row['bm25_rank'])}"
        f"  dense #{shown(row['dense_rank'])}  sim {shown(row['dense_similarity'])}"
        f"  {row['document_id']}  {row['section']}"
    )


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Search text.")],
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=100, help="Hits to show.")] = 10,
    mode: Annotated[str, typer.Option(help="hybrid, bm25 or dense.")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per hit.")] = False,
    audience: AudienceOption = "internal",
) -> None:
    """Show ranked hits with fused score, BM25 and dense ranks, for maintainers."""
    if mode not in SEARCH_MODES:
        raise typer.BadParameter(f"invalid mode {mode!r}; use hybrid, bm25 or dense")
    service = _service(_settings())
    filters = SearchFilters(audiences=_audiences(audience))
    hits = service.search(query, top_k=top_k, filters=filters, mode=SEARCH_MODES[mode])
    if not hits and not as_json:
        typer.echo(message("cli.no_hits", CLI_LANGUAGE))
    for rank, hit in enumerate(hits, start=1):
        row = hit_dict(rank, hit)
        if as_json:
            typer.echo(json.dumps(row, ensure_ascii=False))
            continue
        typer.echo(_hit_line(row))


# --- entry point -----------------------------------------------------------------


def _settings_error(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "?"
    return message(
        "cli.invalid_settings",
        CLI_LANGUAGE,
        field=field,
        value=repr(first.get("input"))[:80],
        reason=first["msg"],
        env=field.upper(),
    )


def main() -> None:
    """Run the ``mpsbot`` command with logging and clear errors at the edge."""
    try:
        settings = Settings()
        configure_logging(settings.log_level or "WARNING")
    except ValidationError as error:
        typer.echo(_settings_error(error), err=True)
        sys.exit(EXIT_USAGE_ERROR)
    except ValueError as error:
        typer.echo(message("cli.error", CLI_LANGUAGE, error=error), err=True)
        sys.exit(EXIT_USAGE_ERROR)
    register_subcommands()
    try:
        app(standalone_mode=True)
    except (IndexerError, RoutingError) as error:
        typer.echo(message("cli.error", CLI_LANGUAGE, error=error), err=True)
        sys.exit(EXIT_USAGE_ERROR)
    except OSError as error:
        # A data or knowledge directory that cannot be created or written, such as
        # one under a read-only mount or below a regular file.
        path = error.filename or "?"
        reason = error.strerror or type(error).__name__
        typer.echo(message("cli.path_error", CLI_LANGUAGE, path=path, reason=reason), err=True)
        sys.exit(EXIT_USAGE_ERROR)
