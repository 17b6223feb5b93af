"""Pilots that take enrolments, read from the knowledge base, and their free places.

A bokmål document (``language: nb``, normally ``kind: pilot``) describes a pilot in a
``pilot:`` front matter block. Sign-up is open while the pilot's status is ``open``.
A pilot with a ``signup_deadline`` takes enrolments up to and including that day. A
pilot without one closes on its kickoff day. Places are counted in the CaseStore.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Literal, Protocol

import frontmatter
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.prompts import message
from indexer.models import Hit, Language

logger = logging.getLogger(__name__)

PilotStatus = Literal["open", "running", "completed"]


class PilotError(ValueError):
    """A pilot block in the knowledge base is invalid; the message names file and field."""


class LocalizedText(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    nb: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: Language) -> str:
        return self.nb if language == "nb" else self.en


class Pilot(BaseModel):
    """A pilot and its terms, as stated in its document's ``pilot:`` block."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: LocalizedText
    eligible: LocalizedText
    # Number of agencies that can take part; None when no limit is stated.
    capacity: int | None = Field(ge=0)
    cost: LocalizedText
    kickoff: date | None
    ends: date | None
    signup_deadline: date | None
    topic: str = Field(min_length=1)
    status: PilotStatus
    # Ids of the documents about this pilot: the bokmål one and its "-en" version.
    document_ids: tuple[str, ...] = ()

    def signup_open(self, today: date) -> bool:
        """Return whether enrolments on ``today`` can still get a place."""
        if self.status != "open":
            return False
        if self.signup_deadline is not None:
            return today <= self.signup_deadline
        return self.kickoff is None or today < self.kickoff


class PlaceCounter(Protocol):
    """The part of CaseStore that availability() uses."""

    def places_taken(self, pilot_id: str) -> int: ...


class Availability(BaseModel):
    """How many places a pilot has left on a given day and whether new enrolments wait."""

    model_config = ConfigDict(frozen=True)

    places_left: int | None
    full: bool
    deadline_passed: bool
    waiting_list: bool


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in ("pilot", *first["loc"]))
    if first["type"] == "missing":
        return f"missing field {location!r}"
    return f"invalid field {location!r}: {first['msg']}"


def _load_pilot(path: Path, knowledge_dir: Path) -> Pilot | None:
    relative = path.relative_to(knowledge_dir).as_posix()
    try:
        post = frontmatter.load(path)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise PilotError(f"{relative}: front matter could not be read: {error}") from error
    block = post.metadata.get("pilot")
    if block is None or post.metadata.get("language", "nb") != "nb":
        return None
    if not isinstance(block, Mapping):
        raise PilotError(f"{relative}: field 'pilot' must be a mapping, got {type(block).__name__}")
    document_id = str(post.metadata.get("id", path.stem))
    try:
        pilot = Pilot.model_validate(dict(block))
    except ValidationError as error:
        raise PilotError(f"{relative}: {_describe(error)}") from error
    return pilot.model_copy(update={"document_ids": (document_id, f"{document_id}-en")})


class PilotCatalog:
    """The pilots described in a knowledge directory, by id."""

    def __init__(self, pilots: Sequence[Pilot]) -> None:
        self.pilots: dict[str, Pilot] = {}
        for pilot in pilots:
            if pilot.id in self.pilots:
                raise PilotError(f"pilot id {pilot.id!r} is used by two documents; rename one")
            self.pilots[pilot.id] = pilot

    @classmethod
    def from_knowledge(cls, knowledge_dir: Path) -> PilotCatalog:
        """Read every Markdown document's ``pilot:`` block under ``knowledge_dir``."""
        pilots = []
        for path in sorted(knowledge_dir.rglob("*.md")):
            pilot = _load_pilot(path, knowledge_dir)
            if pilot is not None:
                pilots.append(pilot)
        logger.info("loaded %d pilots from %s", len(pilots), knowledge_dir)
        return cls(pilots)

    def get(self, pilot_id: str) -> Pilot | None:
        return self.pilots.get(pilot_id)

    def __iter__(self) -> Iterator[Pilot]:
        return iter(self.pilots.values())

    def __len__(self) -> int:
        return len(self.pilots)

    def match(self, question: str, hits: Sequence[Hit]) -> Pilot | None:
        """Return the pilot that a question requests to join, or None.

        The question must express enrolment intent and either name a pilot or have
        a pilot's document as its top hit. A named pilot wins over the top hit.
        """
        text = _normalize(question)
        if not _ENROLMENT_INTENT.search(text):
            return None
        for pilot in self.pilots.values():
            if any(name in text for name in _names(pilot)):
                return pilot
        if hits:
            top_document = hits[0].chunk.document_id
            for pilot in self.pilots.values():
                if top_document in pilot.document_ids:
                    return pilot
        return None


