"""Turn the text of a Slack message into the plain question a person typed.

Slack sends markup: ``<@U123>`` mentions, ``<https://x|label>`` links,
``<#C1|name>`` channels, ``<!subteam^S1|@team>`` groups and ``&amp;``-style escapes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.slack.mrkdwn import unescape

_MARKUP = re.compile(r"<([^<>]*)>")
_SPECIAL_MENTIONS = {"here", "channel", "everyone"}


def _label(content: str) -> tuple[str, str | None]:
    target, bar, label = content.partition("|")
    return target, (label if bar and label else None)


def _user(target: str, label: str | None, bot_user_id: str | None, names: Mapping[str, str]) -> str:
    user_id = target[1:]
    if bot_user_id and user_id == bot_user_id:
        return " "
    if label:
        return label if label.startswith("@") else f"@{label}"
    return f"@{names.get(user_id, user_id)}"


def _special(target: str, label: str | None) -> str:
    command = target[1:]
    if command.startswith("subteam^"):
        return label or f"@{command.removeprefix('subteam^')}"
    if command in _SPECIAL_MENTIONS:
        return f"@{command}"
    # Dates and other commands carry their readable form as the label.
    return label or command


def _replace(match: re.Match[str], bot_user_id: str | None, names: Mapping[str, str]) -> str:
    target, label = _label(match.group(1))
    if target.startswith("@"):
        return _user(target, label, bot_user_id, names)
    if target.startswith("#"):
        return f"#{label}" if label else target
    if target.startswith("!"):
        return _special(target, label)
    if target.startswith("mailto:"):
        return label or target.removeprefix("mailto:")
    return label or target


def normalize_text(
    text: str, bot_user_id: str | None, user_names: Mapping[str, str] | None = None
) -> str:
    """Return ``text`` without the bot's own mention and with Slack markup made readable.

    Other user mentions become ``@name`` from ``user_names`` (user id to display
    name) or ``@U…``. HTML entities are decoded after the markup is replaced, so an
    escaped ``&lt;@U1&gt;`` a person typed stays text. Runs of whitespace collapse.
    """
    names = user_names or {}
    replaced = _MARKUP.sub(lambda match: _replace(match, bot_user_id, names), text)
    return " ".join(unescape(replaced).split())
