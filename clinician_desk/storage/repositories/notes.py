"""SQL for sessions, their participants, progress notes, addenda and psychotherapy notes.

Signed rows are protected by the triggers of migration 0002; these functions never try to
change them, and the services check the status first so a clinician gets a clear message
rather than a trigger's abort.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from clinician_desk.domain.sessions import SessionInput
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories.rows import inserted_id


@dataclass(frozen=True)
class NoteRow:
    id: int
    session_id: int
    student_id: int | None
    template: str
    sections: dict[str, str]
    status: str
    signed_by: str | None
    signed_at: str | None
    content_hash: str | None
    session_date: date
    school_cds: str


def insert_session(conn: Connection, s: SessionInput, now: str) -> int:
    cur = conn.execute(
        "INSERT INTO sessions (session_date, start_minute, end_minute, service_code, tier,"
        " modality, location, participant_kind, group_size, school_cds, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            s.session_date.isoformat(),
            s.start_minute,
            s.end_minute,
            s.service_code,
            s.tier,
            s.modality,
            s.location,
            s.participant_kind,
            s.group_size,
            s.school_cds,
            now,
            now,
        ),
    )
    session_id = inserted_id(cur)
    conn.executemany(
        "INSERT INTO session_students (session_id, student_id, session_date) VALUES (?, ?, ?)",
        [(session_id, sid, s.session_date.isoformat()) for sid in s.student_ids],
    )
    return session_id


def update_session(conn: Connection, session_id: int, s: SessionInput, now: str) -> None:
    """Change a session's facts (not its participants); refused by trigger once signed."""
    conn.execute(
        "UPDATE sessions SET session_date = ?, start_minute = ?, end_minute = ?,"
        " service_code = ?, tier = ?, modality = ?, location = ?, group_size = ?,"
        " school_cds = ?, updated_at = ? WHERE id = ?",
        (
            s.session_date.isoformat(),
            s.start_minute,
            s.end_minute,
            s.service_code,
            s.tier,
            s.modality,
            s.location,
            s.group_size,
            s.school_cds,
            now,
            session_id,
        ),
    )
    conn.execute(
        "UPDATE session_students SET session_date = ? WHERE session_id = ?",
        (s.session_date.isoformat(), session_id),
    )


def insert_note(
    conn: Connection, session_id: int, student_id: int | None, template: str, now: str
) -> int:
    cur = conn.execute(
        "INSERT INTO notes (session_id, student_id, template, sections, created_at, updated_at)"
        " VALUES (?, ?, ?, '{}', ?, ?)",
        (session_id, student_id, template, now, now),
    )
    return inserted_id(cur)


def get_note(conn: Connection, note_id: int) -> NoteRow | None:
    r = conn.execute(
        "SELECT n.id, n.session_id, n.student_id, n.template, n.sections, n.status, n.signed_by,"
        " n.signed_at, n.content_hash, s.session_date, s.school_cds"
        " FROM notes n JOIN sessions s ON s.id = n.session_id WHERE n.id = ?",
        (note_id,),
    ).fetchone()
    if r is None:
        return None
    return NoteRow(
        id=int(r[0]),
        session_id=int(r[1]),
        student_id=None if r[2] is None else int(r[2]),
        template=r[3],
        sections=json.loads(r[4]),
        status=r[5],
        signed_by=r[6],
        signed_at=r[7],
        content_hash=r[8],
        session_date=date.fromisoformat(r[9]),
        school_cds=r[10],
    )


def save_sections(conn: Connection, note_id: int, sections: dict[str, str], now: str) -> None:
    conn.execute(
        "UPDATE notes SET sections = ?, updated_at = ? WHERE id = ? AND status = 'draft'",
        (json.dumps(sections, ensure_ascii=False), now, note_id),
    )


def mark_signed(conn: Connection, note_id: int, signer: str, signed_at: str, digest: str) -> None:
    conn.execute(
        "UPDATE notes SET status = 'signed', signed_by = ?, signed_at = ?, content_hash = ?,"
        " updated_at = ? WHERE id = ? AND status = 'draft'",
        (signer, signed_at, digest, signed_at, note_id),
    )


def insert_addendum(
    conn: Connection, note_id: int, body: str, signer: str, signed_at: str, digest: str
) -> int:
    cur = conn.execute(
        "INSERT INTO note_addenda (note_id, body, signed_by, signed_at, content_hash)"
        " VALUES (?, ?, ?, ?, ?)",
        (note_id, body, signer, signed_at, digest),
    )
    return inserted_id(cur)


def addenda_of(conn: Connection, note_id: int) -> list[tuple[int, str, str, str]]:
    """(id, body, signed_by, signed_at) oldest first."""
    return [
        (int(r[0]), r[1], r[2], r[3])
        for r in conn.execute(
            "SELECT id, body, signed_by, signed_at FROM note_addenda WHERE note_id = ? ORDER BY id",
            (note_id,),
        )
    ]


def session_row(conn: Connection, session_id: int) -> Any:
    return conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()


def session_student_ids(conn: Connection, session_id: int) -> tuple[int, ...]:
    return tuple(
        int(r[0])
        for r in conn.execute(
            "SELECT student_id FROM session_students WHERE session_id = ? ORDER BY student_id",
            (session_id,),
        )
    )


