"""Fixtures for triage tests: a store, routing, pilot documents, a Bolt app on the fake Slack."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from slack_bolt import App
from slack_fixtures import SIGNING_SECRET, DispatchSender
from slack_sdk import WebClient
from slackfake import BOT_TOKEN, FakeSlack
from triage_support import REPO_ROOT, TODAY, FixedAnswerer, citation, make_settings, write_pilot

from bot.models import Answer
from bot.routing import Routing, load_routing
from bot.settings import Settings
from bot.triage.slack import register_triage_handlers
from bot.triage.store import CaseStore


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def routing() -> Routing:
    return load_routing(REPO_ROOT / "knowledge" / "routing.yaml")


@pytest.fixture
def store(tmp_path: Path) -> CaseStore:
    return CaseStore(tmp_path / "data" / "mpsbot.sqlite3")


@pytest.fixture
def pilot_knowledge(tmp_path: Path) -> Path:
    """A knowledge directory with routing.yaml and pilots that are open on TODAY."""
    knowledge_dir = tmp_path / "knowledge"
    knowledge_dir.mkdir(exist_ok=True)
    shutil.copy(REPO_ROOT / "knowledge" / "routing.yaml", knowledge_dir / "routing.yaml")
    write_pilot(knowledge_dir, "awareness-training", "Awareness and Training", capacity=2)
    write_pilot(
        knowledge_dir, "zero-trust", "Zero Trust", deadline=TODAY - timedelta(days=1), capacity=5
    )
    write_pilot(knowledge_dir, "green-cloud", "Green Cloud", capacity=None, topic="finops")
    return knowledge_dir


@pytest.fixture
def triage_app(
    tmp_path: Path, pilot_knowledge: Path, fake_slack: FakeSlack, store: CaseStore, routing: Routing
) -> Iterator[tuple[DispatchSender, Settings]]:
    """A Bolt app with only the triage listeners; they run before the HTTP response returns."""
    settings = make_settings(tmp_path, pilot_knowledge, fake_slack)
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    app = App(
        client=client,
        signing_secret=SIGNING_SECRET,
        token_verification_enabled=False,
        process_before_response=True,
    )
    answer = Answer(
        question="",
        language="nb",
        answered=True,
        text="Ifølge kildene: CyberX er cybersikkerhetsarbeidet [1].",
        confidence=0.8,
        topic="cyber",
        citations=(citation(),),
    )
    register_triage_handlers(
        app, settings=settings, store=store, service=FixedAnswerer(answer), routing=routing
    )
    yield DispatchSender(app, "http"), settings
