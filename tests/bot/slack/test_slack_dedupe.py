"""Tests for bot.slack.dedupe.SeenKeys."""

from __future__ import annotations

from bot.slack.dedupe import SeenKeys, message_key


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_seen_keys_first_time_only() -> None:
    seen = SeenKeys()
    assert seen.first_time("event:Ev1") is True
    assert seen.first_time("event:Ev1") is False
    assert seen.first_time("event:Ev2") is True


def test_seen_keys_forget_after_ttl() -> None:
    clock = FakeClock()
    seen = SeenKeys(ttl_seconds=10, clock=clock)
    seen.first_time("a")
    clock.now = 11
    assert seen.first_time("a") is True


def test_seen_keys_bounded() -> None:
    seen = SeenKeys(max_keys=2)
    for key in ("a", "b", "c"):
        seen.first_time(key)
    assert seen.first_time("a") is True
    assert seen.first_time("c") is False


def test_message_key_format() -> None:
    assert message_key("C1", "1.2") == "message:C1:1.2"
