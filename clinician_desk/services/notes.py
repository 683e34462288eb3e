"""Sessions and notes: document a session, autosave drafts, sign and lock, add addenda.

* ``document_session`` creates the session and one draft note per student present (a group
  session gets one note per student; a session without students gets one note).
* ``save_draft`` is the autosave: one UPDATE plus the search index row, in the encrypted
  database, committed with ``synchronous=FULL`` — cheap and crash-safe. A draft save is not
  audited (drafts are not yet part of the record); creation and signing are, with a hash of the
  signed content.
* ``sign_note`` locks the note (the database triggers refuse any later UPDATE/DELETE) and marks
  the session's (school, district) × month dirty for sync, in the same transaction.
* ``add_addendum`` adds a signed, time-stamped addendum to a signed note only.
* Psychotherapy (process) notes live in their own table, are indexed only under their own kind
  and never appear in summaries, views or prints.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from clinician_desk.bundled.taxonomy import load_taxonomy
from clinician_desk.clock import utc_iso
from clinician_desk.domain import notes as rules
from clinician_desk.domain.sessions import SessionInput, period_of, validate_session
from clinician_desk.domain.students import district_of
from clinician_desk.errors import NotFoundError, PermissionRefusedError, ValidationError
from clinician_desk.messages import M
from clinician_desk.services.record.views import SessionNoteView, session_note_view
from clinician_desk.services.students import today_of
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.database import UnitOfWork
from clinician_desk.storage.repositories import notes as repo
from clinician_desk.storage.repositories import search_index
from clinician_desk.storage.repositories import students as students_repo


@dataclass(frozen=True)
class DocumentedSession:
    session_id: int
    note_ids: dict[int | None, int]  # student id (None: no student) -> draft note id


def document_session(
    uow: UnitOfWork, data: SessionInput, template: str = "SOAP"
) -> DocumentedSession:
    """Validate and store a session; create one draft note per student present."""
    s = validate_session(data, load_taxonomy(), today_of(uow))
    if template not in rules.TEMPLATES:
        raise ValidationError(
            M("note template must be one of {value}.", value=", ".join(rules.TEMPLATES))
        )
    conn = uow.conn
    for sid in s.student_ids:
        if not students_repo.exists(conn, sid):
            raise NotFoundError(M("There is no student with id {sid}.", sid=sid))
    if not students_repo.school_exists(conn, s.school_cds):
        raise NotFoundError(M("The session's school is not known; add it with a student first."))
    now = utc_iso(uow.clock.now())
    session_id = repo.insert_session(conn, s, now)
    note_ids: dict[int | None, int] = {}
    targets: tuple[int | None, ...] = s.student_ids or (None,)
    for target in targets:
        note_ids[target] = repo.insert_note(conn, session_id, target, template, now)
    uow.audit(
        "session.created",
        "session",
        str(session_id),
        {
            "service": s.service_code,
            "students": list(s.student_ids),
            "notes": list(note_ids.values()),
        },
    )
    return DocumentedSession(session_id, note_ids)


def update_session(uow: UnitOfWork, session_id: int, data: SessionInput) -> None:
    """Correct a session before any of its notes is signed (participants stay as they are)."""
    row = repo.session_row(uow.conn, session_id)
    if row is None:
        raise NotFoundError(M("There is no session with id {session_id}.", session_id=session_id))
    if repo.session_has_signed_note(uow.conn, session_id):
        raise PermissionRefusedError(
            M("A note of this session is signed, so the session is locked; add an addendum.")
        )
    present = repo.session_student_ids(uow.conn, session_id)
    if tuple(sorted(data.student_ids)) != present:
        raise ValidationError(M("Changing who was present is not possible here; document anew."))
    s = validate_session(data, load_taxonomy(), today_of(uow))
    if s.participant_kind != row["participant_kind"]:
        raise ValidationError(M("The kind of participants of a session cannot be changed."))
    repo.update_session(uow.conn, session_id, s, utc_iso(uow.clock.now()))
    changed = [
        k
        for k in ("session_date", "start_minute", "end_minute", "service_code", "tier")
        if str(row[k]) != str(getattr(s, k) if k != "session_date" else s.session_date.isoformat())
    ]
    uow.audit("session.changed", "session", str(session_id), {"fields": changed})


def _note(uow: UnitOfWork, note_id: int) -> repo.NoteRow:
    note = repo.get_note(uow.conn, note_id)
    if note is None:
        raise NotFoundError(M("There is no note with id {note_id}.", note_id=note_id))
    return note


def save_draft(uow: UnitOfWork, note_id: int, sections: Mapping[str, str]) -> None:
    """Autosave a draft note's sections (refused once signed)."""
    note = _note(uow, note_id)
    rules.check_editable(note.status)
    clean = rules.validate_sections(note.template, sections)
    repo.save_sections(uow.conn, note_id, clean, utc_iso(uow.clock.now()))
    search_index.index(uow.conn, "note", note_id, note.student_id, rules.plain_text(clean))


