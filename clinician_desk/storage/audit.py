"""The append-only, chained audit trail (table ``audit_log``, migration 0001; keyed by 0008).

Every row stores the hash of the previous row (``prev_hash``; 64 zeros for the first) and its
own ``hash`` over the canonical JSON of its fields plus ``prev_hash``. Rows written before
migration 0008 use SHA-256; from the row that migration 0008 writes (action
``audit.chain_keyed``, its id kept in ``meta.audit_keyed_from``) on, ``hash`` is an HMAC-SHA256
under the *audit key*, derived from the data key with HKDF (label ``AUDIT_INFO``), so nobody
without the data key can recompute the chain. Triggers refuse UPDATE and DELETE; the chain
catches edits made around the triggers (a raw connection that drops them), and the chain head
kept in ``meta`` catches rows cut off the end. Details must never hold student names or note
text: ids and field names only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from clinician_desk.errors import StorageError
from clinician_desk.messages import M
from clinician_desk.storage.connection import Connection

GENESIS_HASH = "0" * 64
_HEAD_KEY = "audit_head"
KEYED_FROM_KEY = "audit_keyed_from"
KEYED_ACTION = "audit.chain_keyed"
AUDIT_INFO = b"clinician-desk audit chain v1\x00"


def audit_key(raw_key: bytes) -> bytes:
    """The chain's MAC key: HKDF-SHA256 of the data key under its own label."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=AUDIT_INFO).derive(raw_key)


RECORD_ROOT_KEY = "record_root"


def record_root(conn: Connection, raw_key: bytes) -> bytes:
    """The secret the chain's MAC key and the anchoring keys are derived from.

    It is the data key the vault had when its chain was keyed. Rotating the data key
    (``storage.rekey``) first pins that secret inside the encrypted database (``meta``, a blob),
    so the keyed chain and the county's anchors still verify under the new data key, and nobody
    without the current data key can read it."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (RECORD_ROOT_KEY,)).fetchone()
    return raw_key if row is None else bytes(row[0])


def pin_record_root(conn: Connection, raw_key: bytes) -> None:
    """Keep the current root inside the database before the data key changes (idempotent)."""
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
        (RECORD_ROOT_KEY, sqlite_blob(record_root(conn, raw_key))),
    )


def sqlite_blob(value: bytes) -> memoryview:
    """Bytes as an SQLite BLOB parameter."""
    return memoryview(value)


def keyed_from(conn: Connection) -> int | None:
    """The id of the first keyed row, or None for a vault whose chain is not keyed yet."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (KEYED_FROM_KEY,)).fetchone()
    return None if row is None else int(row[0])


# One encoder for every call: ``json.dumps`` with these options builds a new one each time,
# which is a third of the cost of hashing a row when ``verify`` re-hashes the whole trail.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept as is."""
    return _CANONICAL.encode(value)


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
    mac_key: bytes | None = None,
) -> str:
    """The hash of one audit row (``details`` is already canonical JSON text): SHA-256, or with
    ``mac_key`` (the ``audit_key``) HMAC-SHA256 of the same payload."""
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
    if mac_key is not None:
        return hmac.digest(mac_key, payload.encode("utf-8"), "sha256").hex()
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
    mac_key: bytes | None = None,
    start_keyed: bool = False,
) -> int:
    """Append one row inside the caller's open transaction; returns its id.

    A keyed vault needs ``mac_key``; ``start_keyed`` (migration 0008 only) makes this row the
    first keyed one."""
    last = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev_id, prev_hash = (0, GENESIS_HASH) if last is None else (int(last[0]), str(last[1]))
    row_id = prev_id + 1
    keyed = start_keyed or keyed_from(conn) is not None
    if keyed and mac_key is None:
        raise StorageError("The audit trail is keyed; an entry needs the audit key.")
    if start_keyed:
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (KEYED_FROM_KEY, str(row_id)))
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
        mac_key=mac_key if keyed else None,
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


