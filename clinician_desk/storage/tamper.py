"""Tamper evidence of an open vault: the full check (``verify``), the incremental check at every
unlock, and migration 0008's step that keys the audit chain (docs/design/tamper-evidence.md).

* ``full_check``: the schema fingerprint (``schema_check``) and the signed record
  (``record_check``); ``verify`` adds the audit chain and SQLite's own checks.
* ``unlock_check``: the same checks, incrementally since the last clean check (a vault never
  checked at unlock — just upgraded — starts from its current state after a full chain check;
  its rows are re-hashed by ``verify``). The state of that check is kept in
  ``meta.record_verified`` (the last audit entry checked with its hash, and the
  highest signed-row ids seen): the entry must still hold that hash (a re-chained trail is named
  at once), the chain is checked from there, and only rows that newer audit entries speak about
  or that are newer than the marks are re-hashed. A clean check moves the marker forward; a
  finding leaves it, so the finding is named again at every unlock until it is dealt with.
* ``seal_0008``: fills ``record_baseline`` with the signed rows that have no signing audit entry,
  appends the first keyed audit entry (``audit.chain_keyed``) whose details seal the baseline,
  and records that this vault keeps an audit-head sidecar (its absence is a finding from then on).

Never raises for damage: a check that cannot run is itself a finding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from clinician_desk.messages import M
from clinician_desk.storage import anchors, audit, record_check, schema_check
from clinician_desk.storage.connection import Connection, DatabaseError
from clinician_desk.storage.record_check import RecordMarks

MARKER_KEY = "record_verified"
SIDECAR_KEY = "head_sidecar"


@dataclass(frozen=True)
class Marker:
    audit_id: int
    audit_hash: str
    marks: RecordMarks


def read_marker(conn: Connection) -> Marker | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (MARKER_KEY,)).fetchone()
    if row is None:
        return None
    try:
        facts = json.loads(str(row[0]))
        return Marker(
            int(facts["audit_id"]),
            str(facts["audit_hash"]),
            RecordMarks(
                int(facts["note"]), int(facts["addendum"]), int(facts["psychotherapy_note"])
            ),
        )
    except (ValueError, KeyError, TypeError):
        return None


def _current_marker(conn: Connection) -> Marker:
    last = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return Marker(
        0 if last is None else int(last[0]),
        audit.GENESIS_HASH if last is None else str(last[1]),
        RecordMarks.current(conn),
    )


def write_marker(conn: Connection) -> None:
    """Record the current state as checked (the caller just found nothing wrong)."""
    marker = _current_marker(conn)
    value = audit.canonical_json(
        {
            "audit_id": marker.audit_id,
            "audit_hash": marker.audit_hash,
            "note": marker.marks.note,
            "addendum": marker.marks.addendum,
            "psychotherapy_note": marker.marks.psychotherapy_note,
        }
    )
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (MARKER_KEY, value),
    )


def full_check(conn: Connection) -> list[str]:
    """Schema fingerprint and the signed record, in full."""
    return (
        _guarded(schema_check.check_schema, conn)
        + _guarded(check_baseline, conn)
        + _guarded(record_check.check_record, conn)
    )


def _guarded(check: object, conn: Connection, **kw: object) -> list[str]:
    try:
        return list(check(conn, **kw))  # type: ignore[operator]
    except DatabaseError as exc:
        return [M("tamper check: could not run ({error})", error=str(exc))]


def unlock_check(conn: Connection, raw_key: bytes) -> list[str]:
    """The checks of ``verify`` (chain, schema, record) since the last clean check; moves the
    marker forward when nothing is found. Runs in its own write transaction."""
    mac_key = audit.audit_key(audit.record_root(conn, raw_key))
    conn.execute("BEGIN IMMEDIATE")
    try:
        marker = read_marker(conn)
        findings = _guarded(schema_check.check_schema, conn) + _guarded(check_baseline, conn)
        since = 0
        fresh = marker is None
        if marker is None:  # never checked at unlock (just upgraded): start from here; the
            # chain is verified in full below, the rows are re-hashed in full by ``verify``
            marker = _current_marker(conn)
        if marker.audit_id > 0:
            row = conn.execute(
                "SELECT hash FROM audit_log WHERE id = ?", (marker.audit_id,)
            ).fetchone()
            if row is None or str(row[0]) != marker.audit_hash:
                findings.append(
                    M(
                        "audit chain: entry {entry} no longer holds what an earlier unlock "
                        "checked: the trail up to it was rewritten or replaced",
                        entry=marker.audit_id,
                    )
                )
            else:
                since = marker.audit_id
        try:
            findings += audit.verify_chain(conn, mac_key, since=0 if fresh else since)
        except DatabaseError as exc:
            findings.append(M("audit chain: the trail could not be read ({error})", error=str(exc)))
        findings += _guarded(
            record_check.check_record,
            conn,
            since=since,
            marks=marker.marks if since else None,
        )
        findings += _guarded(_kept_anchors, conn, raw_key=raw_key)
        if not findings:
            write_marker(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return findings


def _kept_anchors(conn: Connection, raw_key: bytes) -> list[str]:
    """Offline half of the anchor check: the anchors this vault sent, kept in the vault."""
    device_id = anchors.device_id_of(conn)
    kept = anchors.kept(conn)
    if device_id is None or not kept:
        return []
    return anchors.check(conn, raw_key, device_id, kept, source="this vault's copy")


def sidecar_required(conn: Connection) -> bool:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (SIDECAR_KEY,)).fetchone()
    return row is not None and str(row[0]) == "required"


def seal_0008(conn: Connection, raw_key: bytes, at: str) -> None:
    """Migration 0008's step (inside its transaction): baseline, first keyed entry, sidecar."""
    baseline = record_check.build_baseline(conn)
    conn.executemany(
        "INSERT INTO record_baseline (kind, row_id, content_hash) VALUES (?, ?, ?)", baseline
    )
    counts = {kind: 0 for kind in ("note", "addendum", "psychotherapy_note", "destruction")}
    for kind, _row_id, _digest in baseline:
        counts[kind] += 1
    audit.append(
        conn,
        at=at,
        actor="clinician-desk",
        action=audit.KEYED_ACTION,
        entity="vault",
        entity_id=None,
        details={"baseline": counts, "baseline_digest": record_check.baseline_digest(baseline)},
        mac_key=audit.audit_key(audit.record_root(conn, raw_key)),
        start_keyed=True,
    )
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, 'required')"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (SIDECAR_KEY,),
    )


