"""Render an Answer as a Slack Block Kit message with sources, notes and buttons.

Every dynamic string (answer text, quotes, titles, the echoed question) is escaped
for mrkdwn, and the only links are built from a citation's web URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.generation.policy import producer_line
from bot.models import Answer, Citation
from bot.prompts import message
from bot.slack.mrkdwn import escape, is_web_url, link
from indexer.models import Language

Block = dict[str, Any]

# Slack rejects a section whose text is longer than 3,000 characters; stay below it.
MAX_SECTION_CHARS = 2_900
# Slack rejects a message with more than 50 blocks.
MAX_BLOCKS = 50
# Keeps the whole message far below Slack's practical limit of about 40,000 characters.
MAX_ANSWER_CHARS = 12_000
# Slack truncates notification text; a longer fallback is never shown.
MAX_FALLBACK_CHARS = 3_000
MAX_QUOTE_CHARS = 300
MAX_TITLE_CHARS = 200
MAX_CONTEXT_CHARS = 2_900
# Cloud agreements and guidance change from year to year. This chosen limit, a yearly
# review plus six months, flags sources that have probably missed a review.
OLD_SOURCE_MONTHS = 18

ACTIONS_BLOCK_ID = "answer_actions"

# A split point: the whitespace after a sentence end and the citation markers that
# follow it, so "text. [1] [2, 3]" stays on one side.
_BOUNDARY = re.compile(r"[.!?](?:\s*\[\d[\d,\s–-]*\])*(\s+)(?![\s\[])")


@dataclass(frozen=True)
class SlackMessage:
    """A message to post: the plain-text fallback and the blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    # Never end inside an HTML entity such as "&amp;".
    ampersand = cut.rfind("&")
    if ampersand != -1 and ";" not in cut[ampersand:]:
        cut = cut[:ampersand]
    return cut.rstrip() + "…"


def _hard_split(piece: str, limit: int) -> list[str]:
    parts: list[str] = []
    rest = piece
    while len(rest) > limit:
        cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
            ampersand = rest.rfind("&", 0, cut)
            if ampersand != -1 and ";" not in rest[ampersand:cut]:
                cut = ampersand or limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return [part for part in parts if part]


def split_sections(text: str, limit: int = MAX_SECTION_CHARS) -> list[str]:
    """Split escaped ``text`` into parts of at most ``limit`` characters.

    Parts end at sentence boundaries and never between a sentence and its citation
    markers. Only a single sentence longer than ``limit`` is cut at a space.
    """
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        pieces.append(text[start : match.start(1)])
        start = match.end(1)
    pieces.append(text[start:])
    parts: list[str] = []
    current = ""
    for piece in (piece.strip() for piece in pieces):
        if not piece:
            continue
        candidate = f"{current} {piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        subparts = _hard_split(piece, limit)
        parts.extend(subparts[:-1])
        current = subparts[-1]
    if current:
        parts.append(current)
    return parts


def months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    # Clamp the day so 31 August minus 18 months gives 28 or 29 February.
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    raise ValueError(f"cannot go {months} months back from {day}")


def is_old(citation: Citation, today: date) -> bool:
    if not citation.date:
        return False
    try:
        cited = date.fromisoformat(citation.date)
    except ValueError:
        return False
    return cited < months_before(today, OLD_SOURCE_MONTHS)


