"""Enrollment: one-time, short-lived codes issued by an admin, redeemed by a device once.

``issue_code`` stores only a SHA-256 of the code (the admin hands the code to the clinician);
``redeem`` checks it (unknown, used and expired codes all fail the same way), registers the
device's Ed25519 public key with the org units the code was issued for, marks the code used and
returns what the device needs: ``device_id``, ``org_units``, ``taxonomy_version``,
``escrow_public_key`` (base64 X25519, or null before ``init`` made a county keypair) and
``server_time``.
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


class EnrollmentRefused(Refused):
    """The code is unknown, already used or expired (deliberately not saying which)."""


def normalize_code(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


def _hash_code(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def issue_code(
    db: Database, org_units: Sequence[str], *, now: datetime, ttl_hours: int, actor: str
) -> str:
    """Create a code for these org units (school or district CDS codes known to the server)."""
    if not org_units:
        raise ConfigError("give at least one org unit (school or district CDS code)")
    if not 1 <= ttl_hours <= 24 * 14:
        raise ConfigError("--ttl-hours must be from 1 to 336")
    units = sorted(set(org_units))
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    with db.transaction() as tx:
        for ou in units:
            if not orgunits.exists(tx, ou):
                raise NotFound(f"org unit {ou[:20]!r} is not in the directory (load-org-units)")
        tx.execute(
            "INSERT INTO enrollment_codes (code_hash, org_units, created_at, expires_at, "
            "used_at, created_by) VALUES (?, ?, ?, ?, NULL, ?)",
            (
                _hash_code(code),
                json.dumps(units),
                now_iso(now),
                now_iso(now + timedelta(hours=ttl_hours)),
                actor,
            ),
        )
        audit.record(tx, now, actor, "enrollment_code_issued", {"org_units": units})
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
        "SELECT org_units, expires_at, used_at FROM enrollment_codes WHERE code_hash = ?",
        (_hash_code(norm),),
    )
    if row is None or row[2] is not None or row[1] <= now_iso(now):
        raise EnrollmentRefused("enrollment code is unknown, used or expired")
    if tx.one("SELECT 1 FROM devices WHERE public_key = ?", (public_key_b64,)) is not None:
        raise ConfigError("device_public_key: this key is already enrolled")
    units: list[str] = json.loads(row[0])
    device_id = "dev_" + base64.b32encode(secrets.token_bytes(10)).decode().lower()
    tx.execute(
        "UPDATE enrollment_codes SET used_at = ? WHERE code_hash = ?",
        (now_iso(now), _hash_code(norm)),
    )
    tx.execute(
        "INSERT INTO devices (device_id, public_key, org_units, app_version, enrolled_at, "
        "last_seen_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, NULL)",
        (device_id, public_key_b64, json.dumps(units), app_version, now_iso(now), now_iso(now)),
    )
    audit.record(tx, now, "device", "device_enrolled", {"device_id": device_id})
    del public_key_raw
    return Enrolled(device_id=device_id, org_units=units)


def revoke_device(db: Database, device_id: str, *, now: datetime, actor: str) -> None:
    with db.transaction() as tx:
        row = tx.one("SELECT revoked_at FROM devices WHERE device_id = ?", (device_id,))
        if row is None:
            raise NotFound(f"no device {device_id[:40]!r}")
        if row[0] is None:
            tx.execute(
                "UPDATE devices SET revoked_at = ? WHERE device_id = ?", (now_iso(now), device_id)
            )
        audit.record(tx, now, actor, "device_revoked", {"device_id": device_id})
