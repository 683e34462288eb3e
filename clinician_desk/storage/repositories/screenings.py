"""SQL for screening administrations, their results per rule version and safety follow-ups.

Migration 0003's triggers keep responses, results and follow-ups immutable and refuse closing a
critical administration without its follow-up; the service checks first so a clinician gets a
clear message rather than a trigger's abort. Functions take the caller's connection so they
join the caller's transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from clinician_desk.domain.screenings import SafetyFollowUp, ScreeningResult, TrendInput
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories.rows import inserted_id


@dataclass(frozen=True)
class ScreeningRow:
    id: int
    student_id: int
    instrument: str
    instrument_version: str
    administered_on: date
    respondent: str
    language: str
    population: str | None
    responses: dict[str, int | str]
    requires_follow_up: bool
    positive: bool | None
    status: str
    school_cds: str
    recorded_by: str
    created_at: str
    closed_at: str | None


@dataclass(frozen=True)
class ResultRow:
    rule_version: str
    result: dict[str, Any]
    scored_at: str


_COLUMNS = (
    "id, student_id, instrument, instrument_version, administered_on, respondent, language,"
    " population, responses, requires_follow_up, positive, status, school_cds, recorded_by,"
    " created_at, closed_at"
)


def _row(r: Any) -> ScreeningRow:
    return ScreeningRow(
        id=int(r[0]),
        student_id=int(r[1]),
        instrument=r[2],
        instrument_version=r[3],
        administered_on=date.fromisoformat(r[4]),
        respondent=r[5],
        language=r[6],
        population=r[7],
        responses=json.loads(r[8]),
        requires_follow_up=bool(r[9]),
        positive=None if r[10] is None else bool(r[10]),
        status=r[11],
        school_cds=r[12],
        recorded_by=r[13],
        created_at=r[14],
        closed_at=r[15],
    )


def insert_screening(
    conn: Connection,
    *,
    student_id: int,
    result: ScreeningResult,
    administered_on: date,
    respondent: str,
    language: str,
    responses: dict[str, int | str],
    school_cds: str,
    actor: str,
    now: str,
) -> int:
    status = "open" if result.requires_follow_up else "completed"
    cur = conn.execute(
        "INSERT INTO screenings (student_id, instrument, instrument_version, administered_on,"
        " respondent, language, population, responses, requires_follow_up, positive, status,"
        " school_cds, recorded_by, created_at, closed_at, closed_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            student_id,
            result.instrument,
            result.version,
            administered_on.isoformat(),
            respondent,
            language,
            result.population,
            json.dumps(responses, ensure_ascii=False, sort_keys=True),
            int(result.requires_follow_up),
            None if result.positive is None else int(result.positive),
            status,
            school_cds,
            actor,
            now,
            None if status == "open" else now,
            None if status == "open" else actor,
        ),
    )
    return inserted_id(cur)


def insert_result(conn: Connection, screening_id: int, result: ScreeningResult, now: str) -> None:
    conn.execute(
        "INSERT INTO screening_results (screening_id, rule_version, scorable, total, band,"
        " band_rank, positive, critical, complete, result_json, scored_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            screening_id,
            result.rule_version,
            int(result.scorable),
            result.total,
            result.band,
            result.band_rank,
            None if result.positive is None else int(result.positive),
            int(result.requires_follow_up),
            int(result.complete),
            json.dumps(result.to_dict(), ensure_ascii=False, sort_keys=True),
            now,
        ),
    )


def get_screening(conn: Connection, screening_id: int) -> ScreeningRow | None:
    r = conn.execute(f"SELECT {_COLUMNS} FROM screenings WHERE id = ?", (screening_id,)).fetchone()
    return None if r is None else _row(r)


def results_of(conn: Connection, screening_id: int) -> list[ResultRow]:
    """Every stored result of one administration, oldest first."""
    return [
        ResultRow(r[0], json.loads(r[1]), r[2])
        for r in conn.execute(
            "SELECT rule_version, result_json, scored_at FROM screening_results"
            " WHERE screening_id = ? ORDER BY id",
            (screening_id,),
        )
    ]


def has_result(conn: Connection, screening_id: int, rule_version: str) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM screening_results WHERE screening_id = ? AND rule_version = ?",
            (screening_id, rule_version),
        ).fetchone()
        is not None
    )


def update_flags(
    conn: Connection, screening_id: int, *, positive: bool | None, follow_up: bool
) -> None:
    conn.execute(
        "UPDATE screenings SET positive = ?, requires_follow_up = max(requires_follow_up, ?)"
        " WHERE id = ?",
        (None if positive is None else int(positive), int(follow_up), screening_id),
    )


def reopen(conn: Connection, screening_id: int) -> None:
    conn.execute(
        "UPDATE screenings SET status = 'open', closed_at = NULL, closed_by = NULL WHERE id = ?",
        (screening_id,),
    )


def close(conn: Connection, screening_id: int, actor: str, now: str) -> None:
    conn.execute(
        "UPDATE screenings SET status = 'completed', closed_at = ?, closed_by = ? WHERE id = ?",
        (now, actor, screening_id),
    )


def insert_follow_up(
    conn: Connection,
    screening_id: int,
    follow_up: SafetyFollowUp,
    decided_at: str,
    actor: str,
    now: str,
) -> None:
    conn.execute(
        "INSERT INTO screening_follow_ups (screening_id, risk_outcome, safety_plan_id,"
        " safety_plan_reason_not, parent_decision, parent_rationale, parent_decided_at,"
        " recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            screening_id,
            follow_up.risk_outcome,
            int(follow_up.safety_plan_id) if follow_up.safety_plan_id else None,
            (follow_up.safety_plan_reason_not or "").strip() or None,
            follow_up.parent_decision,
            follow_up.parent_rationale.strip(),
            decided_at,
            actor,
            now,
        ),
    )


def follow_up_of(conn: Connection, screening_id: int) -> dict[str, Any] | None:
    r = conn.execute(
        "SELECT risk_outcome, safety_plan_id, safety_plan_reason_not, parent_decision,"
        " parent_rationale, parent_decided_at, recorded_by, recorded_at"
        " FROM screening_follow_ups WHERE screening_id = ?",
        (screening_id,),
    ).fetchone()
    if r is None:
        return None
    keys = (
        "risk_outcome",
        "safety_plan_id",
        "safety_plan_reason_not",
        "parent_decision",
        "parent_rationale",
        "parent_decided_at",
        "recorded_by",
        "recorded_at",
    )
    return dict(zip(keys, tuple(r), strict=True))


def screenings_of_student(conn: Connection, student_id: int) -> list[ScreeningRow]:
    return [
        _row(r)
        for r in conn.execute(
            f"SELECT {_COLUMNS} FROM screenings WHERE student_id = ? ORDER BY administered_on, id",
            (student_id,),
        )
    ]


def open_screenings(conn: Connection) -> list[ScreeningRow]:
    """Administrations awaiting their safety follow-up or closing, oldest first."""
    return [
        _row(r)
        for r in conn.execute(
            f"SELECT {_COLUMNS} FROM screenings WHERE status = 'open' ORDER BY administered_on, id"
        )
    ]


def trend_inputs(conn: Connection, student_id: int, instrument: str) -> list[TrendInput]:
    """Every stored result (all rule versions) of one student's administrations of one kind."""
    return [
        TrendInput(
            administration_id=str(r[0]),
            instrument=r[1],
            administered_on=date.fromisoformat(r[2]),
            total=r[3],
            band=r[4],
            band_rank=r[5],
            positive=None if r[6] is None else bool(r[6]),
            critical=bool(r[7]),
            rule_version=r[8],
        )
        for r in conn.execute(
            "SELECT s.id, s.instrument, s.administered_on, r.total, r.band, r.band_rank,"
            " r.positive, r.critical, r.rule_version"
            " FROM screenings s JOIN screening_results r ON r.screening_id = s.id"
            " WHERE s.student_id = ? AND s.instrument = ? ORDER BY s.administered_on, s.id, r.id",
            (student_id, instrument),
        )
    ]


