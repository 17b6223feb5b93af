"""DocumentMeta from front matter, with defaults taken from the file's path and content."""

from __future__ import annotations

import re
import reprlib
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any, get_args

from pydantic import ValidationError

from indexer.loaders.errors import ContentError
from indexer.loaders.language import detect_language, language_from_tag
from indexer.loaders.parsed import ParsedContent
from indexer.models import Audience, DocumentMeta, Kind, Language

_ID_MAX_LENGTH = 200
_TRANSLITERATION = str.maketrans({"æ": "ae", "ø": "o", "å": "a"})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# An id is path-like parts of letters, digits, '.', '_' and '-', each starting with a
# letter or digit. So it has no '..' part, no leading '/', no whitespace, no control or
# bidi characters, and no ':' because chunk ids use ':' as a separator.
_VALID_ID = re.compile(r"[a-z0-9][a-z0-9._-]*(?:/[a-z0-9][a-z0-9._-]*)*")
_ID_RULE = (
    "use lowercase letters, digits, '.', '_' and '-', with '/' only between parts "
    f"that start with a letter or digit, at most {_ID_MAX_LENGTH} characters"
)
# Bounds how much of a front matter value an error message shows.
_SHOWN_MAX_CHARS = 200
_SHOWN = reprlib.Repr()
_SHOWN.maxstring = 80
_SHOWN.maxother = 80
_SHOWN.maxlist = _SHOWN.maxtuple = _SHOWN.maxdict = _SHOWN.maxset = 6
_SHOWN.maxlevel = 3

_ALLOWED_VALUES: dict[str, tuple[str, ...]] = {
    "kind": get_args(Kind),
    "language": get_args(Language),
    "audience": get_args(Audience),
}
_DATE_FIELDS = frozenset({"published", "reviewed"})
_TEXT_FIELDS = frozenset({"id", "title", "topic", "source_url"})


def default_id(relative_path: str) -> str:
    """Slugify a relative path: "Cyber/FAQ Cyber.md" becomes "cyber/faq-cyber"."""
    stem = PurePosixPath(relative_path).with_suffix("").as_posix()
    parts = [_slugify(part) for part in stem.split("/")]
    slug = "/".join(part for part in parts if part)
    return slug[:_ID_MAX_LENGTH].rstrip("/-") or "document"


def build_meta(relative_path: str, parsed: ParsedContent) -> DocumentMeta:
    """Validate front matter into DocumentMeta, filling missing fields from the file."""
    values: dict[str, Any] = {
        "id": default_id(relative_path),
        "title": parsed.title or PurePosixPath(relative_path).stem,
        "language": language_from_tag(parsed.language_tag) or detect_language(_sample(parsed)),
    }
    topic = _default_topic(relative_path)
    if topic:
        values["topic"] = topic
    values.update({key: value for key, value in parsed.front_matter.items() if value is not None})
    if isinstance(values["id"], str):
        values["id"] = _checked_id(values["id"])
    if isinstance(values["title"], str):
        values["title"] = _printable(values["title"])
    try:
        return DocumentMeta.model_validate(values)
    except ValidationError as error:
        raise ContentError(_describe(error, parsed.front_matter)) from error


def _checked_id(raw: str) -> str:
    document_id = raw.strip()
    if len(document_id) > _ID_MAX_LENGTH or not _VALID_ID.fullmatch(document_id.lower()):
        raise ContentError(f"front matter field 'id': invalid id {_shown(raw)}; {_ID_RULE}")
    return document_id


def _printable(text: str) -> str:
    """Replace control characters with spaces and drop format characters (such as bidi)."""
    characters = []
    for character in text:
        category = unicodedata.category(character)
        if category == "Cc":
            characters.append(" ")
        elif category != "Cf":
            characters.append(character)
    return " ".join("".join(characters).split())


def _shown(value: object) -> str:
    """Return a repr of a front matter value, cut to at most _SHOWN_MAX_CHARS characters."""
    text = _SHOWN.repr(value)
    if len(text) <= _SHOWN_MAX_CHARS:
        return text
    return text[: _SHOWN_MAX_CHARS - 3] + "..."


def _slugify(text: str) -> str:
    lowered = unicodedata.normalize("NFC", text).lower().translate(_TRANSLITERATION)
    ascii_only = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_only).strip("-")


def _default_topic(relative_path: str) -> str | None:
    parts = PurePosixPath(relative_path).parts
    if len(parts) < 2:
        return None
    return _slugify(parts[0]) or None


def _sample(parsed: ParsedContent) -> str:
    return "\n".join(section.text for section in parsed.sections[:20])[:20_000]


def _describe(error: ValidationError, front_matter: Mapping[str, object]) -> str:
    """Describe the first invalid field with its value and how to fix it."""
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "?"
    value = first.get("input")
    if field not in front_matter:
        # A default the loader derived is invalid, such as a title that is only spaces.
        return (
            f"cannot derive '{field}' from the file ({first['msg']}); set '{field}' in front matter"
        )
    return f"front matter field '{field}': {_problem(field, value, first['msg'])}"


def _problem(field: str, value: object, message: str) -> str:
    if field in _DATE_FIELDS:
        shown = value.isoformat() if isinstance(value, datetime | date) else value
        return f"invalid date {_shown(shown)}; use YYYY-MM-DD"
    if field in _ALLOWED_VALUES:
        allowed = ", ".join(_ALLOWED_VALUES[field])
        return f"invalid value {_shown(value)}; use one of {allowed}"
    if field in _TEXT_FIELDS and not isinstance(value, str):
        return f"expected text, got {type(value).__name__} {_shown(value)}; put the value in quotes"
    return f"invalid value {_shown(value)} ({message}); fix or remove the field"
