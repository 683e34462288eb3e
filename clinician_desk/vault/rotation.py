"""Key rotation, the vault's half: new key slots for a new data key, and the crash-safe switch.

Rotating the data key means two files change together: ``vault.db`` (re-encrypted under the new
key by storage, into a fresh file) and ``vault.keys`` (every slot re-sealed around the new key).
Neither may be replaced before the other is ready, and a crash at any moment must leave a vault
that one of the clinician's current secrets opens. The switch (``commit_rotation``) therefore
goes through named files beside the live ones, each step an fsynced rename::

    1. vault.db.rotate-partial   written and verified by storage (new key), fsynced
    2. vault.keys.rotate         the new key-slot file, written atomically
    3. vault.db.rotate-partial -> vault.db.rotate        ("prepared": both .rotate files exist)
    4. vault.keys.rotate       -> vault.keys             (COMMIT: the new slots are live)
    5. old vault.db-wal/-shm removed; vault.db.rotate -> vault.db

``finish_interrupted_rotation`` (run before every unlock) completes or undoes a switch a crash
interrupted: a ``-partial`` file or a ``vault.keys.rotate`` means step 4 never happened, so the
new files are deleted and the old vault is untouched; a lone ``vault.db.rotate`` means step 4
happened, so step 5 is redone. The old database file is only ever replaced by a new one that
was opened and verified with the new key.

The passphrase slot needs the passphrase (the current one, or a new one for
``change-passphrase --rotate``), the recovery slot gets a fresh recovery key (its text is
returned, to be shown once), and an escrow slot is re-sealed to the county's public key when the
caller has it (the enrolment stores it in the database); otherwise the escrow slot is dropped and
the caller reports that the device must be re-enrolled.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from clinician_desk.clock import Clock, SystemClock
from clinician_desk.config import VaultPaths
from clinician_desk.errors import VaultError
from clinician_desk.messages import M
from clinician_desk.vault.atomic import fsync_dir, private_write
from clinician_desk.vault.datakey import DataKey, RecoveryKey
from clinician_desk.vault.escrow import load_county_public_key
from clinician_desk.vault.kdf import KdfParams
from clinician_desk.vault.keyfile import (
    ESCROW,
    PASSPHRASE,
    EscrowSlot,
    KeySlotFile,
    PassphraseSlot,
    Slot,
    read_keyslot_file,
    serialize,
)
from clinician_desk.vault.passphrase_policy import check_new_passphrase
from clinician_desk.vault.slots import (
    key_check,
    key_matches,
    public_key_fingerprint,
    seal_escrow,
    seal_passphrase,
    seal_recovery,
    slot_tag,
)

PARTIAL_SUFFIX = ".rotate-partial"
PREPARED_SUFFIX = ".rotate"


def partial_database(paths: VaultPaths) -> Path:
    """Where storage writes the re-encrypted database (step 1)."""
    return paths.database.with_name(paths.database.name + PARTIAL_SUFFIX)


def prepared_database(paths: VaultPaths) -> Path:
    return paths.database.with_name(paths.database.name + PREPARED_SUFFIX)


def prepared_keyslots(paths: VaultPaths) -> Path:
    return paths.keyslots.with_name(paths.keyslots.name + PREPARED_SUFFIX)


@dataclass(frozen=True)
class NewSlots:
    """The new key-slot file's bytes, the new recovery key text, and what could not be kept."""

    keyfile: bytes
    recovery_text: str
    escrow_dropped: bool


