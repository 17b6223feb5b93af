"""Tokens for BM25: Unicode words, lowercased, stemmed for Norwegian and English.

Both Snowball stemmers run on every word (Norwegian first, then English), because a
question and its sources may be in either language and the same function tokenizes
both sides. Over-stemming a few words is the price of not needing a language tag.
"""

from __future__ import annotations

import re
import threading

import Stemmer

# Letters and digits; the underscore that \w also matches splits words.
_WORD = re.compile(r"[^\W_]+")

_NORWEGIAN_STOP_WORDS = """
og i på til av for med som er det den de en et å har ikke om at kan skal fra ved
eller men så seg sin sitt sine der her hva hvor når hvis også vi du jeg han hun dem
deg meg oss dere
"""
_ENGLISH_STOP_WORDS = """
the a an and or of to in on for with is are was be by as at it this that from not
can will if
"""
STOP_WORDS = frozenset(_NORWEGIAN_STOP_WORDS.split()) | frozenset(_ENGLISH_STOP_WORDS.split())

_local = threading.local()


def _stemmers() -> tuple[Stemmer.Stemmer, Stemmer.Stemmer]:
    # PyStemmer objects are not thread-safe, so each thread gets its own pair.
    pair = getattr(_local, "stemmers", None)
    if pair is None:
        pair = (Stemmer.Stemmer("norwegian"), Stemmer.Stemmer("english"))
        _local.stemmers = pair
    return pair


def words(text: str) -> list[str]:
    """Split text into lowercased Unicode words and numbers, without stemming."""
    return _WORD.findall(text.lower())


def tokenize(text: str) -> list[str]:
    """Turn text into BM25 terms: words minus stop words, stemmed; numbers kept as is."""
    norwegian, english = _stemmers()
    terms = [word for word in words(text) if word not in STOP_WORDS]
    return english.stemWords(norwegian.stemWords(terms))
