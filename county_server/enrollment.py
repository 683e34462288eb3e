"""Enrollment and the device lifecycle: one-time codes, labels, replacement, revocation,
retirement.

``issue_code`` stores only a SHA-256 of the code (the admin hands the code to the clinician);
``redeem`` checks it (unknown, used and expired codes all fail the same way), registers the
device's Ed25519 public key with the org units the code was issued for, marks the code used and
returns what the device needs: ``device_id``, ``org_units``, ``taxonomy_version``,
``escrow_public_key`` (base64 X25519, or null before ``init`` made a county keypair) and
``server_time``.

Lifecycle (docs/decisions/0070-device-lifecycle.md):

* every code carries a **label** (the clinician's role and school, never a student) that the
  device keeps and every device view shows;
* a code may name the device it **replaces** (a laptop re-enrolled after a revocation or a
  reinstall): when the code is redeemed, in that same transaction, the old device is revoked,
  marked replaced and its counts are set aside, so the laptop's full resend is not counted twice;
* ``retire_device`` sets a device's counts aside (a stolen or rogue laptop) and stops it
  syncing; ``unretire_device`` undoes exactly that. Both are audited; nothing is deleted.

The counting rule lives here: the table ``cells`` holds only the counts of devices that count
(``devices.counting = 1``); set-aside cells wait in ``cells_set_aside``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from county_server import audit, orgunits
from county_server.db import Database, Tx, now_iso
from county_server.errors import ConfigError, NotFound, Refused

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CODE = re.compile(r"^[A-Z0-9]{12}$")
_APP_VERSION = re.compile(r"^[0-9A-Za-z.+-]{1,32}$")
_DEVICE_ID = re.compile(r"^dev_[a-z0-9_-]{4,64}$")
# A label names a role and a school: plain letters, digits, spaces and light punctuation; no
# control or bidi characters, no markup, and no run of 4+ digits (a student number, a date of
# birth or a phone number has no place in it).
_LABEL = re.compile(r"^[\w .,'()&/#:+-]{3,80}$")
_DIGIT_RUN = re.compile(r"[0-9]{4,}")


class EnrollmentRefused(Refused):
    """The code is unknown, already used or expired (deliberately not saying which)."""


def normalize_code(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


def _hash_code(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def check_label(label: str) -> str:
    """The label, trimmed, or ConfigError saying what a label may hold."""
    text = " ".join(label.split())
    if not _LABEL.match(text) or _DIGIT_RUN.search(text):
        raise ConfigError(
            "--label: 3-80 characters naming the clinician's role and school (e.g. "
            "'School psychologist, Acorn Elementary'); letters, spaces and .,'()&/#:+- only, "
            "no run of 4 digits, never a student"
        )
    return text


def check_device_id(device_id: str) -> str:
    if not _DEVICE_ID.match(device_id):
        raise NotFound(f"no device {device_id[:40]!r}")
    return device_id


def issue_code(
    db: Database,
    org_units: Sequence[str],
    *,
    now: datetime,
    ttl_hours: int,
    actor: str,
    label: str = "Unlabelled laptop",
    replaces: str | None = None,
) -> str:
    """Create a code for these org units (school or district CDS codes known to the server).

    ``replaces`` names the device this code's laptop takes over from (see the module doc)."""
    if not org_units:
        raise ConfigError("give at least one org unit (school or district CDS code)")
    if not 1 <= ttl_hours <= 24 * 14:
        raise ConfigError("--ttl-hours must be from 1 to 336")
    label = check_label(label)
    units = sorted(set(org_units))
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    with db.transaction() as tx:
        for ou in units:
            if not orgunits.exists(tx, ou):
                raise NotFound(f"org unit {ou[:20]!r} is not in the directory (load-org-units)")
        if replaces is not None:
            old = tx.one(
                "SELECT replaced_by FROM devices WHERE device_id = ?",
                (check_device_id(replaces),),
            )
            if old is None:
                raise NotFound(f"no device {replaces[:40]!r} to replace (see list-devices)")
            if old[0] is not None:
                raise Refused(f"device {replaces} was already replaced by {old[0]}")
        tx.execute(
            "INSERT INTO enrollment_codes (code_hash, org_units, created_at, expires_at, "
            "used_at, created_by, label, replaces) VALUES (?, ?, ?, ?, NULL, ?, ?, ?)",
            (
                _hash_code(code),
                json.dumps(units),
                now_iso(now),
                now_iso(now + timedelta(hours=ttl_hours)),
                actor,
                label,
                replaces,
            ),
        )
        audit.record(
            tx,
            now,
            actor,
            "enrollment_code_issued",
            {"org_units": units, "label": label, "replaces": replaces},
        )
    return code