# Phrases that ask to take part, in bokmål and English, matched on normalized text.
_ENROLMENT_INTENT = re.compile(
    r"\b("
    r"delta|deltakelse|deltagelse|bli med|blir med|være med|vaere med|meld\w* (?:\w+ )?på"
    r"|påmelding|melde interesse|meld interesse|søke om plass|sign(?:ing)? up|signup"
    r"|join|enrol+|enrol+ment|register (?:our |my )?interest|take part|participate"
    r"|participation"
    r")\b"
)


def _normalize(text: str) -> str:
    text = text.lower().replace("&", " and ")
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _names(pilot: Pilot) -> set[str]:
    """Return the normalized ways a question may name the pilot."""
    names = {pilot.id.replace("-", " ")}
    for name in (pilot.name.nb, pilot.name.en):
        names.add(_normalize(name))
        outside = re.sub(r"\([^)]*\)", " ", name)
        names.add(_normalize(outside))
        names.update(_normalize(inside) for inside in re.findall(r"\(([^)]*)\)", name))
    return {name for name in names if len(name) >= 4}


def availability(pilot: Pilot, store: PlaceCounter, today: date) -> Availability:
    """Return the pilot's free places on ``today`` and whether enrolments go to a waiting list."""
    deadline_passed = not pilot.signup_open(today)
    places_left: int | None = None
    full = False
    if pilot.capacity is not None:
        places_left = max(0, pilot.capacity - store.places_taken(pilot.id))
        full = places_left == 0
    return Availability(
        places_left=places_left,
        full=full,
        deadline_passed=deadline_passed,
        waiting_list=full or deadline_passed,
    )


def availability_message(pilot: Pilot, availability: Availability, language: Language) -> str:
    """Return the sentence an answer adds about places left, or about the waiting list."""
    name = pilot.name.get(language)
    if availability.deadline_passed:
        if pilot.status != "open":
            status = message(f"triage.pilot_status_{pilot.status}", language)
            return message("triage.pilot_not_open", language, name=name, status=status)
        deadline = pilot.signup_deadline or pilot.kickoff
        return message(
            "triage.pilot_deadline_passed",
            language,
            name=name,
            deadline=_format_date(deadline, language) if deadline else "?",
        )
    if availability.full:
        return message("triage.pilot_full", language, name=name, capacity=pilot.capacity)
    if availability.places_left is None:
        return message("triage.pilot_open_no_limit", language, name=name)
    return message(
        "triage.pilot_places_left",
        language,
        name=name,
        places_left=availability.places_left,
        capacity=pilot.capacity,
    )


_MONTHS = {
    "nb": "januar februar mars april mai juni juli august september oktober november desember",
    "en": "January February March April May June July August September October November December",
}


def _format_date(day: date, language: Language) -> str:
    """Write ``day`` as the documents do: "25. januar 2024" or "25 January 2024"."""
    month = _MONTHS[language].split()[day.month - 1]
    if language == "nb":
        return f"{day.day}. {month} {day.year}"
    return f"{day.day} {month} {day.year}"
