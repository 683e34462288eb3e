"""The county's escrow keypair (X25519) and ``recover-key``.

``init`` makes the keypair once: the public key goes into the server database (laptops receive
it at enrollment and seal their data key to it); the private key is written to a new file with
mode 0600 that the admin must move **offline** (a USB stick in a safe) — the server never needs
it. For a clinician whose identity the county has verified, ``reset_vault_passphrase`` unwraps
the vault's escrow slot with that file and sets a temporary passphrase on the vault folder
(clearing the unlock lockout) — the clinician then changes it; ``recover_key`` instead writes the
raw data key (hex) to a new 0600 file, for tooling that needs the key itself.
"""

from __future__ import annotations

import base64
import os
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from clinician_desk.config import VaultPaths
from clinician_desk.errors import ClinicianDeskError
from clinician_desk.vault import (
    DataKey,
    change_passphrase,
    generate_county_keypair,
    lockout,
    unwrap_escrow,
)
from county_server import audit
from county_server.db import Database
from county_server.errors import ConfigError, Refused


def _write_new_private_file(path: Path, data: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError(f"{path} already exists; refusing to overwrite a key file") from None
    except OSError as exc:
        raise ConfigError(f"cannot create {path} ({exc.strerror})") from None
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def escrow_public_key(db: Database) -> str | None:
    with db.read() as tx:
        value = tx.scalar("SELECT value FROM meta WHERE key = 'escrow_public_key'")
    return None if value is None else str(value)


def create_escrow_keypair(
    db: Database, private_key_file: Path, *, now: datetime, actor: str
) -> str:
    """Make the county keypair; returns the public key (base64). Refuses to replace one."""
    if escrow_public_key(db) is not None:
        raise Refused("this server already has a county escrow key; it is never replaced")
    private_raw, public_raw = generate_county_keypair()
    pem = X25519PrivateKey.from_private_bytes(private_raw).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_new_private_file(private_key_file, pem)
    public_b64 = base64.b64encode(public_raw).decode()
    with db.transaction() as tx:
        tx.execute("INSERT INTO meta (key, value) VALUES ('escrow_public_key', ?)", (public_b64,))
        audit.record(tx, now, actor, "escrow_keypair_created", {"public_key": public_b64})
    return public_b64


def _unwrap(keyslot_file: Path, private_key_file: Path) -> bytes:
    try:
        slot_bytes = keyslot_file.read_bytes()
        private = private_key_file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {exc.filename} ({exc.strerror})") from None
    try:
        return unwrap_escrow(slot_bytes, private)
    except ClinicianDeskError as exc:
        raise Refused(str(exc)) from None


def reset_vault_passphrase(
    db: Database | None,
    vault_dir: Path,
    private_key_file: Path,
    new_passphrase: str,
    *,
    now: datetime,
    actor: str,
    verified_by: str,
) -> None:
    """Set ``new_passphrase`` on the vault in ``vault_dir`` using the county escrow slot."""
    if not verified_by.strip():
        raise ConfigError("--verified-by: name who verified the clinician's identity")
    paths = VaultPaths(vault_dir)
    raw = _unwrap(paths.keyslots, private_key_file)
    key = DataKey(raw)
    try:
        change_passphrase(paths, key, new_passphrase)
        lockout.reset(paths.lockout)
    except ClinicianDeskError as exc:
        raise Refused(str(exc)) from None
    finally:
        key.wipe()
    if db is not None:
        with db.transaction() as tx:
            audit.record(
                tx,
                now,
                actor,
                "escrow_passphrase_reset",
                {"vault": vault_dir.name, "verified_by": verified_by[:80]},
            )


def recover_key(
    db: Database | None,
    keyslot_file: Path,
    private_key_file: Path,
    out_file: Path,
    *,
    now: datetime,
    actor: str,
    verified_by: str,
) -> None:
    """Unwrap the vault data key from a key-slot file; write it as hex to ``out_file`` (0600)."""
    if not verified_by.strip():
        raise ConfigError("--verified-by: name who verified the clinician's identity")
    data_key = _unwrap(keyslot_file, private_key_file)
    _write_new_private_file(out_file, data_key.hex().encode() + b"\n")
    if db is not None:
        with db.transaction() as tx:
            audit.record(
                tx,
                now,
                actor,
                "escrow_key_recovered",
                {"keyslot_file": keyslot_file.name, "verified_by": verified_by[:80]},
            )
