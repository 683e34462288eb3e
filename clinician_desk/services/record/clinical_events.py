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
from typing import Any

from clinician_desk.clock import utc_iso
from clinician_desk.domain import mandated_reports as mr
from clinician_desk.domain import referrals as ref_rules
from clinician_desk.domain.safety_plans import validate_plan
from clinician_desk.domain.sessions import period_of
from clinician_desk.domain.students import district_of
from clinician_desk.errors import NotFoundError, ValidationError
from clinician_desk.services.students import today_of
from clinician_desk.storage.repositories.notes import mark_count_dirty

UoW = Any


def _school_of(uow: UoW, student_id: int) -> str:
    r = uow.conn.execute("SELECT school_cds FROM students WHERE id = ?", (student_id,)).fetchone()
    if r is None:
        raise NotFoundError(f"There is no student with id {student_id}.")
    return str(r[0])


def create_referral(uow: UoW, data: ref_rules.ReferralInput) -> int:
    r = ref_rules.validate_referral(data, today_of(uow))
    school = _school_of(uow, r.student_id)
    now = utc_iso(uow.clock.now())
    fu = r.follow_up_on.isoformat() if r.follow_up_on else None
    cur = uow.conn.execute(
        "INSERT INTO referrals (student_id, destination, destination_name, referral_date, reason,"
        " status, status_changed_on, follow_up_on, school_cds, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, 'sent', ?, ?, ?, ?, ?)",
        (
            r.student_id,
            r.destination,
            r.destination_name.strip(),
            r.referral_date.isoformat(),
            r.reason,
            r.referral_date.isoformat(),
            fu,
            school,
            now,
            now,
        ),
    )
    referral_id = int(cur.lastrowid)
    uow.conn.execute(
        "INSERT INTO referral_status_history (referral_id, status, changed_on, follow_up_on,"
        " recorded_at, recorded_by) VALUES (?, 'sent', ?, ?, ?, ?)",
        (referral_id, r.referral_date.isoformat(), fu, now, uow.actor),
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
    uow: UoW, referral_id: int, status: str, changed_on: date, follow_up_on: date | None = None
) -> None:
    row = uow.conn.execute(
        "SELECT student_id, status, status_changed_on, school_cds FROM referrals WHERE id = ?",
        (referral_id,),
    ).fetchone()
    if row is None:
        raise NotFoundError(f"There is no referral with id {referral_id}.")
    if changed_on > today_of(uow):
        raise ValidationError("A status change cannot be dated in the future.")
    ref_rules.check_transition(row[1], status, changed_on, date.fromisoformat(row[2]))
    if follow_up_on is not None and follow_up_on < changed_on:
        raise ValidationError("The follow-up date is before the status change.")
    now = utc_iso(uow.clock.now())
    fu = follow_up_on.isoformat() if follow_up_on else None
    uow.conn.execute(
        "UPDATE referrals SET status = ?, status_changed_on = ?, follow_up_on = ?,"
        " updated_at = ? WHERE id = ?",
        (status, changed_on.isoformat(), fu, now, referral_id),
    )
    uow.conn.execute(
        "INSERT INTO referral_status_history (referral_id, status, changed_on, follow_up_on,"
        " recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?)",
        (referral_id, status, changed_on.isoformat(), fu, now, uow.actor),
    )
    school = str(row[3])
    mark_count_dirty(uow.conn, (school, district_of(school)), period_of(changed_on), now)
    uow.audit(
        "referral.status_changed",
        "student",
        str(row[0]),
        {"referral": referral_id, "from": row[1], "to": status},
    )


def referral_history(conn: Any, referral_id: int) -> list[tuple[str, date, date | None, str]]:
    """(status, changed_on, follow_up_on, recorded_by) oldest first."""
    return [
        (r[0], date.fromisoformat(r[1]), date.fromisoformat(r[2]) if r[2] else None, r[3])
        for r in conn.execute(
            "SELECT status, changed_on, follow_up_on, recorded_by FROM referral_status_history"
            " WHERE referral_id = ? ORDER BY id",
            (referral_id,),
        )
    ]


