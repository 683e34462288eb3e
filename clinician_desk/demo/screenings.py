"""Demo screenings: synthetic administrations for the demo vault (``demo_screenings()``).

Runs inside ``generate_demo``'s transaction with ``(uow, rng, student_ids, today)``. Answers are
drawn through the real question flows (so skip logic always holds) from a made-up per-student
severity, scored by the real engine and stored with the repository functions; critical results
older than a week get a fictional follow-up and are closed, newer ones stay open with a safety
flag so the caseload shows some. Like the rest of the demo it writes no audit row per record
(``generate_demo`` writes one for the whole run) and marks every touched month dirty for sync.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from clinician_desk.bundled.instruments import load_instruments
from clinician_desk.clock import utc_iso
from clinician_desk.domain.screenings import (
    Instrument,
    Item,
    SafetyFollowUp,
    ScreeningFlow,
    Value,
    score_valid,
)
from clinician_desk.domain.sessions import period_of
from clinician_desk.domain.students import district_of
from clinician_desk.errors import NotFoundError
from clinician_desk.storage.database import UnitOfWork
from clinician_desk.storage.repositories import clinical_events as events_repo
from clinician_desk.storage.repositories import screenings as repo
from clinician_desk.storage.repositories import students as students_repo
from clinician_desk.storage.repositories.notes import mark_count_dirty

ELEMENTARY = {"TK", "K", "1", "2", "3", "4", "5"}
HIGH = {"9", "10", "11", "12"}


def _answer(item: Item, severity: float, rng: random.Random) -> Value:
    if item.count_range is not None:
        return 0 if rng.random() > severity else rng.randint(1, 20)
    options = sorted(item.options, key=lambda o: o.points)
    # Higher severity leans to higher-point options; "refused" stays rare.
    weights = [(1.0 - severity) ** (2 * i) * (severity + 0.05) ** i for i in range(len(options))]
    return rng.choices([o.value for o in options], weights=weights)[0]


def _administer(instrument: Instrument, severity: float, rng: random.Random) -> dict[str, Value]:
    flow = ScreeningFlow.start(instrument)
    while (item := flow.current) is not None:
        if not item.required and rng.random() < 0.5:
            flow = flow.skip()
        else:
            flow = flow.answer(_answer(item, severity, rng))
    return flow.answer_map


def _plan_for(grade: str) -> tuple[str, ...]:
    if grade in ELEMENTARY:
        return ("PSC-17",)
    if grade in HIGH:
        return ("PHQ-A", "GAD-7", "CRAFFT")
    return ("PHQ-A", "GAD-7")


def populate_demo_screenings(
    uow: UnitOfWork,
    rng: random.Random,
    student_ids: list[int],
    today: date,
    instruments: Mapping[str, Instrument],
) -> int:
    """Add about three administrations per instrument to a third of the students; returns count."""
    conn = uow.conn
    now = utc_iso(uow.clock.now())
    chosen = [sid for sid in student_ids if rng.random() < 0.33]
    written = 0
    dirty: set[tuple[str, str, str]] = set()
    for sid in chosen:
        found = students_repo.grade_and_school(conn, sid)
        if found is None:
            raise NotFoundError(f"There is no student with id {sid}.")
        grade, school = found
        severity = rng.betavariate(1.2, 4.0)
        for name in _plan_for(grade):
            instrument = instruments[name]
            day = today - timedelta(days=rng.randint(150, 240))
            for _ in range(rng.randint(1, 4)):
                if day >= today:
                    break
                severity = min(0.95, max(0.02, severity + rng.uniform(-0.12, 0.08)))
                answers = _administer(instrument, severity, rng)
                written += _store(uow, instruments, name, sid, school, day, answers, today, now)
                dirty.add((school, district_of(school), period_of(day)))
                day += timedelta(days=rng.randint(28, 70))
    for school, district, period in sorted(dirty):
        mark_count_dirty(conn, (school, district), period, now)
    return written


def _store(
    uow: UnitOfWork,
    instruments: Mapping[str, Instrument],
    name: str,
    student_id: int,
    school: str,
    day: date,
    answers: dict[str, Value],
    today: date,
    now: str,
) -> int:
    instrument = instruments[name]
    result = score_valid(instrument, answers)
    conn = uow.conn
    screening_id = repo.insert_screening(
        conn,
        student_id=student_id,
        result=result,
        administered_on=day,
        respondent=instrument.respondent,
        language="en",
        responses=answers,
        school_cds=school,
        actor=uow.actor,
        now=now,
    )
    repo.insert_result(conn, screening_id, result, now)
    if not result.requires_follow_up:
        return 1
    if (today - day).days > 7:
        decided = datetime(day.year, day.month, day.day, 15, 0, tzinfo=UTC)
        follow_up = SafetyFollowUp(
            risk_outcome="low",
            safety_plan_id=None,
            safety_plan_reason_not="Demo: low risk on assessment; coping steps reviewed.",
            parent_decision="notified",
            parent_rationale="Demo: fictional guardian informed by phone.",
            parent_decided_at=decided,
        )
        repo.insert_follow_up(conn, screening_id, follow_up, utc_iso(decided), uow.actor, now)
        repo.close(conn, screening_id, uow.actor, now)
    else:
        events_repo.insert_safety_flag(
            conn,
            student_id,
            "screening",
            str(screening_id),
            f"{name} critical result: safety follow-up required",
            now,
        )
    return 1


def demo_screenings(
    instruments: Mapping[str, Instrument] | None = None,
) -> Callable[[Any, random.Random, list[int], date], None]:
    """A ``generate_demo`` extra: demo administrations in the demo's own transaction."""
    chosen = instruments if instruments is not None else load_instruments()

    def extra(uow: UnitOfWork, rng: random.Random, student_ids: list[int], today: date) -> None:
        populate_demo_screenings(uow, rng, student_ids, today, chosen)

    return extra