def append_many(
    conn: Connection,
    *,
    at: str,
    actor: str,
    entries: list[tuple[str, str, str | None, Mapping[str, object]]],
    mac_key: bytes | None = None,
) -> None:
    """``append`` for many rows at once (bulk writers such as the demo generator): the same
    rows, one ``executemany``. ``entries`` are (action, entity, entity_id, details)."""
    if not entries:
        return
    last = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev_id, prev_hash = (0, GENESIS_HASH) if last is None else (int(last[0]), str(last[1]))
    first_keyed = keyed_from(conn)
    if first_keyed is not None and mac_key is None:
        raise StorageError("The audit trail is keyed; an entry needs the audit key.")
    rows = []
    for action, entity, entity_id, details in entries:
        prev_id += 1
        details_text = canonical_json(dict(details))
        digest = entry_hash(
            row_id=prev_id,
            at=at,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            details=details_text,
            prev_hash=prev_hash,
            mac_key=mac_key if first_keyed is not None else None,
        )
        rows.append(
            (prev_id, at, actor, action, entity, entity_id, details_text, prev_hash, digest)
        )
        prev_hash = digest
    conn.executemany(
        "INSERT INTO audit_log (id, at, actor, action, entity, entity_id, details, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (_HEAD_KEY, f"{prev_id}:{prev_hash}"),
    )


def verify_chain(conn: Connection, mac_key: bytes | None = None, *, since: int = 0) -> list[str]:
    """Problems in the audit chain (empty when intact). Messages name row ids, never content.

    Rows from ``meta.audit_keyed_from`` on are checked as MACs under ``mac_key`` (without it
    they are reported as unverifiable). ``since`` > 0 checks only the rows after that id (the
    caller has proved the rows up to it)."""
    problems: list[str] = []
    first_keyed = keyed_from(conn)
    if first_keyed is not None:
        row = conn.execute("SELECT action FROM audit_log WHERE id = ?", (first_keyed,)).fetchone()
        if row is None or row[0] != KEYED_ACTION:
            problems.append(
                M(
                    "audit chain: the recorded start of the keyed chain (entry {entry}) "
                    "is not the entry that keyed it",
                    entry=first_keyed,
                )
            )
        if mac_key is None:
            problems.append(M("audit chain: keyed entries cannot be checked without the data key"))
    elif (
        conn.execute("SELECT 1 FROM audit_log WHERE action = ? LIMIT 1", (KEYED_ACTION,)).fetchone()
        is not None
    ):
        problems.append(M("audit chain: the record of where the keyed chain starts is missing"))
    if since > 0:
        prev = conn.execute("SELECT hash FROM audit_log WHERE id = ?", (since,)).fetchone()
        if prev is None:
            return [*problems, M("audit chain: row {row} is missing", row=since)]
        expected_prev, expected_id = str(prev[0]), since + 1
        last_id, last_hash = since, expected_prev
    else:
        expected_prev, expected_id = GENESIS_HASH, 1
        last_id, last_hash = 0, GENESIS_HASH
    cursor = conn.execute(
        "SELECT id, at, actor, action, entity, entity_id, details, prev_hash, hash"
        " FROM audit_log WHERE id > ? ORDER BY id",
        (since,),
    )
    for row in cursor:
        row_id = int(row[0])
        if row_id != expected_id:
            problems.append(
                M(
                    "audit chain: row {row} is missing (next row is {next})",
                    row=expected_id,
                    next=row_id,
                )
            )
        if row[7] != expected_prev:
            problems.append(
                M("audit chain: row {row} does not link to the row before it", row=row_id)
            )
        keyed = first_keyed is not None and row_id >= first_keyed
        if not keyed or mac_key is not None:
            recomputed = entry_hash(
                row_id=row_id,
                at=str(row[1]),
                actor=str(row[2]),
                action=str(row[3]),
                entity=str(row[4]),
                entity_id=None if row[5] is None else str(row[5]),
                details=str(row[6]),
                prev_hash=str(row[7]),
                mac_key=mac_key if keyed else None,
            )
            if not hmac.compare_digest(recomputed, str(row[8])):
                problems.append(
                    M("audit chain: row {row} was altered after it was written", row=row_id)
                )
        expected_prev = str(row[8])
        expected_id = row_id + 1
        last_id, last_hash = row_id, str(row[8])
        if len(problems) >= 20:
            problems.append(M("audit chain: further problems not listed"))
            return problems
    head = conn.execute("SELECT value FROM meta WHERE key = ?", (_HEAD_KEY,)).fetchone()
    if head is None:
        if last_id:
            problems.append(M("audit chain: the recorded chain head is missing"))
    elif str(head[0]) != f"{last_id}:{last_hash}":
        problems.append(M("audit chain: entries were removed from the end of the trail"))
    return problems
