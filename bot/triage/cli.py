"""``mpsbot triage``: list, show, assign, answer, close, export and promote cases."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.prompts import message
from bot.routing import Routing, RoutingError, load_routing
from bot.settings import Settings
from bot.triage.faq import PromotionError, promote_case
from bot.triage.posting import post_staff_answer, update_case_message
from bot.triage.records import Case, CaseStatus
from bot.triage.store import CaseNotFoundError, CaseStateError, CaseStore

app = typer.Typer(
    name="triage",
    help="Cases for MPS staff: list, answer, close, export and promote them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Operator-facing output is in English, like the rest of the mpsbot command.
CLI_LANGUAGE: Literal["en"] = "en"
EXIT_ERROR = 2
# Spreadsheets run a cell that starts with one of these as a formula; a leading
# quote makes them show it as text instead.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_COLUMNS = (
    "id",
    "kind",
    "status",
    "topic",
    "question",
    "asker",
    "channel",
    "thread_ts",
    "permalink",
    "assignee",
    "staff_answer",
    "answered_by",
    "audience",
    "created_at",
    "updated_at",
    "answered_at",
    "closed_at",
    "triage_channel",
    "triage_ts",
    "draft_answer",
    "sources",
    "details",
)


def _settings() -> Settings:
    return Settings()


def _store(settings: Settings) -> CaseStore:
    return CaseStore.for_settings(settings)


def _routing(settings: Settings) -> Routing:
    try:
        return load_routing(settings.resolved_routing_file())
    except RoutingError as error:
        raise _fail(error) from error


def _fail(error: Exception) -> typer.Exit:
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(EXIT_ERROR)


def _require(store: CaseStore, case_id: int) -> Case:
    try:
        return store.require_case(case_id)
    except CaseNotFoundError as error:
        raise _fail(error) from error


def _slack_client(settings: Settings) -> WebClient | None:
    if settings.slack_bot_token is None:
        return None
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url
    )


def _summary(case: Case) -> str:
    question = " ".join(case.question.split())
    if len(question) > 70:
        question = question[:69] + "…"
    assignee = case.assignee or "-"
    topic = case.topic or "-"
    return (
        f"{case.id:>5}  {case.status:<8}  {case.kind:<10}  {topic:<12}  {assignee:<10}  {question}"
    )


@app.command("list")
def list_cases(
    status: Annotated[CaseStatus | None, typer.Option(help="Only cases with this status.")] = None,
    topic: Annotated[str | None, typer.Option(help="Only cases with this topic id.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the cases as JSON.")] = False,
) -> None:
    """List cases, oldest first."""
    cases = _store(_settings()).list_cases(status=status, topic=topic)
    if as_json:
        typer.echo(
            json.dumps(
                [case.model_dump(mode="json") for case in cases], ensure_ascii=False, indent=2
            )
        )
        return
    if not cases:
        typer.echo(message("triage.cli_no_cases", CLI_LANGUAGE))
        return
    for case in cases:
        typer.echo(_summary(case))


@app.command()
def show(case_id: Annotated[int, typer.Argument(help="Case id.")]) -> None:
    """Print one case with its history as JSON."""
    store = _store(_settings())
    case = _require(store, case_id)
    data = case.model_dump(mode="json")
    data["events"] = [event.model_dump(mode="json") for event in store.events(case_id)]
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.command()
def assign(
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    to: Annotated[str, typer.Option("--to", help="Slack user id or name of the assignee.")],
) -> None:
    """Assign a case to a staff member."""
    settings = _settings()
    store = _store(settings)
    _require(store, case_id)
    try:
        case = store.assign(case_id, to, actor="cli")
    except CaseStateError as error:
        raise _fail(error) from error
    client = _slack_client(settings)
    if client is not None:
        update_case_message(client, case, _routing(settings))
    typer.echo(message("triage.cli_assigned", CLI_LANGUAGE, id=case_id, assignee=to))


def _answer_text(text: str | None) -> str:
    if text is None:
        text = sys.stdin.read()
    if not text.strip():
        raise _fail(ValueError(message("triage.cli_empty_answer", CLI_LANGUAGE)))
    return text


@app.command()
def answer(
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    text: Annotated[
        str | None, typer.Option(help="Answer text; read from standard input if omitted.")
    ] = None,
    author: Annotated[str, typer.Option(help="Who answers, as stored in the case.")] = "cli",
) -> None:
    """Record a staff answer and post it in the asker's Slack thread when a token is set."""
    settings = _settings()
    store = _store(settings)
    _require(store, case_id)
    answer_text = _answer_text(text)
    try:
        case = store.record_answer(case_id, answer_text, author=author)
    except CaseStateError as error:
        raise _fail(error) from error
    client = _slack_client(settings)
    if client is None:
        reason = message("triage.cli_reason_no_token", CLI_LANGUAGE)
        typer.echo(message("triage.cli_answered_recorded", CLI_LANGUAGE, id=case_id, reason=reason))
        return
    routing = _routing(settings)
    try:
        posted = post_staff_answer(client, case, answer_text, routing)
    except SlackApiError as error:
        reason = error.response.get("error")
        failure = RuntimeError(
            f"case {case_id}: answer stored, but chat.postMessage failed ({reason}); "
            "run the command again to retry"
        )
        raise _fail(failure) from error
    update_case_message(client, case, routing)
    if posted is None:
        reason = message("triage.cli_reason_no_thread", CLI_LANGUAGE)
        typer.echo(message("triage.cli_answered_recorded", CLI_LANGUAGE, id=case_id, reason=reason))
        return
    typer.echo(message("triage.cli_answered_posted", CLI_LANGUAGE, id=case_id))


