"""View helpers for the supervisors' pages: the fiscal year they default to, the previous one
beside it (the same months, year over year), the quarter selector and small multiples.

Nothing here computes a number: every value comes from ``county_server.publication.cube.read``
as published (``None`` is a hidden cell) and is only placed in rows, columns and charts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from county_server.charts import bar_chart
from county_server.publication import periods as P
from county_server.publication import views
from county_server.publication.cube import Window

MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def previous(period: P.Period) -> P.Period:
    """The same month, quarter or fiscal year one fiscal year earlier."""
    if period.level == P.MONTH:
        return P.Period(P.MONTH, f"{int(period.code[:4]) - 1:04d}{period.code[4:]}")
    if period.level == P.QUARTER:
        return P.Period(P.QUARTER, f"{P.fy_code(period.fy - 1)}{period.code[9:]}")
    return P.Period(P.YEAR, P.fy_code(period.fy - 1))


def short_label(period: P.Period) -> str:
    if period.level == P.MONTH:
        return MONTH_ABBR[int(period.code[5:7]) - 1]
    if period.level == P.QUARTER:
        return period.code[-2:]
    return period.code


@dataclass(frozen=True)
class Selection:
    """What a trend page shows: a fiscal year (or one of its quarters) by month or quarter, the
    same periods of the previous fiscal year beside it (when published)."""

    fy: P.Period
    quarter: P.Period | None
    level: str  # P.MONTH or P.QUARTER
    cols: list[P.Period]
    prev_cols: list[P.Period | None]
    whole: P.Period  # the fiscal year, or the chosen quarter
    prev_whole: P.Period | None

    @property
    def grain(self) -> str:
        return "month" if self.level == P.MONTH else "quarter"

    def times(self, level: str) -> list[str]:
        if level == self.level:
            own = [c.code for c in self.cols]
            return own + [p.code for p in self.prev_cols if p is not None]
        codes = [self.whole.code] + ([self.prev_whole.code] if self.prev_whole else [])
        return codes


def select(query: Mapping[str, str], window: Window) -> Selection:
    """Parse ``fy`` (default: the current fiscal year), ``quarter`` (Q1–Q4, optional) and
    ``grain``; a quarter implies months."""
    fy = views.fiscal_year(query, window)
    q = (query.get("quarter") or "")[:4]
    if q and q not in ("Q1", "Q2", "Q3", "Q4"):
        raise views.BadRequest(422, "quarter must be Q1, Q2, Q3 or Q4 (Q1 is July–September).")
    quarter = P.Period(P.QUARTER, f"{fy.code}-{q}") if q else None
    if quarter is not None:
        views.in_window(quarter, window)
    level = P.MONTH if quarter is not None else views.grain(query)
    whole = quarter or fy
    if level == P.QUARTER:
        parts = fy.children()
    else:
        parts = [P.Period(P.MONTH, m) for m in whole.months()]
    cols = [p for p in parts if window.contains(p)]
    prev_cols = [previous(c) if window.contains(previous(c)) else None for c in cols]
    prev_whole = previous(whole) if window.contains(previous(whole)) else None
    return Selection(fy, quarter, level, cols, prev_cols, whole, prev_whole)


def trend_rows(
    sel: Selection,
    window: Window,
    orgs: Sequence[tuple[str, str, str | None]],
    part: Mapping[tuple[str, str, str], int | None],
    whole: Mapping[tuple[str, str, str], int | None],
    cat: str,
) -> list[dict[str, Any]]:
    """Two rows per org (label, link): the selected year, then the same periods a year earlier."""
    rows: list[dict[str, Any]] = []
    for org, label, link in orgs:
        values: list[int | None] = [part.get((org, c.code, cat), 0) for c in sel.cols]
        values.append(whole.get((org, sel.whole.code, cat), 0))
        rows.append(
            {"label": label, "link": link, "values": values, "total": link is None, "prev": False}
        )
        prev: list[int | str | None] = [
            "" if p is None else part.get((org, p.code, cat), 0) for p in sel.prev_cols
        ]
        pw = sel.prev_whole
        prev.append("" if pw is None else whole.get((org, pw.code, cat), 0))
        rows.append(
            {
                "label": f"same {sel.grain}s, {pw.label() if pw else 'previous year'}"
                + (" (total: whole)" if pw is not None and window.partial(sel.whole) else ""),
                "link": None,
                "values": prev,
                "total": False,
                "prev": True,
            }
        )
    return rows


def shared_max(rows: Sequence[Mapping[str, Any]], months: int) -> float:
    """The largest shown monthly value of these rows (a common scale for small multiples)."""
    shown = [float(v) for r in rows for v in r["values"][:months] if isinstance(v, int) and v >= 0]
    return max(shown, default=0.0)


def header(sel: Selection, window: Window) -> list[str]:
    return [views.column_label(c, window) for c in sel.cols] + [
        views.column_label(sel.whole, window)
    ]


def chart_for(
    title: str,
    sel: Selection,
    current: Sequence[int | str | None],
    prev: Sequence[int | str | None],
    *,
    y_label: str,
    small: bool = False,
    y_max: float | None = None,
) -> Markup:
    def clean(v: int | str | None) -> int | None:
        return 0 if isinstance(v, str) else v

    return bar_chart(
        title,
        [short_label(c) for c in sel.cols],
        [clean(v) for v in current[: len(sel.cols)]],
        previous=[clean(v) for v in prev[: len(sel.cols)]],
        series=(sel.fy.code, sel.prev_whole.label() if sel.prev_whole else "previous year")
        if not sel.quarter
        else (sel.whole.label(), sel.prev_whole.label() if sel.prev_whole else "previous year"),
        y_label=y_label,
        x_label="Month" if sel.level == P.MONTH else "Quarter",
        width=330 if small else 860,
        height=180 if small else 260,
        y_max=y_max,
    )
