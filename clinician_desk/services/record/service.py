"""``RecordService``: the clinical record's façade for the UI and the CLI (``services.record``).

Each method runs one use case in its own transaction: writes in ``db.unit_of_work()`` (audit
entry, search index and sync outbox mark in the same transaction — all or nothing), queries in
``db.read()``. Calls must be serialized by the caller (the UI's single database worker).
Errors are ``clinician_desk.errors`` subclasses with a message a clinician can act on.

The functions underneath (``services.students``, ``services.notes``, ``services.search``,
``services.roster``, ``record.clinical_events``, ``record.views``; the caseload queries in
``storage.repositories.caseload``) take a unit of work or a connection and can be composed into
larger transactions. After a commit the service publishes the typed event it caused
(``clinician_desk.events``: note signed, referral changed, roster imported) on the session's bus.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from clinician_desk.domain.hours import HoursReport
from clinician_desk.domain.referrals import ReferralInput
from clinician_desk.domain.roster import ColumnMapping, RosterBundle
from clinician_desk.domain.safety_plans import SafetyPlanView
from clinician_desk.domain.sessions import SessionInput
from clinician_desk.domain.students import StudentInput
from clinician_desk.events import EventBus, NoteSigned, ReferralChanged, RosterImported
from clinician_desk.services import notes, roster, students
from clinician_desk.services import search as search_q
from clinician_desk.services.record import clinical_events as record_events
from clinician_desk.services.record import hours as record_hours
from clinician_desk.services.record.views import (
    SessionNoteView,
    StudentView,
    safety_plan_view,
    session_note_view,
    student_view,
)
from clinician_desk.storage import Database
from clinician_desk.storage.repositories import caseload as caseload_q


class RecordService:
    """Students, sessions, notes, referrals, safety plans, mandated reports, search, caseload."""

    def __init__(self, db: Database, events: EventBus | None = None) -> None:
        self.db = db
        self.events = events if events is not None else EventBus()

    # -- students ---------------------------------------------------------------------------
    def create_student(self, data: StudentInput, *, school_name: str = "") -> int:
        with self.db.unit_of_work() as uow:
            return students.create_student(uow, data, school_name=school_name)

    def update_student(self, student_id: int, data: StudentInput) -> list[str]:
        with self.db.unit_of_work() as uow:
            return students.update_student(uow, student_id, data)

    def schools(self) -> list[tuple[str, str]]:
        """(CDS code, name) of every known school, by name (no student data: not audited)."""
        with self.db.read() as conn:
            return students.known_schools(conn)

    def student_for_edit(self, student_id: int) -> StudentInput:
        """The stored student as the input ``update_student`` takes (the read is audited)."""
        with self.db.unit_of_work() as uow:
            return students.student_for_edit(uow, student_id)

    def end_services(self, student_id: int, ended_on: date | None) -> None:
        with self.db.unit_of_work() as uow:
            students.end_services(uow, student_id, ended_on)

    def student_page(self, student_id: int) -> students.StudentPage:
        """The student page's data; the view is audited."""
        with self.db.unit_of_work() as uow:
            return students.student_page(uow, student_id)

    def student_view(self, student_id: int) -> StudentView:
        """Read model without audit: the caller audits its own print/export."""
        with self.db.read() as conn:
            return student_view(conn, student_id)

    # -- sessions and notes -------------------------------------------------------------------
    def document_session(
        self, data: SessionInput, template: str = "SOAP"
    ) -> notes.DocumentedSession:
        with self.db.unit_of_work() as uow:
            return notes.document_session(uow, data, template)

    def update_session(self, session_id: int, data: SessionInput) -> None:
        """Correct a session's facts while none of its notes is signed."""
        with self.db.unit_of_work() as uow:
            notes.update_session(uow, session_id, data)

    def save_draft(self, note_id: int, sections: Mapping[str, str]) -> None:
        with self.db.unit_of_work() as uow:
            notes.save_draft(uow, note_id, sections)

    def sign_note(self, note_id: int, sections: Mapping[str, str] | None = None) -> str:
        with self.db.unit_of_work() as uow:
            signed = notes.sign_note(uow, note_id, sections)
        self.events.publish(NoteSigned(note_id))
        return signed

    def add_addendum(self, note_id: int, body: str) -> int:
        with self.db.unit_of_work() as uow:
            return notes.add_addendum(uow, note_id, body)

    def open_note(self, note_id: int) -> SessionNoteView:
        with self.db.unit_of_work() as uow:
            return notes.open_note(uow, note_id)

    def note_view(self, note_id: int) -> SessionNoteView:
        """Read model without audit (for the reports engineer, who audits the print)."""
        with self.db.read() as conn:
            return session_note_view(conn, note_id)

    def save_psychotherapy_note(self, session_id: int, student_id: int, body: str) -> int:
        with self.db.unit_of_work() as uow:
            return notes.save_psychotherapy_note(uow, session_id, student_id, body)

    def sign_psychotherapy_note(self, session_id: int, student_id: int) -> None:
        with self.db.unit_of_work() as uow:
            notes.sign_psychotherapy_note(uow, session_id, student_id)

    def read_psychotherapy_note(self, session_id: int, student_id: int) -> str | None:
        with self.db.unit_of_work() as uow:
            return notes.read_psychotherapy_note(uow, session_id, student_id)

    def save_form_draft(self, key: str, payload: Mapping[str, object]) -> None:
        with self.db.unit_of_work() as uow:
            notes.save_form_draft(uow, key, payload)

    def load_form_draft(self, key: str) -> dict[str, object] | None:
        with self.db.read() as conn:
            return notes.load_form_draft(conn, key)

    def discard_form_draft(self, key: str) -> None:
        with self.db.unit_of_work() as uow:
            notes.discard_form_draft(uow, key)

    def draft_notes(self, student_id: int | None = None) -> list[notes.DraftNote]:
        """Every unsigned note (or one student's): names and dates only, so not audited."""
        with self.db.read() as conn:
            return notes.draft_notes(conn, student_id)

    # -- referrals, safety, mandated reports -------------------------------------------------
    def create_referral(self, data: ReferralInput) -> int:
        with self.db.unit_of_work() as uow:
            referral_id = record_events.create_referral(uow, data)
        self.events.publish(ReferralChanged(referral_id, "sent"))
        return referral_id

    def change_referral_status(
        self, referral_id: int, status: str, changed_on: date, follow_up_on: date | None = None
    ) -> None:
        with self.db.unit_of_work() as uow:
            record_events.change_referral_status(uow, referral_id, status, changed_on, follow_up_on)
        self.events.publish(ReferralChanged(referral_id, status))

    def referral_history(self, referral_id: int) -> list[tuple[str, date, date | None, str]]:
        """(status, changed_on, follow_up_on, recorded_by), oldest first (the status dialog)."""
        with self.db.read() as conn:
            return record_events.referral_history(conn, referral_id)

    def save_safety_plan(self, student_id: int, steps: Mapping[str, Sequence[str]]) -> int:
        with self.db.unit_of_work() as uow:
            return record_events.save_safety_plan(uow, student_id, steps)

    def safety_plan(self, student_id: int) -> SafetyPlanView | None:
        with self.db.read() as conn:
            return safety_plan_view(conn, student_id)

    def record_mandated_report(
        self, student_id: int, phone_report_at: datetime, agency: str
    ) -> int:
        with self.db.unit_of_work() as uow:
            return record_events.record_mandated_report(uow, student_id, phone_report_at, agency)

    def record_mandated_follow_up(self, report_id: int, sent_at: datetime) -> None:
        with self.db.unit_of_work() as uow:
            record_events.record_mandated_follow_up(uow, report_id, sent_at)

    def open_safety_flag(
        self, student_id: int, *, source: str, reason: str, source_ref: str | None = None
    ) -> int:
        with self.db.unit_of_work() as uow:
            return record_events.open_safety_flag(
                uow, student_id, source=source, reason=reason, source_ref=source_ref
            )

    def close_safety_flag(self, flag_id: int, closed_reason: str) -> None:
        with self.db.unit_of_work() as uow:
            record_events.close_safety_flag(uow, flag_id, closed_reason)

    # -- associate hours ---------------------------------------------------------------------
    def log_hours(self, day: date, kind: str, minutes: int, *, supervision: bool) -> int:
        with self.db.unit_of_work() as uow:
            return record_hours.log_hours(uow, day, kind, minutes, supervision=supervision)

    def hours_report(self, license_type: str, start: date, end: date) -> HoursReport:
        """Weekly associate hours from signed sessions and explicit logs (no student ids)."""
        with self.db.read() as conn:
            return record_hours.hours_report(conn, license_type, start, end)

    # -- search, caseload, roster -------------------------------------------------------------
    def search(
        self, query: str, *, include_psychotherapy: bool = False, limit: int = 50
    ) -> list[search_q.SearchHit]:
        with self.db.read() as conn:
            return search_q.search(
                conn, query, include_psychotherapy=include_psychotherapy, limit=limit
            )

    def caseload(self) -> caseload_q.CaseloadOverview:
        with self.db.read() as conn:
            return caseload_q.caseload_overview(conn, self.db.clock.now())

    def import_roster(
        self,
        data: bytes | RosterBundle,
        *,
        preset: str | None = None,
        mapping: ColumnMapping | None = None,
        default_school_cds: str | None = None,
        dry_run: bool = False,
        progress: roster.ProgressCallback | None = None,
    ) -> roster.RosterImportResult:
        """One transaction: every row or none (a cancel through ``progress`` rolls back)."""
        with self.db.unit_of_work() as uow:
            result = roster.import_roster(
                uow,
                data,
                preset=preset,
                mapping=mapping,
                default_school_cds=default_school_cds,
                dry_run=dry_run,
                progress=progress,
            )
        if not result.dry_run:
            self.events.publish(RosterImported(result.created, result.updated))
        return result
