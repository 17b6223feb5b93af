"""The real Bolt app, the real answering service and index, against the fake Slack Web API.

Each event goes through both transports (a served HTTP app with signed requests, and
Socket Mode through ``App.dispatch``). Tests wait for background work with
``SlackBot.drain``, which returns once every listener and answer job has finished.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from slack_fixtures import (
    BOT_USER_ID,
    DispatchSender,
    HttpSender,
    all_text,
    answer_posts,
    block_action,
    button_values,
    command_form,
    event_body,
    mention_event,
    message_event,
)
from slackfake import RESPONSE_URL_METHOD, FakeSlack

from bot.slack.app import SlackBot
from bot.triage.store import CaseStore

Sender = HttpSender | DispatchSender

ANSWERABLE = "Hva står CIPS for?"
FOLLOW_UP = "Hvilke tjenestemodeller sammenlignes?"
OUT_OF_SCOPE = "Hva er oppskriften på norske vafler med brunost?"


def test_mention_in_channel_answered_in_thread(
    sender: Sender, bot: SlackBot, fake_slack: FakeSlack
) -> None:
    event = mention_event(ANSWERABLE, channel="C0001")
    response = sender.event(event)
    assert bot.drain()
    assert response.status == 200
    placeholder = fake_slack.calls("chat.postMessage")[0]
    assert placeholder.params["thread_ts"] == event["ts"]
    posts = answer_posts(fake_slack)
    assert len(posts) == 1
    assert posts[0].method == "chat.update"
    assert "Cloud Infrastructure and Platform Services" in all_text(posts[0])


def test_mention_in_thread_uses_history(
    sender: Sender, bot: SlackBot, fake_slack: FakeSlack, store: CaseStore
) -> None:
    first = mention_event(ANSWERABLE, channel="C0001")
    sender.event(first)
    assert bot.drain()
    follow_up = mention_event(FOLLOW_UP, channel="C0001", thread_ts=first["ts"])
    sender.event(follow_up)
    assert bot.drain()
    placeholders = fake_slack.calls("chat.postMessage")
    assert [call.params["thread_ts"] for call in placeholders] == [first["ts"], first["ts"]]
    assert store.thread_questions("C0001", first["ts"]) == [ANSWERABLE, FOLLOW_UP]
    assert len(answer_posts(fake_slack)) == 2


def test_direct_message_answered(sender: Sender, bot: SlackBot, fake_slack: FakeSlack) -> None:
    event = message_event("What does CIPS stand for?", channel="D0001")
    sender.event(event)
    assert bot.drain()
    posts = answer_posts(fake_slack)
    assert len(posts) == 1
    assert posts[0].params["channel"] == "D0001"
    assert "Cloud Infrastructure and Platform Services" in all_text(posts[0])


def test_file_share_answered_on_text(sender: Sender, bot: SlackBot, fake_slack: FakeSlack) -> None:
    event = message_event(ANSWERABLE, subtype="file_share", files=[{"id": "F1", "name": "a.pdf"}])
    sender.event(event)
    assert bot.drain()
    assert len(answer_posts(fake_slack)) == 1


def test_retry_answered_once(sender: Sender, bot: SlackBot, fake_slack: FakeSlack) -> None:
    event = mention_event(ANSWERABLE)
    body = event_body(event, event_id="EvRETRY1")
    first = sender.send("event", body)
    retry = sender.send("event", body, extra_headers={"x-slack-retry-num": "1"})
    assert bot.drain()
    assert first.status == 200
    assert retry.status == 200
    assert len(answer_posts(fake_slack)) == 1


def test_mention_twins_answered_once(sender: Sender, bot: SlackBot, fake_slack: FakeSlack) -> None:
    mention = mention_event(ANSWERABLE, channel="C0002")
    twin = message_event(mention["text"], channel="C0002", channel_type="channel", ts=mention["ts"])
    sender.event(twin)
    sender.event(mention)
    assert bot.drain()
    assert len(answer_posts(fake_slack)) == 1


@pytest.mark.parametrize(
    "extra",
    [
        {"bot_id": "B0999", "user": "U0999"},
        {"user": BOT_USER_ID},
        {"subtype": "bot_message", "bot_id": "B0999", "user": None},
    ],
    ids=["other-bot", "self", "bot-message-subtype"],
)
def test_bot_messages_ignored(
    sender: Sender, bot: SlackBot, fake_slack: FakeSlack, extra: dict[str, str | None]
) -> None:
    sender.event(message_event(ANSWERABLE, **extra))  # type: ignore[arg-type]
    assert bot.drain()
    assert fake_slack.calls("chat.postMessage") == []


@pytest.mark.parametrize(
    "subtype, extra",
    [
        ("message_changed", {"message": {"text": ANSWERABLE, "user": "U0001", "ts": "1.0"}}),
        ("message_deleted", {"previous_message": {"text": ANSWERABLE, "ts": "1.0"}}),
        ("channel_join", {}),
    ],
)
def test_edits_and_deletions_ignored(
    sender: Sender, bot: SlackBot, fake_slack: FakeSlack, subtype: str, extra: dict[str, object]
) -> None:
    sender.event(message_event(ANSWERABLE, subtype=subtype, **extra))
    assert bot.drain()
    assert fake_slack.calls("chat.postMessage") == []


@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "wrong-secret"},
        {"timestamp": int(time.time()) - 60 * 60},
    ],
    ids=["bad-signature", "stale-timestamp"],
)
def test_bad_signature_rejected(
    http: HttpSender, bot: SlackBot, fake_slack: FakeSlack, signing: dict[str, object]
) -> None:
    response = http.send("event", event_body(mention_event(ANSWERABLE)), **signing)  # type: ignore[arg-type]
    assert bot.drain()
    assert response.status == 401
    assert fake_slack.calls("chat.postMessage") == []


def test_slash_command_replies_ephemeral(
    sender: Sender, bot: SlackBot, fake_slack: FakeSlack
) -> None:
    form = command_form(ANSWERABLE, response_url=fake_slack.response_url("cmd1"))
    response = sender.send("command", form)
    assert bot.drain()
    assert response.status == 200
    assert json.loads(response.body)["text"] == "Søker i kildene …"
    posts = answer_posts(fake_slack)
    assert len(posts) == 1
    assert posts[0].method == RESPONSE_URL_METHOD
    assert posts[0].params["response_type"] == "ephemeral"
    assert "answer_share" in button_values(posts[0])
    assert ANSWERABLE in all_text(posts[0])
    assert fake_slack.calls("chat.postMessage") == []


def test_share_click_posts_in_channel(
    sender: Sender, bot: SlackBot, fake_slack: FakeSlack, store: CaseStore
) -> None:
    sender.send("command", command_form(ANSWERABLE, response_url=fake_slack.response_url("c")))
    assert bot.drain()
    reply_id = button_values(answer_posts(fake_slack)[0])["answer_share"]
    click = block_action(
        "answer_share",
        reply_id,
        response_url=fake_slack.response_url("share"),
        channel="C0001",
        container_type="ephemeral",
    )
    response = sender.send("action", click)
    assert bot.drain()
    assert response.status == 200
    shared = fake_slack.calls("chat.postMessage")
    assert len(shared) == 1
    assert shared[0].params["channel"] == "C0001"
    assert "answer_share" not in button_values(shared[0])
    deleted = [
        call for call in fake_slack.calls(RESPONSE_URL_METHOD) if call.path.endswith("share")
    ]
    assert deleted[0].params.get("delete_original") is True
    reply = store.get_reply(reply_id)
    assert reply is not None
    assert reply.message_ts is not None


def _answer_reply_id(sender: Sender, bot: SlackBot, fake_slack: FakeSlack) -> str:
    sender.event(mention_event(ANSWERABLE, channel="C0001"))
    assert bot.drain()
    return button_values(answer_posts(fake_slack)[0])["answer_feedback_up"]


@pytest.mark.parametrize(
    "action_id, rating", [("answer_feedback_up", "up"), ("answer_feedback_down", "down")]
)
def test_feedback_click_stored(
    sender: Sender,
    bot: SlackBot,
    fake_slack: FakeSlack,
    store: CaseStore,
    action_id: str,
    rating: str,
) -> None:
    reply_id = _answer_reply_id(sender, bot, fake_slack)
    click = block_action(
        action_id, reply_id, response_url=fake_slack.response_url("fb"), user="U0042"
    )
    sender.send("action", click)
    assert bot.drain()
    with sqlite3.connect(store.path) as connection:
        rows = connection.execute(
            "SELECT rating, user_id, question, answer_text, sources_json FROM feedback"
        ).fetchall()
    assert len(rows) == 1
    assert rows[0][0] == rating
    assert rows[0][1] == "U0042"
    assert rows[0][2] == ANSWERABLE
    assert "Cloud Infrastructure and Platform Services" in rows[0][3]
    assert json.loads(rows[0][4])


def test_escalation_click_opens_case(
    sender: Sender, bot: SlackBot, fake_slack: FakeSlack, store: CaseStore
) -> None:
    reply_id = _answer_reply_id(sender, bot, fake_slack)
    click = block_action(
        "answer_escalate", reply_id, response_url=fake_slack.response_url("esc"), user="U0042"
    )
    sender.send("action", click)
    assert bot.drain()
    with sqlite3.connect(store.path) as connection:
        rows = connection.execute("SELECT id, kind, question, topic FROM cases").fetchall()
    assert len(rows) == 1
    assert rows[0][1] == "escalation"
    assert rows[0][2] == ANSWERABLE
    case = store.get_case(rows[0][0])
    assert case is not None
    assert case.triage_ts is not None
    assert case.details.get("escalated_by") == "U0042"
    confirmations = [
        call
        for call in fake_slack.calls("chat.postMessage")
        if call.params.get("channel") == "C0001" and "sak" in str(call.params.get("text"))
    ]
    assert len(confirmations) == 1


def test_refusal_opens_case(
    sender: Sender, bot: SlackBot, fake_slack: FakeSlack, store: CaseStore
) -> None:
    sender.event(mention_event(OUT_OF_SCOPE, channel="C0003"))
    assert bot.drain()
    with sqlite3.connect(store.path) as connection:
        kinds = [row[0] for row in connection.execute("SELECT kind FROM cases")]
    assert kinds == ["refusal"]
    assert len(answer_posts(fake_slack)) == 1


def test_assistant_thread_started_suggests_prompts(
    sender: Sender, bot: SlackBot, fake_slack: FakeSlack
) -> None:
    event = {
        "type": "assistant_thread_started",
        "assistant_thread": {"user_id": "U0001", "channel_id": "D0009", "thread_ts": "1.000001"},
        "event_ts": "1.000002",
    }
    sender.event(event)
    assert bot.drain()
    prompts = fake_slack.wait_for("assistant.threads.setSuggestedPrompts")[0].params["prompts"]
    titles = [prompt["title"] for prompt in prompts]
    assert "Hva er CIPS-anskaffelsen?" in titles
    assert "What is the CIPS procurement?" in titles
    assert fake_slack.calls("chat.postMessage")[0].params["thread_ts"] == "1.000001"


def test_assistant_message_sets_status(
    sender: Sender, bot: SlackBot, fake_slack: FakeSlack
) -> None:
    sender.event(message_event(ANSWERABLE, channel="D0009", thread_ts="1.000001"))
    assert bot.drain()
    status = fake_slack.calls("assistant.threads.setStatus")
    assert len(status) == 1
    assert status[0].params["status"] == "Søker i kildene …"
    posts = answer_posts(fake_slack)
    assert len(posts) == 1
    assert posts[0].params["thread_ts"] == "1.000001"


def test_store_path_in_tmp(store: CaseStore, tmp_path: Path) -> None:
    assert tmp_path in store.path.parents
