"""Shared shapes for the torture parts: a figure row and a part's outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

Row = tuple[str, float, str, float | None]


@dataclass
class Outcome:
    """Figures of one torture part and the breaches it found (empty list: passed)."""

    rows: list[Row] = field(default_factory=list)
    breaches: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # printed as '# ' lines, e.g. breakdowns

    def figure(self, name: str, value: float, unit: str) -> None:
        self.rows.append((name, float(value), unit, None))
