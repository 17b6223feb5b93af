"""Pytest fixtures and helpers for Slack tests: the fake Web API, signed requests, payloads.

Import what a test module needs, for example
``from slack_fixtures import fake_slack, HttpSender, mention_event`` (the tests
directory is on sys.path because tests/conftest.py lives there). A sender
sends one payload the way Slack would. ``HttpSender`` posts it, signed, to an app
served over HTTP. ``DispatchSender`` hands it to ``App.dispatch``, either as a signed
HTTP-mode request or as a Socket Mode request (no signature, body as a dict).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest
from slackfake import (
    BOT_TOKEN,
    BOT_USER_ID,
    RESPONSE_URL_METHOD,
    TEAM_ID,
    FakeSlack,
    RecordedCall,
)

SIGNING_SECRET = "test-signing-secret"
APP_TOKEN = "xapp-test-app-token"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_event_counter = itertools.count(1)
_ts_counter = itertools.count(1)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    try:
        yield fake
    finally:
        fake.stop()


# -- signing ----------------------------------------------------------------------


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    body: str,
    content_type: str,
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> dict[str, str]:
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": str(stamp),
        "x-slack-signature": sign(body, stamp, secret),
    }


# -- payload builders -------------------------------------------------------------


def next_ts() -> str:
    return f"1690000000.{next(_ts_counter):06d}"


def event_body(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    """Wrap ``event`` in an Events API envelope with a fresh or given event_id."""
    return {
        "token": "unused",
        "team_id": TEAM_ID,
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_event_counter):06d}",
        "event_time": 1690000000,
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        "event": event,
    }


def mention_event(
    text: str,
    *,
    channel: str = "C0001",
    user: str = "U0001",
    ts: str | None = None,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "channel": channel,
        "ts": ts or next_ts(),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message_event(
    text: str,
    *,
    channel: str = "D0001",
    channel_type: str = "im",
    user: str | None = "U0001",
    ts: str | None = None,
    thread_ts: str | None = None,
    subtype: str | None = None,
    bot_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "message",
        "text": text,
        "channel": channel,
        "channel_type": channel_type,
        "ts": ts or next_ts(),
    }
    optional = {"user": user, "thread_ts": thread_ts, "subtype": subtype, "bot_id": bot_id}
    event.update({key: value for key, value in optional.items() if value is not None})
    event.update(extra)
    return event


def command_form(
    text: str,
    *,
    response_url: str,
    channel: str = "C0001",
    user: str = "U0001",
    command: str = "/mps",
) -> dict[str, str]:
    return {
        "token": "unused",
        "team_id": TEAM_ID,
        "channel_id": channel,
        "channel_name": "general",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0001",
        "response_url": response_url,
        "trigger_id": "1337.42.abcd",
    }


def block_action(
    action_id: str,
    value: str,
    *,
    response_url: str,
    channel: str = "C0001",
    user: str = "U0001",
    message_ts: str | None = None,
    thread_ts: str | None = None,
    container_type: Literal["message", "ephemeral"] = "message",
) -> dict[str, Any]:
    ts = message_ts or next_ts()
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": ts,
        "channel_id": channel,
        "is_ephemeral": container_type == "ephemeral",
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": user, "username": user.lower()},
        "api_app_id": "A0001",
        "trigger_id": "1337.42.efgh",
        "container": container,
        "channel": {"id": channel, "name": "general"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "answer_actions",
                "value": value,
                "action_ts": next_ts(),
            }
        ],
    }
    if container_type == "message":
        message: dict[str, Any] = {"type": "message", "ts": ts, "bot_id": "BBOT", "text": ""}
        if thread_ts:
            message["thread_ts"] = thread_ts
        payload["message"] = message
    return payload


# -- senders ----------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """The app's HTTP answer to one request."""

    status: int
    body: str


def _encode(
    kind: Literal["event", "command", "action"], payload: dict[str, Any]
) -> tuple[str, str]:
    if kind == "event":
        return json.dumps(payload), JSON
    if kind == "command":
        return urlencode(payload), FORM
    return urlencode({"payload": json.dumps(payload)}), FORM