@app.command()
def close(case_id: Annotated[int, typer.Argument(help="Case id.")]) -> None:
    """Close a case."""
    settings = _settings()
    store = _store(settings)
    _require(store, case_id)
    case = store.close(case_id, actor="cli")
    client = _slack_client(settings)
    if client is not None:
        update_case_message(client, case, _routing(settings))
    typer.echo(message("triage.cli_closed", CLI_LANGUAGE, id=case_id))


def _csv_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _export_row(case: Case) -> dict[str, object]:
    data = case.model_dump(mode="json")
    row: dict[str, object] = {column: data.get(column) for column in EXPORT_COLUMNS}
    row["sources"] = ";".join(citation.document_id for citation in case.sources)
    row["details"] = json.dumps(case.details, ensure_ascii=False)
    return {column: _csv_cell(value) for column, value in row.items()}


def render_export(cases: list[Case], export_format: Literal["csv", "json"]) -> str:
    """Return the cases as CSV or JSON; CSV text cells that start like a formula get a "'"."""
    if export_format == "json":
        return (
            json.dumps(
                [case.model_dump(mode="json") for case in cases], ensure_ascii=False, indent=2
            )
            + "\n"
        )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for case in cases:
        writer.writerow(_export_row(case))
    return buffer.getvalue()


def _write_export(output: Path, text: str) -> None:
    if output.is_dir():
        problem = message("triage.cli_export_output_is_directory", CLI_LANGUAGE, path=output)
        raise _fail(ValueError(problem))
    folder = output.parent
    if not folder.is_dir():
        problem = message(
            "triage.cli_export_output_no_folder", CLI_LANGUAGE, path=output, folder=folder
        )
        raise _fail(ValueError(problem))
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        reason = error.strerror or type(error).__name__
        problem = message(
            "triage.cli_export_output_failed", CLI_LANGUAGE, path=output, reason=reason
        )
        raise _fail(ValueError(problem)) from error


@app.command()
def export(
    export_format: Annotated[
        Literal["csv", "json"], typer.Option("--format", help="csv or json.")
    ] = "csv",
    output: Annotated[
        Path | None, typer.Option(help="File to write; standard output if omitted.")
    ] = None,
    status: Annotated[CaseStatus | None, typer.Option(help="Only cases with this status.")] = None,
    topic: Annotated[str | None, typer.Option(help="Only cases with this topic id.")] = None,
) -> None:
    """Export cases for reporting, with every stored field."""
    cases = _store(_settings()).list_cases(status=status, topic=topic)
    text = render_export(cases, export_format)
    if output is None:
        typer.echo(text, nl=False)
        return
    _write_export(output, text)
    typer.echo(
        message("triage.cli_exported", CLI_LANGUAGE, count=len(cases), path=output), err=True
    )


@app.command()
def promote(
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    question_nb: Annotated[
        str | None, typer.Option(help="The question in bokmål, as the FAQ heading.")
    ] = None,
    question_en: Annotated[
        str | None, typer.Option(help="The question in English, as the FAQ heading.")
    ] = None,
) -> None:
    """Write the case's staff answer as an FAQ document under knowledge/faq/promoted/."""
    settings = _settings()
    store = _store(settings)
    case = _require(store, case_id)
    try:
        path = promote_case(
            case,
            knowledge_dir=settings.knowledge_dir,
            routing=_routing(settings),
            today=settings.current_date(),
            question_nb=question_nb,
            question_en=question_en,
        )
    except PromotionError as error:
        raise _fail(error) from error
    store.add_event(case_id, "promoted", str(path), actor="cli")
    typer.echo(message("triage.promoted", CLI_LANGUAGE, id=case_id, path=path))
