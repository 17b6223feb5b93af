"""Fixtures for the reliability suite: the small index, its service and a Slack bot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rel_support import SlackRig, slack_settings_for, write_knowledge
from slack_fixtures import HttpSender, fake_slack, serve_http
from slackfake import FakeSlack

from bot.routing import Routing, load_routing
from bot.service import AnswerService
from bot.settings import Settings
from bot.slack.app import build_bot
from bot.triage.store import CaseStore
from indexer.config import IndexConfig
from indexer.embedding import Embedder
from indexer.pipeline import run_index

__all__ = ["fake_slack"]

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def small_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> IndexConfig:
    """An index of DOCUMENTS, one of them internal, built once per session. Read only."""
    root = tmp_path_factory.mktemp("small-index")
    config = IndexConfig(knowledge_dir=write_knowledge(root / "knowledge"), data_dir=root / "data")
    run_index(config, embedder=embedder)
    return config


@pytest.fixture(scope="session")
def small_service(small_index: IndexConfig) -> AnswerService:
    settings = Settings(data_dir=small_index.data_dir, knowledge_dir=small_index.knowledge_dir)
    return AnswerService(settings)


@pytest.fixture
def routing() -> Routing:
    return load_routing(REPO_ROOT / "knowledge" / "routing.yaml")


@pytest.fixture
def store(tmp_path: Path) -> CaseStore:
    return CaseStore(tmp_path / "state" / "mpsbot.sqlite3")


@pytest.fixture
def small_slack(
    fake_slack: FakeSlack,
    small_index: IndexConfig,
    small_service: AnswerService,
    store: CaseStore,
    routing: Routing,
) -> Iterator[SlackRig]:
    settings = slack_settings_for(fake_slack, small_index)
    slack_bot = build_bot(settings, small_service, store, routing)
    with serve_http(slack_bot.app) as url:
        yield SlackRig(slack_bot, fake_slack, HttpSender(url), store, settings)
    slack_bot.drain()
