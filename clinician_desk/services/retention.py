"""Retention: list records eligible for destruction and destroy one on explicit action.

docs/design/domain-rules.md: never auto-delete; flag a record once ``retain_until`` has passed and
services have ended (``domain.retention``); destroy only when the clinician asks; log the
destruction.

``destroy`` runs in one transaction. It opens a ``retention_destructions`` row (migration 0006:
the only way past the sign-and-lock triggers, and only for that student), removes the record's
content, closes the row with the counts of what was removed, and writes one audit entry (student
id, counts, the retention date; actor and time come with every audit row) — never any of the
destroyed content. Freed pages are overwritten (``PRAGMA secure_delete``), the search index is
merged so no old segment keeps the words, and the WAL is checkpointed and truncated afterwards,
so the text is gone from the file, not only from the tables.

What is **kept**, and why: the county already holds de-identified monthly counts built from this
record, and the rebuild-on-change of docs/design/sync-protocol.md would silently shrink those
historical totals if the rows they come from vanished. So the count inputs stay as a de-identified
residue: the sessions (date, minutes, service, tier, modality, place, school) with their attendance
links, an empty signed stub per signed note (no text, so the session still counts), completed
screenings without answers or results (instrument, date, positive), referrals without reason or
destination name (with their status dates), and the student row reduced to grade and school (name
"Destroyed record", no birth date, ids, guardians, languages or consent documentation). Rebuilt
counts are therefore identical and no month is marked dirty."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from clinician_desk.clock import utc_iso
from clinician_desk.domain.retention import eligible_for_destruction, retain_until
from clinician_desk.errors import NotFoundError, PermissionRefusedError
from clinician_desk.messages import M
from clinician_desk.storage import Database
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories import retention as repo


@dataclass(frozen=True)
class RetentionStatus:
    """One student's retention state (no names: ids and dates only)."""

    student_id: int
    retain_until: date
    service_ended_on: date | None
    eligible: bool
    destroyed_on: date | None


@dataclass(frozen=True)
class DestructionReport:
    student_id: int
    destroyed_on: date
    removed: dict[str, int]


class RetentionService:
    """``services.retention``: ``eligible()``, ``status(id)``, ``destroy(id)``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _today(self) -> date:
        return self.db.clock.now().astimezone().date()

    def status(self, student_id: int) -> RetentionStatus:
        """Retention date and eligibility of one student; NotFoundError for an unknown id."""
        with self.db.read() as conn:
            row = _student_row(conn, student_id)
        return _status(row, self._today())

    def eligible(self) -> tuple[RetentionStatus, ...]:
        """Students whose retention date has passed and whose services ended, not yet
        destroyed, oldest retention date first."""
        today = self._today()
        with self.db.read() as conn:
            rows = repo.ended_not_destroyed(conn)
        found = [_status(r, today) for r in rows]
        return tuple(sorted((s for s in found if s.eligible), key=lambda s: s.retain_until))

    def destroy(self, student_id: int) -> DestructionReport:
        """Destroy the record of an eligible student (see module docstring).

        Raises NotFoundError for an unknown id and PermissionRefusedError (naming the date) for
        a student not yet eligible or already destroyed; nothing changes then.
        """
        today = self._today()
        conn = self.db.conn
        repo.set_secure_delete(conn, True)
        try:
            with self.db.unit_of_work() as uow:
                state = _status(_student_row(uow.conn, student_id), today)
                _refuse_unless_eligible(state)
                repo.open_destruction(
                    uow.conn,
                    student_id,
                    state.retain_until.isoformat(),
                    today.isoformat(),
                    utc_iso(uow.clock.now()),
                    uow.actor,
                )
                removed = repo.remove_content(uow.conn, student_id, utc_iso(uow.clock.now()))
                repo.close_destruction(uow.conn, student_id, removed, utc_iso(uow.clock.now()))
                uow.audit(
                    "student.record_destroyed",
                    "student",
                    str(student_id),
                    {"retain_until": state.retain_until.isoformat(), "removed": removed},
                )
            repo.scrub_after_destruction(conn)
        finally:
            repo.set_secure_delete(conn, False)
        return DestructionReport(student_id, today, removed)


def _student_row(conn: Connection, student_id: int) -> Any:
    row = repo.retention_row(conn, student_id)
    if row is None:
        raise NotFoundError(M("There is no student with id {id}.", id=student_id))
    return row


def _status(row: Any, today: date) -> RetentionStatus:
    born = date.fromisoformat(str(row[1]))
    ended = date.fromisoformat(str(row[2])) if row[2] else None
    destroyed = date.fromisoformat(str(row[3])) if row[3] else None
    return RetentionStatus(
        student_id=int(row[0]),
        retain_until=retain_until(born, ended),
        service_ended_on=ended,
        eligible=destroyed is None and eligible_for_destruction(born, ended, today),
        destroyed_on=destroyed,
    )


def _refuse_unless_eligible(state: RetentionStatus) -> None:
    sid = state.student_id
    if state.destroyed_on is not None:
        raise PermissionRefusedError(
            M(
                "The record of student {sid} was already destroyed on {day}.",
                sid=sid,
                day=state.destroyed_on,
            )
        )
    if state.service_ended_on is None:
        raise PermissionRefusedError(
            M(
                "The record of student {sid} cannot be destroyed: services have not ended "
                "(record the end of services first; it must then be kept at least 7 years).",
                sid=sid,
            )
        )
    if not state.eligible:
        raise PermissionRefusedError(
            M(
                "The record of student {sid} must be kept until {until}; "
                "it can be destroyed from {day}.",
                sid=sid,
                until=state.retain_until.isoformat(),
                day=_day_after(state.retain_until),
            )
        )


def _day_after(day: date) -> str:
    return date.fromordinal(day.toordinal() + 1).isoformat()
