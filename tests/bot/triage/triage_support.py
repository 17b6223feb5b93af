"""Helpers for triage tests: pilot documents, settings, payload builders, a fixed answerer."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from slackfake import BOT_TOKEN, TEAM_ID, FakeSlack

from bot.models import Answer, Citation
from bot.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[3]
TODAY = date(2030, 1, 15)
STAFF = "USTAFF"
ASKER = "UASKER"
_view_ids = itertools.count(1)

PILOT_TEMPLATE = """---
id: {document_id}
title: Utprøving av {name}
kind: pilot
topic: {topic}
language: nb
published: 2029-12-01
reviewed: 2029-12-01
audience: public
pilot:
  id: {pilot_id}
  name: {{nb: "{name}", en: "{name}"}}
  eligible: {{nb: "Offentlige virksomheter", en: "Public-sector agencies"}}
  capacity: {capacity}
  cost: {{nb: "Gratis", en: "Free"}}
  kickoff: {kickoff}
  ends: {ends}
  signup_deadline: {deadline}
  topic: {topic}
  status: {status}
---

# Utprøving av {name}

## Om utprøvingen

Utprøvingen av {name} er for offentlige virksomheter som vil prøve tjenesten.
"""


def write_pilot(
    knowledge_dir: Path,
    pilot_id: str,
    name: str,
    *,
    capacity: int | None = 2,
    kickoff: date | None = TODAY + timedelta(days=30),
    deadline: date | None = None,
    status: str = "open",
    topic: str = "cyber",
) -> Path:
    path = knowledge_dir / "cyber" / f"pilot-{pilot_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        PILOT_TEMPLATE.format(
            document_id=f"pilot-{pilot_id}",
            pilot_id=pilot_id,
            name=name,
            capacity="null" if capacity is None else capacity,
            kickoff=kickoff or "null",
            ends=(kickoff + timedelta(days=90)) if kickoff else "null",
            deadline=deadline or "null",
            status=status,
            topic=topic,
        ),
        encoding="utf-8",
    )
    return path


def make_settings(tmp_path: Path, knowledge_dir: Path, fake: FakeSlack | None = None) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        knowledge_dir=knowledge_dir,
        staff_users=[STAFF],
        today=TODAY,
        slack_bot_token=BOT_TOKEN if fake else None,
        slack_api_url=fake.api_url if fake else "https://slack.invalid/api/",
    )


class FixedAnswerer:
    """An Answerer that returns one prepared answer; for handler tests without an index."""

    def __init__(self, answer: Answer) -> None:
        self.prepared = answer
        self.questions: list[str] = []

    def answer(self, question: str, **kwargs: Any) -> Answer:
        self.questions.append(question)
        return self.prepared.model_copy(update={"question": question})


def citation(document_id: str = "cyberx", n: int = 1) -> Citation:
    return Citation(
        n=n, document_id=document_id, title="CyberX", source="cyber/cyberx.md", quote="CyberX er."
    )


def view_submission(
    callback_id: str, values: dict[str, str], *, private_metadata: str, user: str = STAFF
) -> dict[str, Any]:
    """A view_submission payload whose input blocks have the given values."""
    state: dict[str, dict[str, Any]] = {}
    for block_id, value in values.items():
        if block_id in ("pilot", "topic"):
            element = {"type": "static_select", "selected_option": {"value": value}}
        else:
            element = {"type": "plain_text_input", "value": value}
        state[block_id] = {block_id: element}
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": {"id": user, "username": user.lower()},
        "api_app_id": "A0001",
        "trigger_id": "1337.42.view",
        "view": {
            "id": f"V{next(_view_ids):04d}",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": state},
        },
    }
