"""Small read helpers that are not counts: month arithmetic, the latest period, the device list.

No page or export reads the ``cells`` table here: every count shown comes from the publication
cube (``county_server.publication``), which is suppressed as a whole.
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
