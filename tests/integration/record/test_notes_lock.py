"""Sessions, drafts, sign-and-lock (incl. raw SQL against a signed note), addenda, audit."""

from __future__ import annotations

import pytest
import sqlcipher3

from clinician_desk.errors import NotFoundError, PermissionRefusedError, ValidationError
from clinician_desk.services.record.service import RecordService
from clinician_desk.storage import Database
from tests.integration.record.conftest import SCHOOL as SCHOOL_CODE
from tests.integration.record.conftest import session, student


def _audit_actions(db: Database) -> list[str]:
    with db.read() as conn:
        return [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]


def test_document_draft_sign_and_addendum(record: RecordService, db: Database) -> None:
    sid = record.create_student(student())
    doc = record.document_session(session((sid,)))
    note_id = doc.note_ids[sid]
    record.save_draft(note_id, {"subjective": "Reports sleeping better.", "plan": "Continue."})
    digest = record.sign_note(note_id)
    assert len(digest) == 64
    view = record.open_note(note_id)
    assert view.status == "signed" and view.signed_by == "clinician"
    assert [s.key for s in view.sections] == ["subjective", "objective", "assessment", "plan"]
    assert view.sections[0].text == "Reports sleeping better."
    add_id = record.add_addendum(note_id, "Late entry: guardian called afterwards.")
    view = record.note_view(note_id)
    assert [a.id for a in view.addenda] == [add_id]
    assert view.addenda[0].signed_at and view.addenda[0].signed_by == "clinician"
    actions = _audit_actions(db)
    for expected in (
        "student.created",
        "session.created",
        "note.signed",
        "note.viewed",
        "note.addendum_added",
    ):
        assert expected in actions
    with db.read() as conn:
        dirty = {tuple(r) for r in conn.execute("SELECT org_unit, period FROM count_dirty")}
    assert dirty == {("99999999999901", "2026-10"), ("99999990000000", "2026-10")}
    assert db.verify() == []


def test_signed_note_refuses_service_and_raw_sql_changes(
    record: RecordService, db: Database
) -> None:
    sid = record.create_student(student())
    note_id = record.document_session(session((sid,))).note_ids[sid]
    record.sign_note(note_id, {"subjective": "Original text."})
    with pytest.raises(PermissionRefusedError, match="signed and locked"):
        record.save_draft(note_id, {"subjective": "Changed."})
    with pytest.raises(PermissionRefusedError):
        record.sign_note(note_id)
    with pytest.raises(sqlcipher3.IntegrityError, match="signed note is locked"):
        db.conn.execute("UPDATE notes SET sections = '{}' WHERE id = ?", (note_id,))
    with pytest.raises(sqlcipher3.IntegrityError, match="signed note is locked"):
        db.conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
    assert record.note_view(note_id).sections[0].text == "Original text."


def test_addendum_to_draft_refused_and_nothing_written(record: RecordService, db: Database) -> None:
    sid = record.create_student(student())
    note_id = record.document_session(session((sid,))).note_ids[sid]
    before = _audit_actions(db)
    with pytest.raises(PermissionRefusedError, match="only be added to a signed note"):
        record.add_addendum(note_id, "too early")
    assert _audit_actions(db) == before
    with db.read() as conn:
        assert conn.execute("SELECT count(*) FROM note_addenda").fetchone()[0] == 0


def test_empty_note_cannot_be_signed(record: RecordService) -> None:
    sid = record.create_student(student())
    note_id = record.document_session(session((sid,))).note_ids[sid]
    with pytest.raises(ValidationError, match="empty note"):
        record.sign_note(note_id)


def test_bad_sessions_refused_and_nothing_written(record: RecordService, db: Database) -> None:
    sid = record.create_student(student())
    with pytest.raises(ValidationError, match="ends"):
        record.document_session(session((sid,), start_minute=700, end_minute=650))
    with pytest.raises(ValidationError, match="Unknown service code"):
        record.document_session(session((sid,), service_code="TX-MAGIC"))
    with pytest.raises(NotFoundError):
        record.document_session(session((sid + 99,)))
    with db.read() as conn:
        assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM notes").fetchone()[0] == 0


def test_group_session_has_one_note_per_student(record: RecordService) -> None:
    ids = [record.create_student(student(n)) for n in range(1, 4)]
    doc = record.document_session(
        session(tuple(ids), service_code="TX-GRP", participant_kind="group", group_size=5), "DAP"
    )
    assert set(doc.note_ids) == set(ids)
    assert len(set(doc.note_ids.values())) == 3
    record.sign_note(doc.note_ids[ids[0]], {"data": "Participated in group."})
    assert record.note_view(doc.note_ids[ids[1]]).status == "draft"


