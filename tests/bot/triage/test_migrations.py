import sqlite3

import pytest

from bot.triage.migrations import (
    MIGRATIONS,
    SCHEMA_VERSION,
    MigrationError,
    migrate,
    schema_version,
)
from bot.triage.store import CaseStore


def connect(path):
    return sqlite3.connect(path, isolation_level=None)


def tables(connection):
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row[0] for row in rows}


def test_new_database_at_latest_version(tmp_path):
    path = tmp_path / "mpsbot.sqlite3"
    CaseStore(path)
    connection = connect(path)
    assert schema_version(connection) == SCHEMA_VERSION
    assert {"cases", "replies", "feedback", "case_events", "enrolments"} <= tables(connection)


def test_database_uses_wal(tmp_path):
    path = tmp_path / "mpsbot.sqlite3"
    CaseStore(path)
    mode = connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_old_version_migrates_keeping_cases(tmp_path):
    path = tmp_path / "mpsbot.sqlite3"
    connection = connect(path)
    migrate(connection, MIGRATIONS[:1])
    connection.execute(
        "INSERT INTO cases (kind, status, question, sources_json, audience, details_json,"
        " created_at, updated_at) VALUES ('refusal', 'new', 'Hva er CIPS?', '[]', 'public',"
        " '{}', '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00+00:00')"
    )
    connection.close()
    store = CaseStore(path)
    assert schema_version(connect(path)) == SCHEMA_VERSION
    assert "enrolments" in tables(connect(path))
    assert store.require_case(1).question == "Hva er CIPS?"


def test_failed_migration_keeps_old_version(tmp_path):
    path = tmp_path / "mpsbot.sqlite3"
    connection = connect(path)
    migrate(connection, MIGRATIONS[:1])
    broken = (*MIGRATIONS[:1], ("CREATE TABLE half_done (id INTEGER)", "THIS IS NOT SQL"))
    with pytest.raises(sqlite3.OperationalError):
        migrate(connection, broken)
    assert schema_version(connection) == 1
    assert "half_done" not in tables(connection)


def test_newer_database_rejected(tmp_path):
    connection = connect(tmp_path / "mpsbot.sqlite3")
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(MigrationError, match="newer than this"):
        migrate(connection)


def test_migrate_twice_changes_nothing(tmp_path):
    connection = connect(tmp_path / "mpsbot.sqlite3")
    assert migrate(connection) == SCHEMA_VERSION
    assert migrate(connection) == SCHEMA_VERSION
