"""Sessions: when, where, how, what service (from the taxonomy), which tier, who took part.

``validate_session`` checks a ``SessionInput`` against the service taxonomy and returns it
normalized, or raises ``ValidationError`` naming the problem (end before start, unknown service
code, tier not allowed for the service, participants inconsistent with the kind). Times are
minutes after midnight; a group session lists the students present, each of whom gets their own
note. Pure: the taxonomy is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from clinician_desk.domain.taxonomy import Taxonomy
from clinician_desk.errors import ValidationError
from clinician_desk.messages import M

MODALITIES: tuple[str, ...] = ("in_person", "telehealth", "phone")
PARTICIPANT_KINDS: tuple[str, ...] = ("student", "family", "group")
LOCATIONS: tuple[str, ...] = ("school", "home", "community", "telehealth", "other")


@dataclass(frozen=True)
class SessionInput:
    session_date: date
    start_minute: int
    end_minute: int
    service_code: str
    tier: int | None
    modality: str
    location: str
    participant_kind: str
    school_cds: str
    student_ids: tuple[int, ...] = ()
    group_size: int | None = None

    @property
    def minutes(self) -> int:
        return self.end_minute - self.start_minute


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def validate_session(s: SessionInput, taxonomy: Taxonomy, today: date) -> SessionInput:
    """Return ``s`` normalized or raise ``ValidationError`` naming the problem."""
    if not (0 <= s.start_minute < 24 * 60) or not (0 < s.end_minute <= 24 * 60):
        raise ValidationError(M("Session start and end must be times within the day."))
    if s.end_minute <= s.start_minute:
        raise ValidationError(
            M(
                "The session ends ({value}) before or when it starts ({value2}).",
                value=_hhmm(s.end_minute),
                value2=_hhmm(s.start_minute),
            )
        )
    if s.session_date > today:
        raise ValidationError(M("A session cannot be documented for a future date."))
    service = taxonomy.service(s.service_code)
    if service.tiers:
        if s.tier not in service.tiers:
            allowed = ", ".join(str(t) for t in service.tiers)
            raise ValidationError(
                M(
                    "Service {code} is delivered at tier {allowed}.",
                    code=service.code,
                    allowed=allowed,
                )
            )
    elif s.tier is not None:
        raise ValidationError(M("Service {code} has no MTSS tier.", code=service.code))
    if s.modality not in MODALITIES:
        raise ValidationError(M("modality must be one of {value}.", value=", ".join(MODALITIES)))
    if s.location not in LOCATIONS:
        raise ValidationError(M("location must be one of {value}.", value=", ".join(LOCATIONS)))
    if s.participant_kind not in PARTICIPANT_KINDS:
        raise ValidationError(
            M("participants must be one of {value}.", value=", ".join(PARTICIPANT_KINDS))
        )
    students = tuple(dict.fromkeys(s.student_ids))
    if len(students) != len(s.student_ids):
        raise ValidationError(M("A student is listed twice in the same session."))
    group_size = s.group_size
    if s.participant_kind == "group":
        if group_size is None or group_size < 2:
            raise ValidationError(M("A group session needs a group size of at least 2."))
        if len(students) > group_size:
            raise ValidationError(M("More students are marked present than the group size."))
    else:
        group_size = None
        if s.participant_kind == "student" and len(students) != 1 and not service.no_student:
            raise ValidationError(M("An individual session has exactly one student."))
        if s.participant_kind == "student" and len(students) > 1:
            raise ValidationError(M("An individual session has at most one student."))
        if s.participant_kind == "family" and len(students) > 1:
            raise ValidationError(M("A family session has at most one student."))
    if not students and not (service.no_student or service.family or service.counts_participants):
        raise ValidationError(M("Service {code} needs at least one student.", code=service.code))
    return replace(s, student_ids=students, group_size=group_size)


def period_of(d: date) -> str:
    """The month a session counts in (``YYYY-MM``)."""
    return f"{d.year:04d}-{d.month:02d}"
