"""Trends: per student and instrument, the series of (date, total, band) over time.

Pure: takes stored administrations already read by the repository and returns points ready for
the UI chart and the printed summary. Unscorable administrations appear with ``total`` None so a
gap is visible rather than hidden. When an administration was re-scored, the newest rule
version's result is used for the series.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class TrendInput:
    administration_id: str
    instrument: str
    administered_on: date
    total: int | None
    band: str | None
    band_rank: int | None
    positive: bool | None
    critical: bool
    rule_version: str


@dataclass(frozen=True)
class TrendPoint:
    administration_id: str
    administered_on: date
    total: int | None
    band: str | None
    band_rank: int | None
    positive: bool | None
    critical: bool


@dataclass(frozen=True)
class TrendSeries:
    instrument: str
    points: tuple[TrendPoint, ...]
    total_range: tuple[int, int] | None

    @property
    def latest(self) -> TrendPoint | None:
        return self.points[-1] if self.points else None

    @property
    def change_from_first(self) -> int | None:
        """Latest total minus the first scorable total (None with fewer than two)."""
        totals = [p.total for p in self.points if p.total is not None]
        return totals[-1] - totals[0] if len(totals) >= 2 else None


def _rule_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Order rule versions like ``2026.1`` < ``2026.10`` (numeric parts compare as numbers)."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in version.split("."))


def build_trend(
    instrument: str, rows: Iterable[TrendInput], total_range: tuple[int, int] | None = None
) -> TrendSeries:
    """Series for one instrument, oldest first; one point per administration."""
    newest: dict[str, TrendInput] = {}
    for row in rows:
        if row.instrument != instrument:
            continue
        held = newest.get(row.administration_id)
        if held is None or _rule_key(row.rule_version) > _rule_key(held.rule_version):
            newest[row.administration_id] = row
    ordered = sorted(newest.values(), key=lambda r: (r.administered_on, r.administration_id))
    points = tuple(
        TrendPoint(r.administration_id, r.administered_on, r.total, r.band, r.band_rank,
                   r.positive, r.critical)
        for r in ordered
    )  # fmt: skip
    return TrendSeries(instrument, points, total_range)
