"""The vault's public operations: create, unlock (passphrase / recovery key), change, reset, escrow.

Every operation reads the key-slot file fresh and, when it changes anything, writes the whole file
atomically (``atomic.private_write``): a crash leaves the old or the new file, never half of
each. Changing the passphrase re-wraps the same data key, so the database is not touched.
Callers get a ``DataKey`` they must ``wipe()`` when the vault locks.

Errors: ``UsageError`` for a passphrase the policy refuses; ``WrongPassphraseError`` (one message,
never naming a slot) for a passphrase or recovery key that opens nothing; ``LockedOutError`` /
``RecoveryKeyRequiredError`` from the backoff; ``CorruptionError`` naming the key-slot file when it
is missing or damaged; ``VaultError`` when creating over an existing vault.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC

from clinician_desk.clock import Clock, SystemClock
from clinician_desk.config import VaultPaths
from clinician_desk.errors import CorruptionError, LockedOutError, VaultError, WrongPassphraseError
from clinician_desk.messages import M
from clinician_desk.vault import lockout
from clinician_desk.vault.atomic import ensure_private_dir, private_write
from clinician_desk.vault.datakey import DataKey, RecoveryKey
from clinician_desk.vault.escrow import load_county_public_key
from clinician_desk.vault.filelock import profile_lock
from clinician_desk.vault.integrity import retagged, slot_damage_message
from clinician_desk.vault.kdf import KdfParams, calibrate, encode_passphrase
from clinician_desk.vault.keyfile import (
    ESCROW,
    PASSPHRASE,
    RECOVERY,
    DamagedSlot,
    EscrowSlot,
    KeySlotFile,
    PassphraseSlot,
    RecoverySlot,
    read_keyslot_file,
    serialize,
)
from clinician_desk.vault.keyfile import VERSION as FORMAT_VERSION
from clinician_desk.vault.passphrase_policy import check_new_passphrase
from clinician_desk.vault.slots import (
    key_check,
    key_matches,
    open_passphrase,
    open_recovery,
    seal_escrow,
    seal_passphrase,
    seal_recovery,
)


class RecoveryKeyRequiredError(LockedOutError):
    """Too many failed passphrase attempts: only the recovery key (or county escrow) unlocks."""


def vault_exists(paths: VaultPaths) -> bool:
    return paths.keyslots.exists() or paths.database.exists()


def create_vault(
    paths: VaultPaths,
    passphrase: str,
    *,
    clock: Clock | None = None,
    kdf: KdfParams | None = None,
) -> tuple[DataKey, str]:
    """A new vault's data key and its recovery key text (show it once, then forget it).

    Writes only the key-slot file (the database is created by storage with the returned key).
    ``kdf`` defaults to parameters calibrated on this machine (takes a couple of seconds).
    """
    check_new_passphrase(passphrase)
    if vault_exists(paths):
        raise VaultError(
            M(
                "A vault already exists in {profile_dir}; unlock it, or choose another profile.",
                profile_dir=paths.profile_dir,
            )
        )
    params = kdf if kdf is not None else calibrate()
    params.check()
    created = _stamp(clock)
    vault_id = secrets.token_hex(16)
    data_key = DataKey.generate()
    recovery = RecoveryKey.generate()
    try:
        raw = data_key.raw
        untagged = KeySlotFile(
            vault_id,
            key_check(raw, vault_id),
            (
                seal_passphrase(raw, passphrase, params, vault_id, created),
                seal_recovery(raw, recovery.raw, vault_id, created),
            ),
        )
        keyfile = retagged(untagged, untagged, raw, PASSPHRASE)
        ensure_private_dir(paths.profile_dir)
        with profile_lock(paths.profile_dir):
            if paths.keyslots.exists():  # lost a race with another process creating it
                raise VaultError(
                    M("A vault already exists in {profile_dir}.", profile_dir=paths.profile_dir)
                )
            private_write(paths.keyslots, serialize(keyfile))
            paths.lockout.unlink(missing_ok=True)  # a record left by an earlier, deleted vault
        return data_key, recovery.to_text()
    except BaseException:
        data_key.wipe()
        raise
    finally:
        recovery.wipe()


def unlock_status(paths: VaultPaths, *, clock: Clock | None = None) -> lockout.UnlockStatus:
    """Backoff state for the unlock screen (failures, seconds to wait, recovery-only)."""
    clock = clock or SystemClock()
    return lockout.status_of(lockout.load(paths.lockout, clock), clock.now())


def unlock_vault(
    paths: VaultPaths,
    passphrase: str,
    *,
    clock: Clock | None = None,
    attempts: VaultPaths | None = None,
) -> DataKey:
    """The data key, if ``passphrase`` opens the passphrase slot and the backoff allows a try.

    ``attempts`` is the profile whose backoff record counts this attempt (default: ``paths``);
    a restore passes the live profile while it unlocks the backup's staged key slots, so
    guessing a backup's passphrase through ``restore`` is slowed down like an unlock."""
    clock = clock or SystemClock()
    keyfile = _read(paths)
    encode_passphrase(passphrase)  # an empty or absurd entry is a usage error, not an attempt
    counted = attempts or paths
    with profile_lock(counted.profile_dir):
        # Check and count under one lock, so two programs cannot both slip past the backoff.
        record = _admit_passphrase_attempt(counted, clock)
    slot = keyfile.slot(PASSPHRASE)
    raw = (
        open_passphrase(slot, passphrase, keyfile.vault_id)
        if isinstance(slot, PassphraseSlot)
        else None
    )
    if raw is None:
        left = lockout.BACKOFF_AFTER - record.failures
        if left > 0:
            raise WrongPassphraseError(
                M(
                    "The passphrase is not correct. {left} more attempt(s) before a delay.",
                    left=left,
                )
            )
        raise WrongPassphraseError(M("The passphrase is not correct."))
    return _accept(paths, keyfile, raw, counted)