def psychotherapy_note(conn: Connection, session_id: int, student_id: int) -> Any:
    return conn.execute(
        "SELECT id, body, status, signed_by, signed_at FROM psychotherapy_notes"
        " WHERE session_id = ? AND student_id = ?",
        (session_id, student_id),
    ).fetchone()


def upsert_psychotherapy_note(
    conn: Connection, session_id: int, student_id: int, body: str, now: str
) -> int:
    row = psychotherapy_note(conn, session_id, student_id)
    if row is None:
        cur = conn.execute(
            "INSERT INTO psychotherapy_notes (session_id, student_id, body, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?)",
            (session_id, student_id, body, now, now),
        )
        return inserted_id(cur)
    conn.execute(
        "UPDATE psychotherapy_notes SET body = ?, updated_at = ? WHERE id = ?",
        (body, now, int(row[0])),
    )
    return int(row[0])


def sign_psychotherapy_note(
    conn: Connection, pn_id: int, signer: str, signed_at: str, digest: str
) -> None:
    conn.execute(
        "UPDATE psychotherapy_notes SET status = 'signed', signed_by = ?, signed_at = ?,"
        " content_hash = ?, updated_at = ? WHERE id = ?",
        (signer, signed_at, digest, signed_at, pn_id),
    )


def mark_count_dirty(conn: Connection, org_units: tuple[str, ...], period: str, now: str) -> None:
    """Outbox mark for sync, in the caller's transaction (idempotent per org unit and month)."""
    conn.executemany(
        "INSERT INTO count_dirty (org_unit, period, marked_at) VALUES (?, ?, ?)"
        " ON CONFLICT (org_unit, period) DO UPDATE SET marked_at = excluded.marked_at",
        [(ou, period, now) for ou in org_units],
    )


RECENT_SESSIONS_SQL = (
    "SELECT ss.session_id, n.id, ss.session_date, ss.service_code, ss.tier, ss.minutes,"
    " ss.participant_kind, n.status,"
    " (SELECT count(*) FROM note_addenda a WHERE a.note_id = n.id)"
    " FROM session_students ss"
    " LEFT JOIN notes n INDEXED BY notes_student"
    " ON n.student_id = ss.student_id AND n.session_id = ss.session_id"
    " WHERE ss.student_id = ? ORDER BY ss.session_date DESC, ss.session_id DESC LIMIT ?"
)


def recent_sessions(conn: Connection, student_id: int, limit: int) -> list[Any]:
    """(session id, note id, date, service code, tier, minutes, participant kind, note status,
    addenda count) of the student's latest sessions, newest first."""
    return conn.execute(RECENT_SESSIONS_SQL, (student_id, limit)).fetchall()


def session_has_signed_note(conn: Connection, session_id: int) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM notes WHERE session_id = ? AND status = 'signed'", (session_id,)
        ).fetchone()
        is not None
    )


# -- form drafts (unsaved dialogs kept across a lock) ----------------------------------------


def save_form_draft(conn: Connection, key: str, payload_json: str, saved_at: str) -> None:
    conn.execute(
        "INSERT INTO form_drafts (key, payload, saved_at) VALUES (?, ?, ?)"
        " ON CONFLICT (key) DO UPDATE SET payload = excluded.payload, saved_at = excluded.saved_at",
        (key, payload_json, saved_at),
    )


def form_draft(conn: Connection, key: str) -> str | None:
    r = conn.execute("SELECT payload FROM form_drafts WHERE key = ?", (key,)).fetchone()
    return None if r is None else str(r[0])


def delete_form_draft(conn: Connection, key: str) -> None:
    conn.execute("DELETE FROM form_drafts WHERE key = ?", (key,))


def addenda_after(conn: Connection, note_id: int) -> list[tuple[int, int, str]]:
    """(id, note id, content hash) of every addendum of notes after ``note_id``, in id order."""
    rows = conn.execute(
        "SELECT id, note_id, content_hash FROM note_addenda WHERE note_id > ? ORDER BY id",
        (note_id,),
    )
    return [(int(r[0]), int(r[1]), str(r[2])) for r in rows.fetchall()]


def draft_note_rows(conn: Connection, student_id: int | None = None) -> list[tuple[Any, ...]]:
    """Unsigned notes (or one student's), newest session first: note id, session id, student id,
    the student's legal first and last and preferred name, session date, service, updated at."""
    sql = (
        "SELECT n.id, n.session_id, n.student_id, st.legal_first_name, st.legal_last_name, "
        "st.preferred_name, s.session_date, s.service_code, n.updated_at "
        "FROM notes n JOIN sessions s ON s.id = n.session_id "
        "LEFT JOIN students st ON st.id = n.student_id WHERE n.status = 'draft'"
    )
    args: tuple[Any, ...] = ()
    if student_id is not None:
        sql += " AND n.student_id = ?"
        args = (student_id,)
    sql += " ORDER BY s.session_date DESC, s.start_minute DESC, n.id DESC"
    return [tuple(r) for r in conn.execute(sql, args).fetchall()]


def services_of_student(conn: Connection, student_id: int) -> list[tuple[str, str]]:
    """(service code, session date) of every session the student attended, oldest first."""
    rows = conn.execute(
        "SELECT s.service_code, s.session_date FROM sessions s JOIN session_students p"
        " ON p.session_id = s.id WHERE p.student_id = ? ORDER BY s.session_date",
        (student_id,),
    ).fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]
