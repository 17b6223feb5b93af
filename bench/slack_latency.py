"""Measure how fast the Slack app acknowledges a mention and posts the answer.

Runs the real app in HTTP mode on 127.0.0.1 against the fake Slack Web API from
tests/slackfake.py, with the real answering service over the index in
MPSBOT_DATA_DIR. For each question it records:

- ack: from sending the signed request until the HTTP response (Slack's limit is 3 s);
- answer: from sending the request until the fake received the final answer.

Prints medians and 95th percentiles as a Markdown table. Build the index first
(`mpsbot index`), then run:

    HF_HUB_OFFLINE=1 .venv/bin/python bench/slack_latency.py --questions 20 --concurrency 4
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydantic import SecretStr

REPO_ROOT = Path(__file__).resolve().parent.parent
# The repository root goes first: tests/bot and tests/indexer would otherwise shadow the
# installed bot and indexer packages as namespace packages.
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]

from slack_fixtures import (  # noqa: E402
    SIGNING_SECRET,
    HttpSender,
    answer_posts,
    mention_event,
    serve_http,
)
from slackfake import BOT_TOKEN, FakeSlack  # noqa: E402

from bot.routing import load_routing  # noqa: E402
from bot.service import AnswerService  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.slack.app import build_bot  # noqa: E402
from bot.triage.store import CaseStore  # noqa: E402

QUESTIONS = (
    "Hva står CIPS for?",
    "What does CIPS stand for?",
    "Hva er FinOps?",
    "Kan vi overføre personopplysninger til USA?",
    "Hvordan melder vi oss på CyberX-utprøvingen?",
    "What is the Marketplace for cloud services?",
)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def ask(fake: FakeSlack, sender: HttpSender, question: str, timeout: float) -> tuple[float, float]:
    """Send one mention; return (ack seconds, answer seconds)."""
    event = mention_event(question, channel="CBENCH")
    started = time.monotonic()
    response = sender.event(event)
    acked = time.monotonic()
    if response.status != 200:
        raise RuntimeError(f"app answered HTTP {response.status} to a signed mention")
    deadline = started + timeout
    while time.monotonic() < deadline:
        placeholders = {
            call.response.get("ts")
            for call in fake.calls("chat.postMessage")
            if call.params.get("thread_ts") == event["ts"]
        }
        for call in answer_posts(fake):
            if call.params.get("ts") in placeholders:
                return acked - started, call.received_at - started
        time.sleep(0.005)
    raise TimeoutError(f"no answer to {question!r} within {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=20, help="number of mentions to send")
    parser.add_argument("--concurrency", type=int, default=1, help="mentions in flight at once")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait per answer")
    arguments = parser.parse_args()

    fake = FakeSlack().start()
    base = Settings()
    settings = base.model_copy(
        update={
            "slack_bot_token": SecretStr(BOT_TOKEN),
            "slack_signing_secret": SecretStr(SIGNING_SECRET),
            "slack_app_token": None,
            "slack_api_url": fake.api_url,
            "max_concurrent_answers": max(arguments.concurrency, base.max_concurrent_answers),
        }
    )
    routing = load_routing(settings.resolved_routing_file())
    service = AnswerService(settings, routing=routing)
    service.ensure_index()
    service.answer(QUESTIONS[0])  # load the model and index before timing
    state = Path(settings.data_dir) / "bench-slack"
    bot = build_bot(settings, service, CaseStore(state / "mpsbot.sqlite3"), routing)
    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(arguments.questions)]
    with serve_http(bot.app) as url, ThreadPoolExecutor(arguments.concurrency) as pool:
        sender = HttpSender(url)
        results = list(pool.map(lambda q: ask(fake, sender, q, arguments.timeout), questions))
    bot.drain()
    fake.stop()
    acks = [ack * 1000 for ack, _ in results]
    answers = [answer * 1000 for _, answer in results]
    print(
        f"{len(results)} mentions, concurrency {arguments.concurrency}, HTTP mode, fake Slack API"
    )
    print()
    print("| measure | median ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|")
    for name, values in (("ack", acks), ("answer posted", answers)):
        print(
            f"| {name} | {statistics.median(values):.0f} | "
            f"{percentile(values, 0.95):.0f} | {max(values):.0f} |"
        )


if __name__ == "__main__":
    main()
