"""Where an answer goes: a message in a thread, or an ephemeral reply via response_url."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.prompts import message
from bot.slack.render import SlackMessage, render_partial
from indexer.models import Language

logger = logging.getLogger(__name__)

# Streamed partial answers update the message at most this often, in seconds, which
# stays within chat.update's rate limit of about one call per second per channel.
PARTIAL_UPDATE_INTERVAL = 1.0


class ReplyTarget(Protocol):
    def show_thinking(self, language: Language) -> None: ...

    def partial(self, text: str) -> None: ...

    def publish(self, reply: SlackMessage) -> str | None: ...


class ThreadReply:
    """A bot message in a thread: a "thinking" placeholder, partial updates, the answer."""

    def __init__(
        self,
        client: WebClient,
        channel: str,
        thread_ts: str,
        language: Language,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.channel = channel
        self.thread_ts = thread_ts
        self.language = language
        self.ts: str | None = None
        self._clock = clock
        self._last_partial = float("-inf")
        self._lock = threading.Lock()

    def show_thinking(self, language: Language) -> None:
        thinking = message("slack.thinking", language)
        response = self.client.chat_postMessage(
            channel=self.channel, thread_ts=self.thread_ts, text=thinking
        )
        self.ts = response.get("ts")

    def partial(self, text: str) -> None:
        with self._lock:
            now = self._clock()
            if now - self._last_partial < PARTIAL_UPDATE_INTERVAL:
                return
            self._last_partial = now
        try:
            self._post_or_update(render_partial(text, self.language))
        except SlackApiError as error:
            logger.warning(
                "partial update failed: channel=%s thread_ts=%s error=%s",
                self.channel,
                self.thread_ts,
                error.response.get("error"),
            )

    def publish(self, reply: SlackMessage) -> str | None:
        return self._post_or_update(reply)

    def _post_or_update(self, reply: SlackMessage) -> str | None:
        if self.ts is not None:
            self.client.chat_update(
                channel=self.channel, ts=self.ts, text=reply.text, blocks=reply.blocks
            )
            return self.ts
        response = self.client.chat_postMessage(
            channel=self.channel, thread_ts=self.thread_ts, text=reply.text, blocks=reply.blocks
        )
        self.ts = response.get("ts")
        return self.ts


class EphemeralReply:
    """An ephemeral reply to a slash command, sent to its response_url."""

    def __init__(self, response_url: str) -> None:
        self.webhook = WebhookClient(response_url)

    def show_thinking(self, language: Language) -> None:
        return  # the slash command's ack already said it is searching

    def partial(self, text: str) -> None:
        return  # a response_url accepts only five posts, so partials are not sent

    def publish(self, reply: SlackMessage) -> str | None:
        response = self.webhook.send(
            text=reply.text,
            blocks=reply.blocks,
            response_type="ephemeral",
            replace_original=True,
        )
        if response.status_code != 200:
            raise SlackApiError(f"response_url returned HTTP {response.status_code}", response)
        return None
