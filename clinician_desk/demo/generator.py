"""Demo data: obviously fictional students and realistic sessions over several school years.

``generate_demo(db, students=N, sessions=M, seed=S)`` fills an (empty or not) vault in one
transaction with bulk inserts (``storage.repositories.demo``): fictional schools in a
non-existent county (CDS codes starting ``99``), students named from a made-up list ("Testy
McFakeface"), sessions across the taxonomy and tiers on school days of the last three school
years with signed notes (a few drafts and addenda), referrals with status histories (some
follow-ups overdue), safety plans, mandated-report events and open safety flags. Everything it
writes is recorded by ONE audit entry (``demo.generated`` with the counts) rather than one per
row, and every touched (org unit, month) is marked dirty for sync, as the real services would
mark it. ``extra`` callables (e.g. the screenings demo) run in the same transaction with
``(uow, rng, student_ids, today)``. ``progress(stage, done, total)`` is called as the work goes
(stages ``sessions``, ``saving``, ``extras``, ``committing``, ``done``) for a CLI or UI to
show.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from clinician_desk.clock import utc_iso
from clinician_desk.demo import records as demo_records
from clinician_desk.demo.text import FIRST, LANGS, LAST
from clinician_desk.errors import UsageError
from clinician_desk.services.students import today_of
from clinician_desk.storage import Database
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories import demo as demo_repo
from clinician_desk.storage.repositories import notes as notes_repo
from clinician_desk.storage.repositories.search_index import rowid_for

DISTRICT = "99999990000000"
SCHOOLS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("99999990000011", "Fictional Oak Elementary (demo)", ("TK", "K", "1", "2", "3", "4", "5")),
    ("99999990000022", "Imaginary Ridge Middle (demo)", ("6", "7", "8")),
    ("99999990000033", "Pretend Valley High (demo)", ("9", "10", "11", "12")),
)
DemoProgress = Callable[[str, int, int], None]
Row = tuple[object, ...]
Extra = Callable[[Any, random.Random, list[int], date], None]


@dataclass(frozen=True)
class DemoSummary:
    students: int
    sessions: int
    notes: int
    referrals: int

    def __str__(self) -> str:
        return (
            f"demo data: {self.students} students, {self.sessions} sessions, "
            f"{self.notes} notes, {self.referrals} referrals (all fictional)"
        )


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def _students(
    rng: random.Random, count: int, base: int, today: date, now: str
) -> tuple[list[Row], list[Row], dict[int, str], dict[int, str]]:
    """Student and guardian rows, {student id: school} and {student id: name}; ids follow
    ``base``."""
    rows: list[Row] = []
    guardians: list[Row] = []
    info: dict[int, str] = {}
    names: dict[int, str] = {}
    for i in range(count):
        sid = base + i + 1
        cds, _, grades = rng.choice(SCHOOLS)
        grade = rng.choice(grades)
        age = {"TK": 4, "K": 5}.get(grade, 5 + int(grade) if grade.isdigit() else 10)
        dob = date(today.year - age - 1, rng.randint(1, 12), rng.randint(1, 28))
        first, last = rng.choice(FIRST), rng.choice(LAST)
        roll = rng.random()
        basis = "parent_consent" if roll < 0.8 else "minor_consent" if roll < 0.93 else None
        if basis == "minor_consent" and grade in ("TK", "K", "1", "2", "3", "4", "5", "6"):
            basis = "parent_consent"
        reason = "Fictional demo: contact would be inappropriate." if basis else ""
        rows.append(
            (
                sid,
                first,
                last,
                "",
                dob.isoformat(),
                grade,
                cds,
                DISTRICT,
                f"{sid:07d}",
                None,
                rng.choice(LANGS),
                basis,
                "" if basis != "minor_consent" else reason,
                "parent_consent" if basis == "parent_consent" else None,
                now,
                now,
            )
        )
        guardians.append(
            (sid, 0, f"{rng.choice(FIRST)} {last}", "parent", "555-0100", "", rng.choice(LANGS), 1)
        )
        info[sid] = cds
        names[sid] = f"{first} {last}"
    return rows, guardians, info, names


def generate_demo(
    db: Database,
    *,
    students: int,
    sessions: int,
    seed: int = 7,
    extra: Iterable[Extra] = (),
    progress: DemoProgress | None = None,
) -> DemoSummary:
    """Fill ``db`` with fictional demo data in one transaction (all or nothing); the same
    ``seed`` on the same vault state and clock gives the same data."""
    if not (1 <= students <= 100_000) or not (0 <= sessions <= 1_000_000):
        raise UsageError("demo needs 1-100000 students and 0-1000000 sessions.")
    report = progress or _no_progress
    rng = random.Random(seed)
    with db.unit_of_work() as uow:
        conn, today, now = uow.conn, today_of(uow), utc_iso(uow.clock.now())
        demo_repo.insert_schools(conn, ((cds, name, DISTRICT) for cds, name, _ in SCHOOLS))
        rows, guardians, info, names = _students(
            rng, students, demo_repo.max_id(conn, "students"), today, now
        )
        demo_repo.insert_students(conn, rows)
        demo_repo.insert_guardians(conn, guardians)
        ids = list(info)
        dirty: set[tuple[str, str]] = set()
        report("sessions", 0, sessions)
        n_base = demo_repo.max_id(conn, "notes")
        made = demo_records.sessions_and_notes(
            rng,
            sessions,
            info,
            today,
            now,
            (demo_repo.max_id(conn, "sessions"), n_base),
            dirty,
            lambda done: report("sessions", done, sessions),
        )
        report("sessions", sessions, sessions)
        _insert(conn, made, names, n_base, report)
        _audit_signatures(uow, made, n_base)
        referrals = demo_records.referrals(conn, rng, ids, info, today, now, dirty)
        demo_records.safety_and_reports(conn, rng, ids, info, today, now, dirty)
        demo_repo.mark_count_dirty(conn, sorted(dirty), now)
        populate = list(extra)
        for i, fill in enumerate(populate):
            report("extras", i, len(populate))
            fill(uow, rng, ids, today)
        summary = DemoSummary(students, sessions, len(made.notes), referrals)
        uow.audit(
            "demo.generated",
            "demo",
            None,
            {
                "students": students,
                "sessions": sessions,
                "notes": len(made.notes),
                "referrals": referrals,
                "seed": seed,
            },
        )
        report("committing", 0, 1)
    report("done", 1, 1)
    return summary


def _audit_signatures(uow: Any, made: demo_records.SessionRows, n_base: int) -> None:
    """One signing audit entry per signed demo note and addendum, as ``services.notes`` writes
    them, so the demo record verifies like one written through the app (issue 15)."""
    entries: list[tuple[str, str, str | None, dict[str, object]]] = [
        ("note.signed", "note", str(n[0]), {"session": n[1], "hash": n[8]})
        for n in made.notes
        if n[5] == "signed"
    ]
    entries += [
        ("note.addendum_added", "note", str(r[1]), {"addendum": int(r[0]), "hash": r[2]})
        for r in notes_repo.addenda_after(uow.conn, n_base)
    ]
    uow.audit_many(entries)


def _insert(
    conn: Connection,
    made: demo_records.SessionRows,
    names: dict[int, str],
    n_base: int,
    report: DemoProgress,
) -> None:
    """Bulk-insert the generated sessions, participants, notes, addenda and search rows."""
    steps = 5
    report("saving", 0, steps)
    demo_repo.insert_sessions(conn, made.sessions, made.present)
    report("saving", 1, steps)
    demo_repo.insert_notes(conn, made.notes, made.addenda)
    report("saving", 2, steps)
    demo_repo.index_rows(
        conn,
        [
            *((rowid_for("student", sid), name, "student", sid) for sid, name in names.items()),
            *made.search,
        ],
    )
    report("saving", 3, steps)
    demo_repo.index_addenda_after(conn, n_base)
    report("saving", 4, steps)
