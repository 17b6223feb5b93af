"""Tests for bot.slack.render and bot.slack.mrkdwn, on hand-built answers."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.models import Answer, Citation
from bot.slack.mrkdwn import escape, link, unescape
from bot.slack.render import (
    MAX_BLOCKS,
    MAX_FALLBACK_CHARS,
    MAX_SECTION_CHARS,
    months_before,
    render_answer,
    split_sections,
)

TODAY = date(2025, 6, 1)


def citation(n: int, **fields: object) -> Citation:
    values: dict[str, object] = {
        "n": n,
        "document_id": f"doc-{n}",
        "title": f"Dokument {n}",
        "section": "Innledning",
        "source": f"https://www.dfo.no/doc-{n}",
        "date": "2025-01-15",
        "quote": "CIPS står for Cloud Infrastructure and Platform Services.",
    }
    values.update(fields)
    return Citation.model_validate(values)


def answer(text: str = "CIPS er en anskaffelse [1].", **fields: object) -> Answer:
    values: dict[str, object] = {
        "question": "Hva er CIPS?",
        "language": "nb",
        "answered": True,
        "text": text,
        "confidence": 0.8,
        "citations": (citation(1),),
    }
    values.update(fields)
    return Answer.model_validate(values)


def texts(blocks: list[dict[str, object]]) -> list[str]:
    found: list[str] = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            found.append(text["text"])
        for element in block.get("elements", []):  # type: ignore[union-attr]
            if element.get("type") == "mrkdwn":
                found.append(element["text"])
    return found


def test_render_escapes_document_quote() -> None:
    hostile = citation(1, quote="Varsle <!channel> og <@U123> nå", title="<!here> & co")
    message = render_answer(
        answer("Se <!channel> [1].", citations=(hostile,)), reply_id="r1", today=TODAY
    )
    joined = "\n".join([message.text, *texts(message.blocks)])
    assert "<!channel>" not in joined
    assert "<@U123>" not in joined
    assert "<!here>" not in joined
    assert "&lt;!channel&gt;" in joined
    assert "&lt;@U123&gt;" in joined


def test_render_link_only_from_url() -> None:
    message = render_answer(answer(), reply_id="r1", today=TODAY)
    links = re.findall(r"<([^>|]+)\|", "\n".join(texts(message.blocks)))
    assert links == ["https://www.dfo.no/doc-1"]


def test_render_path_source_has_no_link() -> None:
    local = citation(1, source="cips/cips.md", page=3)
    message = render_answer(answer(citations=(local,)), reply_id="r1", today=TODAY)
    source = texts(message.blocks)[1]
    assert "<" not in source
    assert "cips/cips.md" in source
    assert "s. 3" in source


@pytest.mark.parametrize(
    "cited, old",
    [("2023-11-30", True), ("2023-12-01", False), ("2025-05-01", False), ("not a date", False)],
)
def test_render_old_source_note(cited: str, old: bool) -> None:
    message = render_answer(
        answer(citations=(citation(1, date=cited),)), reply_id="r1", today=TODAY
    )
    assert ("18 måneder" in texts(message.blocks)[1]) is old


def test_months_before_clamps_day() -> None:
    assert months_before(date(2025, 8, 31), 18) == date(2024, 2, 29)


def test_render_buttons_carry_reply_id() -> None:
    message = render_answer(answer(pilot_id="cyberx-1"), reply_id="abc", today=TODAY, share=True)
    actions = message.blocks[-1]
    values = {element["action_id"]: element["value"] for element in actions["elements"]}
    assert values == {
        "answer_feedback_up": "abc",
        "answer_feedback_down": "abc",
        "answer_escalate": "abc",
        "answer_share": "abc",
        "enrol_open": "cyberx-1",
    }


def test_render_english_strings() -> None:
    message = render_answer(answer(language="en"), reply_id="r1", today=TODAY)
    joined = "\n".join(texts(message.blocks))
    assert "Quoted directly from the sources." in joined
    labels = [element["text"]["text"] for element in message.blocks[-1]["elements"]]
    assert "Send to MPS" in labels


def test_render_long_answer_split() -> None:
    sentence = "CIPS dekker infrastruktur og plattformtjenester i nettskyen [1] [2]. "
    message = render_answer(
        answer(sentence * 200, citations=(citation(1), citation(2))), reply_id="r1", today=TODAY
    )
    sections = [block["text"]["text"] for block in message.blocks if block["type"] == "section"]
    assert len(sections) > 1
    assert all(len(section) <= MAX_SECTION_CHARS for section in sections)
    assert all(section.endswith("[1] [2].") for section in sections[:-1])
    assert len(message.blocks) <= MAX_BLOCKS
    assert len(message.text) <= MAX_FALLBACK_CHARS


def test_render_folds_many_sources() -> None:
    many = tuple(citation(n) for n in range(1, 80))
    message = render_answer(answer(citations=many), reply_id="r1", today=TODAY)
    assert len(message.blocks) == MAX_BLOCKS
    joined = "\n".join(texts(message.blocks))
    assert "*[79]*" in joined
    assert "Flere kilder:" in joined


def test_render_echoes_question_escaped() -> None:
    message = render_answer(answer(), reply_id="r1", today=TODAY, question="hva med <!here>?")
    assert texts(message.blocks)[0] == "Spørsmål: hva med &lt;!here&gt;?"


@given(st.text())
def test_escape_leaves_no_markup(text: str) -> None:
    escaped = escape(text)
    assert "<" not in escaped
    assert ">" not in escaped
    assert unescape(escaped) == text


@given(st.text(), st.text(min_size=1))
def test_link_has_one_target(url_tail: str, label: str) -> None:
    built = link(f"https://example.org/{url_tail}", label)
    assert built.startswith("<https://example.org/")
    assert built.count("<") == 1
    assert built.count(">") == 1
    assert built.count("|") == 1


@given(st.lists(st.sampled_from(["Kort setning [1].", "Lang " * 40 + "setning [2][3].", "Ja."])))
def test_split_sections_keeps_sentences(sentences: list[str]) -> None:
    text = " ".join(sentences)
    parts = split_sections(text, limit=300)
    assert " ".join(parts) == " ".join(text.split())
    assert all(len(part) <= 300 for part in parts)
    for part in parts:
        assert part.endswith((".", "]")) or len(part) > 250