class HttpSender:
    """Post signed requests to an app served at ``url`` (``.../slack/events``)."""

    def __init__(self, url: str, secret: str = SIGNING_SECRET) -> None:
        self.url = url
        self.secret = secret

    def send(
        self,
        kind: Literal["event", "command", "action"],
        payload: dict[str, Any],
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> Sent:
        body, content_type = _encode(kind, payload)
        headers = signed_headers(
            body, content_type, secret=secret or self.secret, timestamp=timestamp
        )
        headers.update(extra_headers or {})
        request = urllib.request.Request(
            self.url, data=body.encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Sent(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Sent(error.code, error.read().decode())

    def event(self, event: dict[str, Any], **kwargs: Any) -> Sent:
        return self.send("event", event_body(event), **kwargs)


class DispatchSender:
    """Hand payloads to ``app.dispatch``: signed HTTP mode, or Socket Mode."""

    def __init__(
        self, app: App, mode: Literal["http", "socket_mode"], secret: str = SIGNING_SECRET
    ) -> None:
        self.app = app
        self.mode = mode
        self.secret = secret

    def send(
        self,
        kind: Literal["event", "command", "action"],
        payload: dict[str, Any],
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> Sent:
        if self.mode == "socket_mode":
            request = BoltRequest(body=payload, mode="socket_mode", headers=extra_headers)
        else:
            body, content_type = _encode(kind, payload)
            headers = signed_headers(
                body, content_type, secret=secret or self.secret, timestamp=timestamp
            )
            headers.update(extra_headers or {})
            request = BoltRequest(body=body, headers=dict(headers))
        response = self.app.dispatch(request)
        return Sent(response.status, response.body)

    def event(self, event: dict[str, Any], **kwargs: Any) -> Sent:
        return self.send("event", event_body(event), **kwargs)


# -- reading what the app sent ---------------------------------------------------

ACTIONS_BLOCK_ID = "answer_actions"


def blocks_of(call: RecordedCall) -> list[dict[str, Any]]:
    blocks = call.params.get("blocks")
    return blocks if isinstance(blocks, list) else []


def answer_posts(fake: FakeSlack) -> list[RecordedCall]:
    """Calls that posted or filled in a rendered answer (one with the answer buttons)."""
    return [
        call
        for call in fake.calls()
        if call.method in ("chat.postMessage", "chat.update", RESPONSE_URL_METHOD)
        and any(block.get("block_id") == ACTIONS_BLOCK_ID for block in blocks_of(call))
    ]


def button_values(call: RecordedCall) -> dict[str, str]:
    """Map each answer button's action_id to its value."""
    for block in blocks_of(call):
        if block.get("block_id") == ACTIONS_BLOCK_ID:
            return {element["action_id"]: element["value"] for element in block["elements"]}
    return {}


def all_text(call: RecordedCall) -> str:
    """The fallback text and every mrkdwn text in the blocks, joined by newlines."""
    parts = [str(call.params.get("text", ""))]
    for block in blocks_of(call):
        if isinstance(block.get("text"), dict):
            parts.append(block["text"]["text"])
        for element in block.get("elements", []):
            if element.get("type") == "mrkdwn":
                parts.append(element["text"])
    return "\n".join(parts)


@contextmanager
def serve_http(app: App) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 on a free port; yields the events URL."""
    from bot.slack.server import make_http_server

    server = make_http_server(app, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, name="slack-http", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}/slack/events"
    finally:
        server.shutdown()
        server.server_close()


__all__ = [
    "APP_TOKEN",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "SIGNING_SECRET",
    "DispatchSender",
    "HttpSender",
    "Sent",
    "all_text",
    "answer_posts",
    "block_action",
    "button_values",
    "command_form",
    "event_body",
    "fake_slack",
    "mention_event",
    "message_event",
    "serve_http",
    "signed_headers",
]
