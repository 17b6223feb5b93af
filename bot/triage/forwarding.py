"""Recognise a message a staff member forwards to the bot and find the original question.

A direct message to the bot from a user in ``settings.staff_users`` is a forward in
two cases. Either it shares a message, which Slack's "Share message" puts in an
attachment with ``is_share`` or ``is_msg_unfurl``. Or its text contains a Slack
message link (``https://<workspace>.slack.com/archives/<channel>/p<digits>``). Any
other direct message from staff is an ordinary question for the bot.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pydantic import BaseModel, ConfigDict
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)

_MESSAGE_LINK = re.compile(
    r"https://[\w.-]+/archives/(?P<channel>[A-Z0-9]+)/p(?P<digits>\d{16})"
    r"(?:\?[^\s|>]*?thread_ts=(?P<thread_ts>\d+\.\d+))?"
)


class SharedMessage(BaseModel):
    """The original message a staff member forwarded, as far as it is known."""

    model_config = ConfigDict(frozen=True)

    text: str | None = None
    author: str | None = None
    channel: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    permalink: str | None = None


def _share_attachment(event: dict[str, Any]) -> dict[str, Any] | None:
    for attachment in event.get("attachments") or ():
        if attachment.get("is_share") or attachment.get("is_msg_unfurl"):
            return dict(attachment)
    return None


def is_forward(event: dict[str, Any], staff_users: list[str]) -> bool:
    """Return whether ``event`` is a staff member's direct message forwarding a message."""
    if event.get("type") != "message" or event.get("channel_type") != "im":
        return False
    if event.get("bot_id") or event.get("subtype") not in (None, "file_share"):
        return False
    if event.get("user") not in staff_users:
        return False
    return _share_attachment(event) is not None or bool(_MESSAGE_LINK.search(event.get("text", "")))


def shared_message(event: dict[str, Any]) -> SharedMessage:
    """Return the fields of the forwarded message that the event itself contains."""
    attachment = _share_attachment(event)
    if attachment is not None:
        return SharedMessage(
            text=attachment.get("text") or None,
            author=attachment.get("author_id"),
            channel=attachment.get("channel_id"),
            ts=attachment.get("ts"),
            thread_ts=attachment.get("thread_ts") or attachment.get("ts"),
            permalink=attachment.get("from_url") or attachment.get("original_url"),
        )
    match = _MESSAGE_LINK.search(event.get("text", ""))
    if match is None:
        return SharedMessage()
    digits = match["digits"]
    ts = f"{digits[:10]}.{digits[10:]}"
    return SharedMessage(
        channel=match["channel"], ts=ts, thread_ts=match["thread_ts"] or ts, permalink=match[0]
    )


def fetch_original(client: WebClient, shared: SharedMessage) -> SharedMessage:
    """Fill in the text and author of a linked message with conversations.replies.

    Returns ``shared`` unchanged when the text is already known or Slack refuses, for
    example because the bot is not in that channel.
    """
    if shared.text or not shared.channel or not shared.ts:
        return shared
    try:
        response = client.conversations_replies(
            channel=shared.channel, ts=shared.ts, latest=shared.ts, inclusive=True, limit=1
        )
    except SlackApiError as error:
        logger.warning(
            "conversations.replies failed for forwarded message in %s: %s",
            shared.channel,
            error.response.get("error"),
        )
        return shared
    for item in response.get("messages") or ():
        if item.get("ts") == shared.ts:
            return shared.model_copy(
                update={
                    "text": item.get("text") or None,
                    "author": item.get("user"),
                    "thread_ts": item.get("thread_ts") or shared.thread_ts,
                }
            )
    return shared
