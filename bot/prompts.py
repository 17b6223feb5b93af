"""Prompt templates and user-facing strings, loaded from the prompts/ directory.

Templates are Jinja2 files under ``prompts/``, rendered with StrictUndefined so a
missing variable raises. Short strings a user reads live in
``prompts/messages/<area>.yaml`` as ``name: {nb: ..., en: ...}`` and are looked up
with ``message("<area>.<name>", language)``.
"""

from __future__ import annotations

import functools
import string
from pathlib import Path
from typing import Any

import jinja2
import yaml

from indexer.models import Language

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
LANGUAGES: tuple[Language, ...] = ("nb", "en")


class PromptError(LookupError):
    """A template or message is missing, malformed or lacks a variable."""


@functools.cache
def _environment(root: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )


def render(name: str, /, **variables: Any) -> str:
    """Render the template ``prompts/<name>`` with ``variables``.

    Raises PromptError when the template is missing or uses a variable not given.
    """
    environment = _environment(PROMPTS_DIR)
    try:
        template = environment.get_template(name)
    except jinja2.TemplateNotFound as error:
        raise PromptError(f"template {name!r} not found under {PROMPTS_DIR}") from error
    try:
        return template.render(**variables)
    except jinja2.UndefinedError as error:
        raise PromptError(
            f"template {name!r}: missing variable ({error.message}); "
            f"pass it to render({name!r}, ...)"
        ) from error


@functools.cache
def _load_messages(path: Path) -> dict[str, dict[str, str]]:
    if not path.is_file():
        raise PromptError(f"message file {path} not found")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise PromptError(f"{path.name}: expected a mapping of message names, got {type(data)}")
    messages: dict[str, dict[str, str]] = {}
    for name, entry in data.items():
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(language), str) for language in LANGUAGES
        ):
            raise PromptError(f"{path.name}: message {name!r} needs string entries 'nb' and 'en'")
        messages[str(name)] = {language: entry[language] for language in LANGUAGES}
    return messages


def message(key: str, language: Language, /, **variables: Any) -> str:
    """Return the message ``key`` ("area.name") in ``language`` with ``variables`` filled in.

    The text uses ``{name}`` placeholders (str.format). Raises PromptError on an unknown
    key, an unknown language or a placeholder without a value.
    """
    area, dot, name = key.partition(".")
    if not dot or not area or not name:
        raise PromptError(f"message key {key!r} must look like 'area.name'")
    if language not in LANGUAGES:
        raise PromptError(f"message {key!r}: unknown language {language!r}, use 'nb' or 'en'")
    messages = _load_messages(PROMPTS_DIR / "messages" / f"{area}.yaml")
    if name not in messages:
        raise PromptError(f"message {key!r} not found in prompts/messages/{area}.yaml")
    text = messages[name][language]
    try:
        return text.format(**variables)
    except KeyError as error:
        raise PromptError(f"message {key!r} ({language}): missing variable {error}") from error
    except (IndexError, ValueError) as error:
        raise PromptError(f"message {key!r} ({language}): invalid placeholder: {error}") from error


def placeholders(key: str, language: Language) -> set[str]:
    """Return the placeholder names the message ``key`` expects."""
    area, _, name = key.partition(".")
    text = _load_messages(PROMPTS_DIR / "messages" / f"{area}.yaml")[name][language]
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}
