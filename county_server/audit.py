"""The county server's audit trail: every admin action (CLI or web) and enrollment, append-only.

Entries hold who, when, the action and non-identifying details (org unit codes, device ids,
usernames) — never passwords, codes or key material.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from county_server.db import Tx, now_iso


def record(
    tx: Tx, now: datetime, actor: str, action: str, details: Mapping[str, object] | None = None
) -> None:
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, details) VALUES (?, ?, ?, ?)",
        (now_iso(now), actor, action, json.dumps(dict(details or {}), sort_keys=True)),
    )


def recent(tx: Tx, limit: int = 200) -> list[tuple[str, str, str, str]]:
    rows = tx.all(
        "SELECT at, actor, action, details FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
    )
    return [(str(a), str(b), str(c), str(d)) for a, b, c, d in rows]