def _admit_passphrase_attempt(
    paths: VaultPaths, clock: Clock, *, recovery_key: bool = False
) -> lockout.LockoutRecord:
    """Raise if the backoff forbids a try now; else record the attempt as a failure.

    The attempt is counted before the slow check so that killing the app does not earn a free
    guess; a successful unlock resets the count. A recovery-key attempt honours the delay but
    not the recovery-only state (the recovery key is the way out of it).
    """
    record = lockout.load(paths.lockout, clock)
    status = lockout.status_of(record, clock.now())
    if status.recovery_only and not recovery_key:
        raise RecoveryKeyRequiredError(
            M(
                "Too many failed attempts ({failures}): unlock with the recovery key, "
                "or ask the county to recover this vault.",
                failures=status.failures,
            )
        )
    if status.retry_after_seconds > 0:
        raise LockedOutError(
            M(
                "Too many failed attempts: wait {wait} before trying the passphrase again "
                "(or use the recovery key).",
                wait=_duration(status.retry_after_seconds),
            ),
            retry_after_seconds=status.retry_after_seconds,
        )
    return lockout.record_failure(paths.lockout, record, clock)


def unlock_with_recovery_key(
    paths: VaultPaths, recovery_text: str, *, clock: Clock | None = None
) -> DataKey:
    """The data key from the printed recovery key.

    A typo is reported (``RecoveryKeyFormatError`` naming the group) before anything is tried
    and costs nothing; a well-formed key that does not open the vault counts as a failed attempt
    in the shared backoff, whose delay applies here too (never its recovery-only state).
    """
    clock = clock or SystemClock()
    recovery = RecoveryKey.from_text(recovery_text)
    try:
        keyfile = _read(paths)
        with profile_lock(paths.profile_dir):
            _admit_passphrase_attempt(paths, clock, recovery_key=True)
        slot = keyfile.slot(RECOVERY)
        if isinstance(slot, DamagedSlot):
            raise CorruptionError(slot_damage_message(RECOVERY, paths.keyslots))
        raw = (
            open_recovery(slot, recovery.raw, keyfile.vault_id)
            if isinstance(slot, RecoverySlot)
            else None
        )
    finally:
        recovery.wipe()
    if raw is None:
        raise WrongPassphraseError(
            M(
                "This recovery key does not belong to this vault (if it is this "
                "profile's key, the recovery-key slot may be damaged: unlock with the "
                "passphrase and run `clinician-desk-admin verify`)."
            )
        )
    return _accept(paths, keyfile, raw, paths)


