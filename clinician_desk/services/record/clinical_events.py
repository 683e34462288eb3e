"""Referrals, safety plans, mandated-report events and safety flags (use cases).

Every function takes a ``UnitOfWork`` and audits in the same transaction. Referral changes
mark the referral month dirty for sync (referrals_made / referrals_completed counts).
Safety flags are the hook the screenings workflow uses: ``open_safety_flag(uow, student_id,
source="screening", source_ref=str(screening_id), reason=...)`` and ``close_safety_flag``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from clinician_desk.clock import parse_utc_iso, utc_iso
from clinician_desk.domain import mandated_reports as mr
from clinician_desk.domain import referrals as ref_rules
from clinician_desk.domain.safety_plans import validate_plan
from clinician_desk.domain.sessions import period_of
from clinician_desk.domain.students import district_of
from clinician_desk.errors import NotFoundError, ValidationError
from clinician_desk.messages import M
from clinician_desk.services.students import today_of
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.database import UnitOfWork
from clinician_desk.storage.repositories import clinical_events as repo
from clinician_desk.storage.repositories.notes import mark_count_dirty


def _school_of(uow: UnitOfWork, student_id: int) -> str:
    school = repo.school_of(uow.conn, student_id)
    if school is None:
        raise NotFoundError(M("There is no student with id {student_id}.", student_id=student_id))
    return school


def create_referral(uow: UnitOfWork, data: ref_rules.ReferralInput) -> int:
    r = ref_rules.validate_referral(data, today_of(uow))
    school = _school_of(uow, r.student_id)
    now = utc_iso(uow.clock.now())
    referral_id = repo.insert_referral(
        uow.conn,
        student_id=r.student_id,
        destination=r.destination,
        destination_name=r.destination_name.strip(),
        referral_date=r.referral_date,
        reason=r.reason,
        follow_up_on=r.follow_up_on,
        school_cds=school,
        now=now,
    )
    repo.add_referral_status(
        uow.conn, referral_id, "sent", r.referral_date, r.follow_up_on, now=now, actor=uow.actor
    )
    mark_count_dirty(uow.conn, (school, district_of(school)), period_of(r.referral_date), now)
    uow.audit(
        "referral.created",
        "student",
        str(r.student_id),
        {"referral": referral_id, "destination": r.destination},
    )
    return referral_id


def change_referral_status(
    uow: UnitOfWork,
    referral_id: int,
    status: str,
    changed_on: date,
    follow_up_on: date | None = None,
) -> None:
    state = repo.referral_state(uow.conn, referral_id)
    if state is None:
        raise NotFoundError(
            M("There is no referral with id {referral_id}.", referral_id=referral_id)
        )
    if changed_on > today_of(uow):
        raise ValidationError(M("A status change cannot be dated in the future."))
    ref_rules.check_transition(state.status, status, changed_on, state.status_changed_on)
    if follow_up_on is not None and follow_up_on < changed_on:
        raise ValidationError(M("The follow-up date is before the status change."))
    now = utc_iso(uow.clock.now())
    repo.set_referral_status(uow.conn, referral_id, status, changed_on, follow_up_on, now)
    repo.add_referral_status(
        uow.conn, referral_id, status, changed_on, follow_up_on, now=now, actor=uow.actor
    )
    school = state.school_cds
    mark_count_dirty(uow.conn, (school, district_of(school)), period_of(changed_on), now)
    uow.audit(
        "referral.status_changed",
        "student",
        str(state.student_id),
        {"referral": referral_id, "from": state.status, "to": status},
    )


def referral_history(
    conn: Connection, referral_id: int
) -> list[tuple[str, date, date | None, str]]:
    """(status, changed_on, follow_up_on, recorded_by) oldest first."""
    return repo.referral_history(conn, referral_id)


def save_safety_plan(uow: UnitOfWork, student_id: int, steps: Mapping[str, Sequence[str]]) -> int:
    """Save a new version of the student's Stanley–Brown plan; returns its id."""
    _school_of(uow, student_id)
    clean = validate_plan(steps)
    plan_id = repo.insert_safety_plan(
        uow.conn,
        student_id,
        today_of(uow),
        uow.actor,
        json.dumps({k: list(v) for k, v in clean.items()}, ensure_ascii=False),
        utc_iso(uow.clock.now()),
    )
    uow.audit("safety_plan.saved", "student", str(student_id), {"plan": plan_id})
    return plan_id


def record_mandated_report(
    uow: UnitOfWork, student_id: int, phone_report_at: datetime, agency: str
) -> int:
    """Record a phone report; the written follow-up is due ``FOLLOW_UP_HOURS`` later."""
    school = _school_of(uow, student_id)
    mr.validate_report(phone_report_at, agency, uow.clock.now())
    now = utc_iso(uow.clock.now())
    report_id = repo.insert_mandated_report(
        uow.conn,
        student_id=student_id,
        phone_report_at=utc_iso(phone_report_at),
        agency=agency,
        follow_up_due_at=utc_iso(mr.follow_up_deadline(phone_report_at)),
        status=mr.PENDING,
        school_cds=school,
        now=now,
    )
    mark_count_dirty(uow.conn, (district_of(school),), period_of(phone_report_at.date()), now)
    uow.audit("mandated_report.recorded", "student", str(student_id), {"report": report_id})
    return report_id


def record_mandated_follow_up(uow: UnitOfWork, report_id: int, sent_at: datetime) -> None:
    state = repo.mandated_report_state(uow.conn, report_id)
    if state is None:
        raise NotFoundError(
            M("There is no mandated report with id {report_id}.", report_id=report_id)
        )
    student_id, status, phone_text = state
    mr.check_follow_up(status, parse_utc_iso(phone_text), sent_at)
    repo.set_mandated_follow_up_sent(
        uow.conn, report_id, mr.SENT, utc_iso(sent_at), utc_iso(uow.clock.now())
    )
    uow.audit("mandated_report.follow_up_sent", "student", str(student_id), {"report": report_id})


def open_safety_flag(
    uow: UnitOfWork, student_id: int, *, source: str, reason: str, source_ref: str | None = None
) -> int:
    """Open a safety follow-up for a student (shown on the caseload until closed)."""
    _school_of(uow, student_id)
    if not reason.strip() or len(reason) > 200:
        raise ValidationError(M("A safety flag needs a short reason (1-200 characters)."))
    flag_id = repo.insert_safety_flag(
        uow.conn, student_id, source, source_ref, reason.strip(), utc_iso(uow.clock.now())
    )
    uow.audit("safety_flag.opened", "student", str(student_id), {"flag": flag_id, "source": source})
    return flag_id


def close_safety_flag(uow: UnitOfWork, flag_id: int, closed_reason: str) -> None:
    state = repo.safety_flag_state(uow.conn, flag_id)
    if state is None:
        raise NotFoundError(M("There is no safety flag with id {flag_id}.", flag_id=flag_id))
    student_id, closed_at = state
    if closed_at is not None:
        raise ValidationError(M("This safety flag is already closed."))
    if not closed_reason.strip():
        raise ValidationError(M("Closing a safety flag needs the reason (e.g. assessment done)."))
    repo.close_safety_flag(uow.conn, flag_id, utc_iso(uow.clock.now()), closed_reason.strip())
    uow.audit("safety_flag.closed", "student", str(student_id), {"flag": flag_id})
