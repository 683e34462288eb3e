"""Associate hours from the record: session minutes and explicit logs -> ``compute_hours``.

``hours_report(conn, license_type, start, end)`` reads signed sessions (minutes and service code
only — no student identifiers leave this function) and the explicit ``hours_log`` entries
(non-clinical time, supervision) and returns the pure ``HoursReport`` for the weekly log the
reports engineer prints. ``log_hours(uow, ...)`` records an explicit entry (audited).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from clinician_desk.bundled.taxonomy import load_taxonomy
from clinician_desk.clock import utc_iso
from clinician_desk.domain.hours import (
    NON_CLINICAL_KINDS,
    SUPERVISION_KINDS,
    HoursLimits,
    HoursReport,
    LoggedMinutes,
    SessionMinutes,
    compute_hours,
)
from clinician_desk.errors import ValidationError


def log_hours(uow: Any, day: date, kind: str, minutes: int, *, supervision: bool) -> int:
    allowed = SUPERVISION_KINDS if supervision else NON_CLINICAL_KINDS
    if kind not in allowed:
        raise ValidationError(f"kind must be one of {', '.join(allowed)}.")
    if not 0 < minutes <= 24 * 60:
        raise ValidationError("Minutes must be between 1 and 1440.")
    cur = uow.conn.execute(
        "INSERT INTO hours_log (day, kind, minutes, supervision, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (day.isoformat(), kind, minutes, int(supervision), utc_iso(uow.clock.now())),
    )
    entry_id = int(cur.lastrowid)
    uow.audit("hours.logged", "hours_log", str(entry_id), {"kind": kind, "minutes": minutes})
    return entry_id


def hours_report(
    conn: Any,
    license_type: str,
    start: date,
    end: date,
    limits: HoursLimits | None = None,
) -> HoursReport:
    """Weekly hours between ``start`` and ``end`` (inclusive) from signed sessions and logs."""
    if end < start:
        raise ValidationError("The end of the period is before its start.")
    sessions = [
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
    logged = [
        LoggedMinutes(date.fromisoformat(r[0]), r[1], int(r[2]), bool(r[3]))
        for r in conn.execute(
            "SELECT day, kind, minutes, supervision FROM hours_log WHERE day BETWEEN ? AND ?",
            (start.isoformat(), end.isoformat()),
        )
    ]
    return compute_hours(license_type, sessions, logged, load_taxonomy(), limits)
