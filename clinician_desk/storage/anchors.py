"""County anchors: commitments to the audit head that the laptop cannot take back.

With each sync round the laptop sends the county one *anchor*: its audit head (the last audit
entry's id and hash) sealed with AES-256-GCM under the per-device *anchoring key* (HKDF-SHA256
of the data key, label ``ANCHOR_INFO`` + the device id). The GCM tag authenticates the sealed
head under that key (a MAC); the random 96-bit nonce makes every anchor look different even when
nothing changed. What the county receives is 92 characters of base64 — no content, no student,
no row id or count in the clear (the head's position is inside the seal), nothing that measures
a clinician's work; it stores them per device, in order, with the date it received them.

Checking (``check``): each anchor, in the county's order, is opened with this vault's key and the
local chain must still hold that entry with that hash. A vault whose chain ends before an
anchored entry is *older than its last recorded state* (a rollback, N changes missing); a chain
holding a different hash there was *rewritten*, and the signed records written between the last
anchor that still matches and the first that does not are named. The anchors sent are also kept
in the vault (``audit_anchors``, migration 0008) so the same check runs offline at every unlock.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from clinician_desk.storage import audit
from clinician_desk.storage.connection import Connection

ANCHOR_INFO = b"clinician-desk county anchor v1\x00"
_AAD = b"cdanchor1"
ANCHOR_BYTES = 12 + 8 + 32 + 16  # nonce, sealed (id, hash), tag
ANCHOR_CHARS = 92  # base64 of ANCHOR_BYTES
_NAMED = 12


@dataclass(frozen=True)
class Anchor:
    """One anchor as the county keeps it: its place in the device's order, the sealed text and
    the day it was received."""

    position: int
    anchor: str
    received_on: str


def anchor_key(raw_key: bytes, device_id: str) -> bytes:
    info = ANCHOR_INFO + device_id.encode("utf-8")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(raw_key)


def seal(key: bytes, device_id: str, audit_id: int, audit_hash: str) -> str:
    nonce = os.urandom(12)
    plain = struct.pack(">Q", audit_id) + bytes.fromhex(audit_hash)
    sealed = AESGCM(key).encrypt(nonce, plain, _AAD + device_id.encode("utf-8"))
    return base64.b64encode(nonce + sealed).decode("ascii")


def open_anchor(key: bytes, device_id: str, text: str) -> tuple[int, str] | None:
    """(audit id, audit hash) sealed in ``text``; None when it is not this vault's anchor."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    if len(raw) != ANCHOR_BYTES:
        return None
    try:
        plain = AESGCM(key).decrypt(raw[:12], raw[12:], _AAD + device_id.encode("utf-8"))
    except InvalidTag:
        return None
    return int(struct.unpack(">Q", plain[:8])[0]), plain[8:].hex()


def current_head(conn: Connection) -> tuple[int, str] | None:
    row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def make(conn: Connection, raw_key: bytes, device_id: str) -> tuple[int, str] | None:
    """The anchor of the current audit head: (audit id, sealed text); None for an empty trail."""
    head = current_head(conn)
    if head is None:
        return None
    return head[0], seal(anchor_key(audit.record_root(conn, raw_key), device_id), device_id, *head)


def keep(conn: Connection, position: int, audit_id: int, text: str, sent_on: str) -> None:
    """Keep a sent anchor in the vault (inside the caller's transaction) for offline checks."""
    conn.execute(
        "INSERT INTO audit_anchors (position, audit_id, anchor, sent_on) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (position) DO UPDATE SET audit_id = excluded.audit_id,"
        " anchor = excluded.anchor, sent_on = excluded.sent_on",
        (position, audit_id, text, sent_on),
    )


def last_anchored_id(conn: Connection) -> int:
    """The audit entry id of the newest anchor kept in the vault (0 when none was sent)."""
    row = conn.execute(
        "SELECT audit_id FROM audit_anchors ORDER BY position DESC LIMIT 1"
    ).fetchone()
    return 0 if row is None else int(row[0])


def kept(conn: Connection) -> list[Anchor]:
    return [
        Anchor(int(r[0]), str(r[1]), str(r[2]))
        for r in conn.execute("SELECT position, anchor, sent_on FROM audit_anchors ORDER BY 1")
    ]


