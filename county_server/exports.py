"""Exports: CSV and DHIS2 ``dataValueSets`` JSON, read from the publication cube only.

An export names a **level** and an aligned **period**; every value in it is a published cell of
the cube, hidden exactly where the pages hide it, so combining exports with pages reveals
nothing the cube's audit has not already checked.

Levels (category: service for services, minutes and participants; instrument for screenings;
all for referrals):

* ``district-month``: district × month, for the months of a month, quarter or fiscal year;
* ``district-year``: district × fiscal year;
* ``school-year``: org unit (each school and the district's own unit) × fiscal year;
* ``finest``: org unit × fiscal year × service × tier × grade band (instrument × grade band for
  screenings), plus students served per org unit and month (never totalled).

* CSV columns: ``org_unit, district, period, measure, service, tier, grade_band, instrument,
  value, suppressed`` (``value`` empty and ``suppressed`` = 1 when hidden).
* DHIS2: ``{"dataValues": [{"dataElement": "<measure>.<service|instrument|all>", "period":
  "YYYYMM" | "YYYYJuly", "orgUnit": "<CDS code>", "categoryOptionCombo": "tier<N>.<band>" |
  "default", "value": "<n>"}]}`` — hidden values are left out (DHIS2 has no "suppressed" value)
  and counted in ``"suppressedValues"``.

A user may run at most :data:`MAX_CONCURRENT_EXPORTS` exports at once (a fifth click answers 429
instead of stalling the dashboard). Every export is audited (who, level, period, districts,
format).
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from county_server import audit, orgunits, published
from county_server.db import Database
from county_server.errors import ConfigError, NotFound, ServerError
from county_server.periods import check_period
from county_server.publication import cube
from county_server.publication import periods as P

LEVELS = ("district-month", "district-year", "school-year", "finest")
MAX_CONCURRENT_EXPORTS = 2


class TooManyExports(ServerError):
    """More concurrent exports than a user may run."""


_running: dict[str, int] = {}
_running_lock = threading.Lock()


@contextmanager
def export_slot(user: str, limit: int = MAX_CONCURRENT_EXPORTS) -> Iterator[None]:
    with _running_lock:
        if _running.get(user, 0) >= limit:
            raise TooManyExports(
                f"You already have {limit} exports running; wait for one to finish."
            )
        _running[user] = _running.get(user, 0) + 1
    try:
        yield
    finally:
        with _running_lock:
            _running[user] -= 1
            if not _running[user]:
                del _running[user]


@dataclass(frozen=True)
class ExportRow:
    org_unit: str
    district: str
    period: str
    measure: str
    service: str
    tier: int
    grade_band: str
    instrument: str
    value: int | None


def _levels(level: str, measure: str) -> tuple[str, str, str]:
    k = cube.kind(measure)
    coarse = {"service": "S", "screening": "I", "referral": "T"}[k]
    fine = "T" if k == "referral" else "L"
    return {
        "district-month": ("D", P.MONTH, coarse),
        "district-year": ("D", P.YEAR, coarse),
        "school-year": ("U", P.YEAR, coarse),
        "finest": ("U", P.YEAR, fine),
    }[level]


def _row(
    measure: str, org: str, district: str, period: str, cat_level: str, cat: str, value: int | None
) -> ExportRow:
    service = instrument = band = ""
    tier = 0
    k = cube.kind(measure) if measure != cube.STUDENTS else "students"
    if k == "service":
        if cat_level == "L":
            service, tier_text, band = cat.split("|")
            tier = int(tier_text or 0)
        else:
            service = cat
    elif k == "screening":
        if cat_level == "L":
            instrument, band = cat.split("|")
        else:
            instrument = cat
    elif k == "referral":
        service = "REFERRAL"
    return ExportRow(org, district, period, measure, service, tier, band, instrument, value)


def published_rows(
    db: Database, level: str, period: P.Period, districts: set[str], now: datetime
) -> list[ExportRow]:
    """Every published cell of a level for a period, for org units of the given districts."""
    if level not in LEVELS:
        raise ConfigError(f"level must be one of {', '.join(LEVELS)}")
    state = published.for_export(db, now)
    if not state.window.contains(period):
        years = state.window.fiscal_years()
        raise ConfigError(
            f"{period.label()} is outside the published window ({years[0]} to {years[-1]})"
        )
    with db.read() as tx:
        schools = {
            str(c): str(d)
            for c, d in tx.all("SELECT code, district_code FROM schools")
            if str(d) in districts
        }
        unit_district = {**schools, **{d: d for d in districts}}
        out: list[ExportRow] = []
        for measure in cube.LINEAR_MEASURES:
            org_level, time_level, cat_level = _levels(level, measure)
            if time_level == P.MONTH:
                times = period.months()
            elif period.level == P.YEAR:
                times = [period.code]
            else:
                raise ConfigError(f"the {level} level is published per fiscal year: choose one")
            rows = tx.all(
                "SELECT org, period, cat, value FROM publication_cells WHERE measure = ? AND "
                "org_level = ? AND time_level = ? AND cat_level = ? "
                f"AND period IN ({', '.join('?' for _ in times)}) ORDER BY org, period, cat",
                [measure, org_level, time_level, cat_level, *times],
            )
            for org, per, cat, value in rows:
                if str(org) in unit_district:
                    v = None if value is None else int(value)
                    out.append(
                        _row(
                            measure,
                            str(org),
                            unit_district[str(org)],
                            str(per),
                            cat_level,
                            str(cat),
                            v,
                        )
                    )
        if level == "finest":
            months = period.months()
            marks = ", ".join("?" for _ in months)
            rows = tx.all(
                "SELECT org, period, value FROM publication_cells WHERE measure = ? AND "
                f"org_level = 'U' AND time_level = 'M' AND period IN ({marks}) "
                "ORDER BY org, period",
                [cube.STUDENTS, *months],
            )
            for org, per, value in rows:
                if str(org) in unit_district:
                    v = None if value is None else int(value)
                    out.append(
                        _row(cube.STUDENTS, str(org), unit_district[str(org)], str(per), "T", "", v)
                    )
    return out


def _csv(data: list[ExportRow]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "org_unit",
            "district",
            "period",
            "measure",
            "service",
            "tier",
            "grade_band",
            "instrument",
            "value",
            "suppressed",
        ]
    )
    for row in data:
        w.writerow(
            [
                _cell(row.org_unit),
                _cell(row.district),
                _cell(row.period),
                _cell(row.measure),
                _cell(row.service),
                _cell(row.tier or ""),
                _cell(row.grade_band),
                _cell(row.instrument),
                "" if row.value is None else row.value,
                1 if row.value is None else 0,
            ]
        )
    return buf.getvalue().encode()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A text cell a spreadsheet will not run as a formula (apostrophe prefix); the same rule
    as the desktop's ``text_hygiene.csv_safe`` (the server may not import the domain)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _dhis2_period(period: str) -> str:
    parsed = P.parse(period)
    if parsed is not None and parsed.level == P.YEAR:
        return f"{parsed.fy}July"
    return period.replace("-", "")


def _dhis2(data: list[ExportRow]) -> bytes:
    values = []
    hidden = 0
    for row in data:
        if row.value is None:
            hidden += 1
            continue
        detail = row.service or row.instrument or "all"
        combo = (
            f"tier{row.tier}.{row.grade_band or 'all'}"
            if row.tier
            else (f"all.{row.grade_band}" if row.grade_band else "default")
        )
        values.append(
            {
                "dataElement": f"{row.measure}.{detail}",
                "period": _dhis2_period(row.period),
                "orgUnit": row.org_unit,
                "categoryOptionCombo": combo,
                "value": str(row.value),
            }
        )
    return json.dumps({"dataValues": values, "suppressedValues": hidden}, indent=1).encode()


def export_published(
    db: Database,
    fmt: str,
    level: str,
    period_text: str,
    districts: Sequence[str] | None,
    *,
    now: datetime,
    actor: str,
    allowed: frozenset[str] | None = None,
) -> tuple[bytes, str]:
    """Returns (file bytes, suggested file name)."""
    if fmt not in ("csv", "dhis2"):
        raise ConfigError("format must be csv or dhis2")
    if level not in LEVELS:
        raise ConfigError(f"level must be one of {', '.join(LEVELS)}")
    period = P.parse(period_text)
    if period is None:
        raise ConfigError(
            "name a month (2026-03), a quarter (FY2025-26-Q3) or a fiscal year (FY2025-26)"
        )
    with db.read() as tx:
        known = {d.code for d in orgunits.list_districts(tx)}
    chosen = set(districts) if districts else set(known)
    unknown = chosen - known
    if unknown:
        raise NotFound(f"unknown district {sorted(unknown)[0][:20]!r}")
    if allowed is not None:
        chosen &= allowed
    data = published_rows(db, level, period, chosen, now)
    body = _csv(data) if fmt == "csv" else _dhis2(data)
    with db.transaction() as tx:
        audit.record(
            tx,
            now,
            actor,
            "export",
            {"format": fmt, "level": level, "period": period.code, "districts": sorted(chosen)},
        )
    ext = "csv" if fmt == "csv" else "json"
    return body, f"counts-{level}-{period.code}.{ext}"


def aligned(start: str, end: str) -> P.Period:
    """The one month, quarter or fiscal year exactly covered by ``start``..``end``."""
    check_period(start, "--from")
    check_period(end, "--to")
    if start > end:
        raise ConfigError("--from must not be after --to")
    month = P.Period(P.MONTH, start)
    candidates = [
        month,
        P.Period(P.QUARTER, P.quarter(start)),
        P.Period(P.YEAR, P.fiscal_year(start)),
    ]
    for c in candidates:
        months = c.months()
        if months[0] == start and months[-1] == end:
            return c
    raise ConfigError(
        "exports cover one whole month, quarter (July–September, …) or fiscal year (July–June), "
        "not an arbitrary range"
    )


def export(
    db: Database,
    fmt: str,
    start: str,
    end: str,
    districts: Sequence[str] | None,
    *,
    now: datetime,
    actor: str,
    allowed: frozenset[str] | None = None,
    level: str = "district-month",
) -> tuple[bytes, str]:
    """``--from``/``--to`` form: accepted only when the two name one aligned period."""
    period = aligned(start, end)
    return export_published(
        db, fmt, level, period.code, districts, now=now, actor=actor, allowed=allowed
    )
