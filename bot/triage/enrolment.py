"""Enrolment of an agency in a pilot: the form, the place or waiting-list entry, the reply."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from bot.prompts import message
from bot.routing import Routing
from bot.slack.mrkdwn import escape
from bot.triage.orgnr import validate_organisation_number
from bot.triage.pilots import Pilot
from bot.triage.records import Enrolment
from bot.triage.store import CaseStore
from indexer.models import Language


class EnrolmentForm(BaseModel):
    """The fields of a submitted enrolment form, kept as the agency wrote them."""

    model_config = ConfigDict(frozen=True)

    pilot_id: str
    agency: str
    organisation_number: str
    contact_role: str
    comment: str = ""


def enrol(
    form: EnrolmentForm,
    pilot: Pilot,
    store: CaseStore,
    *,
    today: date,
    asker: str | None,
    channel: str | None = None,
    thread_ts: str | None = None,
    permalink: str | None = None,
    language: Language = "nb",
) -> Enrolment:
    """Open an enrolment case for ``pilot`` and give it a place or a waiting-list entry.

    Raises OrganisationNumberError when the organisation number is invalid.
    """
    number = validate_organisation_number(form.organisation_number)
    question = message(
        "triage.enrol_case_question",
        language,
        name=pilot.name.get(language),
        agency=form.agency.strip(),
        organisation_number=number,
    )
    details = {
        "pilot": pilot.id,
        "agency": form.agency,
        "organisation_number": number,
        "contact_role": form.contact_role,
        "comment": form.comment,
        "language": language,
    }
    return store.enrol(
        pilot_id=pilot.id,
        capacity=pilot.capacity,
        accepting=pilot.signup_open(today),
        organisation_number=number,
        agency=form.agency.strip(),
        case_fields={
            "question": question,
            "asker": asker,
            "channel": channel,
            "thread_ts": thread_ts,
            "permalink": permalink,
            "topic": pilot.topic,
            "draft_answer": None,
            "sources": (),
            "audience": "public",
            "details": details,
        },
    )


def enrolment_reply(
    enrolment: Enrolment, pilot: Pilot, routing: Routing, language: Language, today: date
) -> str:
    """Return the message to the agency: whether it got a place, and what happens next."""
    topic = routing.find(pilot.topic)
    variables = {
        "agency": escape(enrolment.agency),
        "name": pilot.name.get(language),
        "position": enrolment.position,
        "capacity": pilot.capacity,
        "team": _capitalize(topic.team[language]) if topic else "MPS",
    }
    if enrolment.placement == "place":
        key = "enrol_place" if pilot.capacity is not None else "enrol_place_no_limit"
    elif pilot.signup_open(today):
        key = "enrol_waiting_full"
    else:
        key = "enrol_waiting_closed"
    return message(f"triage.{key}", language, **variables)


def _capitalize(text: str) -> str:
    # Team names such as "the MPS FinOps team" start a sentence in the reply.
    return text[:1].upper() + text[1:]