def change_passphrase(
    paths: VaultPaths,
    key: DataKey,
    new_passphrase: str,
    *,
    clock: Clock | None = None,
    kdf: KdfParams | None = None,
) -> None:
    """Re-wrap the data key under ``new_passphrase`` (the other slots are kept as they are).

    ``key`` must be this vault's data key (checked against the file's key check). The existing
    slot's Argon2id parameters are kept unless ``kdf`` is given.
    """
    check_new_passphrase(new_passphrase)
    _read(paths)
    with profile_lock(paths.profile_dir):
        keyfile = _read(paths)
        raw = _verified_raw(paths, keyfile, key)
        _write_passphrase_slot(paths, keyfile, raw, new_passphrase, clock, kdf)


def reset_passphrase_with_recovery(
    paths: VaultPaths,
    recovery_text: str,
    new_passphrase: str,
    *,
    clock: Clock | None = None,
    kdf: KdfParams | None = None,
) -> DataKey:
    """Unlock with the recovery key and set a new passphrase; returns the data key."""
    check_new_passphrase(new_passphrase)
    key = unlock_with_recovery_key(paths, recovery_text, clock=clock)
    try:
        with profile_lock(paths.profile_dir):
            keyfile = _read(paths)
            _write_passphrase_slot(paths, keyfile, key.raw, new_passphrase, clock, kdf)
    except BaseException:
        key.wipe()
        raise
    return key


def set_escrow_slot(
    paths: VaultPaths, key: DataKey, county_public_key: bytes, *, clock: Clock | None = None
) -> None:
    """Seal the data key to the county's X25519 public key (replacing any earlier escrow slot)."""
    public = load_county_public_key(county_public_key)
    _read(paths)
    with profile_lock(paths.profile_dir):
        keyfile = _read(paths)
        raw = _verified_raw(paths, keyfile, key)
        slot = seal_escrow(raw, public, keyfile.vault_id, _stamp(clock))
        _write(paths, keyfile, keyfile.replacing(slot), raw, ESCROW)


def regenerate_recovery_key(paths: VaultPaths, key: DataKey, *, clock: Clock | None = None) -> str:
    """Replace the recovery slot with a fresh recovery key and return its text (show it once).

    The old recovery key stops working; the passphrase and escrow slots are unchanged. For a
    clinician whose printed key was seen by someone else, or used once and then exposed.
    """
    _read(paths)
    recovery = RecoveryKey.generate()
    try:
        with profile_lock(paths.profile_dir):
            keyfile = _read(paths)
            raw = _verified_raw(paths, keyfile, key)
            slot = seal_recovery(raw, recovery.raw, keyfile.vault_id, _stamp(clock))
            _write(paths, keyfile, keyfile.replacing(slot), raw, RECOVERY)
        return recovery.to_text()
    finally:
        recovery.wipe()


@dataclass(frozen=True)
class KeySlotSummary:
    """Non-secret facts about a vault's key slots (for ``doctor`` and the settings page)."""

    keyslot_file: str
    format_version: int
    slots: tuple[str, ...]
    kdf: KdfParams | None
    passphrase_changed: str | None
    recovery_created: str | None
    escrow_county_key: str | None  # first 16 hex characters of the county key's fingerprint


