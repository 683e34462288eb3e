"""Closing a month: after ``close-period`` the server answers 423 to counts for that period
(county-wide, or for one district's org units)."""

from __future__ import annotations

import re
from datetime import datetime

from county_server import audit
from county_server.db import Database, now_iso
from county_server.errors import ConfigError, NotFound

_PERIOD = re.compile(r"^20[0-9]{2}-(0[1-9]|1[0-2])$")


def check_period(text: str, what: str = "period") -> str:
    if not _PERIOD.match(text):
        raise ConfigError(f"{what} must be YYYY-MM")
    return text


def close_period(
    db: Database, period: str, district: str | None, *, now: datetime, actor: str
) -> None:
    check_period(period)
    scope = district or "*"
    with db.transaction() as tx:
        if district and tx.one("SELECT 1 FROM districts WHERE code = ?", (district,)) is None:
            raise NotFound(f"district {district[:20]!r} is not in the directory")
        tx.execute(
            "INSERT INTO closed_periods (period, scope, closed_at, closed_by) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (period, scope) DO NOTHING",
            (period, scope, now_iso(now), actor),
        )
        audit.record(tx, now, actor, "period_closed", {"period": period, "scope": scope})


def reopen_period(
    db: Database, period: str, district: str | None, *, now: datetime, actor: str
) -> None:
    """Undo ``close_period`` for that scope: counts for the month are accepted again (audited)."""
    check_period(period)
    scope = district or "*"
    with db.transaction() as tx:
        if (
            tx.one("SELECT 1 FROM closed_periods WHERE period = ? AND scope = ?", (period, scope))
            is None
        ):
            raise NotFound(f"{period} is not closed for {district or 'the whole county'}")
        tx.execute("DELETE FROM closed_periods WHERE period = ? AND scope = ?", (period, scope))
        audit.record(tx, now, actor, "period_reopened", {"period": period, "scope": scope})
