"""Open triage cases from the Slack front end: refusals and "Send to MPS" clicks."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.models import Answer
from bot.routing import Routing
from bot.triage.records import Case, CaseKind
from bot.triage.slack import post_case
from bot.triage.store import CaseStore
from indexer.models import Audience

logger = logging.getLogger(__name__)

PUBLIC: frozenset[Audience] = frozenset({"public"})


def permalink(client: WebClient, channel: str | None, message_ts: str | None) -> str | None:
    if channel is None or message_ts is None:
        return None
    try:
        return client.chat_getPermalink(channel=channel, message_ts=message_ts).get("permalink")
    except SlackApiError as error:
        logger.warning(
            "permalink not found: channel=%s ts=%s error=%s",
            channel,
            message_ts,
            error.response.get("error"),
        )
        return None


def _open(
    client: WebClient,
    store: CaseStore,
    routing: Routing,
    *,
    kind: CaseKind,
    question: str,
    answer: Answer,
    asker: str | None,
    channel: str | None,
    thread_ts: str | None,
    message_ts: str | None,
    asker_audiences: frozenset[Audience],
    details: Mapping[str, str] | None = None,
) -> Case:
    # A staff answer to someone who may see internal documents can repeat what they
    # contain, so such a case, and an FAQ promoted from it, is internal.
    internal = asker_audiences != PUBLIC or any(
        citation.audience != "public" for citation in answer.citations
    )
    case = store.open_case(
        kind=kind,
        question=question,
        asker=asker,
        channel=channel,
        thread_ts=thread_ts,
        permalink=permalink(client, channel, message_ts),
        topic=answer.topic,
        draft_answer=answer.text,
        sources=answer.citations,
        audience="internal" if internal else "public",
        details=details,
    )
    post_case(client, case, routing, store)
    return case


def open_refusal(
    client: WebClient,
    store: CaseStore,
    routing: Routing,
    *,
    question: str,
    answer: Answer,
    asker: str | None,
    channel: str | None,
    thread_ts: str | None,
    message_ts: str | None,
    asker_audiences: frozenset[Audience] = PUBLIC,
) -> Case:
    """Open a ``refusal`` case for a question the bot could not answer, and post it."""
    return _open(
        client,
        store,
        routing,
        kind="refusal",
        question=question,
        answer=answer,
        asker=asker,
        channel=channel,
        thread_ts=thread_ts,
        message_ts=message_ts,
        asker_audiences=asker_audiences,
    )


def open_escalation(
    client: WebClient,
    store: CaseStore,
    routing: Routing,
    *,
    question: str,
    answer: Answer,
    asker: str | None,
    channel: str | None,
    thread_ts: str | None,
    message_ts: str | None,
    escalated_by: str | None,
    asker_audiences: frozenset[Audience] = PUBLIC,
) -> Case:
    """Open an ``escalation`` case when someone clicks "Send to MPS", and post it."""
    return _open(
        client,
        store,
        routing,
        kind="escalation",
        question=question,
        answer=answer,
        asker=asker,
        channel=channel,
        thread_ts=thread_ts,
        message_ts=message_ts,
        asker_audiences=asker_audiences,
        details={"escalated_by": escalated_by} if escalated_by else None,
    )
