"""Fixtures for Slack tests: the real answering service and index, a real Bolt app, senders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pydantic import SecretStr
from slack_fixtures import (
    BOT_TOKEN,
    SIGNING_SECRET,
    DispatchSender,
    HttpSender,
    fake_slack,
    serve_http,
)
from slackfake import FakeSlack

from bot.models import Answerer
from bot.routing import Routing, load_routing
from bot.settings import Settings
from bot.slack.app import SlackBot, build_bot
from bot.triage.store import CaseStore
from indexer.config import IndexConfig

__all__ = ["fake_slack"]

REPO_ROOT = Path(__file__).resolve().parents[3]
TODAY = date(2025, 6, 1)


@pytest.fixture(scope="session")
def answer_service(built_index_config: IndexConfig) -> Answerer:
    """One real AnswerService over the session's index, as one process would have."""
    from bot.service import AnswerService

    settings = Settings(
        data_dir=built_index_config.data_dir, knowledge_dir=built_index_config.knowledge_dir
    )
    return AnswerService(settings)


@pytest.fixture
def routing() -> Routing:
    return load_routing(REPO_ROOT / "knowledge" / "routing.yaml")


@pytest.fixture
def store(tmp_path: Path) -> CaseStore:
    return CaseStore(tmp_path / "state" / "mpsbot.sqlite3")


@pytest.fixture
def slack_settings(fake_slack: FakeSlack, built_index_config: IndexConfig) -> Settings:
    return Settings(
        data_dir=built_index_config.data_dir,
        knowledge_dir=built_index_config.knowledge_dir,
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=fake_slack.api_url,
        today=TODAY,
    )


@pytest.fixture
def bot(
    slack_settings: Settings, answer_service: Answerer, store: CaseStore, routing: Routing
) -> Iterator[SlackBot]:
    slack_bot = build_bot(slack_settings, answer_service, store, routing)
    yield slack_bot
    slack_bot.drain()


@pytest.fixture
def http(bot: SlackBot) -> Iterator[HttpSender]:
    with serve_http(bot.app) as url:
        yield HttpSender(url)


@pytest.fixture(params=["http", "socket_mode"])
def sender(request: pytest.FixtureRequest, bot: SlackBot) -> Iterator[HttpSender | DispatchSender]:
    """The same payloads through both transports: a served HTTP app and Socket Mode."""
    if request.param == "http":
        with serve_http(bot.app) as url:
            yield HttpSender(url)
    else:
        yield DispatchSender(bot.app, "socket_mode")
