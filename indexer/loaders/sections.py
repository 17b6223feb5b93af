"""Collects lines under a stack of headings and emits Sections."""

from __future__ import annotations

import re

from indexer.models import Section

_BLANK_RUN = re.compile(r"\n{3,}")


class SectionBuilder:
    """Builds Sections from a stream of headings and text lines.

    A heading of level n closes the open section and replaces every heading of level
    n or deeper on the path. Headings with no text below them produce no Section.
    """

    def __init__(self) -> None:
        self._headings: list[tuple[int, str]] = []
        self._lines: list[str] = []
        self._sections: list[Section] = []

    def add_line(self, line: str) -> None:
        self._lines.append(line.rstrip())

    def start_heading(self, level: int, text: str) -> None:
        self._flush()
        while self._headings and self._headings[-1][0] >= level:
            self._headings.pop()
        self._headings.append((level, text))

    def finish(self) -> tuple[Section, ...]:
        self._flush()
        return tuple(self._sections)

    def _flush(self) -> None:
        text = _BLANK_RUN.sub("\n\n", "\n".join(self._lines)).strip("\n")
        self._lines = []
        if not text.strip():
            return
        path = tuple(heading for _, heading in self._headings)
        self._sections.append(Section(heading_path=path, text=text))
