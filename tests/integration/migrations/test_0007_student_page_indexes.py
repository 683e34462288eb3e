"""Migration 0007 (clinical record): session facts copied into session_students, covering
indexes for the student page, and the triggers that keep the copies equal to ``sessions``."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlcipher3

from clinician_desk.storage import migrations_runner
from clinician_desk.storage.connection import Connection, connect

KEY = b"\x57" * 32
NOW = "2026-09-14T15:00:00Z"
COPIED = "session_date, service_code, tier, minutes, participant_kind"
FROM_SESSIONS = (
    "SELECT ss.session_id, ss.student_id, s.session_date, s.service_code, s.tier,"
    " s.end_minute - s.start_minute, s.participant_kind"
    " FROM session_students ss JOIN sessions s ON s.id = ss.session_id"
    " ORDER BY ss.session_id, ss.student_id"
)


def _at(tmp_path: Path, version: int) -> Connection:
    conn = connect(tmp_path / "m7.db", KEY)
    for m in migrations_runner.available_migrations()[:version]:
        migrations_runner.apply(conn, m)
    return conn


def _copies(conn: Connection) -> list[tuple[object, ...]]:
    return [
        tuple(r)
        for r in conn.execute(
            f"SELECT session_id, student_id, {COPIED} FROM session_students"
            " ORDER BY session_id, student_id"
        )
    ]


def _fill_v6(conn: Connection) -> None:
    """Fictional rows written by a schema-6 app: two students, an individual session with a
    signed note and a group session of both with draft notes."""
    conn.executescript(
        f"""
        INSERT INTO schools VALUES ('99999999999901', 'Fictional Test School', '99999990000000');
        INSERT INTO students (id, legal_first_name, legal_last_name, date_of_birth, grade,
            school_cds, district_cds, created_at, updated_at)
        VALUES (1, 'Testy', 'McFakeface', '2014-02-03', '5', '99999999999901',
                '99999990000000', '{NOW}', '{NOW}'),
               (2, 'Sample', 'Notreal', '2013-05-06', '6', '99999999999901',
                '99999990000000', '{NOW}', '{NOW}');
        INSERT INTO sessions (id, session_date, start_minute, end_minute, service_code, tier,
            modality, location, participant_kind, group_size, school_cds, created_at,
            updated_at)
        VALUES (1, '2026-09-10', 600, 645, 'TX-IND', 2, 'in_person', 'school', 'student', NULL,
                '99999999999901', '{NOW}', '{NOW}'),
               (2, '2026-09-11', 660, 690, 'TX-GRP', 3, 'in_person', 'school', 'group', 4,
                '99999999999901', '{NOW}', '{NOW}');
        INSERT INTO session_students (session_id, student_id, session_date)
        VALUES (1, 1, '2026-09-10'), (2, 1, '2026-09-11'), (2, 2, '2026-09-11');
        INSERT INTO notes (id, session_id, student_id, template, status, signed_by, signed_at,
            content_hash, created_at, updated_at)
        VALUES (1, 1, 1, 'free', 'signed', 'clinician', '{NOW}', 'fictional', '{NOW}', '{NOW}');
        INSERT INTO notes (id, session_id, student_id, template, created_at, updated_at)
        VALUES (2, 2, 1, 'SOAP', '{NOW}', '{NOW}'), (3, 2, 2, 'SOAP', '{NOW}', '{NOW}');
        """
    )


def test_0007_copies_the_session_facts_of_existing_rows(tmp_path: Path) -> None:
    conn = _at(tmp_path, 6)
    _fill_v6(conn)
    migrations_runner.apply(conn, migrations_runner.available_migrations()[6])
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 7
    assert _copies(conn) == [
        (1, 1, "2026-09-10", "TX-IND", 2, 45, "student"),
        (2, 1, "2026-09-11", "TX-GRP", 3, 30, "group"),
        (2, 2, "2026-09-11", "TX-GRP", 3, 30, "group"),
    ]
    index = {
        r[0]: [c[2] for c in conn.execute(f"PRAGMA index_info('{r[0]}')")]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
    }
    assert index["session_students_student"][:3] == ["student_id", "session_date", "session_id"]
    assert index["notes_student"] == ["student_id", "session_id", "status"]
    assert index["mandated_reports_student"] == ["student_id", "phone_report_at"]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


def test_0007_triggers_keep_the_copies_equal_to_sessions(tmp_path: Path) -> None:
    conn = _at(tmp_path, 7)
    _fill_v6(conn)  # inserted after the migration: the insert trigger fills the copies
    assert _copies(conn) == [tuple(r) for r in conn.execute(FROM_SESSIONS)]
    conn.execute(
        "UPDATE sessions SET session_date = '2026-09-12', end_minute = 720, tier = 1,"
        " service_code = 'PSY-EDU-GRP', participant_kind = 'group' WHERE id = 2"
    )
    conn.execute("UPDATE sessions SET location = 'telehealth' WHERE id = 2")  # not copied
    assert _copies(conn)[1:] == [
        (2, 1, "2026-09-12", "PSY-EDU-GRP", 1, 60, "group"),
        (2, 2, "2026-09-12", "PSY-EDU-GRP", 1, 60, "group"),
    ]
    # a session with a signed note stays locked, and so do its copies
    with pytest.raises(sqlcipher3.IntegrityError, match="locked"):
        conn.execute("UPDATE sessions SET tier = 3 WHERE id = 1")
    assert _copies(conn)[0] == (1, 1, "2026-09-10", "TX-IND", 2, 45, "student")
    # a participant of a session that does not exist is still refused by the foreign key
    with pytest.raises(sqlcipher3.IntegrityError):
        conn.execute(
            "INSERT INTO session_students (session_id, student_id, session_date)"
            " VALUES (99, 1, '2026-09-13')"
        )
    assert _copies(conn) == [tuple(r) for r in conn.execute(FROM_SESSIONS)]
    conn.close()
