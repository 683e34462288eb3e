"""Plain, frozen inputs of the document renderers.

Renderers never touch storage: a service reads the record, builds one of these read models and
hands it over. What a model cannot hold, a document cannot print — there is deliberately no field
for psychotherapy (process) notes anywhere here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class NoteSection:
    heading: str
    text: str


@dataclass(frozen=True)
class AddendumView:
    text: str
    signed_by: str
    signed_at: datetime


@dataclass(frozen=True)
class SessionSummaryDoc:
    """One session's progress note as it may be printed (signed or draft)."""

    student_name: str
    student_ref: str
    school: str
    session_date: date
    service_code: str
    service_name: str
    minutes: int
    modality: str
    template: str
    sections: tuple[NoteSection, ...]
    signed_by: str | None = None
    signed_at: datetime | None = None
    addenda: tuple[AddendumView, ...] = ()
    tier: int | None = None
    location: str = ""
    participants: str = ""


@dataclass(frozen=True)
class ResponseLine:
    item: str
    answer: str
    value: str = ""


@dataclass(frozen=True)
class TrendPoint:
    when: date
    score: float


@dataclass(frozen=True)
class CriticalItem:
    """A critical answer, printed first in a boxed alert: the item's text, the answer given,
    why it is critical, and where the safety follow-up stands."""

    item: str
    answer: str
    reason: str
    follow_up: str


@dataclass(frozen=True)
class ScreeningSummaryDoc:
    """One administration of an instrument, with the instrument's history for the trend chart."""

    student_name: str
    student_ref: str
    instrument_name: str
    instrument_version: str
    administered_on: date
    respondent: str
    language: str
    responses: tuple[ResponseLine, ...]
    scores: tuple[tuple[str, str], ...]
    band: str
    flags: tuple[str, ...]
    attribution: str
    trend: tuple[TrendPoint, ...] = ()
    trend_max: float | None = None
    trend_label: str = "Total score"
    rule_version: str = ""
    administered_by: str = ""
    critical: tuple[CriticalItem, ...] = ()
    cutoff: float | None = None


@dataclass(frozen=True)
class PlanStep:
    number: int
    title: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class SafetyPlanDoc:
    """A Stanley–Brown safety plan (six steps in order), for the student to keep."""

    student_name: str
    created_on: date
    steps: tuple[PlanStep, ...]
    clinician: str = ""


@dataclass(frozen=True)
class HoursRow:
    """One line of the weekly log: a category of experience and its hours for the week."""

    category: str
    hours: float
    counts_toward: str = ""


@dataclass(frozen=True)
class RunningTotal:
    label: str
    hours: float
    target: float | None = None
    is_maximum: bool = False
    unit: str = "hours"


@dataclass(frozen=True)
class HoursLogDoc:
    """An associate's weekly log of experience hours. No student identifiers exist in it."""

    associate_name: str
    license_type: str
    week_start: date
    rows: tuple[HoursRow, ...]
    registration: str = ""
    supervisor_name: str = ""
    site: str = ""
    running_totals: tuple[RunningTotal, ...] = ()
    warnings: tuple[str, ...] = ()
    supervisor_license: str = ""
    requirements: str = ""


@dataclass(frozen=True)
class ServiceMonthRow:
    code: str
    name: str
    sessions: int
    students: int
    minutes: int
    participants: int = 0


@dataclass(frozen=True)
class CaseloadStudentRow:
    student_name: str
    grade: str
    school: str
    sessions: int
    minutes: int
    last_session: date | None = None
    student_ref: str = ""
    open_flags: int = 0
    positive_screens: int = 0
    overdue_referrals: int = 0
    unsigned_notes: int = 0

    @property
    def needs_review(self) -> bool:
        return bool(
            self.open_flags
            or self.positive_screens
            or self.overdue_referrals
            or self.unsigned_notes
        )


@dataclass(frozen=True)
class CaseloadReportDoc:
    """The clinician's own month report: services delivered and the students seen."""

    clinician: str
    year: int
    month: int
    services: tuple[ServiceMonthRow, ...]
    students: tuple[CaseloadStudentRow, ...] = ()
    schools: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class PersonalDetails:
    """The student-specific part of a personalized parent handout."""

    student_name: str
    services: tuple[str, ...] = ()
    sessions_attended: int | None = None
    attendance_period: str = ""
    # Only results the clinician ticked for this print, as words (never a score).
    results: tuple[str, ...] = ()
    results_note: str = ""