def test_psychotherapy_notes_apart_and_searched_only_on_request(record: RecordService) -> None:
    sid = record.create_student(student())
    doc = record.document_session(session((sid,)))
    record.save_draft(doc.note_ids[sid], {"subjective": "Talked about soccer."})
    record.save_psychotherapy_note(doc.session_id, sid, "Processnote zebrafish dream.")
    assert record.search("zebrafish") == []
    hits = record.search("zebrafish", include_psychotherapy=True)
    assert [h.kind for h in hits] == ["psychotherapy"]
    view = record.note_view(doc.note_ids[sid])
    assert all("zebrafish" not in s.text for s in view.sections)
    record.sign_psychotherapy_note(doc.session_id, sid)
    with pytest.raises(PermissionRefusedError):
        record.save_psychotherapy_note(doc.session_id, sid, "changed")
    assert record.read_psychotherapy_note(doc.session_id, sid) == "Processnote zebrafish dream."


def test_form_drafts_survive_reopen(record: RecordService, db: Database, tmp_path, clock) -> None:
    record.save_form_draft("new-session", {"service": "TX-IND", "minutes": 30})
    sid = record.create_student(student())
    note_id = record.document_session(session((sid,))).note_ids[sid]
    record.save_draft(note_id, {"plan": "Autosaved text"})
    db.close()
    again = Database.open(tmp_path / "vault.db", b"\x17" * 32, clock=clock)
    try:
        rec2 = RecordService(again)
        assert rec2.load_form_draft("new-session") == {"service": "TX-IND", "minutes": 30}
        assert rec2.note_view(note_id).sections[3].text == "Autosaved text"
    finally:
        again.close()


def test_session_corrected_before_signing_only(record: RecordService, db: Database) -> None:
    sid = record.create_student(student())
    doc = record.document_session(session((sid,)))
    record.update_session(doc.session_id, session((sid,), end_minute=660, tier=3))
    assert record.note_view(doc.note_ids[sid]).minutes == 60
    with pytest.raises(ValidationError, match="ends"):
        record.update_session(doc.session_id, session((sid,), end_minute=500))
    record.sign_note(doc.note_ids[sid], {"plan": "Done."})
    with pytest.raises(PermissionRefusedError, match="locked"):
        record.update_session(doc.session_id, session((sid,), end_minute=700))
    assert record.note_view(doc.note_ids[sid]).minutes == 60


def test_draft_notes_lists_every_unsigned_note_until_it_is_signed(
    record: RecordService, db: Database
) -> None:
    a = record.create_student(student())
    b = record.create_student(student(2, legal_first_name="Sample"))
    note_a = record.document_session(session((a,))).note_ids[a]
    note_b = record.document_session(session((b,))).note_ids[b]
    before = _audit_actions(db)
    drafts = record.draft_notes()
    assert {d.note_id for d in drafts} == {note_a, note_b}
    assert {d.student_id: d.student_display_name for d in drafts}[b].startswith("Sample")
    assert [d.note_id for d in record.draft_notes(a)] == [note_a]
    assert _audit_actions(db) == before  # names and dates only: no clinical read to audit
    record.sign_note(note_a, {"subjective": "Signed now (fictional)."})
    assert [d.note_id for d in record.draft_notes()] == [note_b]
    assert record.draft_notes(a) == []


def test_student_for_edit_round_trips_and_records_consent_audited(
    record: RecordService, db: Database
) -> None:
    from dataclasses import replace
    from datetime import date

    from clinician_desk.domain.students import ParentContact

    sid = record.create_student(student(consent_basis=None))
    data = record.student_for_edit(sid)
    assert data.consent_basis is None and data.guardians[0].name == "Pat Fictional"
    assert record.update_student(sid, data) == []  # unchanged: nothing written
    with pytest.raises(ValidationError, match="HSC 124260"):
        record.update_student(sid, replace(data, consent_basis="minor_consent"))
    changed = record.update_student(
        sid,
        replace(
            data,
            grade="6",
            consent_basis="minor_consent",
            parent_contact=ParentContact(None, "", "Contact would endanger the student (fict.)"),
            handout_basis="student_authorization",
            handout_authorized_on=date(2026, 10, 1),
        ),
    )
    assert "grade" in changed and "consent_basis" in changed
    after = record.student_for_edit(sid)
    assert after.grade == "6" and after.handout_authorized_on == date(2026, 10, 1)
    assert record.student_page(sid).student.consent_gaps == ()
    assert "student.changed" in _audit_actions(db)


def test_schools_lists_code_and_name_for_the_picker(record: RecordService) -> None:
    record.create_student(student(), school_name="Imaginary Oaks Middle")
    assert record.schools() == [(SCHOOL_CODE, "Imaginary Oaks Middle")]
