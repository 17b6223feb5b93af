"""Slack Web API calls of triage: post and update case messages, deliver staff answers.

Used by the Slack handlers and by ``mpsbot triage answer``; these functions take a
WebClient and never read settings.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.language import detect_language
from bot.prompts import message
from bot.routing import Routing, Topic
from bot.slack.mrkdwn import escape
from bot.triage.records import Case
from bot.triage.render import case_blocks, case_fallback_text, moved_blocks
from bot.triage.store import CaseStore
from indexer.models import Language

logger = logging.getLogger(__name__)

# Cases whose topic is unknown or missing go to this topic's team.
FALLBACK_TOPIC = "marketplace"


def case_topic(routing: Routing, topic_id: str | None) -> Topic:
    """Return the case's topic, or the marketplace topic (else the first) when unknown."""
    return routing.find(topic_id) or routing.find(FALLBACK_TOPIC) or routing.topics[0]


def case_language(case: Case) -> Language:
    """Return the language of the asker, for text posted back to them."""
    stored = case.details.get("language")
    if stored in ("nb", "en"):
        return "nb" if stored == "nb" else "en"
    return detect_language(case.question)


def _fill_permalink(client: WebClient, case: Case, store: CaseStore) -> Case:
    if case.permalink or not case.channel or not case.thread_ts:
        return case
    try:
        response = client.chat_getPermalink(channel=case.channel, message_ts=case.thread_ts)
    except SlackApiError as error:
        logger.warning(
            "chat.getPermalink failed for case %d (channel %s): %s",
            case.id,
            case.channel,
            error.response.get("error"),
        )
        return case
    return store.set_permalink(case.id, str(response["permalink"]))


def post_case(client: WebClient, case: Case, routing: Routing, store: CaseStore) -> Case:
    """Post the case to its topic's triage channel and record the message's channel and ts.

    Returns the case as stored after posting. Raises SlackApiError when the post fails,
    and the case then stays in the store without a triage message.
    """
    case = _fill_permalink(client, case, store)
    topic = case_topic(routing, case.topic)
    response = client.chat_postMessage(
        channel=topic.triage_channel,
        text=case_fallback_text(case),
        blocks=case_blocks(case, routing),
        unfurl_links=False,
    )
    # Slack returns the channel id even when the post named the channel.
    posted = store.set_triage_message(case.id, str(response["channel"]), str(response["ts"]))
    logger.info("posted case %d to %s (ts %s)", case.id, response["channel"], response["ts"])
    return posted


def update_case_message(client: WebClient, case: Case, routing: Routing) -> None:
    """Redraw the case's triage message after a change; log and go on when that fails."""
    _replace_triage_message(client, case, case_blocks(case, routing))


def mark_case_moved(client: WebClient, case: Case, routing: Routing) -> None:
    """Replace the old triage message of a reassigned case with a note where it went."""
    _replace_triage_message(client, case, moved_blocks(case, routing))


def _replace_triage_message(client: WebClient, case: Case, blocks: list[Any]) -> None:
    if not case.triage_channel or not case.triage_ts:
        return
    try:
        client.chat_update(
            channel=case.triage_channel,
            ts=case.triage_ts,
            text=case_fallback_text(case),
            blocks=blocks,
        )
    except SlackApiError as error:
        logger.warning(
            "chat.update failed for case %d (channel %s ts %s): %s",
            case.id,
            case.triage_channel,
            case.triage_ts,
            error.response.get("error"),
        )


def staff_answer_text(case: Case, text: str, routing: Routing) -> str:
    """Return the asker's reply: the staff member's plain text, escaped, under a heading."""
    language = case_language(case)
    role = case_topic(routing, case.topic).contact_role[language]
    return message("triage.staff_answer", language, role=role, text=escape(text))


def post_staff_answer(client: WebClient, case: Case, text: str, routing: Routing) -> str | None:
    """Post a staff answer in the asker's thread, marked as from MPS staff.

    Returns the posted message's ts, or None when the case has no Slack conversation.
    Raises SlackApiError when the post fails.
    """
    if not case.channel:
        return None
    response = client.chat_postMessage(
        channel=case.channel,
        thread_ts=case.thread_ts,
        text=staff_answer_text(case, text, routing),
        unfurl_links=False,
    )
    logger.info("posted staff answer for case %d in %s", case.id, case.channel)
    return str(response["ts"])