def describe_keyslots(paths: VaultPaths) -> KeySlotSummary:
    """What the key-slot file holds, without unlocking it; CorruptionError when damaged."""
    keyfile = _read(paths)
    passphrase = keyfile.slot(PASSPHRASE)
    recovery = keyfile.slot(RECOVERY)
    escrow = keyfile.slot(ESCROW)
    return KeySlotSummary(
        keyslot_file=str(paths.keyslots),
        format_version=FORMAT_VERSION,
        slots=tuple(s.type for s in keyfile.slots),
        kdf=passphrase.params if isinstance(passphrase, PassphraseSlot) else None,
        passphrase_changed=passphrase.created if isinstance(passphrase, PassphraseSlot) else None,
        recovery_created=recovery.created if isinstance(recovery, RecoverySlot) else None,
        escrow_county_key=escrow.recipient[:16] if isinstance(escrow, EscrowSlot) else None,
    )


def _write_passphrase_slot(
    paths: VaultPaths,
    keyfile: KeySlotFile,
    raw: bytes,
    passphrase: str,
    clock: Clock | None,
    kdf: KdfParams | None,
) -> None:
    old = keyfile.slot(PASSPHRASE)
    if kdf is not None:
        params = kdf
    elif isinstance(old, PassphraseSlot):
        params = old.params
    else:
        params = calibrate()
    params.check()
    slot = seal_passphrase(raw, passphrase, params, keyfile.vault_id, _stamp(clock))
    _write(paths, keyfile, keyfile.replacing(slot), raw, PASSPHRASE)


def _write(paths: VaultPaths, old: KeySlotFile, new: KeySlotFile, raw: bytes, changed: str) -> None:
    """Write ``new`` atomically with integrity tags (only ``changed`` gets a fresh tag)."""
    private_write(paths.keyslots, serialize(retagged(old, new, raw, changed)))


def _verified_raw(paths: VaultPaths, keyfile: KeySlotFile, key: DataKey) -> bytes:
    raw = key.raw
    if not key_matches(raw, keyfile.vault_id, keyfile.key_check):
        raise VaultError(
            M(
                "The given data key does not belong to the vault in {profile_dir}.",
                profile_dir=paths.profile_dir,
            )
        )
    return raw


def _accept(paths: VaultPaths, keyfile: KeySlotFile, raw: bytes, counted: VaultPaths) -> DataKey:
    if not key_matches(raw, keyfile.vault_id, keyfile.key_check):
        raise CorruptionError(
            M(
                "The key-slot file {keyslots} is damaged: its key check does not match. "
                "Restore it from a backup of this profile.",
                keyslots=paths.keyslots,
            )
        )
    with profile_lock(counted.profile_dir):
        lockout.reset(counted.lockout, lockout.load(counted.lockout, SystemClock()))
    return DataKey(raw)


def _read(paths: VaultPaths) -> KeySlotFile:
    _finish_rotation(paths)
    if not paths.keyslots.exists() and not paths.database.exists():
        raise VaultError(
            M(
                "There is no vault in {profile_dir}. Create one first (clinician-desk-admin init).",
                profile_dir=paths.profile_dir,
            )
        )
    return read_keyslot_file(paths.keyslots)


def _finish_rotation(paths: VaultPaths) -> None:
    """Complete or undo a key rotation a crash interrupted, before any slot is tried (else the
    new slots would unlock a key the old database does not open). Only when nobody has the vault
    open: a rotation still running in another program holds it exclusively."""
    from clinician_desk.vault.filelock import VaultInUseError, hold_vault_exclusively
    from clinician_desk.vault.rotation import finish_interrupted_rotation, rotation_pending

    if not rotation_pending(paths):
        return
    try:
        held = hold_vault_exclusively(paths.profile_dir, "finish an interrupted key rotation")
    except VaultInUseError:
        return
    with held:
        finish_interrupted_rotation(paths)


def _duration(seconds: float) -> str:
    whole = max(int(seconds + 0.999), 1)
    if whole < 90:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def _stamp(clock: Clock | None) -> str:
    now = (clock or SystemClock()).now()
    return now.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
