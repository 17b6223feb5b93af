"""``mpsbot serve slack``: run the Slack bot over Socket Mode or HTTP.

``app`` is the ``serve`` command group; ``bot.cli`` mounts it as ``mpsbot serve``.
"""

from __future__ import annotations

import logging
from typing import Annotated, Literal

import typer
from pydantic import ValidationError

from bot.logs import configure_logging
from bot.prompts import message
from bot.routing import RoutingError, load_routing
from bot.service import AnswerService
from bot.settings import Settings
from bot.slack.app import build_app
from bot.slack.server import serve_http, serve_socket_mode
from bot.slack.startup import SlackSetupError, bot_token, check_transport_settings
from bot.triage.store import CaseStore
from indexer.errors import IndexerError

logger = logging.getLogger(__name__)

app = typer.Typer(
    name="serve", help="Run a front end as a long-lived service.", no_args_is_help=True
)

# Operator-facing messages are printed in English, like the rest of the CLI.
CLI_LANGUAGE: Literal["en"] = "en"
EXIT_SETUP_ERROR = 1

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000


@app.callback()
def serve() -> None:
    """Run a front end as a long-lived service."""
    # A callback keeps "slack" a sub-command even while it is the only one.


def _fail(error: Exception) -> typer.Exit:
    typer.echo(message("slack.serve_failed", CLI_LANGUAGE, error=error), err=True)
    return typer.Exit(EXIT_SETUP_ERROR)


@app.command("slack")
def slack(
    host: Annotated[
        str, typer.Option(help="Address the HTTP server binds to (HTTP mode only).")
    ] = DEFAULT_HOST,
    port: Annotated[
        int, typer.Option(help="TCP port of the HTTP server (HTTP mode only).", min=0, max=65535)
    ] = DEFAULT_PORT,
) -> None:
    """Answer questions in Slack: Socket Mode when MPSBOT_SLACK_APP_TOKEN is set, else HTTP.

    In HTTP mode Slack sends events, the /mps command and button clicks to
    http://HOST:PORT/slack/events.
    """
    try:
        settings = Settings()
        configure_logging(settings.log_level or "INFO")
        # Cheap checks first, so a missing token fails before the model loads.
        bot_token(settings)
        check_transport_settings(settings)
        routing = load_routing(settings.resolved_routing_file())
        # One service per process: the embedding model and index load here, once.
        service = AnswerService(settings, routing=routing)
        service.ensure_index()
        _ = service.searcher
        store = CaseStore.for_settings(settings)
        slack_app = build_app(settings, service, store, routing)
    except (SlackSetupError, RoutingError, IndexerError, ValidationError, ValueError) as error:
        raise _fail(error) from error
    if settings.slack_app_token is not None:
        serve_socket_mode(slack_app, settings.slack_app_token.get_secret_value())
    else:
        serve_http(slack_app, host=host, port=port)
