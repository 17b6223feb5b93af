"""Citation markers in a model's answer: parsing, cleanup and renumbering.

A model cites with ``[n]``, ``[n, m]`` or ``[n][m]`` where n is the number of a
source in the prompt. The answer is split into sentences that each carry the
source numbers they cite. Markers outside the given sources are removed, a source
cited twice in one sentence keeps one marker, and the sources that survive the
checks are renumbered 1..k in order of first use.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)

_MARKER = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
_MARKERS_TAIL = r"(?:\s*\[\d{1,3}(?:\s*,\s*\d{1,3})*\])*"
# A sentence ends at . ! ? or …, optionally followed by markers, then a space and
# an upper-case letter, digit, quote or bracket, or the end of the line.
_SENTENCE_END = re.compile(rf"[.!?…]{_MARKERS_TAIL}(?=\s+[«\"(\[A-ZÆØÅ0-9]|\s*$)")
_ABBREVIATION_END = re.compile(
    r"\b(?:bl\.a|f\.eks|jf|nr|ca|mv|osv|dvs|e\.g|i\.e|etc|kap|pkt|U\.S)\.$", re.IGNORECASE
)
_LIST_PREFIX = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?…])")
_SPACES = re.compile(r"[ \t]+")


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of a model's answer and the source numbers it cites, in order."""

    text: str  # without markers
    sources: tuple[int, ...]
    line: int  # index of the answer line, so line breaks survive rendering
    prefix: str = ""  # list bullet of the line's first sentence, such as "- "


def strip_markers(text: str) -> str:
    """Return ``text`` without ``[n]`` markers and the spaces they leave behind."""
    text = _MARKER.sub("", text)
    text = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


def _marker_numbers(text: str) -> tuple[int, ...]:
    numbers: list[int] = []
    for match in _MARKER.finditer(text):
        for part in match.group(1).split(","):
            number = int(part)
            if number not in numbers:
                numbers.append(number)
    return tuple(numbers)


def _split_line(line: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(line):
        piece = line[start : match.end()]
        if _ABBREVIATION_END.search(strip_markers(piece)):
            continue
        pieces.append(piece)
        start = match.end()
    pieces.append(line[start:])
    return [piece.strip() for piece in pieces if piece.strip()]


def parse_answer(text: str) -> list[AnswerSentence]:
    """Split a model's answer into sentences with the source numbers each one cites."""
    sentences: list[AnswerSentence] = []
    for line_number, raw_line in enumerate(text.splitlines()):
        prefix_match = _LIST_PREFIX.match(raw_line)
        prefix = "- " if prefix_match else ""
        line = raw_line[prefix_match.end() :] if prefix_match else raw_line
        for position, piece in enumerate(_split_line(line)):
            plain = strip_markers(piece)
            if not plain:
                continue
            sentences.append(
                AnswerSentence(
                    text=plain,
                    sources=_marker_numbers(piece),
                    line=line_number,
                    prefix=prefix if position == 0 else "",
                )
            )
    return sentences


def valid_sources(sources: Sequence[int], source_count: int) -> tuple[int, ...]:
    """Return ``sources`` without numbers outside 1..source_count and without repeats."""
    kept: list[int] = []
    for number in sources:
        if 1 <= number <= source_count and number not in kept:
            kept.append(number)
    return tuple(kept)


def number_by_first_use(keys_per_sentence: Sequence[Sequence[Key]]) -> dict[Key, int]:
    """Number the keys 1..k in the order the sentences first cite them."""
    numbers: dict[Key, int] = {}
    for keys in keys_per_sentence:
        for key in keys:
            numbers.setdefault(key, len(numbers) + 1)
    return numbers


def render_answer(
    sentences: Sequence[AnswerSentence], keys_per_sentence: Sequence[Sequence[Key]]
) -> tuple[str, dict[Key, int]]:
    """Render sentences with markers renumbered by first use; return text and numbering.

    ``keys_per_sentence[i]`` names the sources (such as chunk ids) that sentence i
    cites after the checks. Two prompt numbers that name one source share a number.
    """
    numbers = number_by_first_use(keys_per_sentence)
    lines: dict[int, list[str]] = {}
    for sentence, keys in zip(sentences, keys_per_sentence, strict=True):
        markers = "".join(f"[{n}]" for n in dict.fromkeys(numbers[key] for key in keys))
        rendered = f"{sentence.prefix}{sentence.text} {markers}".rstrip()
        lines.setdefault(sentence.line, []).append(rendered)
    text = "\n".join(" ".join(parts) for _, parts in sorted(lines.items()))
    return text, numbers
