"""Answer one Slack question in the background and post the rendered reply.

The listener acknowledges Slack first and then calls ``SlackAnswerer.submit``, which
shows a "thinking" placeholder and queues the work on a pool of
``settings.max_concurrent_answers`` threads. The queue is unbounded, so a burst of
questions waits instead of being dropped.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.language import detect_language
from bot.models import Answer, Answerer
from bot.prompts import message
from bot.routing import Routing
from bot.settings import Settings
from bot.slack import cases
from bot.slack.render import render_answer, render_notice
from bot.slack.replies import ReplyTarget
from bot.slack.workers import TrackedExecutor
from bot.triage.store import CaseStore
from indexer.models import Audience, Language

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Question:
    """A normalised question and where it came from."""

    text: str
    channel: str
    # Thread the reply goes to; None for slash commands, which reply ephemerally.
    thread_ts: str | None
    user: str | None
    event_id: str | None = None
    # In an AI assistant thread the side panel shows a status while the bot works.
    assistant: bool = False
    # Slash-command replies are ephemeral, so they echo the question and offer sharing.
    ephemeral: bool = False


PUBLIC: frozenset[Audience] = frozenset({"public"})
STAFF: frozenset[Audience] = frozenset({"public", "internal"})


def is_direct_message(channel: str) -> bool:
    """Return True for a direct-message channel, whose Slack id starts with "D"."""
    return channel.startswith("D")


def audiences_for(settings: Settings, channel: str, user: str | None) -> frozenset[Audience]:
    """Return the audiences a question may draw on, from where it was asked and by whom.

    Internal documents are visible in ``settings.internal_channels`` and in a direct
    message from a user in ``settings.staff_users``; everywhere else only public ones.
    """
    if channel in settings.internal_channels:
        return STAFF
    if is_direct_message(channel) and user is not None and user in settings.staff_users:
        return STAFF
    return PUBLIC


class SlackAnswerer:
    """Runs questions through the answering service on a bounded pool of threads."""

    def __init__(
        self,
        *,
        settings: Settings,
        service: Answerer,
        store: CaseStore,
        routing: Routing,
        client: WebClient,
    ) -> None:
        self.settings = settings
        self.service = service
        self.store = store
        self.routing = routing
        self.client = client
        self.pool = TrackedExecutor(
            max_workers=settings.max_concurrent_answers, thread_name_prefix="mpsbot-answer"
        )

    def submit(self, question: Question, target: ReplyTarget) -> Future[None]:
        """Show that the bot is working, then queue the answer; returns at once."""
        language = detect_language(question.text)
        if question.assistant:
            self._set_status(question, language)
        else:
            try:
                target.show_thinking(language)
            except SlackApiError as error:
                logger.warning(
                    "placeholder not posted: channel=%s thread_ts=%s error=%s",
                    question.channel,
                    question.thread_ts,
                    error.response.get("error"),
                )
        return self.pool.submit(self._answer, question, target, language)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True)

    def _set_status(self, question: Question, language: Language) -> None:
        try:
            self.client.assistant_threads_setStatus(
                channel_id=question.channel,
                thread_ts=question.thread_ts or "",
                status=message("slack.thinking", language),
            )
        except SlackApiError as error:
            # A DM thread that is not an assistant thread has no status to set.
            logger.debug("status not set: %s", error.response.get("error"))

    def _answer(self, question: Question, target: ReplyTarget, language: Language) -> None:
        try:
            self._answer_and_post(question, target)
        except Exception:
            # The boundary of a background job: log with ids and tell the asker.
            logger.exception(
                "answering failed: channel=%s thread_ts=%s event_id=%s",
                question.channel,
                question.thread_ts,
                question.event_id,
            )
            self._apologise(question, target, language)

    def _answer_and_post(self, question: Question, target: ReplyTarget) -> None:
        history: list[str] = []
        if question.thread_ts:
            history = self.store.thread_questions(question.channel, question.thread_ts)
        audiences = audiences_for(self.settings, question.channel, question.user)
        answer = self.service.answer(
            question.text,
            audiences=audiences,
            history=history,
            channel=question.channel,
            on_partial=target.partial,
        )
        reply_id = self.store.save_reply(
            question=question.text,
            answer=answer,
            channel=question.channel,
            thread_ts=question.thread_ts,
            asker=question.user,
        )
        rendered = render_answer(
            answer,
            reply_id=reply_id,
            today=self.settings.current_date(),
            share=question.ephemeral,
            question=question.text if question.ephemeral else None,
        )
        message_ts = target.publish(rendered)
        if message_ts is not None:
            self.store.set_reply_ts(reply_id, message_ts)
        logger.info(
            "posted answer: channel=%s thread_ts=%s answered=%s citations=%d",
            question.channel,
            question.thread_ts,
            answer.answered,
            len(answer.citations),
        )
        if not answer.answered and question.text.strip():
            self._open_refusal(question, answer, message_ts, audiences)

    def _open_refusal(
        self,
        question: Question,
        answer: Answer,
        message_ts: str | None,
        audiences: frozenset[Audience],
    ) -> None:
        try:
            cases.open_refusal(
                self.client,
                self.store,
                self.routing,
                question=question.text,
                answer=answer,
                asker=question.user,
                channel=question.channel,
                thread_ts=question.thread_ts,
                message_ts=message_ts,
                asker_audiences=audiences,
            )
        except (SlackApiError, OSError, ValueError) as error:
            logger.error(
                "refusal case not opened: channel=%s thread_ts=%s error=%s",
                question.channel,
                question.thread_ts,
                error,
            )

    def _apologise(self, question: Question, target: ReplyTarget, language: Language) -> None:
        try:
            target.publish(render_notice("apology", language))
        except (SlackApiError, OSError) as error:
            logger.error(
                "apology not posted: channel=%s thread_ts=%s event_id=%s error=%s",
                question.channel,
                question.thread_ts,
                question.event_id,
                error,
            )