def record_schema(conn: Connection, raw_key: bytes, at: str, version: int) -> None:
    """After migration ``version`` (>= 8, inside its transaction): record the schema it left and
    seal its fingerprint in the audit trail."""
    digest = schema_check.record_schema(conn)
    audit.append(
        conn,
        at=at,
        actor="clinician-desk",
        action=schema_check.MIGRATED_ACTION,
        entity="vault",
        entity_id=None,
        details={"version": version, "fingerprint": digest},
        mac_key=audit.audit_key(audit.record_root(conn, raw_key)),
    )


def check_baseline(conn: Connection) -> list[str]:
    """The baseline still matches the digest its keyed entry sealed it with."""
    first = audit.keyed_from(conn)
    if first is None:
        return []
    row = conn.execute("SELECT details FROM audit_log WHERE id = ?", (first,)).fetchone()
    try:
        sealed = str(json.loads(str(row[0]))["baseline_digest"])
    except (TypeError, ValueError, KeyError):
        return [M("record baseline: its seal in the audit trail cannot be read")]
    rows = [
        (str(k), int(i), str(h))
        for k, i, h in conn.execute("SELECT kind, row_id, content_hash FROM record_baseline")
    ]
    if record_check.baseline_digest(rows) != sealed:
        return [
            M("record baseline: rows were added to or changed in the baseline of migration 0008")
        ]
    return []
