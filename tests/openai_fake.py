"""A fake OpenAI-compatible chat-completions server on 127.0.0.1 for tests.

FakeOpenAI answers ``POST /v1/chat/completions`` and records every request. Each
request takes the next scripted ``Reply`` from the queue; when the queue is empty
the ``default`` responder decides. A reply is sent as server-sent events when the
request asks for ``stream: true``. ``answer_from_sources`` is a responder that
quotes the numbered source sentences that best match the question, for golden-set
runs without a model.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bot.compose import answer_type
from bot.sentences import content_tokens, split_sentences

_SOURCE = re.compile(
    r'<source n="(\d+)" title="[^"]*" language="(\w+)">\n(.*?)\n</source>', re.DOTALL
)
_QUESTION = re.compile(r"<question>\n(.*?)\n</question>", re.DOTALL)


@dataclass(frozen=True)
class ChatRequest:
    """One request the fake received."""

    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def messages(self) -> list[dict[str, str]]:
        return list(self.body.get("messages", []))

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    def prompt(self) -> str:
        """Return the text of every message, joined."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


@dataclass(frozen=True)
class Reply:
    """What the fake sends for one request."""

    text: str = ""
    status: int = 200
    # Seconds to wait before sending anything, to run past the client's timeout.
    delay_seconds: float = 0.0
    # Characters per streamed delta when the request asks for a stream.
    stream_piece_chars: int = 12
    # Seconds to stall after the first streamed delta, to time out mid-stream.
    stream_stall_seconds: float = 0.0


Responder = Callable[[ChatRequest], Reply]


@dataclass
class FakeOpenAI:
    """The fake server; use as a context manager or call start() and stop()."""

    default: Responder = field(default=lambda request: Reply("Ingen svar er satt opp [1]."))
    requests: list[ChatRequest] = field(default_factory=list)
    _queue: deque[Reply] = field(default_factory=deque)
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeOpenAI is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def script(self, *replies: Reply) -> None:
        """Queue replies for the next requests, in order."""
        self._queue.extend(replies)

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def next_reply(self, request: ChatRequest) -> Reply:
        self.requests.append(request)
        return self._queue.popleft() if self._queue else self.default(request)


class _Handler(BaseHTTPRequestHandler):
    owner: FakeOpenAI

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})
            return
        request = ChatRequest(body=body, headers={k.lower(): v for k, v in self.headers.items()})
        reply = self.owner.next_reply(request)
        if reply.delay_seconds:
            time.sleep(reply.delay_seconds)
        if reply.status != 200:
            error = {"message": f"scripted status {reply.status}", "type": "server_error"}
            self._send_json(reply.status, {"error": error})
        elif request.stream:
            self._send_stream(reply, str(body.get("model", "")))
        else:
            self._send_json(200, _completion(reply.text, str(body.get("model", ""))))

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_stream(self, reply: Reply, model: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        size = max(1, reply.stream_piece_chars)
        pieces = [reply.text[i : i + size] for i in range(0, len(reply.text), size)]
        for index, piece in enumerate(pieces):
            self._write_event(_chunk(model, {"content": piece}, None))
            if index == 0 and reply.stream_stall_seconds:
                time.sleep(reply.stream_stall_seconds)
        self._write_event(_chunk(model, {}, "stop"))
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _write_event(self, payload: dict[str, Any]) -> None:
        self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
        self.wfile.flush()


def _completion(text: str, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(model: str, delta: dict[str, str], finish_reason: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def prompt_sources(request: ChatRequest) -> list[tuple[int, str, str]]:
    """Return (n, language, text) for every source in the request's prompt."""
    return [(int(n), lang, text) for n, lang, text in _SOURCE.findall(request.prompt())]


def prompt_question(request: ChatRequest) -> str:
    match = _QUESTION.search(request.prompt())
    return match.group(1) if match else ""


_CUES = {
    "date": re.compile(r"\b(?:19|20)\d{2}\b|\b\d{1,2}\.\s*\w+\b"),
    "number": re.compile(r"\d"),
}


def answer_from_sources(request: ChatRequest, max_sentences: int = 3) -> Reply:
    """Quote the source sentences that share the most content tokens with the question.

    Only sources in the language the prompt asks for are quoted when there are any.
    A sentence with a date or number scores higher when the question asks for one.
    The reply cites each quoted sentence with its source number.
    """
    language = "nb" if "Svar på norsk bokmål" in request.prompt() else "en"
    question = prompt_question(request)
    wanted = content_tokens(question)
    cue = _CUES.get(answer_type(question))
    sources = prompt_sources(request)
    same_language = [source for source in sources if source[1] == language]
    scored: list[tuple[float, int, str]] = []
    for n, _, text in same_language or sources:
        for sentence in (s.text for s in split_sentences(text)):
            overlap = len(wanted & content_tokens(sentence))
            if overlap:
                bonus = 1.0 if cue and cue.search(sentence) else 0.0
                scored.append((overlap + bonus - 0.01 * n, n, sentence))
    scored.sort(key=lambda item: item[0], reverse=True)
    chosen = scored[:max_sentences]
    if not chosen:
        if language == "nb":
            return Reply("Jeg vet ikke. Kildene svarer ikke på dette.")
        return Reply("I don't know. The sources do not answer this.")
    parts = []
    for _, n, sentence in chosen:
        ending = "" if sentence.endswith((".", "!", "…")) else "."
        parts.append(f"{sentence}{ending} [{n}]")
    return Reply(" ".join(parts))