def source_text(citation: Citation, language: Language, today: date) -> str:
    """Format one citation as mrkdwn: number, linked title, section, date, page, quote."""
    title = shorten(citation.title, MAX_TITLE_CHARS)
    if is_web_url(citation.source):
        head = link(citation.source, title)
    else:
        head = f"{escape(title)} ({escape(citation.source)})"
    details = [escape(shorten(citation.section, MAX_TITLE_CHARS))] if citation.section else []
    if citation.date:
        details.append(escape(citation.date))
    if citation.page is not None:
        details.append(message("slack.source_page", language, page=citation.page))
    line = " · ".join([f"*[{citation.n}]* {head}", *details])
    quote = escape(shorten(" ".join(citation.quote.split()), MAX_QUOTE_CHARS))
    lines = [line, f"“{quote}”"] if quote else [line]
    if is_old(citation, today):
        lines.append(message("slack.old_source", language))
    return "\n".join(lines)


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _button(action_id: str, text: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def action_buttons(answer: Answer, reply_id: str, *, share: bool) -> Block:
    language = answer.language
    elements = [
        _button("answer_feedback_up", message("slack.feedback_up", language), reply_id),
        _button("answer_feedback_down", message("slack.feedback_down", language), reply_id),
        _button("answer_escalate", message("slack.escalate", language), reply_id),
    ]
    if share:
        elements.append(
            _button("answer_share", message("slack.share", language), reply_id, "primary")
        )
    if answer.pilot_id:
        elements.append(_button("enrol_open", message("slack.enrol", language), answer.pilot_id))
    return {"type": "actions", "block_id": ACTIONS_BLOCK_ID, "elements": elements}


def _answer_sections(answer: Answer) -> list[str]:
    text = escape(answer.text.strip())
    if len(text) > MAX_ANSWER_CHARS:
        kept = split_sections(text, MAX_ANSWER_CHARS)[0]
        text = f"{kept}\n{message('slack.answer_shortened', answer.language)}"
    return split_sections(text)


def _fold(lines: list[str], language: Language) -> str:
    """Join whole lines under a heading, dropping the lines that do not fit."""
    text = message("slack.more_sources", language)
    for line in lines:
        if len(text) + len(line) + 3 > MAX_CONTEXT_CHARS:
            return text + "\n…"
        text = f"{text}\n{line}"
    return text


def _source_blocks(answer: Answer, today: date, room: int) -> list[Block]:
    texts = [source_text(citation, answer.language, today) for citation in answer.citations]
    if len(texts) <= room:
        return [_context(text) for text in texts]
    # Too many blocks: keep room - 1 sources whole and fold the rest, one line each.
    kept = max(room - 1, 0)
    folded = _fold([text.split("\n")[0] for text in texts[kept:]], answer.language)
    return [_context(text) for text in texts[:kept]] + [_context(folded)]


def fallback_text(answer: Answer) -> str:
    """Plain notification text: the escaped answer, shortened to Slack's display limit."""
    return shorten(escape(answer.text.strip()), MAX_FALLBACK_CHARS) or "…"


def render_answer(
    answer: Answer,
    *,
    reply_id: str,
    today: date,
    share: bool = False,
    question: str | None = None,
    shared_by: str | None = None,
) -> SlackMessage:
    """Render ``answer`` with numbered sources and buttons whose value is ``reply_id``.

    ``share`` adds the "Share in channel" button (ephemeral replies). ``question``
    echoes the question above the answer, and ``shared_by`` names who shared it.
    """
    language = answer.language
    head: list[Block] = []
    if shared_by:
        head.append(_context(message("slack.shared_by", language, user=escape(shared_by))))
    if question:
        echoed = escape(shorten(" ".join(question.split()), MAX_QUOTE_CHARS))
        head.append(_context(message("slack.question_echo", language, question=echoed)))
    sections: list[Block] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": part}}
        for part in _answer_sections(answer)
    ]
    tail: list[Block] = []
    if answer.notes:
        notes = "\n".join(escape(note) for note in answer.notes)
        tail.append(_context(shorten(notes, MAX_CONTEXT_CHARS)))
    tail.append(_context(escape(producer_line(answer.produced_by, language))))
    tail.append(action_buttons(answer, reply_id, share=share))
    room = MAX_BLOCKS - len(head) - len(sections) - len(tail)
    sources = _source_blocks(answer, today, room)
    return SlackMessage(fallback_text(answer), [*head, *sections, *sources, *tail])


def render_notice(key: str, language: Language, **variables: Any) -> SlackMessage:
    """Render a one-line message from prompts/messages/slack.yaml as text and one section."""
    text = message(f"slack.{key}", language, **variables)
    return SlackMessage(text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}])


def render_partial(text: str, language: Language) -> SlackMessage:
    """Render a streamed, unfinished answer below the "searching" line."""
    thinking = message("slack.thinking", language)
    body = shorten(escape(text.strip()), MAX_SECTION_CHARS)
    return SlackMessage(
        shorten(body, MAX_FALLBACK_CHARS) or thinking,
        [_context(thinking), {"type": "section", "text": {"type": "mrkdwn", "text": body or "…"}}],
    )
