"""Caseload queries for the UI: frozen rows, one query each, no audit (lists, not records).

* ``active_caseload`` — active students with last contact and open safety flags.
* ``open_safety_flags`` — open safety follow-ups (filled by screenings and the clinician).
* ``overdue_referral_follow_ups`` — open referrals whose follow-up date has passed.
* ``overdue_mandated_reports`` — phone reports whose 36-hour written follow-up is late.
* ``incomplete_consent`` — active students whose consent documentation is incomplete.
* ``caseload_overview`` — all of the above in one call (the caseload page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from clinician_desk.clock import parse_utc_iso
from clinician_desk.domain import mandated_reports as mr
from clinician_desk.domain import referrals
from clinician_desk.domain.students import display_name
from clinician_desk.storage.connection import Connection


@dataclass(frozen=True)
class CaseloadRow:
    student_id: int
    display_name: str
    grade: str
    school_cds: str
    last_contact: date | None
    open_safety_flags: int
    consent_basis: str | None
    school_name: str | None = None
    tier: int | None = None  # MTSS tier of the student's most recent session
    date_of_birth: date | None = None  # shown so that two students of one name differ
    student_number: str = ""  # the district's student number, else the state SSID


@dataclass(frozen=True)
class SafetyFlagRow:
    flag_id: int
    student_id: int
    display_name: str
    source: str
    reason: str
    opened_at: str


@dataclass(frozen=True)
class OverdueReferralRow:
    referral_id: int
    student_id: int
    display_name: str
    destination: str
    status: str
    follow_up_on: date


@dataclass(frozen=True)
class OverdueMandatedReportRow:
    report_id: int
    student_id: int
    display_name: str
    phone_report_at: str
    follow_up_due_at: str


@dataclass(frozen=True)
class ConsentGapRow:
    student_id: int
    display_name: str
    problem: str
    has_sessions: bool


@dataclass(frozen=True)
class CaseloadOverview:
    caseload: tuple[CaseloadRow, ...]
    safety_flags: tuple[SafetyFlagRow, ...]
    overdue_referrals: tuple[OverdueReferralRow, ...]
    overdue_mandated_reports: tuple[OverdueMandatedReportRow, ...]
    consent_gaps: tuple[ConsentGapRow, ...]


_NAME = "st.legal_first_name, st.legal_last_name, st.preferred_name"


def active_caseload(conn: Connection) -> tuple[CaseloadRow, ...]:
    rows = conn.execute(
        f"SELECT st.id, {_NAME}, st.grade, st.school_cds,"
        " (SELECT max(ss.session_date) FROM session_students ss WHERE ss.student_id = st.id),"
        " (SELECT count(*) FROM safety_flags f WHERE f.student_id = st.id"
        "  AND f.closed_at IS NULL), st.consent_basis, sc.name,"
        " (SELECT ss.tier FROM session_students ss"  # the copy of 0007: index only
        "  WHERE ss.student_id = st.id ORDER BY ss.session_date DESC, ss.session_id DESC LIMIT 1),"
        " st.date_of_birth, coalesce(st.district_student_number, st.ssid, '')"
        " FROM students st LEFT JOIN schools sc ON sc.cds_code = st.school_cds"
        " WHERE st.active = 1"
        " ORDER BY st.legal_last_name, st.legal_first_name, st.id"
    )
    return tuple(
        CaseloadRow(
            int(r[0]),
            display_name(r[1], r[2], r[3]),
            r[4],
            r[5],
            date.fromisoformat(r[6]) if r[6] else None,
            int(r[7]),
            r[8],
            r[9],
            int(r[10]) if r[10] is not None else None,
            date.fromisoformat(r[11]) if r[11] else None,
            str(r[12]),
        )
        for r in rows
    )


def open_safety_flags(conn: Connection) -> tuple[SafetyFlagRow, ...]:
    rows = conn.execute(
        f"SELECT f.id, f.student_id, {_NAME}, f.source, f.reason, f.opened_at"
        " FROM safety_flags f JOIN students st ON st.id = f.student_id"
        " WHERE f.closed_at IS NULL ORDER BY f.opened_at, f.id"
    )
    return tuple(
        SafetyFlagRow(int(r[0]), int(r[1]), display_name(r[2], r[3], r[4]), r[5], r[6], r[7])
        for r in rows
    )


def overdue_referral_follow_ups(conn: Connection, today: date) -> tuple[OverdueReferralRow, ...]:
    """Open referrals past their follow-up date; "overdue" is ``referrals.is_overdue``."""
    open_statuses = sorted(referrals.OPEN_STATUSES)
    rows = conn.execute(
        f"SELECT r.id, r.student_id, {_NAME}, r.destination, r.status, r.follow_up_on"
        " FROM referrals r JOIN students st ON st.id = r.student_id"
        f" WHERE r.status IN ({', '.join('?' * len(open_statuses))})"
        " AND r.follow_up_on IS NOT NULL ORDER BY r.follow_up_on, r.id",
        open_statuses,
    )
    return tuple(
        OverdueReferralRow(
            int(r[0]),
            int(r[1]),
            display_name(r[2], r[3], r[4]),
            r[5],
            r[6],
            date.fromisoformat(r[7]),
        )
        for r in rows
        if referrals.is_overdue(r[6], date.fromisoformat(r[7]), today)
    )


def overdue_mandated_reports(
    conn: Connection, now: datetime
) -> tuple[OverdueMandatedReportRow, ...]:
    """Pending phone reports whose written follow-up is late; "late" is ``mr.is_overdue``."""
    rows = conn.execute(
        f"SELECT m.id, m.student_id, {_NAME}, m.phone_report_at, m.follow_up_due_at, m.status"
        " FROM mandated_reports m JOIN students st ON st.id = m.student_id"
        " WHERE m.status = ? ORDER BY m.follow_up_due_at",
        (mr.PENDING,),
    )
    return tuple(
        OverdueMandatedReportRow(int(r[0]), int(r[1]), display_name(r[2], r[3], r[4]), r[5], r[6])
        for r in rows
        if mr.is_overdue(r[7], parse_utc_iso(r[6]), now)
    )


def incomplete_consent(conn: Connection) -> tuple[ConsentGapRow, ...]:
    # Minor consent without HSC 124260(c) documentation is refused by a CHECK constraint,
    # so the remaining gap is a missing consent basis.
    rows = conn.execute(
        f"SELECT st.id, {_NAME},"
        " EXISTS (SELECT 1 FROM session_students ss WHERE ss.student_id = st.id)"
        " FROM students st WHERE st.active = 1 AND st.consent_basis IS NULL"
        " ORDER BY st.legal_last_name, st.legal_first_name, st.id"
    )
    return tuple(
        ConsentGapRow(
            int(r[0]), display_name(r[1], r[2], r[3]), "consent basis not recorded", bool(r[4])
        )
        for r in rows
    )


def caseload_overview(conn: Connection, now: datetime) -> CaseloadOverview:
    today = now.astimezone().date()
    return CaseloadOverview(
        active_caseload(conn),
        open_safety_flags(conn),
        overdue_referral_follow_ups(conn, today),
        overdue_mandated_reports(conn, now),
        incomplete_consent(conn),
    )


def review_counts(
    conn: Connection, first: date, last: date
) -> dict[int, tuple[int, int, int, int]]:
    """Per student: open safety flags, positive screens this month, referrals whose follow-up
    date has passed by the month's end while still open, and unsigned (draft) notes."""
    queries = (
        "SELECT student_id, count(*) FROM safety_flags WHERE closed_at IS NULL GROUP BY student_id",
        "SELECT student_id, count(*) FROM screenings WHERE positive = 1"
        " AND administered_on BETWEEN ? AND ? GROUP BY student_id",
        "SELECT student_id, count(*) FROM referrals WHERE status IN"
        f" ({', '.join(repr(s) for s in sorted(referrals.OPEN_STATUSES))})"
        " AND follow_up_on IS NOT NULL AND follow_up_on < ? GROUP BY student_id",
        "SELECT student_id, count(*) FROM notes WHERE status = 'draft'"
        " AND student_id IS NOT NULL GROUP BY student_id",
    )
    params: tuple[tuple[str, ...], ...] = (
        (),
        (first.isoformat(), last.isoformat()),
        (last.isoformat(),),
        (),
    )
    counts: dict[int, list[int]] = {}
    for column, (sql, args) in enumerate(zip(queries, params, strict=True)):
        for sid, n in conn.execute(sql, args).fetchall():
            counts.setdefault(int(sid), [0, 0, 0, 0])[column] = int(n)
    return {sid: (c[0], c[1], c[2], c[3]) for sid, c in counts.items()}


