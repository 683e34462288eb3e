"""Associate hours (California BBS) computed from sessions plus explicit logs — pure.

Direct clinical counseling comes from sessions whose taxonomy entry is ``direct_clinical``
(TX-IND, TX-FAM, TX-GRP, CRISIS, ASMT-INTAKE, SAFETY-PLAN). For AMFT the children/couples/
families subset is tracked (every direct session with a student or family counts: a school
clinician's clients are children). For ASW: column A (clinical assessment and treatment),
A1 (psychotherapy, part of A) and B (advocacy and consultation). Non-clinical time and
supervision are logged explicitly. The limits are data (``HoursLimits``; *verify* current BBS
values) and every check produces a readable warning rather than an exception. The weekly log
carries no student identifiers: inputs hold none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from clinician_desk.domain.taxonomy import Taxonomy
from clinician_desk.errors import ValidationError
from clinician_desk.messages import M

LICENSE_TYPES: tuple[str, ...] = ("AMFT", "ASW", "APCC")
PSYCHOTHERAPY_CODES: frozenset[str] = frozenset({"TX-IND", "TX-FAM", "TX-GRP"})
ADVOCACY_CODES: frozenset[str] = frozenset({"CM-COORD", "CONSULT", "REFERRAL"})
NON_CLINICAL_KINDS: tuple[str, ...] = ("notes", "testing", "coordination", "workshops", "other")
SUPERVISION_KINDS: tuple[str, ...] = ("individual", "triadic", "group")


@dataclass(frozen=True)
class HoursLimits:
    week_max_hours: float = 40.0
    total_required: float = 3000.0
    direct_required: float = 1750.0
    ccf_required: float = 500.0
    nonclinical_max: float = 1250.0
    extra_supervision_direct_hours: float = 10.0
    group_supervision_unit_hours: float = 2.0
    individual_supervision_unit_hours: float = 1.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HoursLimits:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValidationError(M("hours limits: unknown field {field!r}", field=unknown[0]))
        values = {}
        for k, v in data.items():
            if not isinstance(v, int | float) or v < 0:
                raise ValidationError(
                    M("hours limits: {field} must be a non-negative number", field=k)
                )
            values[k] = float(v)
        return cls(**values)


@dataclass(frozen=True)
class SessionMinutes:
    """One session's minutes, without identifiers."""

    day: date
    service_code: str
    minutes: int
    with_child_or_family: bool = True


@dataclass(frozen=True)
class LoggedMinutes:
    """An explicit entry: non-clinical (kind in NON_CLINICAL_KINDS) or supervision."""

    day: date
    kind: str
    minutes: int
    supervision: bool = False


@dataclass(frozen=True)
class WeekLog:
    week_start: date
    direct: float = 0.0
    ccf: float = 0.0
    asw_a: float = 0.0
    asw_a1: float = 0.0
    asw_b: float = 0.0
    nonclinical: float = 0.0
    supervision_individual: float = 0.0
    supervision_group: float = 0.0
    warnings: tuple[str, ...] = ()

    @property
    def claimed(self) -> float:
        return self.direct + self.nonclinical

    @property
    def supervision(self) -> float:
        return self.supervision_individual + self.supervision_group


@dataclass(frozen=True)
class HoursReport:
    license_type: str
    weeks: tuple[WeekLog, ...]
    totals: Mapping[str, float] = field(default_factory=dict)
    progress: tuple[str, ...] = ()


def week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _supervision_units(w: _Acc, limits: HoursLimits) -> float:
    return (
        w.values["supervision_individual"] / limits.individual_supervision_unit_hours
        + w.values["supervision_group"] / limits.group_supervision_unit_hours
    )


class _Acc:
    def __init__(self) -> None:
        self.values: dict[str, float] = defaultdict(float)


