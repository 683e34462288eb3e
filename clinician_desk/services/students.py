"""Student use cases: create, change, open the student's page (audited view), end services.

Each function takes a ``UnitOfWork`` and writes its audit entry in the same transaction
(details hold field names and ids only, never values). ``student_page`` is the data of the
student page in one call, and records the view in the audit trail (Civil Code 56.101).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from clinician_desk.clock import utc_iso
from clinician_desk.domain import students as rules
from clinician_desk.domain.safety_plans import SafetyPlanView
from clinician_desk.errors import NotFoundError, ValidationError
from clinician_desk.messages import M
from clinician_desk.services.record.views import (
    StudentView,
    safety_plan_view,
    student_view,
)
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.database import UnitOfWork
from clinician_desk.storage.repositories import clinical_events as events_repo
from clinician_desk.storage.repositories import notes as notes_repo
from clinician_desk.storage.repositories import search_index
from clinician_desk.storage.repositories import students as repo

RECENT_SESSIONS = 100


def today_of(uow: UnitOfWork) -> date:
    now = uow.clock.now()
    return date(now.year, now.month, now.day) if now.tzinfo is None else now.astimezone().date()


def _index_name(uow: UnitOfWork, student_id: int, s: rules.StudentInput) -> None:
    body = " ".join(p for p in (s.legal_first_name, s.legal_last_name, s.preferred_name) if p)
    search_index.index(uow.conn, "student", student_id, student_id, body)


def create_student(uow: UnitOfWork, data: rules.StudentInput, *, school_name: str = "") -> int:
    """Validate and insert a student (and the school if new); returns the new id."""
    s = rules.validate_student(data, today_of(uow))
    conn = uow.conn
    if s.district_student_number and repo.id_by_district_number(
        conn, rules.district_of(s.school_cds), s.district_student_number
    ):
        raise ValidationError(M("Another student in this district has that district number."))
    repo.ensure_school(conn, s.school_cds, school_name)
    student_id = repo.insert(conn, s, utc_iso(uow.clock.now()))
    _index_name(uow, student_id, s)
    uow.audit("student.created", "student", str(student_id), {"consent": s.consent_basis})
    return student_id


def changed_fields(old: rules.StudentInput, new: rules.StudentInput) -> list[str]:
    return [f.name for f in fields(old) if getattr(old, f.name) != getattr(new, f.name)]


def update_student(uow: UnitOfWork, student_id: int, data: rules.StudentInput) -> list[str]:
    """Validate and store a changed student; returns (and audits) the changed field names."""
    rec = repo.get(uow.conn, student_id)
    if rec is None:
        raise NotFoundError(M("There is no student with id {id}.", id=student_id))
    s = rules.validate_student(data, today_of(uow))
    other = (
        repo.id_by_district_number(
            uow.conn, rules.district_of(s.school_cds), s.district_student_number
        )
        if s.district_student_number
        else None
    )
    if other is not None and other != student_id:
        raise ValidationError(M("Another student in this district has that district number."))
    changed = changed_fields(rec.data, s)
    if not changed:
        return []
    repo.ensure_school(uow.conn, s.school_cds)
    repo.update(uow.conn, student_id, s, utc_iso(uow.clock.now()))
    _index_name(uow, student_id, s)
    uow.audit("student.changed", "student", str(student_id), {"fields": changed})
    return changed


def known_schools(conn: Connection) -> list[tuple[str, str]]:
    """(CDS code, name) of every school in the vault, by name, for the school picker."""
    return repo.known_schools(conn)


def student_for_edit(uow: UnitOfWork, student_id: int) -> rules.StudentInput:
    """The stored student as an editable ``StudentInput`` (audited as a view)."""
    rec = repo.get(uow.conn, student_id)
    if rec is None:
        raise NotFoundError(M("There is no student with id {id}.", id=student_id))
    uow.audit("student.viewed", "student", str(student_id), {"for": "edit"})
    return rec.data


def end_services(uow: UnitOfWork, student_id: int, ended_on: date | None) -> None:
    """Record that services ended (None re-opens the case); fixes the retention date."""
    if repo.get(uow.conn, student_id) is None:
        raise NotFoundError(M("There is no student with id {id}.", id=student_id))
    if ended_on is not None and ended_on > today_of(uow):
        raise ValidationError(M("The end of services cannot be in the future."))
    repo.set_service_end(uow.conn, student_id, ended_on, utc_iso(uow.clock.now()))
    uow.audit(
        "student.services_ended" if ended_on else "student.services_reopened",
        "student",
        str(student_id),
        {"on": ended_on.isoformat() if ended_on else None},
    )


@dataclass(frozen=True)
class SessionSummary:
    session_id: int
    note_id: int | None
    session_date: date
    service_code: str
    tier: int | None
    minutes: int
    participant_kind: str
    note_status: str | None
    addenda: int


@dataclass(frozen=True)
class ReferralSummary:
    id: int
    destination: str
    destination_name: str
    referral_date: date
    reason: str
    status: str
    follow_up_on: date | None


@dataclass(frozen=True)
class MandatedReportSummary:
    id: int
    phone_report_at: str
    agency: str
    follow_up_due_at: str
    status: str


@dataclass(frozen=True)
class StudentPage:
    student: StudentView
    sessions: tuple[SessionSummary, ...]
    referrals: tuple[ReferralSummary, ...]
    mandated_reports: tuple[MandatedReportSummary, ...]
    open_safety_flags: tuple[str, ...]
    safety_plan: SafetyPlanView | None


# Index-only (migration 0007): the session columns come from session_students' covering index
# and the note from the covering (student, session, status) index, which the planner would pass
# over for the unique (session, student) one and then read each note's row — a page apiece,
# each decrypted: ~6 ms instead of ~0.7 ms for a student not yet in the page cache.
def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def student_page(uow: UnitOfWork, student_id: int) -> StudentPage:
    """Everything the student page shows; audits the view in the same transaction."""
    conn = uow.conn
    view = student_view(conn, student_id)
    sessions = tuple(
        SessionSummary(
            int(r[0]),
            None if r[1] is None else int(r[1]),
            date.fromisoformat(r[2]),
            r[3],
            r[4],
            int(r[5]),
            r[6],
            r[7],
            int(r[8]),
        )
        for r in notes_repo.recent_sessions(conn, student_id, RECENT_SESSIONS)
    )
    referrals = tuple(
        ReferralSummary(int(r[0]), r[1], r[2], date.fromisoformat(r[3]), r[4], r[5], _d(r[6]))
        for r in events_repo.referrals_of(conn, student_id)
    )
    reports = tuple(
        MandatedReportSummary(int(r[0]), r[1], r[2], r[3], r[4])
        for r in events_repo.mandated_reports_of(conn, student_id)
    )
    flags = tuple(str(r[3]) for r in events_repo.open_flags_of(conn, student_id))
    uow.audit("student.viewed", "student", str(student_id))
    return StudentPage(
        view,
        sessions,
        referrals,
        reports,
        flags,
        safety_plan_view(conn, student_id, view.display_name),
    )
