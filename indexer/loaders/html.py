"""HTML pages: the main content only, with h1–h6 building the heading path."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from indexer.loaders.errors import ContentError
from indexer.loaders.parsed import ParsedContent
from indexer.loaders.sections import SectionBuilder
from indexer.models import Section

# Elements that never carry the page's own content.
_DROPPED_TAGS = frozenset(
    {
        "head", "script", "style", "noscript", "template", "nav", "header", "footer",
        "aside", "form", "iframe", "svg", "button", "select", "textarea", "dialog",
    }
)  # fmt: skip
# id, class, aria-label or role values that mark navigation, cookie banners and footers.
_BOILERPLATE = re.compile(
    r"cookie|consent|menu|meny|footer|(?:^|[^a-z])(?:nav|banner|breadcrumb|contentinfo)",
    re.IGNORECASE,
)
_BOILERPLATE_ATTRIBUTES = ("id", "class", "aria-label", "role")
# Elements that are never dropped for their attributes, so a class on <body> such as
# "has-cookie-banner" cannot remove the whole page.
_CONTAINER_TAGS = frozenset({"html", "body", "main", "article"})
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd",
        "table", "thead", "tbody", "tfoot", "tr", "blockquote", "pre", "figure",
        "figcaption", "details", "summary", "hr", "address", "caption",
    }
)  # fmt: skip
_CELL_TAGS = frozenset({"td", "th"})
_CONTENT_TAGS = frozenset({"main", "article"})
_HEADING_LEVELS = {f"h{level}": level for level in range(1, 7)}
_CELL_SEPARATOR = "\x1f"
_SPACES = re.compile(r"\s+")


def parse_html(text: str) -> ParsedContent:
    """Extract the main content of a page, walking the tree without recursion."""
    # NOTE: lexbor's parse time grows with the square of the nesting depth (measured:
    # about 2 s at 20,000 nested <div>s), so a pathological page is slow but never
    # exhausts the Python stack.
    tree = LexborHTMLParser(text)
    html = tree.css_first("html")
    language_tag = html.attributes.get("lang") if html is not None else None
    title_node = tree.css_first("title")
    title = _clean(title_node.text()) if title_node is not None else ""

    main = tree.css_first("main, [role=main]")
    walk = _walk(main) if main is not None else None
    if walk is None or not walk.sections:
        body = tree.body if tree.body is not None else tree.root
        if body is None:
            raise ContentError("empty document: the page has no body; add content")
        walk = _walk(body)
    if not walk.sections:
        raise ContentError(
            "empty document: no text outside navigation, header, footer and banners; "
            "check that the page content is in the HTML and not loaded by JavaScript"
        )
    return ParsedContent(
        sections=walk.sections,
        title=title or walk.first_h1 or None,
        language_tag=language_tag,
    )


@dataclass
class _Walk:
    builder: SectionBuilder = field(default_factory=SectionBuilder)
    line: list[str] = field(default_factory=list)
    heading_level: int | None = None
    heading: list[str] = field(default_factory=list)
    first_h1: str | None = None
    pre_depth: int = 0
    # Depth of <main> and <article> elements around the current node.
    content_depth: int = 0
    sections: tuple[Section, ...] = ()

    def add_text(self, text: str) -> None:
        if self.heading_level is not None:
            self.heading.append(text)
        elif self.pre_depth:
            lines = text.split("\n")
            self.line.append(lines[0])
            for line in lines[1:]:
                self.end_line()
                self.line.append(line)
        else:
            self.line.append(text)

    def end_line(self) -> None:
        if self.heading_level is not None:
            self.heading.append(" ")
            return
        raw = "".join(self.line)
        self.line = []
        cells = [_clean(cell) for cell in raw.split(_CELL_SEPARATOR)]
        while cells and not cells[-1]:
            cells.pop()
        if self.pre_depth:
            self.builder.add_line(raw.replace(_CELL_SEPARATOR, " | ").rstrip())
        elif cells:
            self.builder.add_line(" | ".join(cells))

    def start_heading(self, level: int) -> None:
        self.end_line()
        self.heading_level = level
        self.heading = []

    def finish_heading(self) -> None:
        level = self.heading_level
        text = _clean("".join(self.heading))
        self.heading_level = None
        self.heading = []
        if level is None or not text:
            return
        if level == 1 and self.first_h1 is None:
            self.first_h1 = text
        self.builder.start_heading(level, text)


def _walk(root: LexborNode) -> _Walk:
    """Visit root's subtree depth-first with an explicit stack, so deep nesting is safe."""
    state = _Walk()
    stack: list[tuple[LexborNode, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        tag = node.tag or ""
        if leaving:
            _leave(state, tag)
            continue
        if tag == "-text":
            state.add_text(node.text_content or "")
            continue
        if (
            tag.startswith("-")
            or tag.startswith("_")
            or _is_dropped(node, tag, state.content_depth > 0)
        ):
            continue
        _enter(state, tag)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(_children(node)))
    state.end_line()
    state.sections = state.builder.finish()
    return state


def _enter(state: _Walk, tag: str) -> None:
    if tag in _CONTENT_TAGS:
        state.content_depth += 1
    if tag in _HEADING_LEVELS:
        if state.heading_level is None:
            state.start_heading(_HEADING_LEVELS[tag])
    elif tag in _BLOCK_TAGS or tag == "br":
        state.end_line()
        if tag == "pre":
            state.pre_depth += 1


def _leave(state: _Walk, tag: str) -> None:
    if tag in _CONTENT_TAGS:
        state.content_depth -= 1
    if tag in _HEADING_LEVELS:
        if state.heading_level == _HEADING_LEVELS[tag]:
            state.finish_heading()
    elif tag in _CELL_TAGS:
        state.add_text(_CELL_SEPARATOR)
    elif tag in _BLOCK_TAGS:
        state.end_line()
        if tag == "pre":
            state.pre_depth -= 1


def _children(node: LexborNode) -> list[LexborNode]:
    children = []
    child = node.child
    while child is not None:
        children.append(child)
        child = child.next
    return children


def _is_dropped(node: LexborNode, tag: str, inside_content: bool) -> bool:
    if tag in _DROPPED_TAGS:
        # An article's own <header> often contains its h1, so only page headers go.
        return not (tag == "header" and inside_content)
    if tag in _CONTAINER_TAGS:
        return False
    attributes = node.attributes
    if "hidden" in attributes or attributes.get("aria-hidden") == "true":
        return True
    return any(_BOILERPLATE.search(attributes.get(name) or "") for name in _BOILERPLATE_ATTRIBUTES)


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
