"""The append-only, hash-chained audit trail (table ``audit_log``, migration 0001).

Every row stores the hash of the previous row (``prev_hash``; 64 zeros for the first) and its
own ``hash`` = SHA-256 over the canonical JSON of its fields plus ``prev_hash``. Triggers refuse
UPDATE and DELETE; the chain catches edits made around the triggers (a raw connection that drops
them), and the chain head kept in ``meta`` catches rows cut off the end. Details must never hold
student names or note text: ids and field names only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from clinician_desk.storage.connection import Connection

GENESIS_HASH = "0" * 64
_HEAD_KEY = "audit_head"


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    *,
    row_id: int,
    at: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | None,
    details: str,
    prev_hash: str,
) -> str:
    """The hash of one audit row (``details`` is already canonical JSON text)."""
    payload = canonical_json(
        {
            "id": row_id,
            "at": at,
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "details": details,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(
    conn: Connection,
    *,
    at: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | None,
    details: Mapping[str, object] | None,
) -> int:
    """Append one row inside the caller's open transaction; returns its id."""
    last = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev_id, prev_hash = (0, GENESIS_HASH) if last is None else (int(last[0]), str(last[1]))
    row_id = prev_id + 1
    details_text = canonical_json(dict(details or {}))
    digest = entry_hash(
        row_id=row_id,
        at=at,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        details=details_text,
        prev_hash=prev_hash,
    )
    conn.execute(
        "INSERT INTO audit_log (id, at, actor, action, entity, entity_id, details, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (row_id, at, actor, action, entity, entity_id, details_text, prev_hash, digest),
    )
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (_HEAD_KEY, f"{row_id}:{digest}"),
    )
    return row_id


def verify_chain(conn: Connection) -> list[str]:
    """Problems in the audit chain (empty when intact). Messages name row ids, never content."""
    problems: list[str] = []
    expected_prev = GENESIS_HASH
    expected_id = 1
    last_id, last_hash = 0, GENESIS_HASH
    cursor = conn.execute(
        "SELECT id, at, actor, action, entity, entity_id, details, prev_hash, hash"
        " FROM audit_log ORDER BY id"
    )
    for row in cursor:
        row_id = int(row[0])
        if row_id != expected_id:
            problems.append(f"audit chain: row {expected_id} is missing (next row is {row_id})")
        if row[7] != expected_prev:
            problems.append(f"audit chain: row {row_id} does not link to the row before it")
        recomputed = entry_hash(
            row_id=row_id,
            at=str(row[1]),
            actor=str(row[2]),
            action=str(row[3]),
            entity=str(row[4]),
            entity_id=None if row[5] is None else str(row[5]),
            details=str(row[6]),
            prev_hash=str(row[7]),
        )
        if recomputed != row[8]:
            problems.append(f"audit chain: row {row_id} was altered after it was written")
        expected_prev = str(row[8])
        expected_id = row_id + 1
        last_id, last_hash = row_id, str(row[8])
        if len(problems) >= 20:
            problems.append("audit chain: further problems not listed")
            return problems
    head = conn.execute("SELECT value FROM meta WHERE key = ?", (_HEAD_KEY,)).fetchone()
    if head is None:
        if last_id:
            problems.append("audit chain: the recorded chain head is missing")
    elif str(head[0]) != f"{last_id}:{last_hash}":
        problems.append("audit chain: entries were removed from the end of the trail")
    return problems
