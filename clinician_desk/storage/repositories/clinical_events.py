"""SQL for referrals (and their status history), safety-plan versions, mandated-report events
and safety flags. The use cases (validation, audit, sync marks) are in
``services.record.clinical_events``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories.rows import inserted_id


def school_of(conn: Connection, student_id: int) -> str | None:
    r = conn.execute("SELECT school_cds FROM students WHERE id = ?", (student_id,)).fetchone()
    return None if r is None else str(r[0])


# -- referrals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralState:
    student_id: int
    status: str
    status_changed_on: date
    school_cds: str


def insert_referral(
    conn: Connection,
    *,
    student_id: int,
    destination: str,
    destination_name: str,
    referral_date: date,
    reason: str,
    follow_up_on: date | None,
    school_cds: str,
    now: str,
    status: str = "sent",
) -> int:
    """A referral (``status`` other than "sent" only for the demo's history-less rows)."""
    cur = conn.execute(
        "INSERT INTO referrals (student_id, destination, destination_name, referral_date, reason,"
        " status, status_changed_on, follow_up_on, school_cds, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            student_id,
            destination,
            destination_name,
            referral_date.isoformat(),
            reason,
            status,
            referral_date.isoformat(),
            follow_up_on.isoformat() if follow_up_on else None,
            school_cds,
            now,
            now,
        ),
    )
    return inserted_id(cur)


def add_referral_status(
    conn: Connection,
    referral_id: int,
    status: str,
    changed_on: date,
    follow_up_on: date | None,
    *,
    now: str,
    actor: str,
) -> None:
    conn.execute(
        "INSERT INTO referral_status_history (referral_id, status, changed_on, follow_up_on,"
        " recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?)",
        (
            referral_id,
            status,
            changed_on.isoformat(),
            follow_up_on.isoformat() if follow_up_on else None,
            now,
            actor,
        ),
    )


def referral_state(conn: Connection, referral_id: int) -> ReferralState | None:
    row = conn.execute(
        "SELECT student_id, status, status_changed_on, school_cds FROM referrals WHERE id = ?",
        (referral_id,),
    ).fetchone()
    if row is None:
        return None
    return ReferralState(int(row[0]), str(row[1]), date.fromisoformat(row[2]), str(row[3]))


def set_referral_status(
    conn: Connection,
    referral_id: int,
    status: str,
    changed_on: date,
    follow_up_on: date | None,
    now: str,
) -> None:
    conn.execute(
        "UPDATE referrals SET status = ?, status_changed_on = ?, follow_up_on = ?,"
        " updated_at = ? WHERE id = ?",
        (
            status,
            changed_on.isoformat(),
            follow_up_on.isoformat() if follow_up_on else None,
            now,
            referral_id,
        ),
    )


def referral_history(
    conn: Connection, referral_id: int
) -> list[tuple[str, date, date | None, str]]:
    """(status, changed_on, follow_up_on, recorded_by) oldest first."""
    return [
        (r[0], date.fromisoformat(r[1]), date.fromisoformat(r[2]) if r[2] else None, r[3])
        for r in conn.execute(
            "SELECT status, changed_on, follow_up_on, recorded_by FROM referral_status_history"
            " WHERE referral_id = ? ORDER BY id",
            (referral_id,),
        )
    ]


# -- safety plans ---------------------------------------------------------------------------


def insert_safety_plan(
    conn: Connection, student_id: int, created_on: date, actor: str, steps_json: str, now: str
) -> int:
    cur = conn.execute(
        "INSERT INTO safety_plans (student_id, created_on, created_by, steps, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (student_id, created_on.isoformat(), actor, steps_json, now),
    )
    return inserted_id(cur)


# -- mandated reports -----------------------------------------------------------------------


def insert_mandated_report(
    conn: Connection,
    *,
    student_id: int,
    phone_report_at: str,
    agency: str,
    follow_up_due_at: str,
    status: str,
    school_cds: str,
    now: str,
    follow_up_sent_at: str | None = None,
) -> int:
    cur = conn.execute(
        "INSERT INTO mandated_reports (student_id, phone_report_at, agency, follow_up_due_at,"
        " status, follow_up_sent_at, school_cds, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            student_id,
            phone_report_at,
            agency,
            follow_up_due_at,
            status,
            follow_up_sent_at,
            school_cds,
            now,
            now,
        ),
    )
    return inserted_id(cur)


