"""Refusal → case in the triage channel → staff answer in the asker's thread → FAQ → answer."""

import shutil

import frontmatter
import pytest
from pydantic import SecretStr
from slack_fixtures import (
    SIGNING_SECRET,
    DispatchSender,
    block_action,
    mention_event,
    message_event,
)
from slackfake import BOT_TOKEN
from triage_support import ASKER, REPO_ROOT, STAFF, TODAY

from bot.routing import load_routing
from bot.service import AnswerService
from bot.settings import Settings
from bot.slack.app import build_bot
from bot.triage.store import CaseStore
from indexer.pipeline import run_index
from indexer.search import Searcher

QUESTION = "Hvor mange parkeringsplasser har DFØ for besøkende ved kontoret i Oslo?"
STAFF_ANSWER = "DFØ har ingen parkeringsplasser for besøkende ved kontoret i Oslo."


@pytest.fixture
def flow_settings(tmp_path, fake_slack):
    knowledge_dir = tmp_path / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge" / "cips", knowledge_dir / "cips")
    shutil.copy(REPO_ROOT / "knowledge" / "routing.yaml", knowledge_dir / "routing.yaml")
    return Settings(
        data_dir=tmp_path / "data",
        knowledge_dir=knowledge_dir,
        staff_users=[STAFF],
        today=TODAY,
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=fake_slack.api_url,
    )


def service_for(settings, embedder):
    run_index(settings.index_config(), embedder=embedder)
    searcher = Searcher(settings.index_config(), embedder=embedder)
    return AnswerService(settings, searcher=searcher)


def test_refusal_to_faq_flow(flow_settings, fake_slack, embedder):
    settings = flow_settings
    routing = load_routing(settings.resolved_routing_file())
    store = CaseStore.for_settings(settings)
    service = service_for(settings, embedder)
    assert not service.answer(QUESTION).answered

    bot = build_bot(settings, service, store, routing)
    sender = DispatchSender(bot.app, "http")
    mention = mention_event(QUESTION, channel="C0003", user=ASKER)
    sender.event(mention)
    assert bot.drain()

    case = store.list_cases(kind="refusal")[0]
    topic = routing.find(case.topic) or routing.get("marketplace")
    triage_post = fake_slack.wait_for(
        "chat.postMessage", where=lambda call: call.params["channel"] == topic.triage_channel
    )[0]
    assert case.triage_channel == topic.triage_channel
    assert case.triage_ts is not None
    actions = [b for b in triage_post.params["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions[0]["elements"]][:2] == ["case_assign_me", "case_answer"]

    reply = message_event(
        STAFF_ANSWER,
        channel=case.triage_channel,
        channel_type="channel",
        user=STAFF,
        thread_ts=case.triage_ts,
    )
    sender.event(reply)
    assert bot.drain()
    staff_posts = fake_slack.wait_for(
        "chat.postMessage", where=lambda call: "Svar fra MPS-teamet" in call.params.get("text", "")
    )
    assert staff_posts[0].params["channel"] == "C0003"
    assert staff_posts[0].params["thread_ts"] == case.thread_ts
    assert STAFF_ANSWER in staff_posts[0].params["text"]
    assert store.require_case(case.id).status == "answered"

    promote = block_action(
        "case_promote",
        str(case.id),
        response_url=fake_slack.response_url(),
        user=STAFF,
        channel=case.triage_channel,
    )
    sender.send("action", promote)
    assert bot.drain()
    path = settings.knowledge_dir / "faq" / "promoted" / f"case-{case.id}.md"
    assert frontmatter.load(path)["id"] == f"faq-case-{case.id}"

    answer = service_for(settings, embedder).answer(QUESTION)
    assert answer.answered
    assert f"faq-case-{case.id}" in [citation.document_id for citation in answer.citations]
    assert "ingen parkeringsplasser" in answer.text