def sign_note(uow: UnitOfWork, note_id: int, sections: Mapping[str, str] | None = None) -> str:
    """Sign and lock a note (saving ``sections`` first if given); returns the content hash."""
    note = _note(uow, note_id)
    rules.check_editable(note.status)
    clean = rules.validate_sections(note.template, note.sections if sections is None else sections)
    rules.check_signable(note.status, clean)
    now = utc_iso(uow.clock.now())
    if clean != note.sections:
        repo.save_sections(uow.conn, note_id, clean, now)
        search_index.index(uow.conn, "note", note_id, note.student_id, rules.plain_text(clean))
    digest = rules.content_hash(clean, uow.actor, now)
    repo.mark_signed(uow.conn, note_id, uow.actor, now, digest)
    repo.mark_count_dirty(
        uow.conn, (note.school_cds, district_of(note.school_cds)), period_of(note.session_date), now
    )
    uow.audit("note.signed", "note", str(note_id), {"session": note.session_id, "hash": digest})
    return digest


def add_addendum(uow: UnitOfWork, note_id: int, body: str) -> int:
    """Add a signed, time-stamped addendum to a signed note; returns its id."""
    note = _note(uow, note_id)
    text = rules.check_addendum_allowed(note.status, body)
    now = utc_iso(uow.clock.now())
    digest = rules.content_hash({"addendum": text, "note": str(note_id)}, uow.actor, now)
    addendum_id = repo.insert_addendum(uow.conn, note_id, text, uow.actor, now, digest)
    search_index.index(uow.conn, "addendum", addendum_id, note.student_id, text)
    uow.audit(
        "note.addendum_added", "note", str(note_id), {"addendum": addendum_id, "hash": digest}
    )
    return addendum_id


def open_note(uow: UnitOfWork, note_id: int) -> SessionNoteView:
    """The note with its session and addenda; audits the view."""
    view = session_note_view(uow.conn, note_id)
    uow.audit("note.viewed", "note", str(note_id), {"student": view.student_id})
    return view


def save_psychotherapy_note(uow: UnitOfWork, session_id: int, student_id: int, body: str) -> int:
    """Create or autosave a psychotherapy (process) note for a student present in a session."""
    if student_id not in repo.session_student_ids(uow.conn, session_id):
        raise NotFoundError(M("That student is not recorded as present in this session."))
    row = repo.psychotherapy_note(uow.conn, session_id, student_id)
    if row is not None and row[2] == "signed":
        raise PermissionRefusedError(M("This psychotherapy note is signed and locked."))
    if len(body) > rules.MAX_SECTION_CHARS:
        raise ValidationError(M("The psychotherapy note is too long."))
    pn_id = repo.upsert_psychotherapy_note(
        uow.conn, session_id, student_id, body, utc_iso(uow.clock.now())
    )
    search_index.index(uow.conn, "psychotherapy", pn_id, student_id, body)
    if row is None:
        uow.audit("psychotherapy_note.created", "psychotherapy_note", str(pn_id))
    return pn_id


def sign_psychotherapy_note(uow: UnitOfWork, session_id: int, student_id: int) -> None:
    row = repo.psychotherapy_note(uow.conn, session_id, student_id)
    if row is None:
        raise NotFoundError(M("There is no psychotherapy note for that student and session."))
    if row[2] == "signed":
        raise PermissionRefusedError(M("This psychotherapy note is already signed."))
    if not str(row[1]).strip():
        raise ValidationError(M("An empty psychotherapy note cannot be signed."))
    now = utc_iso(uow.clock.now())
    digest = rules.content_hash({"text": row[1]}, uow.actor, now)
    repo.sign_psychotherapy_note(uow.conn, int(row[0]), uow.actor, now, digest)
    uow.audit("psychotherapy_note.signed", "psychotherapy_note", str(row[0]), {"hash": digest})


def read_psychotherapy_note(uow: UnitOfWork, session_id: int, student_id: int) -> str | None:
    """The process note's text for the clinician's screen only (audited view)."""
    row = repo.psychotherapy_note(uow.conn, session_id, student_id)
    if row is None:
        return None
    uow.audit("psychotherapy_note.viewed", "psychotherapy_note", str(row[0]))
    return str(row[1])


def save_form_draft(uow: UnitOfWork, key: str, payload: Mapping[str, object]) -> None:
    """Autosave any unsaved form (e.g. a new session being typed) under ``key``."""
    if not key or len(key) > 200:
        raise ValidationError(M("A draft key is 1-200 characters."))
    repo.save_form_draft(
        uow.conn, key, json.dumps(dict(payload), ensure_ascii=False), utc_iso(uow.clock.now())
    )


def load_form_draft(conn: Connection, key: str) -> dict[str, object] | None:
    payload = repo.form_draft(conn, key)
    return None if payload is None else dict(json.loads(payload))


def discard_form_draft(uow: UnitOfWork, key: str) -> None:
    repo.delete_form_draft(uow.conn, key)


@dataclass(frozen=True)
class DraftNote:
    """One unsigned note, for the "Drafts" list (no note text: the list shows who and when)."""

    note_id: int
    session_id: int
    student_id: int | None
    student_display_name: str
    session_date: str
    service_code: str
    updated_at: str


def draft_notes(conn: Connection, student_id: int | None = None) -> list[DraftNote]:
    """Every unsigned note (or one student's), newest session first."""
    from clinician_desk.domain.students import display_name

    return [
        DraftNote(
            note_id=int(r[0]),
            session_id=int(r[1]),
            student_id=None if r[2] is None else int(r[2]),
            student_display_name="" if r[3] is None else display_name(r[3], r[4], r[5]),
            session_date=str(r[6]),
            service_code=str(r[7]),
            updated_at=str(r[8]),
        )
        for r in repo.draft_note_rows(conn, student_id)
    ]