def device_id_of(conn: Connection) -> str | None:
    row = conn.execute("SELECT device_id FROM sync_device WHERE id = 1").fetchone()
    return None if row is None else str(row[0])


ACCEPTED_KEY = "anchors_accepted_through"


def accepted_through(conn: Connection) -> int:
    """Anchors up to this county position were accepted as lost (``accept``)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (ACCEPTED_KEY,)).fetchone()
    return 0 if row is None else int(row[0])


def accept(conn: Connection, through: int) -> None:
    """Record (inside the caller's audited transaction) that anchors up to ``through`` no longer
    bind this vault: the clinician accepted the loss or the rewrite they name."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (ACCEPTED_KEY, str(through)),
    )


def check(
    conn: Connection, raw_key: bytes, device_id: str, anchors: Sequence[Anchor], *, source: str
) -> list[str]:
    """Findings: does the local chain still produce every anchor, in order? ``source`` says
    where the anchors come from ("the county", "this vault's copy"). Anchors up to an accepted
    position (``accept``) are skipped."""
    skip = accepted_through(conn)
    anchors = [a for a in anchors if a.position > skip]
    key = anchor_key(audit.record_root(conn, raw_key), device_id)
    head = current_head(conn)
    local_top = 0 if head is None else head[0]
    findings: list[str] = []
    last_good = 0
    last_seq = 0
    for anchor in anchors:
        opened = open_anchor(key, device_id, anchor.anchor)
        if opened is None:
            findings.append(
                f"county anchors: anchor {anchor.position} from {source} cannot be opened with "
                "this vault's key (it is not this vault's: the vault was replaced or re-keyed)"
            )
            continue
        seq, digest = opened
        if seq < last_seq:
            findings.append(
                f"county anchors: anchor {anchor.position} from {source} points back to audit "
                f"entry {seq} after entry {last_seq} was anchored: the vault was rolled back and "
                "then used"
            )
        last_seq = max(last_seq, seq)
        if seq > local_top:
            missing = max(
                (o[0] for a in anchors if (o := open_anchor(key, device_id, a.anchor))),
                default=seq,
            )
            findings.append(
                f"county anchors: this vault is older than its last recorded state "
                f"({missing - local_top} changes missing): {source} holds an anchor of audit "
                f"entry {missing} (received {anchor.received_on}), this vault ends at entry "
                f"{local_top}. Restore the latest backup (clinician-desk-admin restore FILE); "
                "if it is older too, the changes after it are lost — "
                "`clinician-desk-admin verify --anchors --accept-missing-changes` records that."
            )
            break
        row = conn.execute("SELECT hash FROM audit_log WHERE id = ?", (seq,)).fetchone()
        if row is None or str(row[0]) != digest:
            findings.append(_rewrite(conn, anchor, seq, last_good, source))
            break
        last_good = seq
    return findings


def _rewrite(conn: Connection, anchor: Anchor, seq: int, last_good: int, source: str) -> str:
    named = [
        f"{'addendum' if r[0] == 'note.addendum_added' else r[1].replace('_', ' ')} {_target(r)}"
        for r in conn.execute(
            "SELECT action, entity, entity_id, details FROM audit_log WHERE id > ? AND id <= ?"
            " AND action IN ('note.signed', 'note.addendum_added', 'psychotherapy_note.signed',"
            " 'student.record_destroyed') ORDER BY id",
            (last_good, seq),
        )
    ]
    records = ", ".join(named[:_NAMED]) + (" and more" if len(named) > _NAMED else "")
    return (
        f"county anchors: the audit trail was rewritten: audit entry {seq} no longer matches the "
        f"anchor {source} received on {anchor.received_on} (the last entry that still matches "
        f"is {last_good}). The signed records of entries {last_good + 1}–{seq} can no longer be "
        f"proven: {records or 'none signed there'}. Restore the latest backup made before "
        f"{anchor.received_on} and compare these records with it; report the rewrite to your "
        "supervisor."
    )


def _target(row: Sequence[object]) -> str:
    import json

    if row[0] == "note.addendum_added":
        try:
            return str(json.loads(str(row[3]))["addendum"])
        except (ValueError, KeyError, TypeError):
            return "?"
    return str(row[2])
