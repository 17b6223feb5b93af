"""A small bokmål / English guess for documents that do not declare their language."""

from __future__ import annotations

import re

from indexer.models import Language

_WORD = re.compile(r"[a-zæøå]+")

_NORWEGIAN_TEXT = (
    "og i er det som på til for med av ikke en et å har kan skal vi du eller de den "
    "ved om fra også må seg sin når hvis hva hvordan bør etter under våre"
)
_ENGLISH_TEXT = (
    "the and is of to in that for with are this be or not can you it on by as from "
    "an at which should must what how if when your our has have"
)
_NORWEGIAN_WORDS = frozenset(_NORWEGIAN_TEXT.split())
_ENGLISH_WORDS = frozenset(_ENGLISH_TEXT.split())


def detect_language(text: str) -> Language:
    """Guess "nb" or "en" from æøå and common function words; and return "nb" on a tie."""
    lowered = text.lower()
    norwegian = sum(lowered.count(letter) for letter in "æøå")
    english = 0
    for word in _WORD.findall(lowered):
        if word in _NORWEGIAN_WORDS:
            norwegian += 1
        elif word in _ENGLISH_WORDS:
            english += 1
    return "en" if english > norwegian else "nb"


def language_from_tag(tag: str | None) -> Language | None:
    """Map a BCP 47 tag such as "nb-NO", "no" or "en-GB" to "nb" or "en", or return None."""
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-")[0]
    # Nynorsk and the generic "no" tag are indexed with the bokmål documents.
    if primary in {"nb", "no", "nn", "nob", "nno", "nor"}:
        return "nb"
    if primary in {"en", "eng"}:
        return "en"
    return None
