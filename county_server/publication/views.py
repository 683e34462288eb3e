"""Request parameters and view models for pages that read the publication cube.

Requests name aligned periods only: ``fy`` (a fiscal year, with ``grain`` = ``month`` or
``quarter`` for a trend) or ``period`` (a month, a quarter or a fiscal year). Anything else — a
``from``/``to`` range, a period outside the published window, an unknown measure, service or
group — is answered 422 (or 404 for an unknown district) with one plain sentence; nothing is ever
computed on the fly, so nothing unsuppressed can come out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from county_server.publication import cube
from county_server.publication import periods as P
from county_server.publication.cube import Window
from county_server.suppression import fmt
from county_server.web_support import PageError

SUPPRESSION_SENTENCE = (
    "* hides a count from 1 to 10, or a number that would let someone work one out; "
    "a hidden number is hidden on every page and in every export."
)
STUDENTS_SENTENCE = (
    "Students served has no totals: the same student can be served in several months, schools "
    "or by several clinicians, so adding these numbers up would not count anyone. Each cell is "
    "the largest count one clinician's device reported for that school and month."
)
PARTIAL_SENTENCE = "Periods marked (partial) include the current month, which is still open."


class BadRequest(PageError):
    """A request the cube cannot answer as asked: a 4xx with one plain sentence."""


def _one(query: Mapping[str, str], name: str) -> str | None:
    value = query.get(name)
    return None if value is None or value == "" else value[:40]


def reject_ranges(query: Mapping[str, str]) -> None:
    if "from" in query or "to" in query:
        raise BadRequest(
            422,
            "Numbers are published for whole months, quarters and fiscal years only; choose "
            "one (for example period=2026-03, FY2025-26-Q3 or FY2025-26) instead of a range.",
        )


def in_window(period: P.Period, window: Window) -> P.Period:
    if not window.contains(period):
        years = window.fiscal_years()
        raise BadRequest(
            422,
            f"{period.label()} is outside the published window ({years[0]} to {years[-1]}, "
            f"up to {window.current}).",
        )
    return period


def fiscal_year(query: Mapping[str, str], window: Window) -> P.Period:
    reject_ranges(query)
    text = _one(query, "fy") or P.fiscal_year(window.current)
    period = P.parse(text)
    if period is None or period.level != P.YEAR:
        raise BadRequest(422, "Name a fiscal year like FY2025-26 (July 2025 to June 2026).")
    return in_window(period, window)


def any_period(query: Mapping[str, str], window: Window) -> P.Period:
    reject_ranges(query)
    text = _one(query, "period") or P.fiscal_year(window.current)
    period = P.parse(text)
    if period is None:
        raise BadRequest(
            422, "Name a month (2026-03), a quarter (FY2025-26-Q3) or a fiscal year (FY2025-26)."
        )
    return in_window(period, window)


def grain(query: Mapping[str, str]) -> str:
    value = _one(query, "grain") or "month"
    if value not in ("month", "quarter"):
        raise BadRequest(422, "grain must be month or quarter.")
    return P.MONTH if value == "month" else P.QUARTER


def columns(fy: P.Period, level: str, window: Window) -> list[P.Period]:
    """The trend's periods inside the window (no future months), then the year itself."""
    parts = fy.children() if level == P.QUARTER else [P.Period(P.MONTH, m) for m in fy.months()]
    return [p for p in parts if window.contains(p)]


def page_number(query: Mapping[str, str], pages: int) -> int:
    """``page`` (1 to ``pages``; 1 when absent) of a list shown a page at a time."""
    text = _one(query, "page") or "1"
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else 0
    if not 1 <= number <= pages:
        raise BadRequest(
            422,
            f"page must be a whole number from 1 to {pages}."
            if pages > 1
            else "There is only one page: leave page out or use page=1.",
        )
    return number


def measure(query: Mapping[str, str], default: str, allowed: Sequence[str]) -> str:
    value = _one(query, "measure") or default
    if value not in allowed:
        raise BadRequest(422, "Unknown measure.")
    return value


@dataclass(frozen=True)
class Category:
    level: str
    code: str
    label: str


def category(query: Mapping[str, str], measure: str, services: Mapping[str, str]) -> Category:
    service = _one(query, "service")
    group = _one(query, "group")
    if service and group:
        raise BadRequest(422, "Choose a service or a service group, not both.")
    if cube.kind(measure) != "service" and (service or group):
        raise BadRequest(422, "Only services, minutes and participants are broken down by service.")
    if service:
        if service not in services:
            raise BadRequest(422, "Unknown service type.")
        return Category("S", service, f"{service} — {services[service]}")
    if group:
        if group not in cube.GROUP_NAMES:
            raise BadRequest(422, "Unknown service group.")
        return Category("G", group, cube.GROUP_NAMES[group])
    return Category("T", "", "all")


@dataclass
class Table:
    """Rows of published cells, already suppressed; ``None`` is a hidden cell."""

    header: list[str]
    rows: list[dict[str, Any]]

    @property
    def has_hidden(self) -> bool:
        return any(c is None for r in self.rows for c in r["values"])

    def view(self) -> dict[str, Any]:
        return {
            "header": self.header,
            "rows": [{**r, "cells": [fmt(v) for v in r["values"]]} for r in self.rows],
            "has_hidden": self.has_hidden,
            "has_partial": any("(partial)" in h for h in self.header),
        }


def column_label(period: P.Period, window: Window) -> str:
    return period.label() + (" (partial)" if window.partial(period) else "")
