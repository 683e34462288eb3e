"""Pure aggregation of signed sessions, screenings and referrals into de-identified count cells.

A count cell is ``(org_unit, period, measure, dimensions) -> integer`` exactly as
docs/design/sync-protocol.md lists: measures ``services``, ``minutes``, ``students_served``,
``participants``,
``screenings_administered``, ``screenings_positive``, ``referrals_made``,
``referrals_completed``; dimensions ``service``, ``tier``, ``grade_band``, ``instrument`` and
nothing else. The input is plain frozen dataclasses (built by the sync layer from the vault), so
this module does no I/O and never reads the clock.

Rules (documented in docs/design/sync-protocol.md, "What is counted"):

* ``org_unit`` is the school's 14-digit CDS code; services marked *district level only* in the
  taxonomy (CRISIS, SAFETY-PLAN, MAND-REPORT) and positive screenings on suicide-risk
  instruments are rolled up to the district (district part + ``0000000``).
* ``services`` counts sessions, ``minutes`` sums their length, both by service, tier and the
  session's grade band (the band most attendees are in; ties go to the younger band; a session
  with no student of known grade has no ``grade_band``).
* ``students_served`` counts each distinct student once per cell (by service, tier and the
  student's own grade band). PSY-EDU-CLASS (``counts_participants``) counts ``participants``
  instead; services with ``no_student`` (CONSULT) count no students.
* Screening measures are by ``instrument`` and grade band; referral measures by grade band,
  ``referrals_made`` in the month made and ``referrals_completed`` in the month completed.
* Zero cells are not sent: a snapshot lists only positive counts.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from clinician_desk.domain.taxonomy import GRADE_BANDS, Taxonomy
from clinician_desk.errors import ValidationError
from clinician_desk.messages import M

MEASURES: tuple[str, ...] = (
    "services",
    "minutes",
    "students_served",
    "participants",
    "screenings_administered",
    "screenings_positive",
    "referrals_made",
    "referrals_completed",
)
DIMENSIONS: tuple[str, ...] = ("service", "tier", "grade_band", "instrument")
SUICIDE_RISK_INSTRUMENTS: frozenset[str] = frozenset({"ASQ", "C-SSRS", "CSSRS"})
_CDS_RE = re.compile(r"^\d{14}$")
_PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

Dims = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Attendee:
    """A student present at a session: an opaque local key (never sent) and a grade as text."""

    student_key: str
    grade: str


@dataclass(frozen=True)
class SessionFact:
    """One signed session as far as counting needs it."""

    day: date
    school_cds: str
    service: str
    tier: int | None
    minutes: int
    attendees: tuple[Attendee, ...] = ()
    participants: int = 0  # head count for classroom sessions (PSY-EDU-CLASS)
    group_grade: str | None = None  # grade of a classroom session with no listed students


@dataclass(frozen=True)
class ScreeningFact:
    """One completed screening administration."""

    day: date
    school_cds: str
    instrument: str
    positive: bool
    grade: str | None = None


@dataclass(frozen=True)
class ReferralFact:
    """One referral out: made on ``made_on``; completed (connected to care) on ``completed_on``."""

    school_cds: str
    made_on: date
    completed_on: date | None = None
    grade: str | None = None


@dataclass(frozen=True, order=True)
class CountCell:
    org_unit: str
    period: str
    measure: str
    dimensions: Dims
    value: int = field(compare=False)

    @property
    def key(self) -> tuple[str, str, str, Dims]:
        return (self.org_unit, self.period, self.measure, self.dimensions)


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def validate_period(text: str) -> str:
    """``YYYY-MM`` or a ValidationError saying what a period looks like."""
    if not _PERIOD_RE.match(text):
        raise ValidationError(
            M("A period is a month written YYYY-MM (got {got!r}).", got=text[:20])
        )
    return text


def validate_cds(code: str) -> str:
    if not _CDS_RE.match(code):
        raise ValidationError(M("A school's CDS code has 14 digits."))
    return code


def district_of(cds: str) -> str:
    """The district org unit of a school: its first 7 digits followed by ``0000000``."""
    return validate_cds(cds)[:7] + "0000000"


@lru_cache(maxsize=4096)
def _dims4(
    service: str | None, tier: int | None, grade_band: str | None, instrument: str | None
) -> Dims:
    values = {"service": service, "tier": tier, "grade_band": grade_band, "instrument": instrument}
    return tuple((k, str(v)) for k, v in sorted(values.items()) if v is not None)


def _dims(
    *,
    service: str | None = None,
    tier: int | None = None,
    grade_band: str | None = None,
    instrument: str | None = None,
) -> Dims:
    """Dimensions as a sorted tuple of (name, text) pairs, ``None`` values left out."""
    return _dims4(service, tier, grade_band, instrument)


def _session_band(fact: SessionFact, band: Callable[[str], str | None]) -> str | None:
    if len(fact.attendees) == 1:
        only = band(fact.attendees[0].grade)
        if only is not None:
            return only
    known = [b for b in (band(a.grade) for a in fact.attendees) if b is not None]
    if not known and fact.group_grade is not None:
        return band(fact.group_grade)
    if not known:
        return None
    tally = Counter(known)
    best = max(tally.values())
    return next(b for b in GRADE_BANDS if tally.get(b, 0) == best)


class _Acc:
    """Accumulates sums and distinct-student sets keyed by cell."""

    def __init__(self) -> None:
        self.sums: dict[tuple[str, str, str, Dims], int] = defaultdict(int)
        self.distinct: dict[tuple[str, str, str, Dims], set[str]] = defaultdict(set)

    def add(self, org: str, period: str, measure: str, dims: Dims, value: int) -> None:
        self.sums[(org, period, measure, dims)] += value

    def student(self, org: str, period: str, dims: Dims, key: str) -> None:
        self.distinct[(org, period, "students_served", dims)].add(key)

    def cells(self) -> list[CountCell]:
        items = [(k, v) for k, v in self.sums.items() if v > 0]
        items += [(k, len(s)) for k, s in self.distinct.items() if s]
        items.sort(key=lambda kv: kv[0])
        return [CountCell(*k, value=v) for k, v in items]


def aggregate(
    sessions: Iterable[SessionFact],
    screenings: Iterable[ScreeningFact],
    referrals: Iterable[ReferralFact],
    taxonomy: Taxonomy,
    *,
    suicide_risk_instruments: frozenset[str] = SUICIDE_RISK_INSTRUMENTS,
) -> list[CountCell]:
    """All count cells of the given facts, sorted; zero cells omitted.

    Raises ValidationError for an unknown service code, a malformed CDS code or a negative
    length (a programming error upstream, never a silently dropped fact).
    """
    acc = _Acc()
    seen_cds: set[str] = set()
    band_of: dict[str, str | None] = {}

    def band(grade: str) -> str | None:
        if grade not in band_of:
            band_of[grade] = taxonomy.grade_band(grade)
        return band_of[grade]

    for s in sessions:
        svc = taxonomy.service(s.service)
        if s.school_cds not in seen_cds:
            seen_cds.add(validate_cds(s.school_cds))
        if s.minutes < 0 or s.participants < 0:
            raise ValidationError(M("A session's minutes and participants cannot be negative."))
        org = district_of(s.school_cds) if svc.district_only else s.school_cds
        period = period_of(s.day)
        d = _dims(service=svc.code, tier=s.tier, grade_band=_session_band(s, band))
        acc.add(org, period, "services", d, 1)
        acc.add(org, period, "minutes", d, s.minutes)
        if svc.counts_participants:
            count = s.participants or len({a.student_key for a in s.attendees})
            acc.add(org, period, "participants", d, count)
        elif not svc.no_student:
            for a in s.attendees:
                sd = _dims(service=svc.code, tier=s.tier, grade_band=band(a.grade))
                acc.student(org, period, sd, a.student_key)
    for sc in screenings:
        validate_cds(sc.school_cds)
        period = period_of(sc.day)
        sc_band = band(sc.grade) if sc.grade is not None else None
        d = _dims(instrument=sc.instrument, grade_band=sc_band)
        acc.add(sc.school_cds, period, "screenings_administered", d, 1)
        if sc.positive:
            risky = sc.instrument.upper() in suicide_risk_instruments
            org = district_of(sc.school_cds) if risky else sc.school_cds
            acc.add(org, period, "screenings_positive", d, 1)
    for r in referrals:
        validate_cds(r.school_cds)
        d = _dims(grade_band=taxonomy.grade_band(r.grade) if r.grade is not None else None)
        acc.add(r.school_cds, period_of(r.made_on), "referrals_made", d, 1)
        if r.completed_on is not None:
            acc.add(r.school_cds, period_of(r.completed_on), "referrals_completed", d, 1)
    return acc.cells()


def snapshots(cells: Iterable[CountCell]) -> dict[tuple[str, str], list[CountCell]]:
    """Cells grouped per (org_unit, period): one full snapshot each, cells sorted."""
    out: dict[tuple[str, str], list[CountCell]] = defaultdict(list)
    for c in cells:
        out[(c.org_unit, c.period)].append(c)
    return {k: sorted(v) for k, v in sorted(out.items())}


def totals(cells: Iterable[CountCell]) -> Mapping[tuple[str, str, str, Dims], int]:
    """Cell key -> value, summed (handy to compare with what a server holds)."""
    out: dict[tuple[str, str, str, Dims], int] = defaultdict(int)
    for c in cells:
        out[c.key] += c.value
    return dict(out)