@dataclass(frozen=True)
class Enrolled:
    device_id: str
    org_units: list[str]


def redeem(
    tx: Tx, code: str, public_key_b64: str, public_key_raw: bytes, app_version: str, now: datetime
) -> Enrolled:
    if not _APP_VERSION.match(app_version):
        raise ConfigError("app_version: must be a short version string")
    norm = normalize_code(code)
    if not _CODE.match(norm):
        raise EnrollmentRefused("enrollment code is unknown, used or expired")
    row = tx.one(
        "SELECT org_units, expires_at, used_at, label, replaces, created_by, created_at "
        "FROM enrollment_codes WHERE code_hash = ?",
        (_hash_code(norm),),
    )
    if row is None or row[2] is not None or row[1] <= now_iso(now):
        raise EnrollmentRefused("enrollment code is unknown, used or expired")
    if tx.one("SELECT 1 FROM devices WHERE public_key = ?", (public_key_b64,)) is not None:
        raise ConfigError("device_public_key: this key is already enrolled")
    units: list[str] = json.loads(row[0])
    device_id = "dev_" + base64.b32encode(secrets.token_bytes(10)).decode().lower()
    label, replaces = str(row[3]), row[4]
    tx.execute(
        "UPDATE enrollment_codes SET used_at = ?, device_id = ? WHERE code_hash = ?",
        (now_iso(now), device_id, _hash_code(norm)),
    )
    tx.execute(
        "INSERT INTO devices (device_id, public_key, org_units, app_version, enrolled_at, "
        "last_seen_at, revoked_at, label, replaces) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)",
        (
            device_id,
            public_key_b64,
            json.dumps(units),
            app_version,
            now_iso(now),
            now_iso(now),
            label,
            replaces,
        ),
    )
    audit.record(
        tx,
        now,
        "device",
        "device_enrolled",
        {
            "device_id": device_id,
            "label": label,
            "replaces": replaces,
            "org_units": units,
            "code_issued_by": str(row[5]),
            "code_issued_at": str(row[6]),
        },
    )
    if replaces is not None:
        old = tx.one("SELECT revoked_at, replaced_by FROM devices WHERE device_id = ?", (replaces,))
        if old is None or old[1] is not None:
            raise EnrollmentRefused("enrollment code is unknown, used or expired")
        tx.execute(
            "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?), replaced_by = ?, "
            "counting = 0 WHERE device_id = ?",
            (now_iso(now), device_id, replaces),
        )
        moved = _set_aside(tx, replaces, keep_closed=True)
        audit.record(
            tx,
            now,
            "device",
            "device_replaced",
            {"device_id": replaces, "replaced_by": device_id, "cells_set_aside": moved},
        )
    del public_key_raw
    return Enrolled(device_id=device_id, org_units=units)


_OPEN_PERIOD = (
    " AND NOT EXISTS (SELECT 1 FROM closed_periods p WHERE p.period = cells.period "
    "AND (p.scope = '*' OR p.scope = cells.district_code))"
)


def _set_aside(tx: Tx, device_id: str, *, keep_closed: bool = False) -> int:
    """Move a device's counted cells to ``cells_set_aside``; returns how many moved.

    ``keep_closed``: leave the cells of closed months counting (a replacement laptop's resend
    of a closed month is refused with 423, so setting them aside would lose them)."""
    where = "device_id = ?" + (_OPEN_PERIOD if keep_closed else "")
    n = int(tx.scalar(f"SELECT COUNT(*) FROM cells WHERE {where}", (device_id,)))
    tx.execute(
        f"INSERT INTO cells_set_aside SELECT * FROM cells WHERE {where} ON CONFLICT DO NOTHING",
        (device_id,),
    )
    tx.execute(f"DELETE FROM cells WHERE {where}", (device_id,))
    return n


def _restore(tx: Tx, device_id: str) -> int:
    n = int(tx.scalar("SELECT COUNT(*) FROM cells_set_aside WHERE device_id = ?", (device_id,)))
    tx.execute(
        "INSERT INTO cells SELECT * FROM cells_set_aside WHERE device_id = ? "
        "ON CONFLICT DO NOTHING",
        (device_id,),
    )
    tx.execute("DELETE FROM cells_set_aside WHERE device_id = ?", (device_id,))
    return n


