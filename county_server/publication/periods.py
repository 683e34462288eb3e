"""Aligned periods of the publication: fiscal year (July–June) > quarter > month.

Codes: a month ``2026-03``, a quarter ``FY2025-26-Q3`` (Q1 = July–September), a fiscal year
``FY2025-26``. Requests name one of these; there are no arbitrary ranges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTH, QUARTER, YEAR = "M", "Q", "Y"
_MONTH = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^FY(20[0-9]{2})-([0-9]{2})-Q([1-4])$")
_YEAR = re.compile(r"^FY(20[0-9]{2})-([0-9]{2})$")


def fy_start(month: str) -> int:
    y, m = int(month[:4]), int(month[5:7])
    return y if m >= 7 else y - 1


def fy_code(start: int) -> str:
    return f"FY{start}-{(start + 1) % 100:02d}"


def fiscal_year(month: str) -> str:
    return fy_code(fy_start(month))


def quarter(month: str) -> str:
    m = int(month[5:7])
    return f"{fiscal_year(month)}-Q{((m - 7) % 12) // 3 + 1}"


def months_of_fy(start: int) -> list[str]:
    return [f"{start + (m < 7):04d}-{m:02d}" for m in (*range(7, 13), *range(1, 7))]


@dataclass(frozen=True)
class Period:
    level: str  # M, Q or Y
    code: str

    @property
    def fy(self) -> int:
        if self.level == MONTH:
            return fy_start(self.code)
        return int(self.code[2:6])

    def months(self) -> list[str]:
        months = months_of_fy(self.fy)
        if self.level == YEAR:
            return months
        if self.level == QUARTER:
            q = int(self.code[-1])
            return months[3 * (q - 1) : 3 * q]
        return [self.code]

    def children(self) -> list[Period]:
        """Quarters of a year, months of a quarter; nothing below a month."""
        if self.level == YEAR:
            return [Period(QUARTER, f"{self.code}-Q{q}") for q in range(1, 5)]
        if self.level == QUARTER:
            return [Period(MONTH, m) for m in self.months()]
        return []

    def label(self) -> str:
        if self.level == QUARTER:
            return self.code.replace("-Q", " Q")
        return self.code


def parse(text: str) -> Period | None:
    """The aligned period a code names, or None when it names none."""
    if _MONTH.match(text):
        return Period(MONTH, text)
    q = _QUARTER.match(text)
    if q and (int(q.group(1)) + 1) % 100 == int(q.group(2)):
        return Period(QUARTER, text)
    y = _YEAR.match(text)
    if y and (int(y.group(1)) + 1) % 100 == int(y.group(2)):
        return Period(YEAR, text)
    return None
