"""Migration 0006 (retention): the destruction record and the one narrow trigger exception.

Signed notes, addenda, signed psychotherapy notes, safety plans and screenings stay locked
exactly as before — unless an *open* destruction of that same student exists; a destruction can
only start open for a student whose services ended, is closed once and is never deleted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clinician_desk.storage import migrations_runner
from clinician_desk.storage.connection import Connection, DatabaseError, connect
from tests.fixtures.vaults.generate import FOLDER

KEY = b"\x66" * 32
NOW = "2026-09-14T15:00:00Z"


@pytest.fixture
def conn(tmp_path: Path) -> Connection:
    conn = connect(tmp_path / "m6.db", KEY)
    migrations = migrations_runner.available_migrations()
    for m in migrations[:5]:
        migrations_runner.apply(conn, m)
    conn.executescript((FOLDER / "seed_0002.sql").read_text("utf-8"))  # student 1, signed note 1
    conn.execute(
        "INSERT INTO note_addenda (id, note_id, body, signed_by, signed_at, content_hash)"
        " VALUES (1, 1, 'Fictional addendum.', 'clinician', ?, 'h')",
        (NOW,),
    )
    conn.execute(
        "INSERT INTO safety_plans (student_id, created_on, created_by, steps, created_at)"
        " VALUES (1, '2026-09-14', 'clinician', '{}', ?)",
        (NOW,),
    )
    migrations_runner.apply(conn, migrations[5])
    return conn


def _refused(conn: Connection, sql: str, *params: object) -> None:
    with pytest.raises(DatabaseError):
        conn.execute(sql, params)


def test_0006_keeps_the_locks_without_an_open_destruction(conn: Connection) -> None:
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 6
    _refused(conn, "UPDATE notes SET sections = '{}' WHERE id = 1")
    _refused(conn, "DELETE FROM note_addenda WHERE id = 1")
    _refused(conn, "DELETE FROM safety_plans WHERE student_id = 1")
    # services have not ended: no destruction may even start
    _refused(
        conn,
        "INSERT INTO retention_destructions (student_id, retain_until, destroyed_on, started_at,"
        " destroyed_by) VALUES (1, '2020-01-01', '2026-09-14', ?, 'x')",
        NOW,
    )


def test_0006_an_open_destruction_unlocks_only_that_student_once(conn: Connection) -> None:
    conn.execute("UPDATE students SET service_ended_on = '2010-06-01' WHERE id = 1")
    _refused(  # the retention date must lie before the destruction
        conn,
        "INSERT INTO retention_destructions (student_id, retain_until, destroyed_on, started_at,"
        " destroyed_by) VALUES (1, '2030-01-01', '2026-09-14', ?, 'x')",
        NOW,
    )
    _refused(  # born closed: refused
        conn,
        "INSERT INTO retention_destructions (student_id, retain_until, destroyed_on, started_at,"
        " destroyed_by, completed_at) VALUES (1, '2020-01-01', '2026-09-14', ?, 'x', ?)",
        NOW,
        NOW,
    )
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO retention_destructions (student_id, retain_until, destroyed_on, started_at,"
        " destroyed_by) VALUES (1, '2020-01-01', '2026-09-14', ?, 'x')",
        (NOW,),
    )
    conn.execute("DELETE FROM note_addenda WHERE id = 1")
    conn.execute("DELETE FROM safety_plans WHERE student_id = 1")
    conn.execute("UPDATE notes SET sections = '{}' WHERE id = 1")
    conn.execute("UPDATE retention_destructions SET completed_at = ? WHERE student_id = 1", (NOW,))
    conn.execute("COMMIT")
    # closed: the locks are back, and the record of the destruction is permanent
    _refused(conn, "UPDATE notes SET sections = '{\"x\": 1}' WHERE id = 1")
    _refused(conn, "UPDATE retention_destructions SET completed_at = NULL WHERE student_id = 1")
    _refused(conn, "UPDATE retention_destructions SET destroyed_by = 'y' WHERE student_id = 1")
    _refused(conn, "DELETE FROM retention_destructions WHERE student_id = 1")
    # and nothing new can be attached to the destroyed record, nor its residue edited
    _refused(conn, "INSERT INTO guardians (student_id, position, name) VALUES (1, 0, 'Pat')")
    _refused(conn, "INSERT INTO session_students VALUES (1, 1, '2026-09-15')")
    _refused(conn, "UPDATE students SET legal_first_name = 'Back' WHERE id = 1")