def revoke_device(db: Database, device_id: str, *, now: datetime, actor: str) -> None:
    """Stop a device syncing (its counts still count: they were true when sent)."""
    with db.transaction() as tx:
        row = tx.one(
            "SELECT revoked_at FROM devices WHERE device_id = ?", (check_device_id(device_id),)
        )
        if row is None:
            raise NotFound(f"no device {device_id[:40]!r}")
        if row[0] is None:
            tx.execute(
                "UPDATE devices SET revoked_at = ? WHERE device_id = ?", (now_iso(now), device_id)
            )
        audit.record(tx, now, actor, "device_revoked", {"device_id": device_id})


def _check_reason(reason: str) -> str:
    text = " ".join(reason.split())
    if not 3 <= len(text) <= 200 or any(not ch.isprintable() for ch in text):
        raise ConfigError("--reason: 3-200 printable characters (why the counts do not count)")
    return text


def retire_device(db: Database, device_id: str, reason: str, *, now: datetime, actor: str) -> int:
    """Set a device's counts aside and stop it syncing; returns how many cells moved."""
    reason = _check_reason(reason)
    with db.transaction() as tx:
        row = tx.one(
            "SELECT retired_at, replaced_by FROM devices WHERE device_id = ?",
            (check_device_id(device_id),),
        )
        if row is None:
            raise NotFound(f"no device {device_id[:40]!r}")
        if row[0] is not None:
            raise Refused(f"device {device_id} is already retired")
        if row[1] is not None:
            raise Refused(
                f"device {device_id} was replaced by {row[1]}; its counts are already set aside"
            )
        tx.execute(
            "UPDATE devices SET retired_at = ?, retired_reason = ?, counting = 0 "
            "WHERE device_id = ?",
            (now_iso(now), reason, device_id),
        )
        moved = _set_aside(tx, device_id)
        audit.record(
            tx,
            now,
            actor,
            "device_retired",
            {"device_id": device_id, "reason": reason, "cells_set_aside": moved},
        )
    return moved


def unretire_device(db: Database, device_id: str, *, now: datetime, actor: str) -> int:
    """Undo ``retire_device``: the counts count again; returns how many cells came back."""
    with db.transaction() as tx:
        row = tx.one(
            "SELECT retired_at, replaced_by FROM devices WHERE device_id = ?",
            (check_device_id(device_id),),
        )
        if row is None:
            raise NotFound(f"no device {device_id[:40]!r}")
        if row[0] is None:
            raise Refused(f"device {device_id} is not retired")
        if row[1] is not None:
            raise Refused(
                f"device {device_id} was replaced by {row[1]}; its counts stay set aside "
                "(the replacement resent them)"
            )
        tx.execute(
            "UPDATE devices SET retired_at = NULL, retired_reason = NULL, counting = 1 "
            "WHERE device_id = ?",
            (device_id,),
        )
        moved = _restore(tx, device_id)
        audit.record(
            tx, now, actor, "device_unretired", {"device_id": device_id, "cells_restored": moved}
        )
    return moved


@dataclass(frozen=True)
class DeviceInfo:
    device_id: str
    label: str
    org_units: tuple[str, ...]
    enrolled_at: str
    last_seen_at: str | None
    revoked_at: str | None
    retired_at: str | None
    retired_reason: str | None
    replaces: str | None
    replaced_by: str | None
    counting: bool

    @property
    def districts(self) -> tuple[str, ...]:
        return tuple(sorted({orgunits.district_of(u) for u in self.org_units}))

    @property
    def status(self) -> str:
        if self.replaced_by:
            return f"replaced by {self.replaced_by}"
        if self.retired_at:
            return "retired (counts set aside)"
        if self.revoked_at:
            return "revoked"
        return "active"


def list_devices(tx: Tx) -> list[DeviceInfo]:
    rows = tx.all(
        "SELECT device_id, label, org_units, enrolled_at, last_seen_at, revoked_at, retired_at, "
        "retired_reason, replaces, replaced_by, counting FROM devices "
        "ORDER BY enrolled_at, device_id"
    )
    return [
        DeviceInfo(
            str(r[0]),
            str(r[1]),
            tuple(json.loads(r[2])),
            str(r[3]),
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            r[9],
            bool(r[10]),
        )
        for r in rows
    ]