def mandated_report_state(conn: Connection, report_id: int) -> tuple[int, str, str] | None:
    """(student_id, status, phone_report_at as stored) or None."""
    row = conn.execute(
        "SELECT student_id, status, phone_report_at FROM mandated_reports WHERE id = ?",
        (report_id,),
    ).fetchone()
    return None if row is None else (int(row[0]), str(row[1]), str(row[2]))


def set_mandated_follow_up_sent(
    conn: Connection, report_id: int, status: str, sent_at: str, now: str
) -> None:
    conn.execute(
        "UPDATE mandated_reports SET status = ?, follow_up_sent_at = ?, updated_at = ?"
        " WHERE id = ?",
        (status, sent_at, now, report_id),
    )


# -- safety flags ---------------------------------------------------------------------------


def insert_safety_flag(
    conn: Connection,
    student_id: int,
    source: str,
    source_ref: str | None,
    reason: str,
    opened_at: str,
) -> int:
    cur = conn.execute(
        "INSERT INTO safety_flags (student_id, source, source_ref, reason, opened_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (student_id, source, source_ref, reason, opened_at),
    )
    return inserted_id(cur)


def safety_flag_state(conn: Connection, flag_id: int) -> tuple[int, str | None] | None:
    """(student_id, closed_at) or None."""
    row = conn.execute(
        "SELECT student_id, closed_at FROM safety_flags WHERE id = ?", (flag_id,)
    ).fetchone()
    return None if row is None else (int(row[0]), row[1])


def close_safety_flag(conn: Connection, flag_id: int, closed_at: str, reason: str) -> None:
    conn.execute(
        "UPDATE safety_flags SET closed_at = ?, closed_reason = ? WHERE id = ?",
        (closed_at, reason, flag_id),
    )


# -- what the student page and the follow-ups panel read ------------------------------------


def referrals_of(conn: Connection, student_id: int) -> list[Any]:
    """(id, destination, destination_name, referral_date, reason, status, follow_up_on) rows,
    newest referral first."""
    return conn.execute(
        "SELECT id, destination, destination_name, referral_date, reason, status,"
        " follow_up_on FROM referrals WHERE student_id = ? ORDER BY referral_date DESC, id",
        (student_id,),
    ).fetchall()


def mandated_reports_of(conn: Connection, student_id: int) -> list[Any]:
    """(id, phone_report_at, agency, follow_up_due_at, status) rows, newest first."""
    return conn.execute(
        "SELECT id, phone_report_at, agency, follow_up_due_at, status FROM mandated_reports"
        " WHERE student_id = ? ORDER BY phone_report_at DESC",
        (student_id,),
    ).fetchall()


def open_flags_of(conn: Connection, student_id: int) -> list[Any]:
    """(id, source, source_ref, reason, opened_at) of the student's open flags, oldest first."""
    return conn.execute(
        "SELECT id, source, source_ref, reason, opened_at FROM safety_flags"
        " WHERE student_id = ? AND closed_at IS NULL ORDER BY opened_at, id",
        (student_id,),
    ).fetchall()


def open_flag_for(conn: Connection, source: str, source_ref: str) -> int | None:
    """The open flag raised by ``source``/``source_ref`` (e.g. a screening), if any."""
    row = conn.execute(
        "SELECT id FROM safety_flags WHERE source = ? AND source_ref = ? AND closed_at IS NULL",
        (source, source_ref),
    ).fetchone()
    return None if row is None else int(row[0])


def latest_safety_plan(conn: Connection, student_id: int) -> Any:
    """(id, created_on, created_by, steps JSON) of the student's newest plan, or None."""
    return conn.execute(
        "SELECT id, created_on, created_by, steps FROM safety_plans WHERE student_id = ?"
        " ORDER BY id DESC LIMIT 1",
        (student_id,),
    ).fetchone()


def safety_plan_belongs(conn: Connection, plan_id: int, student_id: int) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM safety_plans WHERE id = ? AND student_id = ?", (plan_id, student_id)
        ).fetchone()
        is not None
    )
