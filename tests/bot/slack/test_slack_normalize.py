"""Tests for bot.slack.normalize: Slack markup to the plain question."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack.mrkdwn import escape
from bot.slack.normalize import normalize_text

BOT = "UBOT"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("<@UBOT> hva er CIPS?", "hva er CIPS?"),
        ("hva er CIPS, <@UBOT>?", "hva er CIPS, ?"),
        ("<@UBOT|mpsbot> hei", "hei"),
        ("se <https://www.dfo.no/cips|CIPS-siden>", "se CIPS-siden"),
        ("se <https://www.dfo.no/cips>", "se https://www.dfo.no/cips"),
        ("skriv til <mailto:mps@dfo.no|mps@dfo.no>", "skriv til mps@dfo.no"),
        ("skriv til <mailto:mps@dfo.no>", "skriv til mps@dfo.no"),
        ("i <#C123|generelt>", "i #generelt"),
        ("i <#C123>", "i #C123"),
        ("spør <!subteam^S1|@mps-team>", "spør @mps-team"),
        ("spør <@U999>", "spør @U999"),
        ("spør <@U999|kari>", "spør @kari"),
        ("<!here> noen?", "@here noen?"),
        ("A &amp; B &lt;tag&gt;", "A & B <tag>"),
        ("&amp;lt;", "&lt;"),
        ("  mange   mellomrom \n og linjer ", "mange mellomrom og linjer"),
    ],
)
def test_normalize_markup(raw: str, expected: str) -> None:
    assert normalize_text(raw, BOT) == expected


def test_normalize_uses_display_names() -> None:
    assert normalize_text("spør <@U999>", BOT, {"U999": "Kari"}) == "spør @Kari"


def test_normalize_without_bot_id_keeps_mentions() -> None:
    assert normalize_text("<@UBOT> hei", None) == "@UBOT hei"


@given(st.text())
def test_normalize_inverts_escape(text: str) -> None:
    # Text a person typed reaches the app escaped; normalising gives it back.
    assert normalize_text(escape(text), BOT) == " ".join(text.split())


@given(st.text(), st.text())
def test_normalize_strips_own_mention_anywhere(before: str, after: str) -> None:
    result = normalize_text(f"{escape(before)}<@{BOT}>{escape(after)}", BOT)
    assert f"<@{BOT}>" not in result
    assert result == " ".join(f"{before} {after}".split())
