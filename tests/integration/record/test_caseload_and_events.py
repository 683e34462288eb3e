"""Referrals, safety plans, mandated reports, safety flags and the caseload queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.domain.referrals import ReferralInput
from clinician_desk.domain.safety_plans import LIFELINE_988
from clinician_desk.errors import ValidationError
from clinician_desk.services.record.service import RecordService
from clinician_desk.storage import Database
from tests.integration.record.conftest import session, student

# Audit entries written by the test, not by creating the vault (migration 0008 writes two).
MADE_HERE = "SELECT count(*) FROM audit_log WHERE actor <> 'clinician-desk'"


def test_caseload_overview(record: RecordService, clock: FakeClock, db: Database) -> None:
    a = record.create_student(student(1), school_name="Placeholder Elementary (fictional)")
    b = record.create_student(student(2, consent_basis=None))
    c = record.create_student(student(3))
    record.document_session(session((a,), session_date=date(2026, 9, 30)))
    record.document_session(session((a,), session_date=date(2026, 10, 2), tier=3))
    record.document_session(session((b,), session_date=date(2026, 9, 1)))
    ref = record.create_referral(
        ReferralInput(a, "county_mhp", "County MHP", date(2026, 9, 1), "anxiety", date(2026, 9, 15))
    )
    record.create_referral(
        ReferralInput(c, "school_team", "SST", date(2026, 10, 1), "behavior", date(2026, 10, 20))
    )
    flag = record.open_safety_flag(c, source="screening", source_ref="17", reason="PHQ-A item 9")
    report = record.record_mandated_report(
        b, datetime(2026, 10, 3, 9, 0, tzinfo=UTC), "child_welfare"
    )
    overview = record.caseload()
    rows = {r.student_id: r for r in overview.caseload}
    assert rows[a].last_contact == date(2026, 10, 2) and rows[c].last_contact is None
    assert rows[c].open_safety_flags == 1
    # the table shows the school's name and the tier of the most recent session
    assert rows[a].school_name == "Placeholder Elementary (fictional)"
    assert rows[a].tier == 3 and rows[b].tier == 2 and rows[c].tier is None
    assert [f.flag_id for f in overview.safety_flags] == [flag]
    assert [r.referral_id for r in overview.overdue_referrals] == [ref]
    assert [m.report_id for m in overview.overdue_mandated_reports] == [report]
    assert [g.student_id for g in overview.consent_gaps] == [b]
    assert overview.consent_gaps[0].has_sessions
    # resolving each item empties its list
    record.change_referral_status(ref, "accepted", date(2026, 9, 20), date(2026, 10, 30))
    record.close_safety_flag(flag, "risk assessment done")
    record.record_mandated_follow_up(report, datetime(2026, 10, 4, 9, 0, tzinfo=UTC))
    overview = record.caseload()
    assert not overview.overdue_referrals and not overview.safety_flags
    assert not overview.overdue_mandated_reports
    with db.read() as conn:
        hist = [r[0] for r in conn.execute("SELECT status FROM referral_status_history")]
    assert hist == ["sent", "sent", "accepted"]


def test_mandated_report_deadline_stored(record: RecordService) -> None:
    sid = record.create_student(student())
    at = datetime(2026, 10, 5, 10, 15, tzinfo=UTC)
    rid = record.record_mandated_report(sid, at, "law_enforcement")
    page = record.student_page(sid)
    assert page.mandated_reports[0].id == rid
    assert page.mandated_reports[0].follow_up_due_at == "2026-10-06T22:15:00Z"
    with pytest.raises(ValidationError, match="future"):
        record.record_mandated_report(sid, at + timedelta(days=2), "law_enforcement")


def test_referral_bad_transitions(record: RecordService) -> None:
    sid = record.create_student(student())
    ref = record.create_referral(
        ReferralInput(sid, "community_provider", "Clinic", date(2026, 10, 1), "trauma")
    )
    record.change_referral_status(ref, "declined", date(2026, 10, 2))
    with pytest.raises(ValidationError, match="cannot move from 'declined'"):
        record.change_referral_status(ref, "accepted", date(2026, 10, 3))


def test_safety_plan_read_model(record: RecordService) -> None:
    sid = record.create_student(student())
    assert record.safety_plan(sid) is None
    record.save_safety_plan(
        sid, {"warning_signs": ["Feeling alone"], "coping_strategies": ["Music"]}
    )
    plan_id = record.save_safety_plan(sid, {"warning_signs": ["Feeling alone", "Not sleeping"]})
    plan = record.safety_plan(sid)
    assert plan is not None and plan.plan_id == plan_id
    assert [s.number for s in plan.steps] == [1, 2, 3, 4, 5, 6]
    assert plan.steps[0].items == ("Feeling alone", "Not sleeping")
    assert LIFELINE_988 in plan.steps[4].items
    assert plan.student_display_name == "Testy McFakeface1"


def test_student_page_and_retention(record: RecordService, db: Database) -> None:
    sid = record.create_student(student(1, date_of_birth=date(2010, 1, 15)))
    doc = record.document_session(session((sid,), session_date=date(2026, 9, 2)))
    record.sign_note(doc.note_ids[sid], {"plan": "Continue."})
    page = record.student_page(sid)
    assert page.student.retain_until == date(2035, 1, 15)  # age rule wins
    assert page.sessions[0].note_status == "signed"
    assert page.student.personalized_handout_allowed
    assert page.student.guardians[0].preferred_language == "es"
    record.end_services(sid, date(2026, 10, 1))
    assert record.student_view(sid).retain_until == date(2035, 1, 15)
    with db.read() as conn:
        assert (
            conn.execute(
                "SELECT count(*) FROM audit_log WHERE action = 'student.viewed' AND entity_id = ?",
                (str(sid),),
            ).fetchone()[0]
            == 1
        )


def test_minor_consent_without_documentation_writes_nothing(
    record: RecordService, db: Database
) -> None:
    with pytest.raises(ValidationError, match=r"124260\(c\)"):
        record.create_student(student(1, consent_basis="minor_consent"))
    with db.read() as conn:
        assert conn.execute("SELECT count(*) FROM students").fetchone()[0] == 0
        assert conn.execute(MADE_HERE).fetchone()[0] == 0
