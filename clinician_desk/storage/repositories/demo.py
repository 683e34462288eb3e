"""Bulk inserts of the demo generator (``clinician_desk.demo.generator``): schools, students,
guardians, sessions, notes, addenda, search rows and sync marks, each one ``executemany`` in the
caller's transaction. Rows come in table column order, ids already assigned (after
``max_id``); nothing here audits (the generator writes one ``demo.generated`` entry)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories.search_index import rowid_for

Row = Sequence[object]
# The tables whose highest id the generator continues from (never a caller's free text).
ID_TABLES = frozenset({"students", "sessions", "notes"})


def max_id(conn: Connection, table: str) -> int:
    """The highest ``id`` of ``table`` (0 when empty); only tables of ``ID_TABLES``."""
    if table not in ID_TABLES:
        raise ValueError(f"max_id: not a demo id table: {table!r}")
    return int(conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0])


def insert_schools(conn: Connection, schools: Iterable[tuple[str, str, str]]) -> None:
    """(CDS code, name, district CDS) rows; a school already present is kept as it is."""
    conn.executemany(
        "INSERT OR IGNORE INTO schools (cds_code, name, district_cds) VALUES (?, ?, ?)",
        list(schools),
    )


def insert_students(conn: Connection, rows: Sequence[Row]) -> None:
    conn.executemany(
        "INSERT INTO students (id, legal_first_name, legal_last_name, preferred_name,"
        " date_of_birth, grade, school_cds, district_cds, district_student_number, ssid,"
        " language, consent_basis, parent_contact_inappropriate_reason, handout_basis,"
        " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )


def insert_guardians(conn: Connection, rows: Sequence[Row]) -> None:
    conn.executemany(
        "INSERT INTO guardians (student_id, position, name, relationship, phone, email,"
        " preferred_language, is_primary) VALUES (?,?,?,?,?,?,?,?)",
        rows,
    )


def insert_sessions(conn: Connection, sessions: Sequence[Row], present: Sequence[Row]) -> None:
    """Sessions, then their (session id, student id, session date) participants."""
    conn.executemany(
        "INSERT INTO sessions (id, session_date, start_minute, end_minute, service_code, tier,"
        " modality, location, participant_kind, group_size, school_cds, created_at,"
        " updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        sessions,
    )
    conn.executemany(
        "INSERT INTO session_students (session_id, student_id, session_date) VALUES (?,?,?)",
        present,
    )


def insert_notes(conn: Connection, notes: Sequence[Row], addenda: Sequence[Row]) -> None:
    """Notes, then addenda as (note id, body, signed by, signed at, content hash)."""
    conn.executemany(
        "INSERT INTO notes (id, session_id, student_id, template, sections, status,"
        " signed_by, signed_at, content_hash, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        notes,
    )
    conn.executemany(
        "INSERT INTO note_addenda (note_id, body, signed_by, signed_at, content_hash)"
        " VALUES (?,?,?,?,?)",
        addenda,
    )


def index_rows(conn: Connection, rows: Iterable[tuple[int, str, str, int | None]]) -> None:
    """(rowid, body, kind, student id) rows into the search index (``search_index.rowid_for``
    gives the rowid)."""
    conn.executemany(
        "INSERT INTO record_search (rowid, body, kind, student_id) VALUES (?,?,?,?)",
        list(rows),
    )


def index_addenda_after(conn: Connection, note_id: int) -> None:
    """Index the body of every addendum of notes after ``note_id``."""
    rows = conn.execute(
        "SELECT a.id, a.body, n.student_id FROM note_addenda a"
        " JOIN notes n ON n.id = a.note_id WHERE a.note_id > ?",
        (note_id,),
    ).fetchall()
    conn.executemany(
        "INSERT INTO record_search (rowid, body, kind, student_id) VALUES (?, ?, 'addendum', ?)",
        [(rowid_for("addendum", int(r[0])), r[1], r[2]) for r in rows],
    )


def mark_count_dirty(conn: Connection, marks: Iterable[tuple[str, str]], now: str) -> None:
    """Outbox marks for sync, one per (org unit, period), as ``notes.mark_count_dirty`` writes
    them for one period."""
    conn.executemany(
        "INSERT INTO count_dirty (org_unit, period, marked_at) VALUES (?, ?, ?)"
        " ON CONFLICT (org_unit, period) DO UPDATE SET marked_at = excluded.marked_at",
        [(ou, p, now) for ou, p in marks],
    )
