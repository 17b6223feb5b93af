"""Remember which events and messages were already handled, so none is answered twice.

Slack retries an event when the app does not acknowledge it in time (HTTP mode sets
retry headers, Socket Mode does not), and a mention can arrive both as
``app_mention`` and as ``message``. Keys are ``event:<event_id>`` and
``message:<channel>:<ts>``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

# Slack retries a failed event three times within about an hour.
DEFAULT_TTL_SECONDS = 2 * 60 * 60
DEFAULT_MAX_KEYS = 50_000


class SeenKeys:
    """A thread-safe set of keys that forgets a key after ``ttl_seconds``.

    NOTE: memory only, so a restart forgets what was answered; a retry that arrives
    right after a restart is answered again.
    """

    def __init__(
        self,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_keys: int = DEFAULT_MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max_keys = max_keys
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        """Record ``key``; return True when it was not seen within the TTL."""
        now = self._clock()
        with self._lock:
            self._forget_expired(now)
            if key in self._seen:
                return False
            self._seen[key] = now
            while len(self._seen) > self._max_keys:
                self._seen.popitem(last=False)
            return True

    def _forget_expired(self, now: float) -> None:
        while self._seen:
            key, seen_at = next(iter(self._seen.items()))
            if now - seen_at < self._ttl:
                return
            del self._seen[key]


def message_key(channel: str, ts: str) -> str:
    return f"message:{channel}:{ts}"


class SkipRepeatedEvents(Middleware):
    """Acknowledge an Events API delivery whose ``event_id`` was seen before, and stop."""

    def __init__(self, seen: SeenKeys) -> None:
        self.seen = seen

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], Any]
    ) -> BoltResponse | None:
        event_id = req.body.get("event_id") if req.body.get("type") == "event_callback" else None
        if isinstance(event_id, str) and not self.seen.first_time(f"event:{event_id}"):
            req.context.logger.info("skipped repeated event %s", event_id)
            return BoltResponse(status=200, body="")
        next()
        return resp
