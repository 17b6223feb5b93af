"""Internal documents reach only internal channels and staff DMs: search, service, Slack,
triage cases and promoted FAQs.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from rel_support import (
    INTERNAL_CHANNEL,
    INTERNAL_DOCUMENT_ID,
    INTERNAL_MARKERS,
    INTERNAL_QUESTION,
    OUTSIDER,
    PUBLIC_CHANNEL,
    STAFF_USER,
    SlackRig,
)
from slack_fixtures import all_text, answer_posts, block_action, button_values, mention_event
from slack_fixtures import message_event as dm_event

from bot.routing import Routing
from bot.service import AnswerService
from bot.settings import Settings
from bot.slack.answering import audiences_for
from bot.triage.faq import promote_case
from bot.triage.records import Case
from indexer.config import IndexConfig
from indexer.embedding import Embedder
from indexer.models import Audience, SearchFilters
from indexer.search import Searcher, SearchMode

PUBLIC: frozenset[Audience] = frozenset({"public"})
STAFF: frozenset[Audience] = frozenset({"public", "internal"})
MODES: list[SearchMode] = ["hybrid", "bm25", "dense"]


def leaked_markers(text: str) -> list[str]:
    return [marker for marker in INTERNAL_MARKERS if marker.lower() in text.lower()]


@pytest.fixture(scope="module")
def searcher(small_index: IndexConfig, embedder: Embedder) -> Searcher:
    return Searcher(small_index, embedder=embedder)


# -- search layer --------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_search_public_never_internal(searcher: Searcher, mode: SearchMode) -> None:
    hits = searcher.search(INTERNAL_QUESTION, top_k=10, filters=SearchFilters(), mode=mode)
    assert hits, "the public documents should still match"
    assert all(hit.chunk.audience == "public" for hit in hits)
    assert INTERNAL_DOCUMENT_ID not in {hit.chunk.document_id for hit in hits}


@pytest.mark.parametrize("mode", MODES)
def test_search_public_topic_filter_internal(searcher: Searcher, mode: SearchMode) -> None:
    filters = SearchFilters(topic="cips", language="nb")
    hits = searcher.search(INTERNAL_QUESTION, top_k=10, filters=filters, mode=mode)
    assert INTERNAL_DOCUMENT_ID not in {hit.chunk.document_id for hit in hits}


@pytest.mark.parametrize("mode", MODES)
def test_search_staff_sees_internal(searcher: Searcher, mode: SearchMode) -> None:
    hits = searcher.search(
        INTERNAL_QUESTION, top_k=10, filters=SearchFilters(audiences=STAFF), mode=mode
    )
    assert INTERNAL_DOCUMENT_ID in {hit.chunk.document_id for hit in hits}


# -- answering service ---------------------------------------------------------------


def test_service_public_answer_clean(small_service: AnswerService) -> None:
    answer = small_service.answer(INTERNAL_QUESTION, audiences=PUBLIC)
    assert all(citation.audience == "public" for citation in answer.citations)
    assert INTERNAL_DOCUMENT_ID not in {citation.document_id for citation in answer.citations}
    assert leaked_markers(answer.text) == []


def test_service_staff_answer_cites_internal(small_service: AnswerService) -> None:
    answer = small_service.answer(INTERNAL_QUESTION, audiences=STAFF)
    assert INTERNAL_DOCUMENT_ID in {citation.document_id for citation in answer.citations}


# -- audiences from the Slack context ------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "user", "expected"),
    [
        (PUBLIC_CHANNEL, STAFF_USER, PUBLIC),
        (PUBLIC_CHANNEL, OUTSIDER, PUBLIC),
        (INTERNAL_CHANNEL, OUTSIDER, STAFF),
        (INTERNAL_CHANNEL, None, STAFF),
        ("D0STAFF", STAFF_USER, STAFF),
        ("D0OUTSIDE", OUTSIDER, PUBLIC),
        ("D0NOBODY", None, PUBLIC),
    ],
)
def test_audiences_for_context(
    channel: str, user: str | None, expected: frozenset[Audience]
) -> None:
    settings = Settings(internal_channels=[INTERNAL_CHANNEL], staff_users=[STAFF_USER])
    assert audiences_for(settings, channel, user) == expected


def test_audiences_dm_without_staff_list() -> None:
    settings = Settings(internal_channels=[INTERNAL_CHANNEL], staff_users=[])
    assert audiences_for(settings, "D0ANY", "U0ANY") == PUBLIC


# -- end to end through Slack --------------------------------------------------------


def ask_over_slack(rig: SlackRig, *, channel: str, user: str, direct: bool) -> str:
    """Send the internal question as a mention or a DM; return the rendered answer text."""
    if direct:
        event = dm_event(INTERNAL_QUESTION, channel=channel, user=user)
    else:
        event = mention_event(INTERNAL_QUESTION, channel=channel, user=user)
    sent = rig.http.event(event)
    assert sent.status == 200
    assert rig.bot.drain(60)
    posts = [call for call in answer_posts(rig.fake) if call.params.get("channel") == channel]
    assert len(posts) == 1
    return all_text(posts[0])


@pytest.mark.parametrize(
    ("channel", "user", "direct", "sees_internal"),
    [
        (PUBLIC_CHANNEL, STAFF_USER, False, False),
        (PUBLIC_CHANNEL, OUTSIDER, False, False),
        (INTERNAL_CHANNEL, OUTSIDER, False, True),
        ("D0STAFF", STAFF_USER, True, True),
        ("D0OUTSIDE", OUTSIDER, True, False),
    ],
    ids=["public-staff", "public-outsider", "internal-channel", "dm-staff", "dm-outsider"],
)
def test_slack_reply_audience(
    small_slack: SlackRig, channel: str, user: str, direct: bool, sees_internal: bool
) -> None:
    text = ask_over_slack(small_slack, channel=channel, user=user, direct=direct)
    if sees_internal:
        assert leaked_markers(text), "the internal document should be quoted here"
    else:
        assert leaked_markers(text) == []


def every_bot_text(rig: SlackRig) -> str:
    return "\n".join(all_text(call) for call in rig.fake.calls())


def escalate_last_answer(rig: SlackRig, channel: str, user: str) -> Case:
    post = answer_posts(rig.fake)[-1]
    value = button_values(post)["answer_escalate"]
    action = block_action(
        "answer_escalate",
        value,
        response_url=rig.fake.response_url("esc"),
        channel=channel,
        user=user,
    )
    assert rig.http.send("action", action).status == 200
    assert rig.bot.drain(30)
    cases = rig.store.list_cases()
    assert cases, "escalation should open a case"
    return max(cases, key=lambda case: case.id)


@pytest.mark.parametrize("direct", [False, True], ids=["public-channel", "dm-outsider"])
def test_public_case_has_no_internal(small_slack: SlackRig, direct: bool) -> None:
    channel = "D0OUTSIDE" if direct else PUBLIC_CHANNEL
    ask_over_slack(small_slack, channel=channel, user=OUTSIDER, direct=direct)
    case = escalate_last_answer(small_slack, channel, OUTSIDER)
    assert case.audience == "public"
    assert all(source.audience == "public" for source in case.sources)
    assert INTERNAL_DOCUMENT_ID not in {source.document_id for source in case.sources}
    assert leaked_markers(case.draft_answer or "") == []
    # Nothing the bot sent anywhere, triage channel included, quotes the internal document.
    assert leaked_markers(every_bot_text(small_slack)) == []


def test_refusal_case_public_asker(small_slack: SlackRig) -> None:
    question = "Hvilket kodeord har det interne prosjektet med 4,2 millioner i budsjett?"
    event = mention_event(question, channel=PUBLIC_CHANNEL, user=OUTSIDER)
    assert small_slack.http.event(event).status == 200
    assert small_slack.bot.drain(60)
    cases = small_slack.store.list_cases()
    assert [case.kind for case in cases] == ["refusal"]
    for case in cases:
        assert case.audience == "public"
        assert INTERNAL_DOCUMENT_ID not in {source.document_id for source in case.sources}
        assert "blåbærsyltetøy" not in (case.draft_answer or "")
    assert "blåbærsyltetøy" not in every_bot_text(small_slack)


def test_staff_dm_case_is_internal(small_slack: SlackRig) -> None:
    ask_over_slack(small_slack, channel="D0STAFF", user=STAFF_USER, direct=True)
    case = escalate_last_answer(small_slack, "D0STAFF", STAFF_USER)
    assert case.audience == "internal"


# -- FAQ promotion -------------------------------------------------------------------


def promoted_audience(case: Case, store_dir: Path, routing: Routing) -> str:
    path = promote_case(case, knowledge_dir=store_dir, routing=routing, today=date(2025, 6, 1))
    front_matter = path.read_text(encoding="utf-8").split("---")[1]
    return str(yaml.safe_load(front_matter)["audience"])


@pytest.mark.parametrize(
    ("channel", "user", "direct", "expected"),
    [
        (PUBLIC_CHANNEL, OUTSIDER, False, "public"),
        (INTERNAL_CHANNEL, OUTSIDER, False, "internal"),
        ("D0STAFF", STAFF_USER, True, "internal"),
    ],
    ids=["public-channel", "internal-channel", "dm-staff"],
)
def test_promoted_faq_inherits_audience(
    small_slack: SlackRig,
    routing: Routing,
    tmp_path: Path,
    channel: str,
    user: str,
    direct: bool,
    expected: str,
) -> None:
    ask_over_slack(small_slack, channel=channel, user=user, direct=direct)
    case = escalate_last_answer(small_slack, channel, user)
    answered = small_slack.store.record_answer(case.id, "Svar fra MPS-teamet.", author=STAFF_USER)
    assert promoted_audience(answered, tmp_path / "knowledge", routing) == expected
