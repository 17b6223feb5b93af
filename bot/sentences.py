"""Sentence splitting, Markdown stripping and content tokens for extractive answers."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from indexer.tokens import tokenize

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_LINE_PREFIX = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s*|[-*+]\s+|\d{1,3}[.)]\s+)")
_LIST_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
# A sentence ends at . ! ? or … followed by space and an upper-case letter, digit or
# quote. Requiring the capital keeps "f.eks. skytjenester" and "nr. 3" whole.
_BOUNDARY = re.compile(r"(?<=[.!?…])\s+(?=[«\"(A-ZÆØÅ0-9])")
_SPACE = re.compile(r"\s+")
_ABBREVIATION_END = re.compile(r"\b(?:bl\.a|f\.eks|jf|nr|ca|mv|osv|e\.g|i\.e|etc|kap|pkt)\.$")

# Function words in bokmål and English. They are stemmed with the index's tokenizer
# before use, so they match the tokens of questions and sentences.
_STOPWORDS = """
og i på av til for med som er det den de en et å at om fra har hva hvem hvor hvordan
hvorfor når hvilke hvilken hvilket kan skal må vil ikke jeg du vi dere meg oss seg sin
sitt sine være vært blir ble bli var eller men også så da nå her der denne dette disse
noe noen mange mye ved etter under over mellom hos inn ut opp min mitt mine vår vårt
våre deres hans hennes dens the a an of to in on at for with as is are was were be been
being and or but not no what who whom which when where why how does do did can could
should would will shall may might must this that these those it its i you we they me us
them my our your their there here from by about into than then so if any some many much
""".split()  # noqa: SIM905


@functools.cache
def stopword_tokens() -> frozenset[str]:
    return frozenset(token for word in _STOPWORDS for token in tokenize(word))


def content_tokens(text: str) -> frozenset[str]:
    """Return the stemmed tokens of ``text`` without function words."""
    stopwords = stopword_tokens()
    return frozenset(token for token in tokenize(text) if token not in stopwords)


def strip_markdown(line: str) -> str:
    """Return ``line`` without Markdown heading, list, quote, link and emphasis syntax."""
    line = _LINE_PREFIX.sub("", line)
    line = _LINK.sub(r"\1", line)
    for _ in range(2):
        line = _EMPHASIS.sub(r"\2", line)
    line = line.replace("|", " ")
    return _SPACE.sub(" ", line).strip()


def _merge_abbreviations(parts: list[str]) -> list[str]:
    merged: list[str] = []
    for part in parts:
        if merged and _ABBREVIATION_END.search(merged[-1]):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged


@dataclass(frozen=True)
class Sentence:
    """A plain sentence of a chunk; list items are flagged so a list can be quoted whole."""

    text: str
    list_item: bool = False
    # The nearest heading above the sentence inside the chunk text, without "#".
    heading: str | None = None
    # Position of the sentence below that heading, from 0.
    position_under_heading: int = 0


def split_sentences(text: str) -> list[Sentence]:
    """Split chunk text into plain sentences, skipping headings and question lines.

    Headings and lines that end with "?" (FAQ questions) are left out because they
    are not answers. Each list item counts as its own sentence.
    """
    sentences: list[Sentence] = []
    heading: str | None = None
    under_heading = 0
    for raw_line in text.splitlines():
        if not raw_line.strip() or _TABLE_RULE.match(raw_line):
            continue
        if raw_line.lstrip().startswith("#"):
            heading, under_heading = strip_markdown(raw_line), 0
            continue
        list_item = bool(_LIST_ITEM.match(raw_line))
        line = strip_markdown(raw_line)
        for part in _merge_abbreviations(_BOUNDARY.split(line)):
            part = part.strip()
            if len(part) < 3 or part.endswith("?") or not re.search(r"\w", part):
                continue
            sentences.append(Sentence(part, list_item, heading, under_heading))
            under_heading += 1
    return sentences