def save_safety_plan(uow: UoW, student_id: int, steps: Mapping[str, Sequence[str]]) -> int:
    """Save a new version of the student's Stanley–Brown plan; returns its id."""
    _school_of(uow, student_id)
    clean = validate_plan(steps)
    now = utc_iso(uow.clock.now())
    cur = uow.conn.execute(
        "INSERT INTO safety_plans (student_id, created_on, created_by, steps, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            student_id,
            today_of(uow).isoformat(),
            uow.actor,
            json.dumps({k: list(v) for k, v in clean.items()}, ensure_ascii=False),
            now,
        ),
    )
    plan_id = int(cur.lastrowid)
    uow.audit("safety_plan.saved", "student", str(student_id), {"plan": plan_id})
    return plan_id


def record_mandated_report(
    uow: UoW, student_id: int, phone_report_at: datetime, agency: str
) -> int:
    """Record a phone report; the written follow-up is due 36 hours later."""
    school = _school_of(uow, student_id)
    mr.validate_report(phone_report_at, agency, uow.clock.now())
    now = utc_iso(uow.clock.now())
    cur = uow.conn.execute(
        "INSERT INTO mandated_reports (student_id, phone_report_at, agency, follow_up_due_at,"
        " status, school_cds, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, 'follow_up_pending', ?, ?, ?)",
        (
            student_id,
            utc_iso(phone_report_at),
            agency,
            utc_iso(mr.follow_up_deadline(phone_report_at)),
            school,
            now,
            now,
        ),
    )
    report_id = int(cur.lastrowid)
    mark_count_dirty(uow.conn, (district_of(school),), period_of(phone_report_at.date()), now)
    uow.audit("mandated_report.recorded", "student", str(student_id), {"report": report_id})
    return report_id


def record_mandated_follow_up(uow: UoW, report_id: int, sent_at: datetime) -> None:
    row = uow.conn.execute(
        "SELECT student_id, status, phone_report_at FROM mandated_reports WHERE id = ?",
        (report_id,),
    ).fetchone()
    if row is None:
        raise NotFoundError(f"There is no mandated report with id {report_id}.")
    phone_at = datetime.fromisoformat(str(row[2]).replace("Z", "+00:00"))
    mr.check_follow_up(row[1], phone_at, sent_at)
    now = utc_iso(uow.clock.now())
    uow.conn.execute(
        "UPDATE mandated_reports SET status = 'follow_up_sent', follow_up_sent_at = ?,"
        " updated_at = ? WHERE id = ?",
        (utc_iso(sent_at), now, report_id),
    )
    uow.audit("mandated_report.follow_up_sent", "student", str(row[0]), {"report": report_id})


def open_safety_flag(
    uow: UoW, student_id: int, *, source: str, reason: str, source_ref: str | None = None
) -> int:
    """Open a safety follow-up for a student (shown on the caseload until closed)."""
    _school_of(uow, student_id)
    if not reason.strip() or len(reason) > 200:
        raise ValidationError("A safety flag needs a short reason (1-200 characters).")
    cur = uow.conn.execute(
        "INSERT INTO safety_flags (student_id, source, source_ref, reason, opened_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (student_id, source, source_ref, reason.strip(), utc_iso(uow.clock.now())),
    )
    flag_id = int(cur.lastrowid)
    uow.audit("safety_flag.opened", "student", str(student_id), {"flag": flag_id, "source": source})
    return flag_id


def close_safety_flag(uow: UoW, flag_id: int, closed_reason: str) -> None:
    row = uow.conn.execute(
        "SELECT student_id, closed_at FROM safety_flags WHERE id = ?", (flag_id,)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"There is no safety flag with id {flag_id}.")
    if row[1] is not None:
        raise ValidationError("This safety flag is already closed.")
    if not closed_reason.strip():
        raise ValidationError("Closing a safety flag needs the reason (e.g. assessment done).")
    uow.conn.execute(
        "UPDATE safety_flags SET closed_at = ?, closed_reason = ? WHERE id = ?",
        (utc_iso(uow.clock.now()), closed_reason.strip(), flag_id),
    )
    uow.audit("safety_flag.closed", "student", str(row[0]), {"flag": flag_id})
