"""CaseStore: replies, feedback, cases and pilot enrolments in one SQLite file.

The file is ``settings.data_dir / "mpsbot.sqlite3"`` in WAL mode. Every call opens
its own short-lived connection, so one store can be shared by threads and several
processes can use the same file. Every write runs in a ``BEGIN IMMEDIATE``
transaction, which takes the write lock before reading, so concurrent writers wait
(up to ``busy_timeout``) instead of overwriting each other. Text that a user or a
staff member wrote is stored as written, and every change to a case is kept in
``case_events``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from bot.models import Answer, Citation
from bot.settings import Settings
from bot.triage.migrations import migrate
from bot.triage.records import (
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    Enrolment,
    Placement,
    Reply,
)

logger = logging.getLogger(__name__)

DATABASE_NAME = "mpsbot.sqlite3"
# How long a writer waits for another process's write lock, in milliseconds.
BUSY_TIMEOUT_MS = 30_000


class CaseNotFoundError(LookupError):
    """No case or reply has the given id."""


class CaseStateError(ValueError):
    """The case's status does not allow the requested change."""


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _dump_citations(citations: Sequence[Citation]) -> str:
    return json.dumps([citation.model_dump() for citation in citations], ensure_ascii=False)


def _case_from_row(row: sqlite3.Row) -> Case:
    data: dict[str, Any] = dict(row)
    data["sources"] = [Citation.model_validate(item) for item in json.loads(data["sources_json"])]
    data["details"] = json.loads(data["details_json"])
    del data["sources_json"], data["details_json"]
    return Case.model_validate(data)