def compute_hours(
    license_type: str,
    sessions: Iterable[SessionMinutes],
    logged: Iterable[LoggedMinutes],
    taxonomy: Taxonomy,
    limits: HoursLimits | None = None,
    prior_totals: Mapping[str, float] | None = None,
) -> HoursReport:
    """Weekly logs (Monday-start weeks) with checks, plus running totals against the limits."""
    if license_type not in LICENSE_TYPES:
        raise ValidationError(
            M("license type must be one of {types}.", types=", ".join(LICENSE_TYPES))
        )
    lim = limits or HoursLimits()
    weeks: dict[date, _Acc] = defaultdict(_Acc)
    for s in sessions:
        if s.minutes < 0:
            raise ValidationError(M("A session cannot have negative minutes."))
        service = taxonomy.service(s.service_code)
        acc = weeks[week_start(s.day)].values
        h = s.minutes / 60.0
        if service.direct_clinical:
            acc["direct"] += h
            acc["asw_a"] += h
            if s.with_child_or_family:
                acc["ccf"] += h
            if s.service_code in PSYCHOTHERAPY_CODES:
                acc["asw_a1"] += h
        elif s.service_code in ADVOCACY_CODES:
            acc["asw_b"] += h
            acc["nonclinical"] += h
        else:
            acc["nonclinical"] += h
    for e in logged:
        if e.minutes < 0:
            raise ValidationError(M("A logged entry cannot have negative minutes."))
        acc = weeks[week_start(e.day)].values
        h = e.minutes / 60.0
        if e.supervision:
            if e.kind not in SUPERVISION_KINDS:
                raise ValidationError(
                    M(
                        "supervision kind must be one of {kinds}.",
                        kinds=", ".join(SUPERVISION_KINDS),
                    )
                )
            acc["supervision_group" if e.kind == "group" else "supervision_individual"] += h
        else:
            if e.kind not in NON_CLINICAL_KINDS:
                raise ValidationError(
                    M(
                        "non-clinical kind must be one of {kinds}.",
                        kinds=", ".join(NON_CLINICAL_KINDS),
                    )
                )
            acc["nonclinical"] += h
    out: list[WeekLog] = []
    for start in sorted(weeks):
        acc_obj = weeks[start]
        v = acc_obj.values
        warnings: list[str] = []
        claimed = v["direct"] + v["nonclinical"]
        if claimed + v["supervision_individual"] + v["supervision_group"] > lim.week_max_hours:
            warnings.append(f"more than {lim.week_max_hours:g} hours logged this week")
        units = _supervision_units(acc_obj, lim)
        if claimed > 0 and units <= 0:
            warnings.append("hours claimed without supervision this week")
        elif v["direct"] > lim.extra_supervision_direct_hours and units < 2:
            warnings.append(
                f"direct hours over {lim.extra_supervision_direct_hours:g}: one more "
                "supervision unit needed this week"
            )
        fields = {k: round(v[k], 2) for k in v}
        out.append(WeekLog(week_start=start, warnings=tuple(warnings), **fields))
    totals = dict(prior_totals or {})
    for w in out:
        for k in ("direct", "ccf", "nonclinical", "asw_a", "asw_a1", "asw_b"):
            totals[k] = totals.get(k, 0.0) + getattr(w, k)
        totals["supervision"] = totals.get("supervision", 0.0) + w.supervision
    total = totals.get("direct", 0.0) + min(totals.get("nonclinical", 0.0), lim.nonclinical_max)
    totals["total_countable"] = round(total, 2)
    progress = [f"total {total:.1f} of {lim.total_required:g} hours"]
    if license_type in ("AMFT", "APCC"):
        progress.append(f"direct {totals.get('direct', 0.0):.1f} of {lim.direct_required:g}")
    if license_type == "AMFT":
        progress.append(
            f"children/couples/families {totals.get('ccf', 0.0):.1f} of {lim.ccf_required:g}"
        )
    if totals.get("nonclinical", 0.0) > lim.nonclinical_max:
        progress.append(f"non-clinical hours above the {lim.nonclinical_max:g} maximum")
    return HoursReport(license_type, tuple(out), totals, tuple(progress))
