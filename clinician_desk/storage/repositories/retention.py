"""SQL for record retention: the students' retention inputs, the ``retention_destructions``
row that lets a destruction past the sign-and-lock triggers, and the removal of one student's
content (what is removed and what is kept, and why, is ``services.retention``'s docstring)."""

from __future__ import annotations

import json
from typing import Any

from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories.search_index import rowid_for

DESTROYED_FIRST, DESTROYED_LAST, DESTROYED_BIRTH = "Destroyed", "record", "1900-01-01"


def retention_row(conn: Connection, student_id: int) -> Any:
    """(id, date_of_birth, service_ended_on, destroyed_on) of one student, or None."""
    return conn.execute(
        "SELECT s.id, s.date_of_birth, s.service_ended_on, d.destroyed_on FROM students s"
        " LEFT JOIN retention_destructions d ON d.student_id = s.id WHERE s.id = ?",
        (student_id,),
    ).fetchone()


def ended_not_destroyed(conn: Connection) -> list[Any]:
    """The same rows for every student whose services ended and who is not yet destroyed."""
    return conn.execute(
        "SELECT s.id, s.date_of_birth, s.service_ended_on, d.destroyed_on FROM students s"
        " LEFT JOIN retention_destructions d ON d.student_id = s.id"
        " WHERE s.service_ended_on IS NOT NULL AND d.student_id IS NULL"
    ).fetchall()


def open_destruction(
    conn: Connection, student_id: int, retain_until: str, destroyed_on: str, now: str, actor: str
) -> None:
    conn.execute(
        "INSERT INTO retention_destructions (student_id, retain_until, destroyed_on,"
        " started_at, destroyed_by) VALUES (?, ?, ?, ?, ?)",
        (student_id, retain_until, destroyed_on, now, actor),
    )


def close_destruction(conn: Connection, student_id: int, removed: dict[str, int], now: str) -> None:
    conn.execute(
        "UPDATE retention_destructions SET completed_at = ?, removed = ? WHERE student_id = ?",
        (now, json.dumps(removed, sort_keys=True), student_id),
    )


def set_secure_delete(conn: Connection, on: bool) -> None:
    """Overwrite freed pages (``PRAGMA secure_delete``) while a record is destroyed."""
    conn.execute(f"PRAGMA secure_delete = {'ON' if on else 'OFF'}")


def scrub_after_destruction(conn: Connection) -> None:
    """Merge the search index so no old segment keeps removed words; truncate the WAL."""
    conn.execute("INSERT INTO record_search (record_search) VALUES ('optimize')")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _ids(conn: Connection, sql: str, student_id: int) -> list[int]:
    return [int(r[0]) for r in conn.execute(sql, (student_id,))]


def remove_content(conn: Connection, sid: int, now: str) -> dict[str, int]:
    """Remove or empty every content-bearing row of student ``sid``; counts per kind."""
    notes = _ids(conn, "SELECT id FROM notes WHERE student_id = ?", sid)
    addenda = _ids(
        conn,
        "SELECT a.id FROM note_addenda a JOIN notes n ON n.id = a.note_id WHERE n.student_id = ?",
        sid,
    )
    psy = _ids(conn, "SELECT id FROM psychotherapy_notes WHERE student_id = ?", sid)
    rowids = [rowid_for("note", i) for i in notes] + [rowid_for("addendum", i) for i in addenda]
    rowids += [rowid_for("psychotherapy", i) for i in psy] + [rowid_for("student", sid)]
    search_rows = 0
    for rowid in rowids:
        search_rows += conn.execute("DELETE FROM record_search WHERE rowid = ?", (rowid,)).rowcount
    search_rows += conn.execute("DELETE FROM record_search WHERE student_id = ?", (sid,)).rowcount

    def run(sql: str, *params: object) -> int:
        return int(conn.execute(sql, params or (sid,)).rowcount)

    screenings = "SELECT id FROM screenings WHERE student_id = ?1"
    removed = {
        "addenda": run(
            "DELETE FROM note_addenda WHERE note_id IN (SELECT id FROM notes WHERE student_id = ?)"
        ),
        "draft_notes": run("DELETE FROM notes WHERE student_id = ? AND status = 'draft'"),
        "signed_notes_emptied": run(
            "UPDATE notes SET sections = '{}', content_hash = 'destroyed', updated_at = ?2"
            " WHERE student_id = ?1 AND status = 'signed'",
            sid,
            now,
        ),
        "psychotherapy_notes": run("DELETE FROM psychotherapy_notes WHERE student_id = ?"),
        "screenings_emptied": run(
            "UPDATE screenings SET responses = '{}', population = NULL"
            " WHERE student_id = ? AND status = 'completed'"
        ),
        "safety_follow_ups": run(
            f"DELETE FROM screening_follow_ups WHERE screening_id IN ({screenings})"
        ),
        "screening_results": run(
            f"DELETE FROM screening_results WHERE screening_id IN ({screenings})"
        ),
        "open_screenings": run("DELETE FROM screenings WHERE student_id = ? AND status = 'open'"),
        "safety_plans": run("DELETE FROM safety_plans WHERE student_id = ?"),
        "mandated_reports": run("DELETE FROM mandated_reports WHERE student_id = ?"),
        "safety_flags": run("DELETE FROM safety_flags WHERE student_id = ?"),
        "referrals_emptied": run(
            "UPDATE referrals SET reason = '', destination_name = '', follow_up_on = NULL,"
            " updated_at = ?2 WHERE student_id = ?1",
            sid,
            now,
        ),
        "guardians": run("DELETE FROM guardians WHERE student_id = ?"),
        # Draft keys are "<form>:<student id>[:<item id>]" (note editor, record dialogs).
        "form_drafts": run(
            "DELETE FROM form_drafts WHERE instr(key, ':') > 0"
            " AND (substr(key, instr(key, ':') + 1) = ?1"
            " OR substr(key, instr(key, ':') + 1) GLOB ?1 || ':*')",
            str(sid),
        ),
        "search_rows": search_rows,
    }
    conn.execute(
        "UPDATE students SET legal_first_name = ?, legal_last_name = ?, preferred_name = '',"
        " date_of_birth = ?, district_student_number = NULL, ssid = NULL, language = '',"
        " consent_basis = NULL, parent_contact_attempted_on = NULL,"
        " parent_contact_outcome = '', parent_contact_inappropriate_reason = '',"
        " handout_basis = NULL, handout_authorized_on = NULL, active = 0, updated_at = ?"
        " WHERE id = ?",
        (DESTROYED_FIRST, DESTROYED_LAST, DESTROYED_BIRTH, now, sid),
    )
    return removed
