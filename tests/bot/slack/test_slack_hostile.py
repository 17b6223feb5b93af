"""A knowledge document whose text contains Slack markup must reach Slack escaped."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import SecretStr
from slack_fixtures import (
    BOT_TOKEN,
    SIGNING_SECRET,
    DispatchSender,
    all_text,
    answer_posts,
    mention_event,
)
from slackfake import FakeSlack

from bot.routing import Routing
from bot.settings import Settings
from bot.slack.app import build_bot
from bot.triage.store import CaseStore
from indexer.embedding import Embedder

REPO_ROOT = Path(__file__).resolve().parents[3]

HOSTILE_DOCUMENT = """---
id: varsling
title: Varsling <!here> om skyavtaler
kind: guidance
topic: marketplace
language: nb
source_url: https://example.org/varsling?a=1&b=<2>
published: 2025-03-01
---

# Varsling om skyavtaler

Fristen for å melde inn behov for skyavtaler varsles med <!channel> og <@U123> i Slack.
Fristen for innmelding av behov for skyavtaler er 1. september hvert år.
"""


@pytest.fixture
def hostile_settings(tmp_path: Path, fake_slack: FakeSlack, embedder: Embedder) -> Settings:
    from indexer.pipeline import run_index

    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "varsling.md").write_text(HOSTILE_DOCUMENT, encoding="utf-8")
    shutil.copy(REPO_ROOT / "knowledge" / "routing.yaml", knowledge / "routing.yaml")
    settings = Settings(
        data_dir=tmp_path / "data",
        knowledge_dir=knowledge,
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=fake_slack.api_url,
    )
    run_index(settings.index_config(), embedder=embedder)
    return settings


def test_document_markup_escaped(
    hostile_settings: Settings, fake_slack: FakeSlack, store: CaseStore, routing: Routing
) -> None:
    from bot.service import AnswerService

    service = AnswerService(hostile_settings, routing=routing)
    bot = build_bot(hostile_settings, service, store, routing)
    DispatchSender(bot.app, "socket_mode").event(
        mention_event("Hvordan varsles fristen for å melde inn behov for skyavtaler?")
    )
    assert bot.drain()
    posts = answer_posts(fake_slack)
    assert len(posts) == 1
    text = all_text(posts[0])
    assert "<!channel>" not in text
    assert "<@U123>" not in text
    assert "<!here>" not in text
    assert "&lt;!channel&gt;" in text
    assert "&lt;@U123&gt;" in text
    assert "<https://example.org/varsling?a=1&amp;b=%3C2%3E|Varsling &lt;!here&gt; om" in text
