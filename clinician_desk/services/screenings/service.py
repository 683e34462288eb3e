"""``ScreeningsService``: screenings for the UI and the CLI (``services.screenings``).

Each method runs one use case in its own transaction (writes in ``db.unit_of_work()`` with the
audit entry, safety flag and sync mark; queries in ``db.read()``). Calls must be serialized by
the caller (the UI's single database worker). Instruments come from the bundled files unless
injected (tests inject a newer rule version to exercise re-scoring).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from clinician_desk.bundled.instruments import load_instruments
from clinician_desk.domain.screenings import (
    CriticalFlag,
    Instrument,
    SafetyFollowUp,
    ScreeningResult,
    TrendSeries,
    build_trend,
)
from clinician_desk.domain.screenings.safety import validate_follow_up
from clinician_desk.domain.students import display_name
from clinician_desk.errors import NotFoundError
from clinician_desk.events import EventBus, ScreeningCompleted
from clinician_desk.messages import M
from clinician_desk.services.record import clinical_events as record_events
from clinician_desk.services.screenings import use_cases as uc
from clinician_desk.storage import Database
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories import clinical_events as events_repo
from clinician_desk.storage.repositories import screenings as repo
from clinician_desk.storage.repositories import students as students_repo


@dataclass(frozen=True)
class ScreeningView:
    """One administration with every stored result (oldest rule version first)."""

    screening: repo.ScreeningRow
    results: tuple[repo.ResultRow, ...]
    follow_up: Mapping[str, Any] | None
    instrument_title: str
    attribution: str

    @property
    def latest(self) -> Mapping[str, Any]:
        return self.results[-1].result


@dataclass(frozen=True)
class OpenScreeningRow:
    screening_id: int
    student_id: int
    display_name: str
    instrument: str
    administered_on: date
    requires_follow_up: bool
    follow_up_recorded: bool


@dataclass(frozen=True)
class OpenFollowUp:
    """One open safety follow-up of a student (an open ``safety_flags`` row).

    A critical screening's flag carries its administration (``screening_id`` and the newest
    result's critical items, for the safety workflow dialog); a flag the clinician (or anything
    but a still-open critical administration) opened has ``screening_id`` None and is closed
    with a reason through ``services.record.close_safety_flag``.
    """

    flag_id: int
    source: str
    reason: str
    opened_at: str
    screening_id: int | None = None
    instrument: str | None = None
    instrument_title: str = ""
    administered_on: date | None = None
    critical: tuple[CriticalFlag, ...] = ()
    follow_up_recorded: bool = False


class ScreeningsService:
    """Administrations, safety follow-ups, re-scoring, trends and the open list."""

    def __init__(
        self,
        db: Database,
        instruments: Mapping[str, Instrument] | None = None,
        events: EventBus | None = None,
    ) -> None:
        self.db = db
        self.events = events if events is not None else EventBus()
        self.instruments: Mapping[str, Instrument] = (
            instruments if instruments is not None else load_instruments()
        )

    def record(self, data: uc.AdministrationInput) -> uc.RecordedScreening:
        with self.db.unit_of_work() as uow:
            done = uc.record_administration(uow, data, self.instruments)
        self.events.publish(ScreeningCompleted(done.screening_id, data.student_id, done.status))
        return done

    def record_follow_up(
        self, screening_id: int, follow_up: SafetyFollowUp, *, close: bool = True
    ) -> None:
        with self.db.unit_of_work() as uow:
            uc.record_follow_up(uow, screening_id, follow_up, close=close)

    def record_follow_up_with_plan(
        self,
        screening_id: int,
        follow_up: SafetyFollowUp,
        plan_steps: Mapping[str, Sequence[str]],
        *,
        close: bool = True,
    ) -> int:
        """Save the safety plan made now and record the follow-up linked to it, in ONE transaction.

        A refused follow-up (a missing field, a decision time in the future) therefore leaves no
        orphan plan version behind, and a retry does not pile up copies. Returns the plan's id.
        """
        validate_follow_up(replace(follow_up, safety_plan_id="new"))  # its own fields first
        with self.db.unit_of_work() as uow:
            student_id = uc.screening_student(uow, screening_id)
            plan_id = record_events.save_safety_plan(uow, student_id, plan_steps)
            linked = replace(follow_up, safety_plan_id=str(plan_id), safety_plan_reason_not=None)
            uc.record_follow_up(uow, screening_id, linked, close=close)
            return plan_id

    def close(self, screening_id: int) -> None:
        with self.db.unit_of_work() as uow:
            uc.close_administration(uow, screening_id)

    def rescore(self, screening_id: int) -> ScreeningResult | None:
        """Re-score with the current rule version (None if already scored with it)."""
        with self.db.unit_of_work() as uow:
            row = repo.get_screening(uow.conn, screening_id)
            if row is None:
                raise NotFoundError(
                    M("There is no screening with id {screening_id}.", screening_id=screening_id)
                )
            return uc.rescore(
                uow, screening_id, uc.find_instrument(self.instruments, row.instrument)
            )

    def rescore_outdated(self) -> int:
        """Re-score every administration lacking a result with its instrument's current rule
        version (after an instrument file update); older results are kept. Returns the count."""
        with self.db.unit_of_work() as uow:
            done = 0
            for screening_id, name in repo.all_instruments(uow.conn):
                instrument = self.instruments.get(name)
                if instrument is not None and uc.rescore(uow, screening_id, instrument):
                    done += 1
            return done

    def view(self, screening_id: int) -> ScreeningView:
        """The administration with its results and follow-up; the view is audited."""
        with self.db.unit_of_work() as uow:
            row = repo.get_screening(uow.conn, screening_id)
            if row is None:
                raise NotFoundError(
                    M("There is no screening with id {screening_id}.", screening_id=screening_id)
                )
            uow.audit("screening.viewed", "student", str(row.student_id), {"screening": row.id})
            instrument = self.instruments.get(row.instrument)
            return ScreeningView(
                screening=row,
                results=tuple(repo.results_of(uow.conn, screening_id)),
                follow_up=repo.follow_up_of(uow.conn, screening_id),
                instrument_title=instrument.title if instrument else row.instrument,
                attribution=instrument.attribution if instrument else "",
            )

    def history(self, student_id: int) -> list[repo.ScreeningRow]:
        with self.db.read() as conn:
            return repo.screenings_of_student(conn, student_id)

    def summaries(self, student_id: int) -> list[repo.SummaryRow]:
        """The student's administrations with their newest result (lists, printed summary)."""
        with self.db.read() as conn:
            return repo.summaries_of_student(conn, student_id)

    def trend(self, student_id: int, instrument: str) -> TrendSeries:
        """Scores and bands over time for one student and instrument (newest rule version)."""
        found = uc.find_instrument(self.instruments, instrument)
        with self.db.read() as conn:
            rows = repo.trend_inputs(conn, student_id, found.id)
        return build_trend(found.id, rows, found.total_range)

    def open_administrations(self) -> list[OpenScreeningRow]:
        """Administrations not yet closed (the caseload's open safety follow-ups)."""
        with self.db.read() as conn:
            rows = repo.open_screenings(conn)
            out = []
            for row in rows:
                names = students_repo.name_parts(conn, (row.student_id,))[row.student_id]
                out.append(
                    OpenScreeningRow(
                        screening_id=row.id,
                        student_id=row.student_id,
                        display_name=display_name(names[0], names[1], names[2]),
                        instrument=row.instrument,
                        administered_on=row.administered_on,
                        requires_follow_up=row.requires_follow_up,
                        follow_up_recorded=repo.follow_up_of(conn, row.id) is not None,
                    )
                )
            return out

    def open_follow_ups(self, student_id: int) -> tuple[OpenFollowUp, ...]:
        """The student's open safety follow-ups, oldest first (a list, not audited: the
        student page that shows it audits its own view). A screening's flag names the still-open
        critical administration and its critical items; any other flag comes without one."""
        with self.db.read() as conn:
            flags = events_repo.open_flags_of(conn, student_id)
            return tuple(self._open_follow_up(conn, student_id, *f) for f in flags)

    def _open_follow_up(
        self,
        conn: Connection,
        student_id: int,
        flag_id: int,
        source: str,
        ref: Any,
        reason: str,
        at: str,
    ) -> OpenFollowUp:
        base = OpenFollowUp(int(flag_id), str(source), str(reason), str(at))
        ref_text = str(ref or "")
        if source != "screening" or not ref_text.isdigit():
            return base
        row = repo.get_screening(conn, int(ref_text))
        if (
            row is None
            or row.student_id != student_id
            or row.status != "open"
            or not row.requires_follow_up
        ):
            return base  # nothing left to record on the administration: close with a reason
        results = repo.results_of(conn, row.id)
        latest = results[-1].result if results else {}
        critical = tuple(
            CriticalFlag(str(c.get("item", "")), str(c.get("level", "")), str(c.get("reason", "")))
            for c in latest.get("critical", ())
        )
        instrument = self.instruments.get(row.instrument)
        return OpenFollowUp(
            base.flag_id,
            base.source,
            base.reason,
            base.opened_at,
            screening_id=row.id,
            instrument=row.instrument,
            instrument_title=instrument.title if instrument else row.instrument,
            administered_on=row.administered_on,
            critical=critical,
            follow_up_recorded=repo.follow_up_of(conn, row.id) is not None,
        )
