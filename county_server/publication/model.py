"""The cube's model: its dimensions, published crossings, keys and the published window.

See :mod:`county_server.publication.cube` for the hierarchies and levels these constants name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from county_server.publication import periods as P

SERVICE_MEASURES = ("services", "minutes", "participants")
SCREENING_MEASURES = ("screenings_administered", "screenings_positive")
REFERRAL_MEASURES = ("referrals_made", "referrals_completed")
LINEAR_MEASURES = SERVICE_MEASURES + SCREENING_MEASURES + REFERRAL_MEASURES
STUDENTS = "students_served"
FISCAL_YEARS = 5

SERVICE_GROUPS = {
    "PSY-EDU-CLASS": "prevention",
    "PSY-EDU-GRP": "prevention",
    "SCR-UNIV": "prevention",
    "SCR-SUD": "prevention",
    "ASMT-INTAKE": "treatment",
    "TX-IND": "treatment",
    "TX-FAM": "treatment",
    "TX-GRP": "treatment",
    "CRISIS": "crisis",
    "SAFETY-PLAN": "crisis",
    "MAND-REPORT": "crisis",
    "CM-COORD": "coordination",
    "CONSULT": "coordination",
    "REFERRAL": "coordination",
}
GROUP_NAMES = {
    "prevention": "Prevention and universal",
    "treatment": "Assessment and treatment",
    "crisis": "Crisis and safety",
    "coordination": "Coordination and referral",
    "other": "Not by service",
}

ORG_LEVELS = ("C", "D", "U")
COUNTY = "county"

# (org levels, time levels, category levels) per kind of measure
Crossing = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
CROSSINGS: dict[str, tuple[Crossing, ...]] = {
    "service": (
        (("C", "D"), ("Y", "Q", "M"), ("T", "G", "S")),
        (("U",), ("Y",), ("T", "G", "S", "L")),
        (("D",), ("Y",), ("L",)),
    ),
    "screening": (
        (("C", "D"), ("Y", "Q", "M"), ("T", "I")),
        (("U",), ("Y",), ("T", "I", "L")),
        (("D",), ("Y",), ("L",)),
    ),
    "referral": ((("C", "D"), ("Y", "Q", "M"), ("T",)), (("U",), ("Y",), ("T",))),
}

Key = tuple[
    str, str, str, str, str, str, str
]  # measure, org lvl, org, time lvl, time, cat lvl, cat
Row = tuple[object, ...]


def kind(measure: str) -> str:
    if measure in SERVICE_MEASURES:
        return "service"
    if measure in SCREENING_MEASURES:
        return "screening"
    return "referral"


def published_levels(measure: str) -> set[tuple[str, str, str]]:
    if measure == STUDENTS:
        return {("U", "M", "T")}
    return {
        (o, t, c)
        for orgs, times, cats in CROSSINGS[kind(measure)]
        for o in orgs
        for t in times
        for c in cats
    }


def _category(k: str, level: str, service: str, tier: int, band: str, instrument: str) -> str:
    if level == "T":
        return ""
    if k == "service":
        if level == "G":
            return SERVICE_GROUPS.get(service, "other")
        if level == "S":
            return service
        return f"{service}|{tier or ''}|{band}"
    if level == "I":
        return instrument
    return f"{instrument}|{band}"


@dataclass(frozen=True)
class Window:
    """The published months: whole fiscal years up to the current (partial) month."""

    first: str
    current: str

    @classmethod
    def at(cls, now: datetime) -> Window:
        current = f"{now.year:04d}-{now.month:02d}"
        return cls(P.months_of_fy(P.fy_start(current) - FISCAL_YEARS + 1)[0], current)

    def fiscal_years(self) -> list[str]:
        first = P.fy_start(self.first)
        return [P.fy_code(y) for y in range(first, P.fy_start(self.current) + 1)]

    def contains(self, period: P.Period) -> bool:
        months = period.months()
        return months[0] >= self.first and months[0] <= self.current

    def partial(self, period: P.Period) -> bool:
        return self.current in period.months()