@dataclass(frozen=True)
class ServiceMonth:
    """One service code's sessions in a span: count, minutes, group participants, and
    distinct students present."""

    code: str
    sessions: int
    minutes: int
    participants: int
    students: int


def services_between(conn: Connection, first: date, last: date) -> list[ServiceMonth]:
    """Per service code (in code order), the sessions dated ``first``..``last`` inclusive."""
    span = (first.isoformat(), last.isoformat())
    rows = conn.execute(
        "SELECT s.service_code, count(*), sum(s.end_minute - s.start_minute),"
        " sum(coalesce(s.group_size, 0)) FROM sessions s"
        " WHERE s.session_date BETWEEN ? AND ? GROUP BY s.service_code ORDER BY s.service_code",
        span,
    ).fetchall()
    out = []
    for code, sessions, minutes, participants in rows:
        students = conn.execute(
            "SELECT count(DISTINCT p.student_id) FROM session_students p JOIN sessions s"
            " ON s.id = p.session_id WHERE s.service_code = ? AND s.session_date BETWEEN ? AND ?",
            (code, *span),
        ).fetchone()[0]
        out.append(
            ServiceMonth(
                str(code), int(sessions), int(minutes or 0), int(participants or 0), int(students)
            )
        )
    return out


def students_seen_between(
    conn: Connection, first: date, last: date
) -> dict[int, tuple[int, int, str]]:
    """{student id: (sessions, minutes, last session date)} of the students present at a
    session dated ``first``..``last`` inclusive."""
    rows = conn.execute(
        "SELECT p.student_id, count(*), sum(s.end_minute - s.start_minute), max(s.session_date)"
        " FROM session_students p JOIN sessions s ON s.id = p.session_id"
        " WHERE s.session_date BETWEEN ? AND ? GROUP BY p.student_id",
        (first.isoformat(), last.isoformat()),
    ).fetchall()
    return {int(sid): (int(n), int(mins or 0), str(day)) for sid, n, mins, day in rows}
