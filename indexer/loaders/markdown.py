"""Markdown with optional YAML front matter, split into sections by ATX headings."""

from __future__ import annotations

import re
from collections.abc import Iterator

import yaml
from frontmatter.default_handlers import YAMLHandler

from indexer.loaders.errors import ContentError
from indexer.loaders.parsed import ParsedContent
from indexer.loaders.sections import SectionBuilder

_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ALIAS_PROBLEM = "front matter uses YAML aliases (&/*); write the values out"


class _NoAliasLoader(yaml.SafeLoader):
    """A safe YAML loader that rejects anchors and aliases.

    Nested aliases expand to exponentially large values (a few hundred bytes can
    become gigabytes), and front matter never needs them.
    """

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise ContentError(_ALIAS_PROBLEM)
        return super().compose_node(parent, index)


def parse_markdown(text: str) -> ParsedContent:
    """Split front matter from the body and cut the body into sections."""
    front_matter, body = _split_front_matter(text)
    builder = SectionBuilder()
    title: str | None = None
    for line, level in _classify_lines(body):
        if level is None:
            builder.add_line(line)
            continue
        builder.start_heading(level, line)
        if title is None:
            title = line
    sections = builder.finish()
    if not sections:
        raise ContentError("empty document: no text after the front matter; add text")
    return ParsedContent(sections=sections, title=title, front_matter=front_matter)


def _split_front_matter(text: str) -> tuple[dict[str, object], str]:
    handler = YAMLHandler()
    if not handler.detect(text):
        return {}, text
    try:
        raw, body = handler.split(text)
    except ValueError:
        raise ContentError(
            "front matter has no closing '---' line; add one after the last field"
        ) from None
    try:
        loaded = yaml.load(raw, Loader=_NoAliasLoader)
    except yaml.YAMLError as error:
        raise ContentError(
            f"front matter is not valid YAML: {_yaml_problem(error)}; "
            "fix the lines between the '---' markers"
        ) from error
    if loaded is None:
        return {}, body
    if not isinstance(loaded, dict):
        raise ContentError(
            f"front matter must be 'key: value' lines, got a {type(loaded).__name__}; "
            "fix the lines between the '---' markers"
        )
    return {str(key): value for key, value in loaded.items()}, body


def _yaml_problem(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        # The mark counts from 0 inside the front matter, and line 1 of the file is '---'.
        return f"{error.problem} on line {error.problem_mark.line + 2}"
    return str(error)


def _classify_lines(body: str) -> Iterator[tuple[str, int | None]]:
    """Yield (heading text, level) for ATX headings and (line, None) for other lines."""
    fence: str | None = None
    for line in body.splitlines():
        fence_match = _FENCE.match(line)
        if fence is not None:
            if fence_match and _closes_fence(fence_match.group(1), fence, line):
                fence = None
            yield line, None
            continue
        if fence_match:
            fence = fence_match.group(1)
            yield line, None
            continue
        heading = _ATX_HEADING.match(line)
        if heading and heading.group(2):
            yield heading.group(2).strip(), len(heading.group(1))
        elif heading:
            # A bare '#' is an empty heading, which ends no section and adds no text.
            continue
        else:
            yield line, None


def _closes_fence(marker: str, fence: str, line: str) -> bool:
    """Check that a line closes the fence: same character, at least as long, no info text."""
    return marker[0] == fence[0] and len(marker) >= len(fence) and not line.strip(" `~")