class CaseStore:
    """Cases for MPS staff and the bot's replies, stored in the SQLite file at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._open()) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            migrate(connection)

    @classmethod
    def for_settings(cls, settings: Settings) -> CaseStore:
        return cls(settings.data_dir / DATABASE_NAME)

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        connection.row_factory = sqlite3.Row
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA foreign_keys = ON")
        return connection

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with closing(self._open()) as connection:
            yield connection

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with closing(self._open()) as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    # Replies and feedback

    def save_reply(
        self,
        *,
        question: str,
        answer: Answer,
        channel: str | None,
        thread_ts: str | None,
        asker: str | None,
    ) -> str:
        """Store a reply the bot is about to post and return its id for button values."""
        reply_id = uuid.uuid4().hex
        with self._write() as connection:
            connection.execute(
                "INSERT INTO replies (id, question, answer_json, channel, thread_ts, asker,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (reply_id, question, answer.model_dump_json(), channel, thread_ts, asker, _now()),
            )
        return reply_id

    def set_reply_ts(self, reply_id: str, message_ts: str) -> None:
        with self._write() as connection:
            cursor = connection.execute(
                "UPDATE replies SET message_ts = ? WHERE id = ?", (message_ts, reply_id)
            )
            if cursor.rowcount == 0:
                raise CaseNotFoundError(f"reply {reply_id!r} not found")

    def get_reply(self, reply_id: str) -> Reply | None:
        with self._read() as connection:
            row = connection.execute("SELECT * FROM replies WHERE id = ?", (reply_id,)).fetchone()
        if row is None:
            return None
        data = dict(row)
        data["answer"] = Answer.model_validate_json(data.pop("answer_json"))
        return Reply.model_validate(data)

    def thread_questions(self, channel: str, thread_ts: str, limit: int = 3) -> list[str]:
        """Return up to ``limit`` of the latest questions in a thread, oldest first."""
        with self._read() as connection:
            rows = connection.execute(
                "SELECT question FROM replies WHERE channel = ? AND thread_ts = ?"
                " ORDER BY created_at DESC, rowid DESC LIMIT ?",
                (channel, thread_ts, limit),
            ).fetchall()
        return [row["question"] for row in reversed(rows)]

    def record_feedback(
        self, *, reply_id: str, rating: Literal["up", "down"], user: str | None
    ) -> int:
        """Store a rating with the question, answer text and sources it was given on."""
        reply = self.get_reply(reply_id)
        if reply is None:
            raise CaseNotFoundError(f"reply {reply_id!r} not found; feedback not stored")
        with self._write() as connection:
            cursor = connection.execute(
                "INSERT INTO feedback (reply_id, rating, user_id, question, answer_text,"
                " sources_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    reply_id,
                    rating,
                    user,
                    reply.question,
                    reply.answer.text,
                    _dump_citations(reply.answer.citations),
                    _now(),
                ),
            )
        return int(cursor.lastrowid or 0)

    def feedback_count(self, rating: Literal["up", "down"] | None = None) -> int:
        query = "SELECT COUNT(*) FROM feedback"
        parameters: tuple[str, ...] = ()
        if rating is not None:
            query += " WHERE rating = ?"
            parameters = (rating,)
        with self._read() as connection:
            return int(connection.execute(query, parameters).fetchone()[0])

    # Cases

    def open_case(
        self,
        *,
        kind: CaseKind,
        question: str,
        asker: str | None,
        channel: str | None,
        thread_ts: str | None,
        permalink: str | None,
        topic: str | None,
        draft_answer: str | None,
        sources: Sequence[Citation],
        audience: str = "public",
        details: Mapping[str, str] | None = None,
    ) -> Case:
        with self._write() as connection:
            case_id = self._insert_case(
                connection,
                kind=kind,
                question=question,
                asker=asker,
                channel=channel,
                thread_ts=thread_ts,
                permalink=permalink,
                topic=topic,
                draft_answer=draft_answer,
                sources=sources,
                audience=audience,
                details=details or {},
            )
            case = self._get(connection, case_id)
        logger.info("opened %s case %d (topic %s)", kind, case_id, topic)
        return case

    def _insert_case(self, connection: sqlite3.Connection, **fields: Any) -> int:
        now = _now()
        cursor = connection.execute(
            "INSERT INTO cases (kind, status, question, asker, channel, thread_ts, permalink,"
            " topic, draft_answer, sources_json, audience, details_json, created_at,"
            " updated_at) VALUES (?, 'new', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                fields["kind"],
                fields["question"],
                fields["asker"],
                fields["channel"],
                fields["thread_ts"],
                fields["permalink"],
                fields["topic"],
                fields["draft_answer"],
                _dump_citations(fields["sources"]),
                fields["audience"],
                json.dumps(dict(fields["details"]), ensure_ascii=False),
                now,
                now,
            ),
        )
        case_id = int(cursor.lastrowid or 0)
        self._add_event(connection, case_id, "opened", fields["asker"], fields["question"])
        return case_id

    @staticmethod
    def _add_event(
        connection: sqlite3.Connection,
        case_id: int,
        action: str,
        actor: str | None,
        text: str | None,
    ) -> None:
        connection.execute(
            "INSERT INTO case_events (case_id, action, actor, text, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (case_id, action, actor, text, _now()),
        )

    @staticmethod
    def _get(connection: sqlite3.Connection, case_id: int) -> Case:
        row = connection.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()
        if row is None:
            raise CaseNotFoundError(
                f"case {case_id} not found; list cases with `mpsbot triage list`"
            )
        return _case_from_row(row)

    def get_case(self, case_id: int) -> Case | None:
        with self._read() as connection:
            try:
                return self._get(connection, case_id)
            except CaseNotFoundError:
                return None

    def require_case(self, case_id: int) -> Case:
        with self._read() as connection:
            return self._get(connection, case_id)

    def list_cases(
        self,
        *,
        status: CaseStatus | None = None,
        topic: str | None = None,
        kind: CaseKind | None = None,
    ) -> list[Case]:
        """Return the cases matching every given filter, oldest first."""
        conditions: list[str] = []
        parameters: list[str] = []
        for column, value in (("status", status), ("topic", topic), ("kind", kind)):
            if value is not None:
                conditions.append(f"{column} = ?")
                parameters.append(value)
        query = "SELECT * FROM cases"
        if conditions:
            query += " WHERE " + " AND ".join(conditions)
        with self._read() as connection:
            rows = connection.execute(query + " ORDER BY id", parameters).fetchall()
        return [_case_from_row(row) for row in rows]

    def find_by_triage_message(self, channel: str | None, triage_ts: str) -> Case | None:
        """Return the case whose staff message has ``triage_ts``, in ``channel`` if given."""
        query = "SELECT * FROM cases WHERE triage_ts = ?"
        parameters: list[str] = [triage_ts]
        if channel is not None:
            query += " AND triage_channel = ?"
            parameters.append(channel)
        with self._read() as connection:
            row = connection.execute(query + " ORDER BY id DESC", parameters).fetchone()
        return None if row is None else _case_from_row(row)

    def events(self, case_id: int) -> list[CaseEvent]:
        with self._read() as connection:
            rows = connection.execute(
                "SELECT * FROM case_events WHERE case_id = ? ORDER BY id", (case_id,)
            ).fetchall()
        return [CaseEvent.model_validate(dict(row)) for row in rows]

    def _change(
        self,
        case_id: int,
        *,
        action: str,
        actor: str | None,
        text: str | None,
        update: Callable[[Case], dict[str, str | None]],
        allow_closed: bool = False,
    ) -> Case:
        """Apply ``update(case)`` to a case and log ``action``, in one transaction.

        ``update`` receives the case as stored inside the write lock and returns the
        columns to set.
        """
        with self._write() as connection:
            case = self._get(connection, case_id)
            if case.status == "closed" and not allow_closed:
                raise CaseStateError(
                    f"case {case_id} is closed, so it cannot be {action}; open a new case instead"
                )
            fields = update(case)
            if not fields:
                return case
            fields["updated_at"] = _now()
            assignments = ", ".join(f"{column} = ?" for column in fields)
            connection.execute(
                f"UPDATE cases SET {assignments} WHERE id = ?", [*fields.values(), case_id]
            )
            self._add_event(connection, case_id, action, actor, text)
            updated = self._get(connection, case_id)
        logger.info("case %d %s", case_id, action)
        return updated

    def set_triage_message(self, case_id: int, channel: str, triage_ts: str) -> Case:
        return self._change(
            case_id,
            action="posted",
            actor=None,
            text=f"{channel} {triage_ts}",
            update=lambda case: {"triage_channel": channel, "triage_ts": triage_ts},
            allow_closed=True,
        )

    def assign(self, case_id: int, assignee: str, *, actor: str | None = None) -> Case:
        def update(case: Case) -> dict[str, str | None]:
            status = "assigned" if case.status == "new" else case.status
            return {"assignee": assignee, "status": status}

        return self._change(case_id, action="assigned", actor=actor, text=assignee, update=update)

    def record_answer(self, case_id: int, text: str, *, author: str | None) -> Case:
        """Store a staff answer; an earlier answer stays in the case's history."""
        if not text.strip():
            raise CaseStateError(f"the answer to case {case_id} is empty; write the answer text")
        fields: dict[str, str | None] = {
            "staff_answer": text,
            "answered_by": author,
            "answered_at": _now(),
            "status": "answered",
        }
        return self._change(
            case_id, action="answered", actor=author, text=text, update=lambda case: fields
        )

    def reassign(self, case_id: int, topic: str, *, actor: str | None = None) -> Case:
        """Move a case to another topic's team; it becomes new again unless answered."""

        def update(case: Case) -> dict[str, str | None]:
            status = "answered" if case.status == "answered" else "new"
            return {"topic": topic, "status": status, "assignee": None}

        return self._change(case_id, action="reassigned", actor=actor, text=topic, update=update)

    def close(self, case_id: int, *, actor: str | None = None) -> Case:
        """Close a case; closing a closed case changes nothing."""

        def update(case: Case) -> dict[str, str | None]:
            if case.status == "closed":
                return {}
            return {"status": "closed", "closed_at": _now()}

        return self._change(
            case_id, action="closed", actor=actor, text=None, update=update, allow_closed=True
        )

    def add_event(self, case_id: int, action: str, text: str | None, *, actor: str | None) -> None:
        """Log an event that changes no field, such as a staff reply on a closed case."""
        with self._write() as connection:
            self._get(connection, case_id)
            self._add_event(connection, case_id, action, actor, text)

    def set_permalink(self, case_id: int, permalink: str) -> Case:
        return self._change(
            case_id,
            action="linked",
            actor=None,
            text=permalink,
            update=lambda case: {"permalink": permalink},
            allow_closed=True,
        )

    # Enrolments

    def enrol(
        self,
        *,
        pilot_id: str,
        capacity: int | None,
        accepting: bool,
        organisation_number: str,
        agency: str,
        case_fields: Mapping[str, Any],
    ) -> Enrolment:
        """Open an enrolment case and give it a place or a waiting-list entry.

        The agency gets a place when ``accepting`` is true and fewer than ``capacity``
        places are taken (any number when ``capacity`` is None). The count and the
        insert share one write transaction, so two concurrent enrolments for the last
        place give one place and one waiting-list entry.
        """
        with self._write() as connection:
            taken = self._count(connection, pilot_id, "place")
            has_room = capacity is None or taken < capacity
            placement: Placement = "place" if accepting and has_room else "waiting_list"
            case_id = self._insert_case(connection, kind="enrolment", **case_fields)
            connection.execute(
                "INSERT INTO enrolments (case_id, pilot_id, organisation_number, agency,"
                " placement, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (case_id, pilot_id, organisation_number, agency, placement, _now()),
            )
            position = self._count(connection, pilot_id, placement)
            case = self._get(connection, case_id)
        logger.info("enrolment case %d for pilot %s: %s", case_id, pilot_id, placement)
        return Enrolment(
            case=case,
            pilot_id=pilot_id,
            organisation_number=organisation_number,
            agency=agency,
            placement=placement,
            position=position,
        )

    @staticmethod
    def _count(connection: sqlite3.Connection, pilot_id: str, placement: Placement) -> int:
        row = connection.execute(
            "SELECT COUNT(*) FROM enrolments WHERE pilot_id = ? AND placement = ?",
            (pilot_id, placement),
        ).fetchone()
        return int(row[0])

    def places_taken(self, pilot_id: str) -> int:
        with self._read() as connection:
            return self._count(connection, pilot_id, "place")

    def waiting_list_length(self, pilot_id: str) -> int:
        with self._read() as connection:
            return self._count(connection, pilot_id, "waiting_list")
