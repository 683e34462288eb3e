"""Appending one audit anchor to a device's anchors (``county_server.anchors`` has the routes).

Shared by the counts ``PUT`` that carries an anchor in its signed ``Audit-Anchor`` header
(``county_server.ingest``) and by ``POST /api/v1/anchors``. Append-only: nothing here updates
or deletes a row.
"""

from __future__ import annotations

from datetime import datetime

from county_server.db import Tx


def append(
    tx: Tx, device_id: str, text: str, idempotency_key: str, now: datetime
) -> tuple[int, bool]:
    """Append ``text`` at the device's next position inside the caller's transaction (after
    the request authenticated); (position, True). A request already stored under this
    Idempotency-Key is answered with its position and False — nothing is added."""
    seen = tx.one(
        "SELECT position FROM audit_anchors WHERE device_id = ? AND idempotency_key = ?",
        (device_id, idempotency_key),
    )
    if seen is not None:
        return int(seen[0]), False
    top = tx.scalar(
        "SELECT coalesce(max(position), 0) FROM audit_anchors WHERE device_id = ?", (device_id,)
    )
    position = int(top) + 1
    tx.execute(
        "INSERT INTO audit_anchors (device_id, position, anchor, idempotency_key,"
        " received_on) VALUES (?, ?, ?, ?, ?)",
        (device_id, position, text, idempotency_key, now.date().isoformat()),
    )
    return position, True
