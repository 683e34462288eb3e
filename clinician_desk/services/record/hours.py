"""Associate hours from the record: session minutes and explicit logs -> ``compute_hours``.

``hours_report(conn, license_type, start, end)`` reads signed sessions (minutes and service code
only — no student identifiers leave this function) and the explicit ``hours_log`` entries
(non-clinical time, supervision) and returns the pure ``HoursReport`` for the weekly log the
reports engineer prints. ``log_hours(uow, ...)`` records an explicit entry (audited).
"""

from __future__ import annotations

from datetime import date

from clinician_desk.bundled.taxonomy import load_taxonomy
from clinician_desk.clock import utc_iso
from clinician_desk.domain.hours import (
    NON_CLINICAL_KINDS,
    SUPERVISION_KINDS,
    HoursLimits,
    HoursReport,
    compute_hours,
)
from clinician_desk.errors import ValidationError
from clinician_desk.messages import M
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.database import UnitOfWork
from clinician_desk.storage.repositories import hours as repo


def log_hours(uow: UnitOfWork, day: date, kind: str, minutes: int, *, supervision: bool) -> int:
    allowed = SUPERVISION_KINDS if supervision else NON_CLINICAL_KINDS
    if kind not in allowed:
        raise ValidationError(M("kind must be one of {kinds}.", kinds=", ".join(allowed)))
    if not 0 < minutes <= 24 * 60:
        raise ValidationError(M("Minutes must be between 1 and 1440."))
    entry_id = repo.insert_log(uow.conn, day, kind, minutes, supervision, utc_iso(uow.clock.now()))
    uow.audit("hours.logged", "hours_log", str(entry_id), {"kind": kind, "minutes": minutes})
    return entry_id


def hours_report(
    conn: Connection,
    license_type: str,
    start: date,
    end: date,
    limits: HoursLimits | None = None,
) -> HoursReport:
    """Weekly hours between ``start`` and ``end`` (inclusive) from signed sessions and logs."""
    if end < start:
        raise ValidationError(M("The end of the period is before its start."))
    sessions = repo.signed_session_minutes(conn, start, end)
    logged = repo.logged_minutes(conn, start, end)
    return compute_hours(license_type, sessions, logged, load_taxonomy(), limits)
