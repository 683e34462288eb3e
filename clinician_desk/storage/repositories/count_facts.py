"""SQL that reads one month of the vault into the plain facts the count aggregation needs
(``services.sync_facts.cells_for_period`` aggregates them).

What counts (documented in docs/design/sync-protocol.md, "What is counted"):

* a **session** counts once it has at least one signed note (drafts are not counted yet);
  its students are the ones listed as present, with their current grade;
* a **screening** counts once completed (read from the screenings schema when present);
* a **referral** counts as made in the month of its referral date and as completed in the month
  it first reached ``first_appointment`` (the student connected to care).

Only counting inputs leave this module: an opaque student key (the local row id, used to count
students once per cell and never sent), grade, school CDS, service code, tier, minutes and dates.
No names, free text or identifiers beyond the local key are read.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from clinician_desk.domain.counts import (
    Attendee,
    ReferralFact,
    ScreeningFact,
    SessionFact,
    validate_period,
)
from clinician_desk.storage.connection import Connection


def _not_received(kind: str, column: str) -> str:
    """Rows received in a caseload handoff count on the device that wrote them, never here."""
    return (
        f" AND NOT EXISTS (SELECT 1 FROM handoff_records hr WHERE hr.kind = '{kind}'"
        f" AND hr.row_id = {column})"
    )


def month_bounds(period: str) -> tuple[str, str]:
    validate_period(period)
    year, month = int(period[:4]), int(period[5:])
    last = calendar.monthrange(year, month)[1]
    return f"{period}-01", f"{period}-{last:02d}"


def session_facts(conn: Connection, period: str) -> list[SessionFact]:
    """Signed sessions of the month with the students present (one query on the date index;
    no ORDER BY, which would make SQLite scan every session in id order)."""
    first, last = month_bounds(period)
    rows = conn.execute(
        "SELECT s.id, s.session_date, s.school_cds, s.service_code, s.tier,"
        " s.end_minute - s.start_minute, s.group_size, ss.student_id, st.grade"
        " FROM sessions s"
        " LEFT JOIN session_students ss ON ss.session_id = s.id"
        " LEFT JOIN students st ON st.id = ss.student_id"
        " WHERE s.session_date BETWEEN ? AND ?"
        " AND EXISTS (SELECT 1 FROM notes n WHERE n.session_id = s.id AND n.status = 'signed')"
        f"{_not_received('session', 's.id')}",
        (first, last),
    ).fetchall()
    heads: dict[int, tuple[Any, ...]] = {}
    present: dict[int, list[Attendee]] = {}
    for r in rows:
        sid = r[0]
        if sid not in heads:
            heads[sid] = tuple(r)
            present[sid] = []
        if r[7] is not None:
            present[sid].append(Attendee(str(r[7]), r[8]))
    return [
        SessionFact(
            day=date.fromisoformat(h[1]),
            school_cds=h[2],
            service=h[3],
            tier=h[4],
            minutes=int(h[5]),
            attendees=tuple(present[sid]),
            participants=int(h[6] or 0),
        )
        for sid, h in heads.items()
    ]


def referral_facts(conn: Connection, period: str) -> list[ReferralFact]:
    first, last = month_bounds(period)
    rows = conn.execute(
        "SELECT r.school_cds, r.referral_date, st.grade,"
        " (SELECT MIN(h.changed_on) FROM referral_status_history h"
        "   WHERE h.referral_id = r.id AND h.status = 'first_appointment')"
        " FROM referrals r JOIN students st ON st.id = r.student_id"
        " WHERE (r.referral_date BETWEEN ?1 AND ?2 OR EXISTS (SELECT 1 FROM"
        " referral_status_history h2 WHERE h2.referral_id = r.id"
        " AND h2.status = 'first_appointment' AND h2.changed_on BETWEEN ?1 AND ?2))"
        f"{_not_received('referral', 'r.id')}",
        (first, last),
    ).fetchall()
    out = []
    for school, made, grade, completed in rows:
        out.append(
            ReferralFact(
                school_cds=school,
                made_on=date.fromisoformat(made),
                completed_on=date.fromisoformat(completed) if completed else None,
                grade=grade,
            )
        )
    return out


def screening_facts(conn: Connection, period: str) -> list[ScreeningFact]:
    """Completed screenings of the month (instrument ids are the county's count codes)."""
    first, last = month_bounds(period)
    rows = conn.execute(
        "SELECT sc.administered_on, sc.school_cds, sc.instrument, sc.positive, st.grade"
        " FROM screenings sc JOIN students st ON st.id = sc.student_id"
        " WHERE sc.administered_on BETWEEN ? AND ? AND sc.status = 'completed'"
        f"{_not_received('screening', 'sc.id')}",
        (first, last),
    ).fetchall()
    return [
        ScreeningFact(date.fromisoformat(r[0][:10]), r[1], r[2], bool(r[3]), r[4]) for r in rows
    ]