def seal_new_slots(
    paths: VaultPaths,
    old_key: DataKey,
    new_key: DataKey,
    passphrase: str,
    *,
    escrow_public_key: bytes | None = None,
    clock: Clock | None = None,
    kdf: KdfParams | None = None,
) -> NewSlots:
    """Every slot of ``paths``' key-slot file re-sealed around ``new_key``.

    ``old_key`` must be the vault's current key (checked), ``passphrase`` becomes the passphrase
    slot's secret (checked against the policy only when it is being changed, see
    ``rotate_passphrase_is_new``). The vault id stays; the key check is the new key's.
    """
    old = read_keyslot_file(paths.keyslots)
    if not key_matches(old_key.raw, old.vault_id, old.key_check):
        raise VaultError(
            M(
                "The given data key does not belong to the vault in {folder}.",
                folder=paths.profile_dir,
            )
        )
    created = _stamp(clock)
    old_pass = old.slot(PASSPHRASE)
    params = kdf or (old_pass.params if isinstance(old_pass, PassphraseSlot) else None)
    if params is None:
        from clinician_desk.vault.kdf import calibrate

        params = calibrate()
    params.check()
    raw = new_key.raw
    recovery = RecoveryKey.generate()
    try:
        slots: list[Slot] = [
            seal_passphrase(raw, passphrase, params, old.vault_id, created),
            seal_recovery(raw, recovery.raw, old.vault_id, created),
        ]
        escrow_dropped = False
        old_escrow = old.slot(ESCROW)
        if old_escrow is not None:
            public = (
                load_county_public_key(escrow_public_key) if escrow_public_key is not None else None
            )
            recipient = old_escrow.recipient if isinstance(old_escrow, EscrowSlot) else None
            if public is not None and (
                recipient is None or public_key_fingerprint(public) == recipient
            ):
                slots.append(seal_escrow(raw, public, old.vault_id, created))
            else:
                escrow_dropped = True
        new = KeySlotFile(old.vault_id, key_check(raw, old.vault_id), tuple(slots))
        tags = {s.type: slot_tag(raw, old.vault_id, s) for s in slots}
        return NewSlots(serialize(new.with_tags(tags)), recovery.to_text(), escrow_dropped)
    finally:
        recovery.wipe()


def check_rotation_passphrase(passphrase: str, *, is_new: bool) -> None:
    """A new passphrase must pass the policy; the current one is kept as it is."""
    if is_new:
        check_new_passphrase(passphrase)


def commit_rotation(paths: VaultPaths, new_slots: NewSlots) -> None:
    """Steps 2–5 of the module docstring; ``partial_database(paths)`` must hold the verified
    re-encrypted database. The caller holds the vault exclusively and has closed the database."""
    partial = partial_database(paths)
    if not partial.is_file():
        raise VaultError(M("The re-encrypted database is missing; the key was not changed."))
    private_write(prepared_keyslots(paths), new_slots.keyfile)
    os.replace(partial, prepared_database(paths))
    fsync_dir(paths.profile_dir)
    os.replace(prepared_keyslots(paths), paths.keyslots)  # the commit point
    fsync_dir(paths.profile_dir)
    _roll_forward(paths)


def _roll_forward(paths: VaultPaths) -> None:
    for stale in (Path(f"{paths.database}-wal"), Path(f"{paths.database}-shm")):
        # Frames under the old key would be replayed onto the new file and wreck it.
        stale.unlink(missing_ok=True)
    os.replace(prepared_database(paths), paths.database)
    fsync_dir(paths.profile_dir)


def abandon_rotation(paths: VaultPaths) -> None:
    """Remove the new files of a rotation that did not reach its commit point."""
    for leftover in (
        partial_database(paths),
        Path(f"{partial_database(paths)}-journal"),
        prepared_keyslots(paths),
        prepared_database(paths),
    ):
        with contextlib.suppress(OSError):
            leftover.unlink(missing_ok=True)


def rotation_pending(paths: VaultPaths) -> bool:
    return any(
        p.exists()
        for p in (partial_database(paths), prepared_database(paths), prepared_keyslots(paths))
    )


def finish_interrupted_rotation(paths: VaultPaths) -> str | None:
    """Complete or undo a rotation a crash interrupted (module docstring); what was done."""
    if not rotation_pending(paths):
        return None
    if prepared_database(paths).exists() and not prepared_keyslots(paths).exists():
        with contextlib.suppress(OSError):
            partial_database(paths).unlink(missing_ok=True)
        _roll_forward(paths)
        return "completed an interrupted key rotation"
    abandon_rotation(paths)
    fsync_dir(paths.profile_dir)
    return "undid an interrupted key rotation (the previous key stays in use)"


def _stamp(clock: Clock | None) -> str:
    now = (clock or SystemClock()).now()
    return now.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
