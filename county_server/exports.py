"""Exports: CSV and DHIS2 ``dataValueSets`` JSON, both small-cell suppressed.

Each *data element* — a measure with its service or instrument and its category option combo
(tier × grade band) — forms one table with org units as rows and months as columns; that table is
suppressed as a whole (primary and complementary, with row and column totals), so no exported
number can be combined with others in the same export to recover a suppressed one.

* CSV columns: ``org_unit, district, period, measure, service, tier, grade_band, instrument,
  value, suppressed`` (``value`` empty and ``suppressed`` = 1 when suppressed).
* DHIS2: ``{"dataValues": [{"dataElement": "<measure>.<service|instrument>", "period":
  "YYYYMM", "orgUnit": "<CDS code>", "categoryOptionCombo": "tier<N>.<band>" | "default",
  "value": "<n>"}]}`` — suppressed values are left out (DHIS2 has no "suppressed" value) and
  counted in ``"suppressedValues"``.

Every export is audited (who, range, districts, format).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from county_server import audit, orgunits, queries
from county_server.db import Database
from county_server.errors import ConfigError, NotFound
from county_server.periods import check_period
from county_server.suppression import suppress_table

Element = tuple[str, str, int, str, str]


def suppressed_rows(
    rows: list[queries.ExportRow], periods: list[str]
) -> list[tuple[queries.ExportRow, int | None]]:
    groups: dict[Element, dict[tuple[str, str], queries.ExportRow]] = defaultdict(dict)
    for row in rows:
        key = (row.measure, row.service, row.tier, row.grade_band, row.instrument)
        groups[key][(row.org_unit, row.period)] = row
    out: list[tuple[queries.ExportRow, int | None]] = []
    for key in sorted(groups):
        cells = groups[key]
        units = sorted({ou for ou, _ in cells})
        col = {p: i for i, p in enumerate(periods)}
        values = [[0] * len(periods) for _ in units]
        for r, ou in enumerate(units):
            for p in periods:
                found = cells.get((ou, p))
                if found is not None:
                    values[r][col[p]] = found.value
        table = suppress_table(values)
        for r, ou in enumerate(units):
            for p in periods:
                found = cells.get((ou, p))
                if found is not None:
                    out.append((found, table.cell(r, col[p])))
    return out


def _csv(data: list[tuple[queries.ExportRow, int | None]]) -> bytes:
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
    for row, shown in data:
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
                "" if shown is None else shown,
                1 if shown is None else 0,
            ]
        )
    return buf.getvalue().encode()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A text cell a spreadsheet will not run as a formula (apostrophe prefix); the same rule
    as the desktop's ``text_hygiene.csv_safe`` (the server may not import the domain)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _dhis2(data: list[tuple[queries.ExportRow, int | None]]) -> bytes:
    values = []
    hidden = 0
    for row, shown in data:
        if shown is None:
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
                "period": row.period.replace("-", ""),
                "orgUnit": row.org_unit,
                "categoryOptionCombo": combo,
                "value": str(shown),
            }
        )
    return json.dumps({"dataValues": values, "suppressedValues": hidden}, indent=1).encode()


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
) -> tuple[bytes, str]:
    """Returns (file bytes, suggested file name)."""
    if fmt not in ("csv", "dhis2"):
        raise ConfigError("format must be csv or dhis2")
    check_period(start, "--from")
    check_period(end, "--to")
    periods = queries.months_between(start, end)
    if not periods:
        raise ConfigError("--from must not be after --to")
    if len(periods) > 120:
        raise ConfigError("export at most 120 months at once")
    with db.read() as tx:
        known = {d.code for d in orgunits.list_districts(tx)}
        chosen = set(districts) if districts else set(known)
        unknown = chosen - known
        if unknown:
            raise NotFound(f"unknown district {sorted(unknown)[0][:20]!r}")
        if allowed is not None:
            chosen &= allowed
        rows = queries.export_rows(tx, start, end, chosen)
    data = suppressed_rows(rows, periods)
    body = _csv(data) if fmt == "csv" else _dhis2(data)
    with db.transaction() as tx:
        audit.record(
            tx,
            now,
            actor,
            "export",
            {"format": fmt, "from": start, "to": end, "districts": sorted(chosen)},
        )
    ext = "csv" if fmt == "csv" else "json"
    return body, f"counts-{start}-to-{end}.{ext}"
