"""Read models of the clinical record for the UI and the reports engineer (frozen rows).

* ``StudentView`` — identity, school, guardians, languages, consent basis with the HSC
  124260(c) documentation, personalized-handout basis, retention date.
* ``SessionNoteView`` — a session with one student's note: sections in template order with
  titles, status, signer and time, and every addendum with its signer and time. Never
  includes psychotherapy-note content.
* ``SafetyPlanView`` (``clinician_desk.domain.safety_plans``) — the six Stanley–Brown steps.

Loaders take an open connection and do not audit: the caller audits the view, print or export
it performs (``uow.audit("student.printed", ...)`` etc.).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from clinician_desk.bundled.taxonomy import load_taxonomy
from clinician_desk.domain.notes import SECTION_TITLES, TEMPLATES
from clinician_desk.domain.retention import retain_until
from clinician_desk.domain.safety_plans import SafetyPlanView, plan_steps
from clinician_desk.domain.students import (
    Guardian,
    ParentContact,
    consent_gaps,
    display_name,
    personalized_handout_basis,
)
from clinician_desk.errors import NotFoundError
from clinician_desk.messages import M
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories import clinical_events as events_repo
from clinician_desk.storage.repositories import notes as notes_repo
from clinician_desk.storage.repositories import students as students_repo


@dataclass(frozen=True)
class StudentView:
    id: int
    legal_first_name: str
    legal_last_name: str
    preferred_name: str
    display_name: str
    date_of_birth: date
    grade: str
    school_cds: str
    school_name: str
    district_cds: str
    district_student_number: str
    ssid: str
    language: str
    guardians: tuple[Guardian, ...]
    consent_basis: str | None
    parent_contact: ParentContact | None
    consent_gaps: tuple[str, ...]
    handout_basis: str | None
    handout_authorized_on: date | None
    personalized_handout_allowed: bool
    personalized_handout_reason: str
    active: bool
    service_ended_on: date | None
    retain_until: date


@dataclass(frozen=True)
class NoteSection:
    key: str
    title: str
    text: str


@dataclass(frozen=True)
class AddendumView:
    id: int
    body: str
    signed_by: str
    signed_at: str


@dataclass(frozen=True)
class SessionNoteView:
    note_id: int
    session_id: int
    session_date: date
    start_minute: int
    end_minute: int
    minutes: int
    service_code: str
    service_name: str
    tier: int | None
    modality: str
    location: str
    participant_kind: str
    group_size: int | None
    school_cds: str
    student_id: int | None
    student_display_name: str
    template: str
    sections: tuple[NoteSection, ...]
    status: str
    signed_by: str | None
    signed_at: str | None
    content_hash: str | None
    addenda: tuple[AddendumView, ...]


def student_view(conn: Connection, student_id: int) -> StudentView:
    rec = students_repo.get(conn, student_id)
    if rec is None:
        raise NotFoundError(M("There is no student with id {student_id}.", student_id=student_id))
    s = rec.data
    end = rec.service_ended_on
    allowed, reason = personalized_handout_basis(
        s.consent_basis, s.handout_basis, s.handout_authorized_on
    )
    return StudentView(
        id=rec.id,
        legal_first_name=s.legal_first_name,
        legal_last_name=s.legal_last_name,
        preferred_name=s.preferred_name,
        display_name=display_name(s.legal_first_name, s.legal_last_name, s.preferred_name),
        date_of_birth=s.date_of_birth,
        grade=s.grade,
        school_cds=s.school_cds,
        school_name=students_repo.school_name(conn, s.school_cds),
        district_cds=rec.district_cds,
        district_student_number=s.district_student_number,
        ssid=s.ssid,
        language=s.language,
        guardians=s.guardians,
        consent_basis=s.consent_basis,
        parent_contact=s.parent_contact,
        consent_gaps=consent_gaps(s.consent_basis, s.parent_contact),
        handout_basis=s.handout_basis,
        handout_authorized_on=s.handout_authorized_on,
        personalized_handout_allowed=allowed,
        personalized_handout_reason=reason,
        active=rec.active,
        service_ended_on=end,
        retain_until=retain_until(
            s.date_of_birth, end or students_repo.last_session_date(conn, student_id)
        ),
    )


def _student_name(conn: Connection, student_id: int | None) -> str:
    if student_id is None:
        return ""
    parts = students_repo.name_parts(conn, (student_id,)).get(student_id)
    return "" if parts is None else display_name(*parts)


def session_note_view(conn: Connection, note_id: int) -> SessionNoteView:
    note = notes_repo.get_note(conn, note_id)
    if note is None:
        raise NotFoundError(M("There is no note with id {note_id}.", note_id=note_id))
    s = notes_repo.session_row(conn, note.session_id)
    services = load_taxonomy().services
    service = services.get(s["service_code"])
    return SessionNoteView(
        note_id=note.id,
        session_id=note.session_id,
        session_date=note.session_date,
        start_minute=int(s["start_minute"]),
        end_minute=int(s["end_minute"]),
        minutes=int(s["end_minute"]) - int(s["start_minute"]),
        service_code=s["service_code"],
        service_name=service.name if service else s["service_code"],
        tier=None if s["tier"] is None else int(s["tier"]),
        modality=s["modality"],
        location=s["location"],
        participant_kind=s["participant_kind"],
        group_size=None if s["group_size"] is None else int(s["group_size"]),
        school_cds=s["school_cds"],
        student_id=note.student_id,
        student_display_name=_student_name(conn, note.student_id),
        template=note.template,
        sections=tuple(
            NoteSection(k, SECTION_TITLES[k], note.sections.get(k, ""))
            for k in TEMPLATES[note.template]
        ),
        status=note.status,
        signed_by=note.signed_by,
        signed_at=note.signed_at,
        content_hash=note.content_hash,
        addenda=tuple(AddendumView(*a) for a in notes_repo.addenda_of(conn, note_id)),
    )


def safety_plan_view(
    conn: Connection, student_id: int, display_name: str | None = None
) -> SafetyPlanView | None:
    """The student's current (latest) safety plan, or None. ``display_name`` saves reading the
    student's row again when the caller already has it."""
    r = events_repo.latest_safety_plan(conn, student_id)
    if r is None:
        return None
    return SafetyPlanView(
        plan_id=int(r[0]),
        student_id=student_id,
        student_display_name=(
            _student_name(conn, student_id) if display_name is None else display_name
        ),
        created_on=date.fromisoformat(r[1]),
        created_by=r[2],
        steps=plan_steps(json.loads(r[3])),
    )
