"""Block Kit for triage: case messages, the answer and reassign modals, the enrolment form.

Slack limits a section's text to 3,000 characters, so long texts are cut for display
only; the store keeps them whole. Every text that comes from a user, a document or the
store is escaped, so it cannot form a mention, a broadcast or a link; the only markup
built here is a mention of a validated Slack user id.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.prompts import message
from bot.routing import Routing
from bot.slack.mrkdwn import escape
from bot.triage.pilots import Pilot, PilotCatalog
from bot.triage.records import Case
from indexer.models import Language

Block = dict[str, Any]

MAX_SECTION_CHARS = 2900
MAX_SOURCES_SHOWN = 5
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]+")

# Action ids, view callback ids and input block ids shared with bot.triage.slack.
ASSIGN_ME = "case_assign_me"
ANSWER = "case_answer"
REASSIGN = "case_reassign"
CLOSE = "case_close"
PROMOTE = "case_promote"
ENROL_OPEN = "enrol_open"
ANSWER_MODAL = "case_answer_modal"
REASSIGN_MODAL = "case_reassign_modal"
ENROL_MODAL = "enrol_modal"
ANSWER_BLOCK = "answer"
TOPIC_BLOCK = "topic"


def _cut(text: str, limit: int = MAX_SECTION_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quote(text: str) -> str:
    return "\n".join(f">{escape(line)}" for line in _cut(text).splitlines() or [""])


def _user(user_id: str) -> str:
    """Return a mention for a Slack user id, or the value escaped as text when it is none."""
    if SLACK_USER_ID.fullmatch(user_id):
        return f"<@{user_id}>"
    return escape(user_id)


def _plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": _cut(text, 150)}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text)}}


def _button(action_id: str, label: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "action_id": action_id,
        "text": _plain(label),
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def case_fallback_text(case: Case, language: Language = "nb") -> str:
    kind = message(f"triage.case_kind_{case.kind}", language)
    return message(
        "triage.case_fallback_text",
        language,
        id=case.id,
        kind=kind,
        question=escape(_cut(case.question, 200)),
    )


def _context(case: Case, routing: Routing, language: Language) -> Block:
    topic = routing.find(case.topic)
    if case.permalink:
        where = message("triage.case_open_thread", language, permalink=case.permalink)
    else:
        where = message("triage.case_no_thread", language)
    text = message(
        "triage.case_context",
        language,
        asker=_user(case.asker) if case.asker else message("triage.case_unknown_asker", language),
        where=where,
        topic=topic.name[language] if topic else escape(case.topic or "-"),
        assignee=_user(case.assignee) if case.assignee else message("triage.case_nobody", language),
    )
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _body(case: Case, language: Language) -> list[Block]:
    label = message("triage.case_question_label", language)
    blocks = [_section(f"*{label}*\n{_quote(case.question)}")]
    if case.details:
        label = message("triage.case_details_label", language)
        lines = "\n".join(
            f"• {escape(key)}: {escape(value)}" for key, value in case.details.items()
        )
        blocks.append(_section(f"*{label}*\n{lines}"))
    if case.draft_answer:
        label = message("triage.case_draft_label", language)
        blocks.append(_section(f"*{label}*\n{_quote(case.draft_answer)}"))
    if case.sources:
        label = message("triage.case_sources_label", language)
        lines = "\n".join(
            f"[{citation.n}] {escape(citation.title)} ({escape(citation.document_id)})"
            for citation in case.sources[:MAX_SOURCES_SHOWN]
        )
        blocks.append(_section(f"*{label}*\n{lines}"))
    if case.staff_answer:
        label = message("triage.case_staff_answer_label", language)
        blocks.append(_section(f"*{label}*\n{_quote(case.staff_answer)}"))
    return blocks


def _actions(case: Case, language: Language) -> list[Block]:
    value = str(case.id)
    buttons: list[Block] = []
    if case.status != "closed":
        buttons += [
            _button(ASSIGN_ME, message("triage.button_assign_me", language), value),
            _button(ANSWER, message("triage.button_answer", language), value, "primary"),
            _button(REASSIGN, message("triage.button_reassign", language), value),
            _button(CLOSE, message("triage.button_close", language), value),
        ]
    if case.staff_answer and case.kind != "enrolment":
        buttons.append(_button(PROMOTE, message("triage.button_promote", language), value))
    if not buttons:
        return []
    return [{"type": "actions", "block_id": f"case_{case.id}", "elements": buttons}]


def case_blocks(case: Case, routing: Routing, language: Language = "nb") -> list[Block]:
    """Return the staff message for a case, with buttons that fit its status."""
    title = message(
        "triage.case_title",
        language,
        id=case.id,
        kind=message(f"triage.case_kind_{case.kind}", language),
        status=message(f"triage.case_status_{case.status}", language),
    )
    return [
        {"type": "header", "text": _plain(title)},
        *_body(case, language),
        _context(case, routing, language),
        *_actions(case, language),
    ]


def moved_blocks(case: Case, routing: Routing, language: Language = "nb") -> list[Block]:
    topic = routing.find(case.topic)
    team = topic.team[language] if topic else escape(case.topic or "-")
    text = message(
        "triage.case_moved", language, id=case.id, team=team, topic=escape(case.topic or "-")
    )
    return [_section(text)]


def _modal(
    callback_id: str, title: str, blocks: list[Block], metadata: str, language: Language
) -> Block:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "title": _plain(_cut(title, 24)),
        "submit": _plain(message("triage.modal_submit", language)),
        "close": _plain(message("triage.modal_cancel", language)),
        "blocks": blocks,
    }


def _text_input(
    block_id: str, label: str, *, multiline: bool = False, optional: bool = False
) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": _plain(label),
        "element": {"type": "plain_text_input", "action_id": block_id, "multiline": multiline},
    }


def answer_modal(case: Case, language: Language = "nb") -> Block:
    blocks = [
        _section(_quote(case.question)),
        _text_input(ANSWER_BLOCK, message("triage.answer_modal_label", language), multiline=True),
    ]
    title = message("triage.answer_modal_title", language, id=case.id)
    return _modal(ANSWER_MODAL, title, blocks, str(case.id), language)


def _option(text: str, value: str) -> Block:
    return {"text": _plain(text), "value": value}


def reassign_modal(case: Case, routing: Routing, language: Language = "nb") -> Block:
    options = [
        _option(f"{topic.name[language]} ({topic.id})", topic.id) for topic in routing.topics
    ]
    select: Block = {"type": "static_select", "action_id": TOPIC_BLOCK, "options": options}
    current = next((option for option in options if option["value"] == case.topic), None)
    if current is not None:
        select["initial_option"] = current
    blocks = [
        {
            "type": "input",
            "block_id": TOPIC_BLOCK,
            "label": _plain(message("triage.reassign_modal_label", language)),
            "element": select,
        }
    ]
    title = message("triage.reassign_modal_title", language, id=case.id)
    return _modal(REASSIGN_MODAL, title, blocks, str(case.id), language)


def enrol_modal(
    pilot: Pilot,
    catalog: PilotCatalog,
    language: Language,
    origin: dict[str, str],
) -> Block:
    """Return the enrolment form with ``pilot`` preselected; ``origin`` is where it was opened."""
    options = [_option(item.name.get(language), item.id) for item in catalog]
    select: Block = {
        "type": "static_select",
        "action_id": "pilot",
        "options": options,
        "initial_option": _option(pilot.name.get(language), pilot.id),
    }
    blocks = [
        _text_input("agency", message("triage.enrol_agency_label", language)),
        _text_input("organisation_number", message("triage.enrol_orgnr_label", language)),
        _text_input("contact_role", message("triage.enrol_role_label", language)),
        {
            "type": "input",
            "block_id": "pilot",
            "label": _plain(message("triage.enrol_pilot_label", language)),
            "element": select,
        },
        _text_input(
            "comment",
            message("triage.enrol_comment_label", language),
            multiline=True,
            optional=True,
        ),
    ]
    metadata = json.dumps({**origin, "language": language})
    title = message("triage.enrol_modal_title", language)
    return _modal(ENROL_MODAL, title, blocks, metadata, language)


def read_view_values(view: dict[str, Any]) -> dict[str, str]:
    """Return the text or selected value of each input block in a submitted view."""
    values: dict[str, str] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        for element in actions.values():
            if element.get("type") == "static_select":
                selected = element.get("selected_option") or {}
                values[block_id] = str(selected.get("value") or "")
            else:
                values[block_id] = str(element.get("value") or "")
    return values
