"""Schema of the triage database, as ordered migrations tracked by PRAGMA user_version.

Migration n brings the schema from version n-1 to n. Each migration runs inside one
``BEGIN IMMEDIATE`` transaction together with the ``user_version`` update, so a crash
in the middle leaves the database at the previous version with none of its changes.
Add new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence

logger = logging.getLogger(__name__)

Migration = tuple[str, ...]

MIGRATIONS: tuple[Migration, ...] = (
    # 1: replies the bot posted, feedback on them, cases and the history of each case.
    (
        """CREATE TABLE replies (
            id TEXT PRIMARY KEY,
            question TEXT NOT NULL,
            answer_json TEXT NOT NULL,
            channel TEXT,
            thread_ts TEXT,
            asker TEXT,
            message_ts TEXT,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX replies_by_thread ON replies (channel, thread_ts, created_at)",
        """CREATE TABLE feedback (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            reply_id TEXT NOT NULL,
            rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
            user_id TEXT,
            question TEXT NOT NULL,
            answer_text TEXT NOT NULL,
            sources_json TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE cases (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            question TEXT NOT NULL,
            asker TEXT,
            channel TEXT,
            thread_ts TEXT,
            permalink TEXT,
            topic TEXT,
            draft_answer TEXT,
            sources_json TEXT NOT NULL,
            assignee TEXT,
            staff_answer TEXT,
            answered_by TEXT,
            audience TEXT NOT NULL,
            details_json TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            answered_at TEXT,
            closed_at TEXT,
            triage_channel TEXT,
            triage_ts TEXT
        )""",
        "CREATE INDEX cases_by_triage_message ON cases (triage_channel, triage_ts)",
        """CREATE TABLE case_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id INTEGER NOT NULL REFERENCES cases (id),
            action TEXT NOT NULL,
            actor TEXT,
            text TEXT,
            created_at TEXT NOT NULL
        )""",
    ),
    # 2: pilot enrolments, one row per enrolment case, with the place it was given.
    (
        """CREATE TABLE enrolments (
            case_id INTEGER PRIMARY KEY REFERENCES cases (id),
            pilot_id TEXT NOT NULL,
            organisation_number TEXT NOT NULL,
            agency TEXT NOT NULL,
            placement TEXT NOT NULL CHECK (placement IN ('place', 'waiting_list')),
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX enrolments_by_pilot ON enrolments (pilot_id, placement)",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)


class MigrationError(RuntimeError):
    """The database is newer than this code or a migration failed."""


def schema_version(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


def migrate(connection: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply the migrations the database lacks, one transaction each; return the version.

    ``connection`` must be in autocommit mode (``isolation_level=None``) so that the
    explicit transactions here are the only ones.
    """
    target = len(migrations)
    while True:
        connection.execute("BEGIN IMMEDIATE")
        try:
            # Read inside the write lock so two processes never apply the same step.
            version = schema_version(connection)
            if version > target:
                raise MigrationError(
                    f"triage database is at schema version {version}, newer than this "
                    f"mpsbot ({target}); upgrade mpsbot or use another MPSBOT_DATA_DIR"
                )
            if version == target:
                connection.execute("COMMIT")
                return version
            for statement in migrations[version]:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {version + 1}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        logger.info("triage database migrated to schema version %d", version + 1)
