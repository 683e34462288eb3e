"""Completeness: which months each district's enrolled laptops have synced, and which laptops
have gone quiet. These are counts of laptops (never of students, never which clinician's
numbers): for each district and month, how many of the district's active laptops sent a
snapshot for that month, out of how many are active now.

A laptop is *active* when it is enrolled and neither revoked, retired nor replaced; it belongs
to every district one of its org units is in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from county_server import enrollment, orgunits
from county_server.db import Tx


@dataclass(frozen=True)
class Quiet:
    label: str
    device_id: str
    districts: tuple[str, ...]
    last_seen_at: str | None


def active_devices(tx: Tx) -> list[enrollment.DeviceInfo]:
    return [d for d in enrollment.list_devices(tx) if d.status == "active"]


def enrolled_by_district(tx: Tx) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in active_devices(tx):
        for code in d.districts:
            out[code] = out.get(code, 0) + 1
    return out


def synced(tx: Tx, districts: Sequence[str], months: Sequence[str]) -> dict[tuple[str, str], int]:
    """(district, month) -> how many active laptops sent a snapshot for that month there."""
    if not districts or not months:
        return {}
    active = {d.device_id: set(d.districts) for d in active_devices(tx)}
    marks = ", ".join("?" for _ in months)
    rows = tx.all(
        "SELECT DISTINCT device_id, substr(org_unit, 1, 7), period FROM snapshots "
        f"WHERE period IN ({marks})",
        list(months),
    )
    wanted = set(districts)
    seen: dict[tuple[str, str], set[str]] = {}
    for device_id, prefix, period in rows:
        district = str(prefix) + "0000000"
        if district in wanted and district in active.get(str(device_id), ()):
            seen.setdefault((district, str(period)), set()).add(str(device_id))
    return {k: len(v) for k, v in seen.items()}


def closed_months(tx: Tx, months: Sequence[str]) -> dict[str, list[str]]:
    """month -> the scopes it is closed for ('*' is the whole county, else a district code)."""
    if not months:
        return {}
    marks = ", ".join("?" for _ in months)
    rows = tx.all(
        f"SELECT period, scope FROM closed_periods WHERE period IN ({marks}) ORDER BY scope",
        list(months),
    )
    out: dict[str, list[str]] = {}
    for period, scope in rows:
        out.setdefault(str(period), []).append(str(scope))
    return out


def quiet_devices(tx: Tx, now: datetime, days: int = 30) -> list[Quiet]:
    """Active laptops not seen for ``days`` days (or never), the longest quiet first."""
    limit = now - timedelta(days=days)
    out = []
    for d in active_devices(tx):
        seen = d.last_seen_at
        if seen is None or datetime.fromisoformat(seen.replace("Z", "+00:00")) < limit:
            out.append(Quiet(d.label, d.device_id, d.districts, seen))
    return sorted(out, key=lambda q: q.last_seen_at or "")


def district_names(tx: Tx) -> dict[str, str]:
    return {d.code: d.name for d in orgunits.list_districts(tx)}
