"""Listeners for questions: mentions, direct messages, assistant threads and ``/mps``."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, Say, SetSuggestedPrompts
from slack_sdk import WebClient

from bot.language import detect_language
from bot.prompts import LANGUAGES, message
from bot.slack.answering import Question, SlackAnswerer
from bot.slack.dedupe import SeenKeys, message_key
from bot.slack.normalize import normalize_text
from bot.slack.replies import EphemeralReply, ThreadReply
from bot.slack.startup import BotIdentity

logger = logging.getLogger(__name__)

# Message subtypes written by a person asking something. Edits (message_changed),
# deletions, joins, bot messages and the like are never answered.
ANSWERED_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


def is_person_asking(event: dict[str, Any], identity: BotIdentity) -> bool:
    if event.get("subtype") not in ANSWERED_SUBTYPES:
        return False
    if event.get("bot_id") or event.get("bot_profile"):
        return False
    user = event.get("user")
    return isinstance(user, str) and bool(user) and user != identity.user_id


class QuestionListeners:
    """Turns Slack events and commands into Questions for the SlackAnswerer."""

    def __init__(
        self,
        *,
        answerer: SlackAnswerer,
        identity: BotIdentity,
        seen: SeenKeys,
        client: WebClient,
    ) -> None:
        self.answerer = answerer
        self.identity = identity
        self.seen = seen
        self.client = client
        self._own_mention = re.compile(rf"<@{re.escape(identity.user_id)}(\|[^>]*)?>")

    def on_mention(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        self._ask(event, body)

    def on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("channel_type") == "im":
            self._ask(event, body)
        elif self._own_mention.search(event.get("text") or ""):
            # The twin of an app_mention event; whichever arrives first is answered.
            self._ask(event, body)

    def on_assistant_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        self._ask(event, body, assistant=True)

    def on_assistant_started(self, say: Say, set_suggested_prompts: SetSuggestedPrompts) -> None:
        say("\n\n".join(message("slack.assistant_greeting", language) for language in LANGUAGES))
        prompts = [
            {"title": text, "message": text}
            for language in LANGUAGES
            for text in (
                message("slack.prompt_cips", language),
                message("slack.prompt_transfer", language),
            )
        ]
        set_suggested_prompts(prompts=prompts, title=message("slack.suggested_prompts_title", "nb"))

    def on_assistant_context_changed(self) -> None:
        return  # the bot does not use the channel the user is looking at

    def on_command(self, ack: Ack, command: dict[str, Any]) -> None:
        text = normalize_text(command.get("text") or "", self.identity.user_id)
        ack(text=message("slack.thinking", detect_language(text)), response_type="ephemeral")
        question = Question(
            text=text,
            channel=command["channel_id"],
            thread_ts=None,
            user=command.get("user_id"),
            ephemeral=True,
        )
        self.answerer.submit(question, EphemeralReply(command["response_url"]))

    def _ask(self, event: dict[str, Any], body: dict[str, Any], assistant: bool = False) -> None:
        if not is_person_asking(event, self.identity):
            return
        channel, ts = event["channel"], event["ts"]
        if not self.seen.first_time(message_key(channel, ts)):
            logger.debug("skipped message already answered: channel=%s ts=%s", channel, ts)
            return
        text = normalize_text(event.get("text") or "", self.identity.user_id)
        thread_ts = event.get("thread_ts") or ts
        question = Question(
            text=text,
            channel=channel,
            thread_ts=thread_ts,
            user=event.get("user"),
            event_id=body.get("event_id"),
            assistant=assistant,
        )
        target = ThreadReply(self.client, channel, thread_ts, detect_language(text))
        self.answerer.submit(question, target)
