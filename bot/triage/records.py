"""The rows of the triage database as pydantic models: Case, Reply, CaseEvent, Enrolment."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.models import Answer, Citation

CaseKind = Literal["escalation", "refusal", "forwarded", "enrolment"]
CaseStatus = Literal["new", "assigned", "answered", "closed"]
Placement = Literal["place", "waiting_list"]

CASE_KINDS: tuple[CaseKind, ...] = ("escalation", "refusal", "forwarded", "enrolment")
CASE_STATUSES: tuple[CaseStatus, ...] = ("new", "assigned", "answered", "closed")


class Case(BaseModel):
    """A question that MPS staff should look at, with where it came from and its state."""

    model_config = ConfigDict(frozen=True)

    id: int
    kind: CaseKind
    status: CaseStatus
    # The asker's text exactly as written.
    question: str
    asker: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    permalink: str | None = None
    topic: str | None = None
    draft_answer: str | None = None
    sources: list[Citation] = Field(default_factory=list)
    assignee: str | None = None
    staff_answer: str | None = None
    answered_by: str | None = None
    audience: str = "public"
    # Kind-specific fields, such as the enrolment form or the forwarding staff member.
    details: dict[str, str] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    # Where the case message was posted for staff, once it was.
    triage_channel: str | None = None
    triage_ts: str | None = None


class Reply(BaseModel):
    """An answer the bot posted; buttons under it carry its id."""

    model_config = ConfigDict(frozen=True)

    id: str
    question: str
    answer: Answer
    channel: str | None = None
    thread_ts: str | None = None
    asker: str | None = None
    message_ts: str | None = None
    created_at: datetime


class CaseEvent(BaseModel):
    """One entry in a case's history; ``text`` keeps what a person wrote, verbatim."""

    model_config = ConfigDict(frozen=True)

    id: int
    case_id: int
    action: str
    actor: str | None = None
    text: str | None = None
    created_at: datetime


class Enrolment(BaseModel):
    """An agency's enrolment in a pilot and whether it got a place or a waiting-list entry."""

    model_config = ConfigDict(frozen=True)

    case: Case
    pilot_id: str
    organisation_number: str
    agency: str
    placement: Placement
    # 1-based position among this pilot's enrolments with the same placement.
    position: int
