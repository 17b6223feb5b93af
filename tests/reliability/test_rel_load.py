"""Load: many users asking at once through a real Bolt app in HTTP mode.

Every question must be answered exactly once, and every event POST must be
acknowledged before Slack's 3-second timeout. The figures (ack latency, RSS) are
printed on one line starting with "load figures:" so `pytest -s` shows them.
"""

from __future__ import annotations

import json
import socket
import statistics
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psutil
import pytest
import yaml
from rel_support import REPO_ROOT, slack_settings_for
from slack_fixtures import answer_posts, event_body, mention_event, serve_http, signed_headers
from slackfake import FakeSlack

from bot.prompts import message
from bot.routing import Routing
from bot.service import AnswerService
from bot.settings import Settings
from bot.slack.app import SlackBot, build_bot
from bot.triage.store import CaseStore
from indexer.config import IndexConfig

# Slack drops the connection and retries when an event is not acknowledged in 3 s.
SLACK_ACK_TIMEOUT = 3.0
USERS = 20
CHANNELS = 5
# Every RETRY_EVERY-th question is sent a second time as a Slack retry of the same event.
RETRY_EVERY = 10


def golden_questions() -> list[str]:
    questions: list[str] = []
    for path in sorted((REPO_ROOT / "tests" / "golden").glob("questions-*.yaml")):
        questions += [item["question"] for item in yaml.safe_load(path.read_text("utf-8"))]
    return questions


@dataclass(frozen=True)
class Ack:
    """The app's HTTP response to one event POST and how long it took."""

    status: int | None
    seconds: float
    timed_out: bool
    # A connection refused or reset, which Slack would also count as not delivered.
    error: str | None = None


def post_event(url: str, body: dict[str, object], retry: int = 0) -> Ack:
    data = json.dumps(body)
    headers = signed_headers(data, "application/json")
    if retry:
        headers |= {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"}
    request = urllib.request.Request(url, data=data.encode(), headers=headers, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=SLACK_ACK_TIMEOUT) as response:
            status: int | None = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except TimeoutError:
        return Ack(None, time.perf_counter() - started, timed_out=True)
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            return Ack(None, time.perf_counter() - started, timed_out=True)
        return Ack(None, time.perf_counter() - started, False, str(error.reason))
    except ConnectionError as error:
        return Ack(None, time.perf_counter() - started, False, repr(error))
    return Ack(status, time.perf_counter() - started, timed_out=False)


@pytest.fixture
def load_bot(
    fake_slack: FakeSlack,
    built_index_config: IndexConfig,
    routing: Routing,
    store: CaseStore,
) -> Iterator[tuple[SlackBot, str]]:
    settings: Settings = slack_settings_for(fake_slack, built_index_config)
    service = AnswerService(settings, routing=routing)
    service.answer("Hva står CIPS for?")  # load the model and the index before measuring
    bot = build_bot(settings, service, store, routing)
    with serve_http(bot.app) as url:
        yield bot, url
    bot.drain()


def thread_of_answer(fake: FakeSlack) -> Counter[tuple[str, str]]:
    """Count rendered answers per (channel, question thread).

    The bot posts a placeholder in the thread and fills it with chat.update, so an
    update is traced back to its thread through the placeholder's ts.
    """
    placeholder_thread = {
        (call.params.get("channel"), call.response.get("ts")): call.params.get("thread_ts")
        for call in fake.calls("chat.postMessage")
        if call.params.get("thread_ts")
    }
    answered: Counter[tuple[str, str]] = Counter()
    for call in answer_posts(fake):
        channel = str(call.params.get("channel"))
        if call.method == "chat.update":
            thread = placeholder_thread.get((channel, call.params.get("ts")))
        else:
            thread = call.params.get("thread_ts")
        answered[(channel, str(thread))] += 1
    return answered


def run_load(bot: SlackBot, url: str, fake: FakeSlack, questions: int) -> dict[str, float]:
    pool = golden_questions()
    events = [
        mention_event(
            pool[number % len(pool)],
            channel=f"CLOAD{number % CHANNELS}",
            user=f"ULOAD{number % USERS:02d}",
        )
        for number in range(questions)
    ]
    bodies = [event_body(event) for event in events]
    jobs = [(body, 0) for body in bodies] + [(body, 1) for body in bodies[::RETRY_EVERY]]

    process = psutil.Process()
    rss_before = process.memory_info().rss
    with ThreadPoolExecutor(max_workers=USERS) as users:
        acks = list(users.map(lambda job: post_event(url, *job), jobs))
    assert bot.drain(timeout=60 + 3 * questions)
    rss_after = process.memory_info().rss

    assert [ack for ack in acks if ack.timed_out] == []
    assert [ack.error for ack in acks if ack.error] == []
    assert {ack.status for ack in acks} == {200}
    answered = thread_of_answer(fake)
    expected = {(event["channel"], event["ts"]) for event in events}
    assert set(answered) == expected
    assert [thread for thread, count in answered.items() if count != 1] == []
    apology = {message("slack.apology", "nb"), message("slack.apology", "en")}
    apologies = [call for call in fake.calls() if call.params.get("text") in apology]
    assert apologies == []

    seconds = [ack.seconds for ack in acks]
    figures = {
        "questions": questions,
        "requests": len(acks),
        "users": USERS,
        "answered_once": sum(1 for count in answered.values() if count == 1),
        "ack_max_ms": round(1000 * max(seconds), 1),
        "ack_median_ms": round(1000 * statistics.median(seconds), 1),
        "rss_before_mb": round(rss_before / 2**20, 1),
        "rss_after_mb": round(rss_after / 2**20, 1),
    }
    print("load figures:", json.dumps(figures))
    return figures


def test_load_40_questions(load_bot: tuple[SlackBot, str], fake_slack: FakeSlack) -> None:
    bot, url = load_bot
    figures = run_load(bot, url, fake_slack, 40)
    # A leak of a few MB per question would show here; the model and index are loaded.
    assert figures["rss_after_mb"] - figures["rss_before_mb"] < 400


@pytest.mark.slow
def test_load_200_questions(load_bot: tuple[SlackBot, str], fake_slack: FakeSlack) -> None:
    bot, url = load_bot
    figures = run_load(bot, url, fake_slack, 200)
    assert figures["rss_after_mb"] - figures["rss_before_mb"] < 400


def test_golden_questions_loaded() -> None:
    assert len(golden_questions()) >= 40


def test_ack_timeout_detected() -> None:
    """post_event reports a server that never responds as timed out, not as an error."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        ack = post_event(f"http://127.0.0.1:{port}/slack/events", {"type": "event_callback"})
    assert ack.timed_out
