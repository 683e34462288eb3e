"""Migration 0002 (clinical record): tables, lock triggers, consent check, FTS5 index."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlcipher3

from clinician_desk.storage import migrations_runner
from clinician_desk.storage.connection import connect

KEY = b"\x24" * 32
T = "2026-09-14T15:00:00Z"


@pytest.fixture
def conn(tmp_path: Path) -> sqlcipher3.Connection:
    c = connect(tmp_path / "m2.db", KEY)
    for m in migrations_runner.available_migrations()[:2]:
        migrations_runner.apply(c, m)
    c.execute("INSERT INTO schools VALUES ('99999999999901', 'Fictional School', '99999990000000')")
    c.execute(
        "INSERT INTO students (id, legal_first_name, legal_last_name, date_of_birth, grade,"
        " school_cds, district_cds, created_at, updated_at) VALUES"
        " (1, 'Testy', 'McFakeface', '2014-01-01', 'K', '99999999999901', '99999990000000', ?, ?)",
        (T, T),
    )
    c.execute(
        "INSERT INTO sessions (id, session_date, start_minute, end_minute, service_code, tier,"
        " modality, location, participant_kind, school_cds, created_at, updated_at) VALUES"
        " (1, '2026-09-14', 600, 650, 'TX-IND', 2, 'in_person', 'school', 'student',"
        " '99999999999901', ?, ?)",
        (T, T),
    )
    c.execute(
        "INSERT INTO notes (id, session_id, student_id, template, sections, status, signed_by,"
        " signed_at, content_hash, created_at, updated_at) VALUES"
        " (1, 1, 1, 'free', '{}', 'signed', 'clinician', ?, 'h', ?, ?)",
        (T, T, T),
    )
    c.execute(
        "INSERT INTO notes (id, session_id, student_id, template, created_at, updated_at)"
        " VALUES (2, 1, NULL, 'SOAP', ?, ?)",
        (T, T),
    )
    yield c
    c.close()


def test_0002_sets_version_and_creates_tables(conn: sqlcipher3.Connection) -> None:
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    for table in (
        "students",
        "notes",
        "note_addenda",
        "psychotherapy_notes",
        "count_dirty",
        "record_search",
        "safety_flags",
        "schools",
        "hours_log",
    ):
        assert table in names


def test_signed_note_cannot_be_updated_or_deleted(conn: sqlcipher3.Connection) -> None:
    with pytest.raises(sqlcipher3.IntegrityError, match="signed note is locked"):
        conn.execute('UPDATE notes SET sections = \'{"text": "changed"}\' WHERE id = 1')
    with pytest.raises(sqlcipher3.IntegrityError, match="signed note is locked"):
        conn.execute("DELETE FROM notes WHERE id = 1")
    with pytest.raises(sqlcipher3.IntegrityError, match="signed note and is locked"):
        conn.execute("UPDATE sessions SET end_minute = 700 WHERE id = 1")
    conn.execute('UPDATE notes SET sections = \'{"plan": "x"}\' WHERE id = 2')  # a draft


def test_addenda_only_on_signed_notes_and_then_locked(conn: sqlcipher3.Connection) -> None:
    with pytest.raises(sqlcipher3.IntegrityError, match="only be added to a signed note"):
        conn.execute(
            "INSERT INTO note_addenda (note_id, body, signed_by, signed_at, content_hash)"
            " VALUES (2, 'late entry', 'clinician', ?, 'h')",
            (T,),
        )
    conn.execute(
        "INSERT INTO note_addenda (id, note_id, body, signed_by, signed_at, content_hash)"
        " VALUES (1, 1, 'late entry', 'clinician', ?, 'h')",
        (T,),
    )
    with pytest.raises(sqlcipher3.IntegrityError, match="addendum is signed and locked"):
        conn.execute("UPDATE note_addenda SET body = 'other' WHERE id = 1")
    with pytest.raises(sqlcipher3.IntegrityError, match="addendum is signed and locked"):
        conn.execute("DELETE FROM note_addenda WHERE id = 1")


def test_minor_consent_needs_parent_contact_documentation(conn: sqlcipher3.Connection) -> None:
    with pytest.raises(sqlcipher3.IntegrityError, match="CHECK"):
        conn.execute("UPDATE students SET consent_basis = 'minor_consent' WHERE id = 1")
    conn.execute(
        "UPDATE students SET consent_basis = 'minor_consent',"
        " parent_contact_inappropriate_reason = 'documented reason' WHERE id = 1"
    )


def test_fts5_prefix_search_works(conn: sqlcipher3.Connection) -> None:
    conn.execute(
        "INSERT INTO record_search (rowid, body, kind, student_id)"
        " VALUES (5, 'practiced breathing exercises', 'note', 1)"
    )
    rows = conn.execute(
        "SELECT rowid FROM record_search WHERE record_search MATCH 'breat*' ORDER BY rank"
    ).fetchall()
    assert [r[0] for r in rows] == [5]
