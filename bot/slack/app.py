"""Build the Bolt app: start-up checks, listeners for questions and answer buttons."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from slack_bolt import App, Assistant
from slack_sdk import WebClient

from bot.models import Answerer
from bot.routing import Routing
from bot.settings import Settings
from bot.slack.actions import AnswerActions
from bot.slack.answering import SlackAnswerer
from bot.slack.dedupe import SeenKeys, SkipRepeatedEvents
from bot.slack.events import QuestionListeners
from bot.slack.startup import BotIdentity, authenticate, bot_token, check_transport_settings
from bot.slack.workers import TrackedExecutor
from bot.triage.slack import register_triage_handlers
from bot.triage.store import CaseStore

logger = logging.getLogger(__name__)

SLASH_COMMAND = "/mps"
# Listeners only acknowledge, post a placeholder and queue the answer, so a few
# threads keep up; the answers themselves run on the answer pool.
LISTENER_THREADS = 8


def _register_assistant(app: App, listeners: QuestionListeners) -> None:
    # Assistant threads live in the bot's DM; the middleware claims their messages
    # before the plain "message" listener sees them.
    assistant = Assistant()
    assistant.thread_started(listeners.on_assistant_started)
    assistant.thread_context_changed(listeners.on_assistant_context_changed)
    assistant.user_message(listeners.on_assistant_message)
    app.assistant(assistant)


@dataclass(frozen=True)
class SlackBot:
    """The Bolt app with the thread pools behind it."""

    app: App
    identity: BotIdentity
    listener_pool: TrackedExecutor
    answerer: SlackAnswerer

    def drain(self, timeout: float = 60.0) -> bool:
        """Wait until every received request was handled and every answer posted.

        Returns False when work is still pending after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        # A listener queues its answer before it finishes, so once the listener pool
        # is idle the answer pool contains all remaining work.
        if not self.listener_pool.wait_idle(timeout):
            return False
        return self.answerer.pool.wait_idle(max(deadline - time.monotonic(), 0.0))


def build_app(
    settings: Settings,
    service: Answerer,
    store: CaseStore,
    routing: Routing,
    *,
    client: WebClient | None = None,
) -> App:
    """Check the Slack settings and token, then build the app with all listeners.

    Raises SlackSetupError naming the setting to fix when a token is missing or
    rejected, or when the Web API at ``settings.slack_api_url`` cannot be reached.
    """
    return build_bot(settings, service, store, routing, client=client).app


def build_bot(
    settings: Settings,
    service: Answerer,
    store: CaseStore,
    routing: Routing,
    *,
    client: WebClient | None = None,
) -> SlackBot:
    """Build the app like ``build_app`` and return it with its thread pools."""
    token = bot_token(settings)
    check_transport_settings(settings)
    client = client or WebClient(token=token, base_url=settings.slack_api_url)
    identity = authenticate(client, settings.slack_api_url)

    secret = settings.slack_signing_secret
    listener_pool = TrackedExecutor(LISTENER_THREADS, thread_name_prefix="mpsbot-listener")
    app = App(
        client=client,
        listener_executor=listener_pool,
        signing_secret=secret.get_secret_value() if secret else "",
        # authenticate() above already called auth.test with a clearer error.
        token_verification_enabled=False,
        # Socket Mode without a signing secret receives no HTTP requests to verify.
        request_verification_enabled=secret is not None,
    )

    seen = SeenKeys()
    app.use(SkipRepeatedEvents(seen))
    answerer = SlackAnswerer(
        settings=settings, service=service, store=store, routing=routing, client=client
    )
    listeners = QuestionListeners(answerer=answerer, identity=identity, seen=seen, client=client)
    # Triage listeners go first: they match specific messages before the catch-all.
    register_triage_handlers(app, settings=settings, store=store, service=service, routing=routing)
    _register_assistant(app, listeners)
    app.event("app_mention")(listeners.on_mention)
    app.event("message")(listeners.on_message)
    app.command(SLASH_COMMAND)(listeners.on_command)

    actions = AnswerActions(settings=settings, store=store, routing=routing, client=client)
    app.action("answer_feedback_up")(actions.on_feedback_up)
    app.action("answer_feedback_down")(actions.on_feedback_down)
    app.action("answer_escalate")(actions.on_escalate)
    app.action("answer_share")(actions.on_share)
    return SlackBot(app, identity, listener_pool, answerer)
