"""Read models for the dashboard and exports: exact sums across devices, never per device.

Every function returns exact counts keyed by (row, period) or similar; callers turn them into a
table and pass it through ``suppression.suppress_table`` before anything is shown or exported.
Queries take the caller's allowed districts (``None`` = all) so a supervisor's pages can only
ever contain their districts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from county_server.db import Tx


def months_between(start: str, end: str) -> list[str]:
    """``YYYY-MM`` months from start to end inclusive (empty when start > end)."""
    y, m = int(start[:4]), int(start[5:7])
    ey, em = int(end[:4]), int(end[5:7])
    out: list[str] = []
    while (y, m) <= (ey, em) and len(out) < 240:
        out.append(f"{y:04d}-{m:02d}")
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def _in(column: str, values: Iterable[str]) -> tuple[str, list[str]]:
    vals = sorted(values)
    if not vals:
        return "1 = 0", []
    return f"{column} IN ({', '.join('?' for _ in vals)})", vals


@dataclass(frozen=True)
class Filter:
    measure: str
    start: str
    end: str
    service: str | None = None
    instrument: str | None = None

    def where(self) -> tuple[str, list[object]]:
        sql = "measure = ? AND period >= ? AND period <= ?"
        params: list[object] = [self.measure, self.start, self.end]
        if self.service:
            sql += " AND service = ?"
            params.append(self.service)
        if self.instrument:
            sql += " AND instrument = ?"
            params.append(self.instrument)
        return sql, params


def by_district_month(tx: Tx, f: Filter, districts: Iterable[str]) -> dict[tuple[str, str], int]:
    where, params = f.where()
    cond, dparams = _in("district_code", districts)
    rows = tx.all(
        f"SELECT district_code, period, SUM(value) FROM cells WHERE {where} AND {cond} "
        "GROUP BY district_code, period",
        [*params, *dparams],
    )
    return {(str(d), str(p)): int(v) for d, p, v in rows}


def by_org_unit_month(tx: Tx, f: Filter, district: str) -> dict[tuple[str, str], int]:
    where, params = f.where()
    rows = tx.all(
        f"SELECT org_unit, period, SUM(value) FROM cells WHERE {where} AND district_code = ? "
        "GROUP BY org_unit, period",
        [*params, district],
    )
    return {(str(o), str(p)): int(v) for o, p, v in rows}


def by_instrument(
    tx: Tx, measure: str, start: str, end: str, districts: Iterable[str]
) -> dict[str, int]:
    cond, dparams = _in("district_code", districts)
    rows = tx.all(
        f"SELECT instrument, SUM(value) FROM cells WHERE measure = ? AND period >= ? AND "
        f"period <= ? AND instrument <> '' AND {cond} GROUP BY instrument",
        [measure, start, end, *dparams],
    )
    return {str(i): int(v) for i, v in rows}


def by_district(
    tx: Tx, measure: str, start: str, end: str, districts: Iterable[str]
) -> dict[str, int]:
    cond, dparams = _in("district_code", districts)
    rows = tx.all(
        f"SELECT district_code, SUM(value) FROM cells WHERE measure = ? AND period >= ? AND "
        f"period <= ? AND {cond} GROUP BY district_code",
        [measure, start, end, *dparams],
    )
    return {str(d): int(v) for d, v in rows}


def latest_period(tx: Tx) -> str | None:
    value = tx.scalar("SELECT MAX(period) FROM cells")
    return None if value is None else str(value)


@dataclass(frozen=True)
class DeviceRow:
    device_id: str
    enrolled_at: str
    last_seen_at: str | None
    revoked: bool
    districts: tuple[str, ...]


def devices(tx: Tx, allowed: frozenset[str] | None) -> list[DeviceRow]:
    import json

    out: list[DeviceRow] = []
    for dev, enrolled, seen, revoked, units in tx.all(
        "SELECT device_id, enrolled_at, last_seen_at, revoked_at, org_units FROM devices "
        "ORDER BY last_seen_at DESC, device_id"
    ):
        districts = tuple(sorted({u[:7] + "0000000" for u in json.loads(units)}))
        if allowed is not None and not set(districts) & allowed:
            continue
        out.append(DeviceRow(str(dev), str(enrolled), seen, revoked is not None, districts))
    return out


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
    value: int


def export_rows(tx: Tx, start: str, end: str, districts: Iterable[str]) -> list[ExportRow]:
    cond, dparams = _in("district_code", districts)
    rows = tx.all(
        "SELECT org_unit, district_code, period, measure, service, tier, grade_band, instrument, "
        f"SUM(value) FROM cells WHERE period >= ? AND period <= ? AND {cond} "
        "GROUP BY org_unit, district_code, period, measure, service, tier, grade_band, instrument",
        [start, end, *dparams],
    )
    return [
        ExportRow(str(a), str(b), str(c), str(d), str(e), int(f), str(g), str(h), int(i))
        for a, b, c, d, e, f, g, h, i in rows
    ]
