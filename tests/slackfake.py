"""A fake Slack Web API on 127.0.0.1 for tests.

FakeSlack is a small threaded HTTP server. It records every call (method name and
parameters, from form or JSON bodies), answers the Web API methods mpsbot uses, and
accepts posts to ``response_url`` addresses under ``/response/<name>``. Tests point
``Settings.slack_api_url`` at ``FakeSlack.api_url`` and wait for calls with
``wait_for``, which polls with a deadline instead of sleeping.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

BOT_TOKEN = "xoxb-test-bot-token"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0001"
RESPONSE_URL_METHOD = "response_url"

# Parameters that the Slack SDK sends as JSON strings inside form bodies.
_JSON_PARAMS = ("blocks", "attachments", "metadata", "prompts", "view", "loading_messages")


@dataclass(frozen=True)
class RecordedCall:
    """One request the fake received: a Web API method or a response_url post."""

    method: str
    params: dict[str, Any]
    token: str | None = None
    path: str = ""
    # time.monotonic() when the fake received the call.
    received_at: float = field(default_factory=time.monotonic)
    # What the fake answered, such as {"ok": True, "ts": "..."}.
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Failure:
    error: str
    remaining: int | None  # None means every call fails


@dataclass
class FakeSlack:
    """Records Web API calls and answers them like Slack does, with ``ok`` and ``error``."""

    bot_token: str = BOT_TOKEN
    bot_user_id: str = BOT_USER_ID
    bot_id: str = BOT_ID
    team_id: str = TEAM_ID
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Messages returned by conversations.replies, keyed by (channel, thread ts).
    threads: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._calls: list[RecordedCall] = []
        self._failures: dict[str, _Failure] = {}
        self._lock = threading.Lock()
        self._ts_counter = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> FakeSlack:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="fake-slack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """Web API base URL with the trailing slash WebClient expects."""
        return f"{self.base_url}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base_url}/response/{name}"

    # -- control and inspection ------------------------------------------------

    def fail(self, method: str, error: str = "internal_error", times: int | None = None) -> None:
        """Make ``method`` return ``{"ok": false, "error": error}``, ``times`` times or always."""
        with self._lock:
            self._failures[method] = _Failure(error, times)

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        with self._lock:
            return [call for call in self._calls if method is None or call.method == method]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        *,
        where: Callable[[RecordedCall], bool] | None = None,
        timeout: float = 20.0,
    ) -> list[RecordedCall]:
        """Poll until ``count`` calls of ``method`` (matching ``where``) arrived.

        Raises AssertionError naming the calls seen when the deadline passes.
        """
        deadline = time.monotonic() + timeout
        while True:
            matching = [call for call in self.calls(method) if where is None or where(call)]
            if len(matching) >= count:
                return matching
            if time.monotonic() > deadline:
                seen = [call.method for call in self.calls()]
                raise AssertionError(
                    f"expected {count} call(s) of {method}, got {len(matching)} "
                    f"within {timeout} s; calls seen: {seen}"
                )
            time.sleep(0.01)

    # -- request handling ------------------------------------------------------

    def record(self, call: RecordedCall) -> dict[str, Any]:
        with self._lock:
            reply = self._failure_reply(call.method)
            if reply is None:
                reply = self._reply(call)
            self._calls.append(replace(call, response=reply))
        return reply

    def _failure_reply(self, method: str) -> dict[str, Any] | None:
        failure = self._failures.get(method)
        if failure is None:
            return None
        if failure.remaining is not None:
            failure.remaining -= 1
            if failure.remaining <= 0:
                del self._failures[method]
        return {"ok": False, "error": failure.error}

    def _reply(self, call: RecordedCall) -> dict[str, Any]:
        if call.method == RESPONSE_URL_METHOD:
            return {"ok": True}
        if call.method != "auth.test" and call.token != self.bot_token:
            return {"ok": False, "error": "invalid_auth"}
        return self._answer(call)

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts_counter):06d}"

    def _answer(self, call: RecordedCall) -> dict[str, Any]:
        params = call.params
        method = call.method
        if method == "auth.test":
            if call.token != self.bot_token:
                return {"ok": False, "error": "invalid_auth"}
            return {
                "ok": True,
                "url": "https://fake.slack.test/",
                "team": "Fake",
                "team_id": self.team_id,
                "user": "mpsbot",
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
            }
        if method == "chat.postMessage":
            ts = self._next_ts()
            message = {"ts": ts, "text": params.get("text", ""), "bot_id": self.bot_id}
            return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "chat.getPermalink":
            channel, ts = params.get("channel"), str(params.get("message_ts", ""))
            link = f"https://fake.slack.test/archives/{channel}/p{ts.replace('.', '')}"
            return {"ok": True, "channel": channel, "permalink": link}
        if method in ("views.open", "views.update", "views.push"):
            return {"ok": True, "view": {"id": "V0001", "hash": "h1"}}
        if method == "users.info":
            user_id = str(params.get("user"))
            user = self.users.get(user_id, {"id": user_id, "name": user_id.lower()})
            return {"ok": True, "user": user}
        if method == "conversations.replies":
            key = (str(params.get("channel")), str(params.get("ts")))
            return {"ok": True, "messages": self.threads.get(key, []), "has_more": False}
        return {"ok": True}


def _decode_params(content_type: str, raw: bytes) -> dict[str, Any]:
    text = raw.decode("utf-8")
    if "application/json" in content_type:
        decoded = json.loads(text) if text else {}
        return decoded if isinstance(decoded, dict) else {"body": decoded}
    params: dict[str, Any] = dict(parse_qsl(text, keep_blank_values=True))
    for name in _JSON_PARAMS:
        value = params.get(name)
        if isinstance(value, str) and value[:1] in "[{":
            params[name] = json.loads(value)
    return params


def _make_handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            params = _decode_params(self.headers.get("Content-Type", ""), self.rfile.read(length))
            if self.path.startswith("/response/"):
                method = RESPONSE_URL_METHOD
            elif self.path.startswith("/api/"):
                method = self.path.removeprefix("/api/").split("?")[0]
            else:
                self.send_error(404, f"unknown path {self.path}")
                return
            authorization = self.headers.get("Authorization", "")
            token = authorization.removeprefix("Bearer ") or params.pop("token", None)
            reply = fake.record(RecordedCall(method, params, token, self.path))
            body = json.dumps(reply).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
