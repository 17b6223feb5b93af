"""Listeners for the buttons under an answer: feedback, "Send to MPS" and sharing."""

from __future__ import annotations

import logging
from typing import Any, Literal

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.prompts import message
from bot.routing import Routing
from bot.settings import Settings
from bot.slack import cases
from bot.slack.answering import audiences_for
from bot.slack.render import render_answer
from bot.triage.records import Reply
from bot.triage.store import CaseStore

logger = logging.getLogger(__name__)


def _action_value(body: dict[str, Any]) -> str:
    return str(body["actions"][0].get("value") or "")


def _user(body: dict[str, Any]) -> str | None:
    return (body.get("user") or {}).get("id")


def _channel(body: dict[str, Any]) -> str | None:
    channel = (body.get("channel") or {}).get("id")
    return channel or (body.get("container") or {}).get("channel_id")


class AnswerActions:
    """Handles clicks on the buttons that render.action_buttons adds."""

    def __init__(
        self, *, settings: Settings, store: CaseStore, routing: Routing, client: WebClient
    ) -> None:
        self.settings = settings
        self.store = store
        self.routing = routing
        self.client = client

    def _reply(self, body: dict[str, Any], respond: Respond) -> Reply | None:
        reply = self.store.get_reply(_action_value(body))
        if reply is None:
            logger.warning("button for unknown reply %r", _action_value(body))
            respond(
                text=message("slack.reply_missing", "nb")
                + "\n"
                + message("slack.reply_missing", "en"),
                response_type="ephemeral",
                replace_original=False,
            )
        return reply

    def _feedback(
        self, body: dict[str, Any], respond: Respond, rating: Literal["up", "down"]
    ) -> None:
        reply = self._reply(body, respond)
        if reply is None:
            return
        self.store.record_feedback(reply_id=reply.id, rating=rating, user=_user(body))
        logger.info("stored %s feedback on reply %s", rating, reply.id)
        respond(
            text=message("slack.feedback_thanks", reply.answer.language),
            response_type="ephemeral",
            replace_original=False,
        )

    def on_feedback_up(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        self._feedback(body, respond, "up")

    def on_feedback_down(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        self._feedback(body, respond, "down")

    def on_escalate(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        reply = self._reply(body, respond)
        if reply is None:
            return
        case = cases.open_escalation(
            self.client,
            self.store,
            self.routing,
            question=reply.question,
            answer=reply.answer,
            asker=reply.asker,
            channel=reply.channel,
            thread_ts=reply.thread_ts,
            message_ts=reply.message_ts,
            escalated_by=_user(body),
            asker_audiences=audiences_for(self.settings, reply.channel or "", reply.asker),
        )
        language = reply.answer.language
        topic = self.routing.find(case.topic)
        if topic is not None:
            text = message("slack.escalated", language, team=topic.team[language], case_id=case.id)
        else:
            text = message("slack.escalated_no_team", language, case_id=case.id)
        if reply.channel and reply.thread_ts:
            self.client.chat_postMessage(
                channel=reply.channel, thread_ts=reply.thread_ts, text=text
            )
        else:
            respond(text=text, response_type="ephemeral", replace_original=False)

    def on_share(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        reply = self._reply(body, respond)
        channel = _channel(body) or (reply.channel if reply else None)
        if reply is None or channel is None:
            return
        rendered = render_answer(
            reply.answer,
            reply_id=reply.id,
            today=self.settings.current_date(),
            question=reply.question,
            shared_by=_user(body),
        )
        response = self.client.chat_postMessage(
            channel=channel, text=rendered.text, blocks=rendered.blocks
        )
        ts = response.get("ts")
        if ts:
            self.store.set_reply_ts(reply.id, ts)
        respond(delete_original=True)
        logger.info("shared reply %s in channel %s", reply.id, channel)