@dataclass(frozen=True)
class SummaryRow:
    """One administration with its newest result, for lists and the printed summary."""

    screening_id: int
    instrument: str
    administered_on: date
    respondent: str
    status: str
    rule_version: str
    total: int | None
    band: str | None
    positive: bool | None
    critical: bool
    complete: bool


def summaries_of_student(conn: Connection, student_id: int) -> list[SummaryRow]:
    """Newest result (highest result id) per administration, oldest administration first."""
    return [
        SummaryRow(
            screening_id=int(r[0]),
            instrument=r[1],
            administered_on=date.fromisoformat(r[2]),
            respondent=r[3],
            status=r[4],
            rule_version=r[5],
            total=r[6],
            band=r[7],
            positive=None if r[8] is None else bool(r[8]),
            critical=bool(r[9]),
            complete=bool(r[10]),
        )
        for r in conn.execute(
            "SELECT s.id, s.instrument, s.administered_on, s.respondent, s.status,"
            " r.rule_version, r.total, r.band, r.positive, r.critical, r.complete"
            " FROM screenings s JOIN screening_results r ON r.id = ("
            "   SELECT max(id) FROM screening_results WHERE screening_id = s.id)"
            " WHERE s.student_id = ? ORDER BY s.administered_on, s.id",
            (student_id,),
        )
    ]


def all_instruments(conn: Connection) -> list[tuple[int, str]]:
    """(screening id, instrument name) of every administration, oldest first."""
    return [
        (int(r[0]), str(r[1]))
        for r in conn.execute("SELECT id, instrument FROM screenings ORDER BY id").fetchall()
    ]
