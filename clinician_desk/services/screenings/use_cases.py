"""Screening use cases: record an administration, its safety follow-up, closing, re-scoring.

Every function takes a ``UnitOfWork``; the audit entry, the safety flag on the caseload and the
sync outbox mark (``count_dirty`` for the administration's month: screenings_administered /
screenings_positive per instrument) are written in the same transaction as the change. Bad
input raises a ``clinician_desk.errors`` subclass before anything is written. Records keep every
response, the computed result and its rule version; re-scoring with a newer rule version adds a
result and keeps the old one. ``ScreeningsService`` in ``services.screenings.service`` wraps these
in transactions for the UI and the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from clinician_desk.clock import utc_iso
from clinician_desk.domain.screenings import (
    Instrument,
    SafetyFollowUp,
    ScreeningResult,
    check_population,
    ensure_can_close,
    score,
    score_valid,
    validate_follow_up,
    validate_responses,
)
from clinician_desk.domain.screenings.model import RESPONDENTS
from clinician_desk.domain.sessions import period_of
from clinician_desk.domain.students import district_of
from clinician_desk.errors import NotFoundError, PermissionRefusedError, ValidationError
from clinician_desk.messages import M
from clinician_desk.services.record.clinical_events import close_safety_flag, open_safety_flag
from clinician_desk.services.students import today_of
from clinician_desk.storage.database import UnitOfWork
from clinician_desk.storage.repositories import clinical_events as events_repo
from clinician_desk.storage.repositories import screenings as repo
from clinician_desk.storage.repositories.notes import mark_count_dirty


@dataclass(frozen=True)
class AdministrationInput:
    student_id: int
    instrument: str
    administered_on: date
    responses: Mapping[str, object]
    respondent: str | None = None  # default: the instrument's respondent
    language: str = "en"
    population: str | None = None  # threshold population; default: the instrument's


@dataclass(frozen=True)
class RecordedScreening:
    screening_id: int
    result: ScreeningResult
    status: str
    safety_flag_id: int | None


def find_instrument(instruments: Mapping[str, Instrument], name: str) -> Instrument:
    found = instruments.get(name) or next(
        (v for k, v in instruments.items() if k.casefold() == name.casefold()), None
    )
    if found is None:
        raise NotFoundError(
            M(
                "Unknown instrument {name!r} (known: {known})",
                name=name,
                known=", ".join(sorted(instruments)),
            )
        )
    return found


def _school_of(uow: UnitOfWork, student_id: int) -> str:
    school = events_repo.school_of(uow.conn, student_id)
    if school is None:
        raise NotFoundError(M("There is no student with id {student_id}.", student_id=student_id))
    return school


def _mark_dirty(uow: UnitOfWork, school: str, day: date, now: str) -> None:
    # Positive suicide-risk screenings count at district level only, so both units are marked.
    mark_count_dirty(uow.conn, (school, district_of(school)), period_of(day), now)


def record_administration(
    uow: UnitOfWork, data: AdministrationInput, instruments: Mapping[str, Instrument]
) -> RecordedScreening:
    """Score and store one administration; a critical result opens the safety follow-up."""
    instrument = find_instrument(instruments, data.instrument)
    respondent = data.respondent or instrument.respondent
    if respondent not in RESPONDENTS:
        raise ValidationError(
            M("Respondent must be one of {respondents}.", respondents=", ".join(RESPONDENTS))
        )
    if respondent != instrument.respondent:
        raise ValidationError(
            M(
                "{id} is answered by the {respondent}, not the {given}.",
                id=instrument.id,
                respondent=instrument.respondent,
                given=respondent,
            )
        )
    if data.language not in instrument.languages:
        raise ValidationError(
            M(
                "{id} has no validated translation in {language!r}; available: {available}.",
                id=instrument.id,
                language=data.language,
                available=", ".join(instrument.languages),
            )
        )
    if data.administered_on > today_of(uow):
        raise ValidationError(M("A screening cannot be dated in the future."))
    school = _school_of(uow, data.student_id)
    check_population(instrument, data.population)
    responses = validate_responses(instrument, data.responses)
    result = score_valid(instrument, responses, population=data.population)
    now = utc_iso(uow.clock.now())
    screening_id = repo.insert_screening(
        uow.conn,
        student_id=data.student_id,
        result=result,
        administered_on=data.administered_on,
        respondent=respondent,
        language=data.language,
        responses=responses,
        school_cds=school,
        actor=uow.actor,
        now=now,
    )
    repo.insert_result(uow.conn, screening_id, result, now)
    flag_id = None
    if result.requires_follow_up:
        flag_id = open_safety_flag(
            uow,
            data.student_id,
            source="screening",
            source_ref=str(screening_id),
            reason=f"{instrument.id} critical result: safety follow-up required",
        )
    _mark_dirty(uow, school, data.administered_on, now)
    uow.audit(
        "screening.recorded",
        "student",
        str(data.student_id),
        {
            "screening": screening_id,
            "instrument": instrument.id,
            "rule_version": result.rule_version,
            "critical": result.requires_follow_up,
        },
    )
    status = "open" if result.requires_follow_up else "completed"
    return RecordedScreening(screening_id, result, status, flag_id)


def screening_student(uow: UnitOfWork, screening_id: int) -> int:
    """The student an administration belongs to (``NotFoundError`` for an unknown id)."""
    return int(_screening(uow, screening_id).student_id)


def _screening(uow: UnitOfWork, screening_id: int) -> repo.ScreeningRow:
    row = repo.get_screening(uow.conn, screening_id)
    if row is None:
        raise NotFoundError(
            M("There is no screening with id {screening_id}.", screening_id=screening_id)
        )
    return row


def record_follow_up(
    uow: UnitOfWork, screening_id: int, follow_up: SafetyFollowUp, *, close: bool = True
) -> None:
    """Record the safety follow-up of a critical administration (once) and, by default, close it."""
    row = _screening(uow, screening_id)
    if not row.requires_follow_up:
        raise PermissionRefusedError(M("This screening has no critical result to follow up."))
    if repo.follow_up_of(uow.conn, screening_id) is not None:
        raise PermissionRefusedError(
            M("The safety follow-up of this screening is already recorded.")
        )
    validate_follow_up(follow_up)
    if follow_up.parent_decided_at > uow.clock.now():
        raise ValidationError(M("The parent-notification decision cannot be in the future."))
    if follow_up.safety_plan_id:
        plan = follow_up.safety_plan_id.strip()
        found = plan.isdigit() and events_repo.safety_plan_belongs(
            uow.conn, int(plan), row.student_id
        )
        if not found:
            raise ValidationError(M("The linked safety plan does not exist for this student."))
    now = utc_iso(uow.clock.now())
    repo.insert_follow_up(
        uow.conn, screening_id, follow_up, utc_iso(follow_up.parent_decided_at), uow.actor, now
    )
    uow.audit(
        "screening.follow_up_recorded",
        "student",
        str(row.student_id),
        {
            "screening": screening_id,
            "risk_outcome": follow_up.risk_outcome,
            "parent_decision": follow_up.parent_decision,
        },
    )
    if close:
        close_administration(uow, screening_id)


def close_administration(uow: UnitOfWork, screening_id: int) -> None:
    """Close an open administration; refused while a required follow-up is missing."""
    row = _screening(uow, screening_id)
    if row.status == "completed":
        raise PermissionRefusedError(M("This screening is already closed."))
    has_follow_up = repo.follow_up_of(uow.conn, screening_id) is not None
    ensure_can_close(row.requires_follow_up, has_follow_up)
    now = utc_iso(uow.clock.now())
    repo.close(uow.conn, screening_id, uow.actor, now)
    flag_id = events_repo.open_flag_for(uow.conn, "screening", str(screening_id))
    if flag_id is not None:
        close_safety_flag(uow, flag_id, "screening safety follow-up recorded")
    _mark_dirty(uow, row.school_cds, row.administered_on, now)
    uow.audit("screening.closed", "student", str(row.student_id), {"screening": screening_id})


def rescore(uow: UnitOfWork, screening_id: int, instrument: Instrument) -> ScreeningResult | None:
    """Score the stored responses with ``instrument``'s rules and keep both results.

    Returns None when a result for that rule version is already stored. A newly critical
    result raises the follow-up requirement (reopening the administration); it is never lowered.
    """
    row = _screening(uow, screening_id)
    if instrument.id != row.instrument:
        raise ValidationError(
            M(
                "Screening {screening_id} is a {instrument}, not {id}.",
                screening_id=screening_id,
                instrument=row.instrument,
                id=instrument.id,
            )
        )
    if repo.has_result(uow.conn, screening_id, instrument.scoring.rule_version):
        return None
    result = score(instrument, row.responses, population=row.population)
    now = utc_iso(uow.clock.now())
    repo.insert_result(uow.conn, screening_id, result, now)
    newly_critical = result.requires_follow_up and not row.requires_follow_up
    if newly_critical:  # reopen first: the schema refuses a closed critical screening
        repo.reopen(uow.conn, screening_id)
    repo.update_flags(
        uow.conn, screening_id, positive=result.positive, follow_up=result.requires_follow_up
    )
    if newly_critical:
        open_safety_flag(
            uow,
            row.student_id,
            source="screening",
            source_ref=str(screening_id),
            reason=f"{instrument.id} critical result on re-scoring: safety follow-up required",
        )
    _mark_dirty(uow, row.school_cds, row.administered_on, now)
    uow.audit(
        "screening.rescored",
        "student",
        str(row.student_id),
        {"screening": screening_id, "rule_version": result.rule_version},
    )
    return result
