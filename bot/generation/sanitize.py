"""Removal of Slack mentions and of links that the sources do not contain."""

from __future__ import annotations

import re
from collections.abc import Iterable

_SLACK_MENTION = re.compile(r"<[@#!][^>\s]*>")
_PLAIN_MENTION = re.compile(r"(?<![\w@])@(?:channel|here|everyone)\b", re.IGNORECASE)
# Slack link markup <url|label> or <url>, and Markdown [label](url).
_SLACK_LINK = re.compile(r"<((?:https?|mailto|ftp)://[^>|\s]+|mailto:[^>|\s]+)(?:\|([^>]*))?>")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\(((?:https?://|www\.)[^)\s]+)\)")
_BARE_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]\"'|]+", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?»)"
_SPACES = re.compile(r"[ \t]{2,}")


def normalise_url(url: str) -> str:
    """Return ``url`` lower-cased, without scheme, ``www.``, trailing slash or punctuation."""
    url = url.strip().rstrip(_TRAILING_PUNCTUATION).lower()
    url = re.sub(r"^(?:https?://)?(?:www\.)?", "", url)
    return url.rstrip("/")


def urls_in(texts: Iterable[str]) -> frozenset[str]:
    """Return the normalised URLs found in ``texts``."""
    found: set[str] = set()
    for text in texts:
        found.update(normalise_url(match.group(0)) for match in _BARE_URL.finditer(text))
    return frozenset(found)


def remove_mentions(text: str) -> str:
    """Remove Slack mentions (``<@U…>``, ``<!here>``, ``<#C…>``) and ``@channel``-style words."""
    text = _SLACK_MENTION.sub("", text)
    text = _PLAIN_MENTION.sub("", text)
    return _SPACES.sub(" ", text)


def remove_foreign_links(text: str, allowed: frozenset[str]) -> str:
    """Remove links whose normalised URL is not in ``allowed``; keep the label text."""

    def slack_link(match: re.Match[str]) -> str:
        if normalise_url(match.group(1)) in allowed:
            return match.group(0)
        return match.group(2) or ""

    def markdown_link(match: re.Match[str]) -> str:
        if normalise_url(match.group(2)) in allowed:
            return match.group(0)
        return match.group(1)

    def bare_url(match: re.Match[str]) -> str:
        url = match.group(0)
        core = url.rstrip(_TRAILING_PUNCTUATION)
        if normalise_url(core) in allowed:
            return url
        return url[len(core) :]

    text = _SLACK_LINK.sub(slack_link, text)
    text = _MARKDOWN_LINK.sub(markdown_link, text)
    text = _BARE_URL.sub(bare_url, text)
    return _SPACES.sub(" ", text)
