"""The pure scoring engine: an answer map in, a ``ScreeningResult`` out. Costs microseconds.

The result carries the total, every subscale, the band, positive/negative against the threshold
for the chosen population (adolescent thresholds where they differ), critical flags naming the
item, completeness and the missing items. A form that cannot be scored by the instrument's own
missing-answer rule says so (``scorable`` False with a reason) instead of guessing; critical
flags are still reported from the answers that were given, so a missing total never hides a
"yes" to a suicide item.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clinician_desk.domain.screenings.model import Instrument, Value
from clinician_desk.domain.screenings.responses import (
    points_function,
    validate_responses,
)
from clinician_desk.errors import ValidationError


@dataclass(frozen=True)
class CriticalFlag:
    item: str
    level: str
    reason: str


@dataclass(frozen=True)
class SubscaleScore:
    id: str
    title: str
    score: int | None
    positive: bool | None
    threshold: int | None


@dataclass(frozen=True)
class ScreeningResult:
    instrument: str
    version: str
    rule_version: str
    population: str | None
    scorable: bool
    reason: str | None
    total: int | None
    total_range: tuple[int, int] | None
    band: str | None
    band_rank: int | None
    positive: bool | None
    threshold: int | None
    subscales: tuple[SubscaleScore, ...]
    critical: tuple[CriticalFlag, ...]
    complete: bool
    missing: tuple[str, ...]

    @property
    def requires_follow_up(self) -> bool:
        """A critical flag opens the safety workflow (docs/design/domain-rules.md)."""
        return bool(self.critical)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (CLI output and the stored ``result_json``)."""
        return {
            "instrument": self.instrument,
            "version": self.version,
            "rule_version": self.rule_version,
            "population": self.population,
            "scorable": self.scorable,
            "reason": self.reason,
            "total": self.total,
            "total_range": list(self.total_range) if self.total_range else None,
            "band": self.band,
            "band_rank": self.band_rank,
            "positive": self.positive,
            "threshold": self.threshold,
            "subscales": {
                s.id: {"score": s.score, "positive": s.positive, "threshold": s.threshold}
                for s in self.subscales
            },
            "critical": [
                {"item": c.item, "level": c.level, "reason": c.reason} for c in self.critical
            ],
            "requires_follow_up": self.requires_follow_up,
            "complete": self.complete,
            "missing": list(self.missing),
        }


def check_population(instrument: Instrument, population: str | None) -> None:
    """Refuse a threshold population the instrument does not define."""
    if population is not None and instrument.scoring.thresholds:
        if population not in instrument.populations:
            raise ValidationError(
                f"{instrument.id} has no threshold for population {population!r} "
                f"(choose {', '.join(instrument.populations)})"
            )


def score(
    instrument: Instrument, responses: Mapping[str, object], *, population: str | None = None
) -> ScreeningResult:
    """Score one administration. Raises ``ValidationError`` for bad answers or population."""
    check_population(instrument, population)
    answers = validate_responses(instrument, responses)
    return score_valid(instrument, answers, population=population)


def score_valid(
    instrument: Instrument, answers: Mapping[str, Value], *, population: str | None = None
) -> ScreeningResult:
    """Score answers already checked by ``validate_responses`` (the flows use this)."""
    scoring = instrument.scoring
    points_of = points_function(instrument)
    asked = [
        item
        for item in instrument.items
        if item.ask_if is None or item.ask_if.holds(answers, points_of)
    ]
    missing = tuple(i.id for i in asked if i.required and i.id not in answers)
    threshold = instrument.threshold_for(population)
    reason = _unscorable_reason(instrument, answers, {i.id for i in asked}, missing)
    total: int | None = None
    band: str | None = None
    band_rank: int | None = None
    positive: bool | None = None
    subscales = tuple(
        SubscaleScore(s.id, s.title, None, None, s.positive_at) for s in scoring.subscales
    )
    if reason is None and scoring.has_total:
        total = sum(points_of(i, answers[i]) for i in scoring.total_items if i in answers)
        for rank, b in enumerate(scoring.bands):
            if b.low <= total <= b.high:
                band, band_rank = b.label, rank
        subscales = tuple(
            _subscale(
                s.id,
                s.title,
                s.positive_at,
                [points_of(i, answers[i]) for i in s.items if i in answers],
            )
            for s in scoring.subscales
        )
        if threshold is not None or any(s.positive is not None for s in subscales):
            positive = (threshold is not None and total >= threshold.at) or any(
                bool(s.positive) for s in subscales
            )
    if reason is None and scoring.classification:
        rule = next((c for c in scoring.classification if c.when.holds(answers, points_of)), None)
        if rule is None:
            reason = "cannot be scored: the answers given do not allow a classification"
        else:
            band, band_rank, positive = rule.band, rule.rank, rule.positive
    return ScreeningResult(
        instrument=instrument.id,
        version=instrument.version,
        rule_version=scoring.rule_version,
        population=threshold.population if threshold else None,
        scorable=reason is None,
        reason=reason,
        total=total,
        total_range=instrument.total_range,
        band=band,
        band_rank=band_rank,
        positive=positive,
        threshold=threshold.at if threshold else None,
        subscales=subscales,
        critical=_critical(instrument, answers),
        complete=not missing,
        missing=missing,
    )


def _subscale(sid: str, title: str, at: int | None, points: list[int]) -> SubscaleScore:
    value = sum(points)
    return SubscaleScore(sid, title, value, None if at is None else value >= at, at)


def _critical(instrument: Instrument, answers: Mapping[str, Value]) -> tuple[CriticalFlag, ...]:
    points_of = points_function(instrument)
    flags: list[CriticalFlag] = []
    for rule in instrument.critical:
        if rule.when.holds(answers, points_of):
            flag = CriticalFlag(rule.item, rule.level, rule.reason)
            if flag not in flags:
                flags.append(flag)
    return tuple(flags)


def _unscorable_reason(
    instrument: Instrument,
    answers: Mapping[str, Value],
    asked_ids: set[str],
    missing: tuple[str, ...],
) -> str | None:
    scoring = instrument.scoring
    rule = scoring.missing
    if scoring.has_total:
        # Items that decide whether a scored item is asked must be answered, or the skip is a guess.
        gates: set[str] = set()
        for item_id in scoring.total_items:
            item = instrument.item(item_id)
            if item is not None and item.ask_if is not None:
                gates |= {ref for ref in item.ask_if.item_refs() if ref not in answers}
        if gates:
            return f"cannot be scored: items {', '.join(sorted(gates))} decide which items apply"
        blank = [i for i in scoring.total_items if i in asked_ids and i not in answers]
        allowed = rule.max_blank if rule.rule == "blank_as_zero" else 0
        if len(blank) > allowed:
            return f"cannot be scored: {len(blank)} scored item(s) unanswered ({', '.join(blank)})"
    elif rule.rule == "all_required" and missing:
        return f"cannot be scored: required item(s) unanswered ({', '.join(missing)})"
    return None
