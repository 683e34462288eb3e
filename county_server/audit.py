"""The county server's audit trail: every admin action (CLI or web) and enrollment, append-only.

Entries hold who, when, the action and non-identifying details (org unit codes, device ids,
usernames) — never passwords, codes or key material. ``search`` pages through it with filters
(actor, action, device, dates); ``export_csv`` gives the compliance officer the same rows as CSV.
Failed sign-ins are summarized (see ``auth``): a ``login_failed`` row stands for every failure of
that account and source in its hour, and carries the count of the others (``repeats``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from county_server.db import Tx, now_iso
from county_server.errors import ConfigError


def record(
    tx: Tx, now: datetime, actor: str, action: str, details: Mapping[str, object] | None = None
) -> int:
    """Append one entry; returns its id."""
    row = tx.one(
        "INSERT INTO audit_log (at, actor, action, details) VALUES (?, ?, ?, ?) RETURNING id",
        (now_iso(now), actor, action, json.dumps(dict(details or {}), sort_keys=True)),
    )
    assert row is not None
    return int(row[0])


def recent(tx: Tx, limit: int = 200) -> list[tuple[str, str, str, str]]:
    rows = tx.all(
        "SELECT at, actor, action, details FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
    )
    return [(str(a), str(b), str(c), str(d)) for a, b, c, d in rows]


@dataclass(frozen=True)
class AuditFilter:
    """Filters of the audit trail; empty strings mean "any". Dates are ``YYYY-MM-DD`` (UTC)."""

    actor: str = ""
    action: str = ""
    device: str = ""
    since: str = ""
    until: str = ""

    def check(self) -> AuditFilter:
        for what, value in (("from", self.since), ("to", self.until)):
            if value and not _DATE.match(value):
                raise ConfigError(f"{what}: a date is written YYYY-MM-DD")
        for what, value in (("actor", self.actor), ("action", self.action)):
            if len(value) > 80 or any(not ch.isprintable() for ch in value):
                raise ConfigError(f"{what}: up to 80 printable characters")
        if self.device and not _DEVICE.match(self.device):
            raise ConfigError("device: a device id (dev_…)")
        return self

    def where(self) -> tuple[str, list[object]]:
        parts: list[str] = []
        params: list[object] = []
        if self.actor:
            parts.append("actor = ?")
            params.append(self.actor)
        if self.action:
            parts.append("action = ?")
            params.append(self.action)
        if self.device:
            parts.append("details LIKE ? ESCAPE '!'")
            params.append("%" + self.device.replace("!", "!!").replace("_", "!_") + "%")
        if self.since:
            parts.append("at >= ?")
            params.append(self.since)
        if self.until:
            parts.append("at < ?")
            params.append(_next_day(self.until))
        return (" AND ".join(parts) or "1 = 1"), params


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str
    actor: str
    action: str
    details: str
    repeats: int  # failed sign-ins summarized into this row (login_failed), else 0


_DATE = re.compile(r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
_DEVICE = re.compile(r"^dev_[a-z0-9_-]{4,64}$")
PAGE_SIZE = 100


def _next_day(day: str) -> str:
    try:
        return (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    except ValueError:
        raise ConfigError("to: not a real date") from None


def search(
    tx: Tx, f: AuditFilter, *, page: int = 1, per_page: int = PAGE_SIZE
) -> tuple[list[AuditRow], int]:
    """One page of matching rows, newest first, and how many match in all."""
    where, params = f.check().where()
    total = int(tx.scalar(f"SELECT COUNT(*) FROM audit_log WHERE {where}", params))
    page = max(1, page)
    rows = tx.all(
        "SELECT a.id, a.at, a.actor, a.action, a.details, COALESCE(s.failures, 1) - 1 "
        "FROM audit_log a LEFT JOIN login_failure_summary s ON s.audit_id = a.id "
        f"WHERE {where} "
        "ORDER BY a.id DESC LIMIT ? OFFSET ?",
        [*params, per_page, (page - 1) * per_page],
    )
    return [
        AuditRow(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), int(r[5])) for r in rows
    ], total


def export_csv(tx: Tx, f: AuditFilter) -> bytes:
    """Every matching row, oldest first, as CSV (UTF-8, header row). Cells that a spreadsheet
    would read as a formula are prefixed with an apostrophe."""
    where, params = f.check().where()
    rows = tx.all(
        "SELECT a.id, a.at, a.actor, a.action, a.details, COALESCE(s.failures, 1) - 1 "
        "FROM audit_log a LEFT JOIN login_failure_summary s ON s.audit_id = a.id "
        f"WHERE {where} "
        "ORDER BY a.id",
        params,
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["id", "at_utc", "actor", "action", "details", "repeats_in_hour"])
    for r in rows:
        writer.writerow([_safe_cell(str(v)) for v in r])
    return out.getvalue().encode("utf-8")


def _safe_cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
