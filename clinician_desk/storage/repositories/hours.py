"""SQL for associate hours: signed sessions' minutes (no student identifiers) and the explicit
``hours_log`` entries. The rules are ``domain.hours``; the use cases ``services.record.hours``."""

from __future__ import annotations

from datetime import date

from clinician_desk.domain.hours import LoggedMinutes, SessionMinutes
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories.rows import inserted_id


def insert_log(
    conn: Connection, day: date, kind: str, minutes: int, supervision: bool, now: str
) -> int:
    cur = conn.execute(
        "INSERT INTO hours_log (day, kind, minutes, supervision, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (day.isoformat(), kind, minutes, int(supervision), now),
    )
    return inserted_id(cur)


def signed_session_minutes(conn: Connection, start: date, end: date) -> list[SessionMinutes]:
    """Sessions between ``start`` and ``end`` (inclusive) with at least one signed note."""
    return [
        SessionMinutes(date.fromisoformat(r[0]), r[1], int(r[2]), bool(r[3]))
        for r in conn.execute(
            "SELECT s.session_date, s.service_code, s.end_minute - s.start_minute,"
            " (s.participant_kind = 'family' OR EXISTS (SELECT 1 FROM session_students ss"
            "  WHERE ss.session_id = s.id)) FROM sessions s"
            " WHERE s.session_date BETWEEN ? AND ?"
            " AND EXISTS (SELECT 1 FROM notes n WHERE n.session_id = s.id AND n.status = 'signed')",
            (start.isoformat(), end.isoformat()),
        )
    ]


def logged_minutes(conn: Connection, start: date, end: date) -> list[LoggedMinutes]:
    return [
        LoggedMinutes(date.fromisoformat(r[0]), r[1], int(r[2]), bool(r[3]))
        for r in conn.execute(
            "SELECT day, kind, minutes, supervision FROM hours_log WHERE day BETWEEN ? AND ?",
            (start.isoformat(), end.isoformat()),
        )
    ]


def session_minutes_until(conn: Connection, end: date) -> list[SessionMinutes]:
    """Every session on or before ``end`` (signed or not), for the weekly hours log; every
    direct session counts toward children/couples/families (clients are children)."""
    return [
        SessionMinutes(date.fromisoformat(r[0]), r[1], int(r[2]))
        for r in conn.execute(
            "SELECT session_date, service_code, end_minute - start_minute"
            " FROM sessions WHERE session_date <= ?",
            (end.isoformat(),),
        ).fetchall()
    ]


def logged_minutes_until(conn: Connection, end: date) -> list[LoggedMinutes]:
    """Every ``hours_log`` entry on or before ``end``."""
    return [
        LoggedMinutes(date.fromisoformat(r[0]), r[1], int(r[2]), bool(r[3]))
        for r in conn.execute(
            "SELECT day, kind, minutes, supervision FROM hours_log WHERE day <= ?",
            (end.isoformat(),),
        ).fetchall()
    ]
