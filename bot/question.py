"""Cleaning a question and building its search query, follow-ups included."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.sentences import content_tokens

# Questions longer than this are accepted, but only this many characters are searched.
MAX_QUESTION_CHARS = 40_000
MAX_QUERY_CHARS = 1_000
# Only questions of at most this many words are read as follow-ups.
FOLLOW_UP_MAX_WORDS = 6
_WORD = re.compile(r"\w+")
_REFERS_BACK = re.compile(
    r"^(?:og|men|hva med|hvordan med|samme|also|and|but|what about|how about)\b"
    r"|\b(?:den|det|dette|denne|disse|dem|de|it|its|this|that|they|them|there|same)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Query:
    """The cleaned question and the text sent to search."""

    question: str
    search_text: str
    truncated_from: int | None = None
    follow_up_of: str | None = None


def clean_question(text: str) -> str:
    """Return ``text`` without control characters and with runs of white space collapsed."""
    kept = [
        " " if char in "\t\n\r\v\f" else char
        for char in text[:MAX_QUESTION_CHARS]
        if char in "\t\n\r\v\f" or unicodedata.category(char)[0] != "C"
    ]
    return re.sub(r"\s+", " ", "".join(kept)).strip()


def is_follow_up(question: str) -> bool:
    """Return True when ``question`` is short or refers back to an earlier one."""
    if len(_WORD.findall(question)) > FOLLOW_UP_MAX_WORDS:
        return False
    return len(content_tokens(question)) <= 1 or bool(_REFERS_BACK.search(question))


def _key_terms(previous: str) -> str:
    wanted = content_tokens(previous)
    words = [word for word in _WORD.findall(previous) if content_tokens(word) & wanted]
    return " ".join(dict.fromkeys(words))


def build_query(question: str, history: Sequence[str] = ()) -> Query:
    """Build the search text for ``question``, adding key terms of the last question."""
    length = len(question)
    search_text = question[:MAX_QUERY_CHARS]
    truncated = length if length > MAX_QUERY_CHARS else None
    previous = next((item for item in reversed(history) if clean_question(item)), None)
    if previous is not None and is_follow_up(question):
        terms = _key_terms(clean_question(previous))
        if terms:
            return Query(question, f"{search_text} {terms}", truncated, previous)
    return Query(question, search_text, truncated)
