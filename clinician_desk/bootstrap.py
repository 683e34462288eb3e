"""Composition root: the only module that knows concrete classes.

After unlock, ``bootstrap`` builds the service façade from ``(paths, data key)``; locking drops
it. Nothing here runs at import time. Each area adds its service object as a field of
``Services`` (and builds it in ``build_services``) with a small targeted edit.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from secrets import token_hex
from typing import TYPE_CHECKING, Protocol

from clinician_desk.clock import Clock, utc_iso
from clinician_desk.config import VaultPaths
from clinician_desk.errors import VaultError
from clinician_desk.events import EventBus
from clinician_desk.messages import M
from clinician_desk.reports.text import forget_document_text
from clinician_desk.services.printing import PrintService
from clinician_desk.services.record.service import RecordService
from clinician_desk.services.retention import RetentionService
from clinician_desk.services.screenings.service import ScreeningsService
from clinician_desk.services.sync_service import SyncService
from clinician_desk.storage import Database, headmark
from clinician_desk.storage.backup import RestoreResult, finish_interrupted_restore
from clinician_desk.storage.snapshot import fsync_dir
from clinician_desk.vault.filelock import VaultInUseError, VaultUseLock

if TYPE_CHECKING:
    from clinician_desk.vault import KdfParams


class DataKey(Protocol):
    """The unlocked data key as the façade needs it (the vault's ``DataKey`` fits)."""

    @property
    def raw(self) -> bytes: ...

    def wipe(self) -> None: ...


@dataclass
class Services:
    """Everything an unlocked session uses. ``close()`` drops the database and wipes the key."""

    db: Database
    clock: Clock
    events: EventBus
    paths: VaultPaths
    key: DataKey
    record: RecordService
    screenings: ScreeningsService
    sync: SyncService
    printing: PrintService
    retention: RetentionService
    #: The "vault in use" lock held while the database is open (``vault.filelock``); released
    #: by ``close()`` after the database is closed. None only for services built without one.
    use_lock: VaultUseLock | None = None
    #: False when the caller passed its own (exclusive) lock in: it stays theirs to release.
    owns_lock: bool = True
    #: Damage found at unlock that does not stop work (a damaged recovery/escrow key slot,
    #: committed changes missing from the database): shown by the UI, listed by ``verify``.
    warnings: tuple[str, ...] = ()

    @contextmanager
    def exclusively(self, action: str) -> Iterator[None]:
        """Run the block with the vault held exclusively (``action``, e.g. "destroy a record",
        names it in the refusal): ``VaultInUseError`` at once, and nothing done, while another
        program has the vault open."""
        lock = self.use_lock
        if lock is None or not lock.held or not lock.try_upgrade():
            raise VaultInUseError(
                M(
                    "Cannot {action}: the vault of profile '{profile}' is also open in "
                    "another clinician-desk program. Close it, then try again. Nothing was "
                    "changed.",
                    action=action,
                    profile=self.paths.profile,
                )
            )
        try:
            yield
        finally:
            lock.downgrade()

    def close(self) -> None:
        """Close the database, overwrite the key, then let others replace the vault
        (idempotent). The connection is closed before the key is dropped, so SQLCipher's own
        copy of the key is freed with it. The report layout's caches of documents' words
        (a student's name, a safety plan's entries) are dropped with the session."""
        self.db.close()
        self.key.wipe()
        forget_document_text()
        if self.use_lock is not None and self.owns_lock:
            self.use_lock.release()


def build_services(
    paths: VaultPaths,
    key: DataKey,
    clock: Clock,
    *,
    create: bool = False,
    use_lock: VaultUseLock | None = None,
    adopt_unlock_record: bool = False,
) -> Services:
    """Open the vault database with ``key`` (migrating it if needed) and build the services.

    ``create=True`` is only for ``init``/demo right after ``create_vault``. On failure the
    key is left to the caller (who still owns it).

    The services hold the profile's "vault in use" lock until ``close()``: shared, so other
    programs may open the vault too but none may replace it meanwhile. Migrations run only when
    the lock could be taken exclusively (nobody else has the vault open). A caller that already
    holds the lock exclusively (restore, rotation) passes it as ``use_lock``; it stays theirs.

    The unlock-attempt record is checked against the epoch stored in the database
    (``check_unlock_record``); ``adopt_unlock_record=True`` (right after a restore, whose
    database comes from elsewhere) records the current state without comparing.
    """
    from clinician_desk.vault.atomic import tighten_private_dirs
    from clinician_desk.vault.filelock import hold_vault_exclusively, hold_vault_shared

    tighten_private_dirs(paths.profile_dir)
    owns = use_lock is None
    if use_lock is None:
        try:
            lock = hold_vault_exclusively(paths.profile_dir, M("open the vault"))
        except VaultInUseError:
            lock = hold_vault_shared(paths.profile_dir)
    else:
        lock = use_lock
    try:
        db = Database.open(paths.database, key, clock=clock, create=create, migrate=lock.exclusive)
    except BaseException:
        if owns:
            lock.release()
        raise
    if owns:
        lock.downgrade()
    events = EventBus()
    try:
        from clinician_desk.vault import check_keyslots

        warnings = check_keyslots(paths, key) if paths.keyslots.exists() else ()
        warnings = (*warnings, *check_unlock_record(db, paths, adopt=adopt_unlock_record))
        return Services(
            db=db,
            clock=clock,
            events=events,
            paths=paths,
            key=key,
            record=RecordService(db, events),
            screenings=ScreeningsService(db, events=events),
            sync=SyncService(db, clock, paths, key, events),
            printing=PrintService(db),
            retention=RetentionService(db),
            warnings=(*warnings, *db.integrity_warnings),
            use_lock=lock,
            owns_lock=owns,
        )
    except BaseException:
        db.close()  # a failing service must not leave the database open
        if owns:
            lock.release()
        raise


UNLOCK_EPOCH_SETTING = "unlock_record_epoch"


def check_unlock_record(db: Database, paths: VaultPaths, *, adopt: bool = False) -> tuple[str, ...]:
    """Compare the unlock-attempt record beside the vault with the epoch this database saw last
    (``vault.lockout``): a record deleted or replaced since then is reported (returned as a
    warning) and written to the audit trail. Then the newest epoch is stored. Never raises for
    a record it cannot read (the lockout module already fails safe on those)."""
    from clinician_desk.clock import SystemClock
    from clinician_desk.vault import lockout

    record = lockout.load(paths.lockout, SystemClock())
    newest = record.epochs[-1] if record.epochs else None
    with db.read() as conn:
        row = conn.execute(
            "SELECT value FROM settings WHERE key = ?", (UNLOCK_EPOCH_SETTING,)
        ).fetchone()
    stored = None if row is None else str(row[0])
    warnings: tuple[str, ...] = ()
    tampered = not adopt and stored is not None and stored not in record.epochs
    if stored == newest and not tampered:
        return ()
    with db.unit_of_work() as uow:
        if tampered:
            uow.audit("vault.unlock_record_replaced", "vault", None, {"file": paths.lockout.name})
            warnings = (
                f"The record of failed unlock attempts ({paths.lockout.name}) was deleted or "
                "replaced since this vault was last unlocked, so failed passphrase guesses may "
                "have gone uncounted. If you did not do this, change the passphrase with a new "
                "data key (clinician-desk-admin change-passphrase --rotate).",
            )
        if newest is None:
            uow.conn.execute("DELETE FROM settings WHERE key = ?", (UNLOCK_EPOCH_SETTING,))
        else:
            uow.conn.execute(
                "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
                " updated_at = excluded.updated_at",
                (UNLOCK_EPOCH_SETTING, newest, utc_iso(db.clock.now())),
            )
    return warnings


def create_vault_and_open(
    paths: VaultPaths, passphrase: str, *, clock: Clock, kdf: KdfParams | None = None
) -> tuple[Services, str]:
    """Create a new vault (key slots + migrated database) as one step and open it.

    Both files are made in a staging folder beside the profile and moved in only when complete
    (the key-slot file last, since its presence is what makes a vault exist), so a crash never
    leaves key slots without a database. A database already sitting in the profile without key
    slots is moved to ``backups/orphan-<time>/``, never overwritten. Returns the open services
    and the recovery key text (show it once). Raises ``VaultError`` if the profile has a vault.
    """
    from clinician_desk.vault import create_vault

    if paths.keyslots.exists():  # key slots make a vault; a lone database is an orphan
        raise VaultError(
            M(
                "A vault already exists for profile '{profile}'; choose another profile.",
                profile=paths.profile,
            )
        )
    finish_interrupted_restore(paths)
    from clinician_desk.vault.atomic import ensure_private_dir

    ensure_private_dir(paths.profile_dir.parent)
    staging = VaultPaths(paths.profile_dir.parent / f".{paths.profile}.init-{token_hex(4)}")
    key, recovery = create_vault(staging, passphrase, clock=clock, kdf=kdf)
    try:
        Database.open(staging.database, key, clock=clock, create=True).close()
        _install_new_vault(staging, paths, clock)
    except BaseException:
        key.wipe()
        shutil.rmtree(staging.profile_dir, ignore_errors=True)
        raise
    try:
        return build_services(paths, key, clock), recovery
    except BaseException:
        key.wipe()
        raise


def _install_new_vault(staging: VaultPaths, paths: VaultPaths, clock: Clock) -> None:
    if not paths.profile_dir.exists():
        os.rename(staging.profile_dir, paths.profile_dir)
        fsync_dir(paths.profile_dir.parent)
        return
    db = paths.database
    leftovers = [
        p
        for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), headmark.sidecar_path(db))
        if p.exists()
    ]
    if leftovers:
        stamp = utc_iso(clock.now()).replace(":", "").replace("-", "")
        orphan = paths.backups_dir / f"orphan-{stamp}"
        orphan.mkdir(mode=0o700, parents=True, exist_ok=True)
        for item in leftovers:
            os.rename(item, orphan / item.name)
    paths.lockout.unlink(missing_ok=True)  # failures counted against an older vault
    os.replace(staging.database, paths.database)
    staged_head = headmark.sidecar_path(staging.database)
    if staged_head.exists():  # the new vault's audit-head record goes with it (issue 15)
        os.replace(staged_head, headmark.sidecar_path(paths.database))
    os.replace(staging.keyslots, paths.keyslots)
    fsync_dir(paths.profile_dir)
    shutil.rmtree(staging.profile_dir, ignore_errors=True)


@dataclass(frozen=True)
class RotationResult:
    """What ``rotate_data_key`` did: the new services, the new recovery key text (show it
    once), and whether the county escrow slot had to be dropped (re-enrol the device)."""

    services: Services
    recovery_text: str
    escrow_dropped: bool


def rotate_data_key(
    services: Services,
    passphrase: str,
    *,
    kdf: KdfParams | None = None,
    reason: str = "rotate-key",
) -> RotationResult:
    """Re-encrypt the open vault under a fresh data key and re-seal every key slot around it.

    ``passphrase`` becomes the passphrase slot's secret (the current one, or a new one already
    checked by the caller). A new recovery key is made (the old one stops working); the escrow
    slot is re-sealed to the county key stored at enrolment. Needs the vault exclusively: while
    another program has it open this raises ``VaultInUseError`` and nothing changes. Any failure
    before the switch leaves the old vault and its key as they were (``services`` stays open);
    ``services`` is closed on success and the returned ones are open with the new key.
    See ``vault.rotation`` for the crash-safe switch and ``storage.rekey`` for the copy.
    """
    from clinician_desk.storage.rekey import export_reencrypted
    from clinician_desk.vault import DataKey as VaultDataKey
    from clinician_desk.vault.rotation import (
        abandon_rotation,
        commit_rotation,
        finish_interrupted_rotation,
        partial_database,
        seal_new_slots,
    )

    lock = services.use_lock
    if lock is None or not lock.held or not lock.try_upgrade():
        raise VaultInUseError(
            M(
                "Cannot change the data key: the vault of profile '{profile}' is also "
                "open in another clinician-desk program. Close it, then try again. "
                "Nothing was changed.",
                profile=services.paths.profile,
            )
        )
    paths, clock = services.paths, services.clock
    old_key = services.key
    new_key = VaultDataKey.generate()
    committed = False
    try:
        if services.db.integrity_warnings:
            raise VaultError(
                "The vault has unresolved integrity warnings; run clinician-desk-admin verify "
                "before changing the key. Nothing was changed."
            )
        with services.db.read() as conn:
            row = conn.execute("SELECT escrow_public_key FROM sync_device WHERE id = 1").fetchone()
        escrow_public = base64.b64decode(row[0]) if row is not None and row[0] else None
        abandon_rotation(paths)  # leftovers of an attempt that failed before its commit point
        slots = seal_new_slots(
            paths,
            old_key,  # type: ignore[arg-type]
            new_key,
            passphrase,
            escrow_public_key=escrow_public,
            clock=clock,
            kdf=kdf,
        )
        export_reencrypted(services.db, partial_database(paths), new_key.raw)
        services.db.close()  # folds and removes the WAL; no connection holds the old key
        try:
            commit_rotation(paths, slots)
            committed = True
        except BaseException:
            finish_interrupted_rotation(paths)
            from clinician_desk.vault.keyfile import read_keyslot_file
            from clinician_desk.vault.slots import key_matches

            current = read_keyslot_file(paths.keyslots)
            committed = key_matches(new_key.raw, current.vault_id, current.key_check)
            raise
    except BaseException:
        if committed:
            old_key.wipe()
            services.key = new_key
        else:
            new_key.wipe()
            abandon_rotation(paths)
        lock.downgrade()
        if services.db.closed:  # failed during the switch: the session must unlock again
            services.close()
        raise
    old_key.wipe()
    fresh = build_services(paths, new_key, clock, use_lock=lock)
    fresh.owns_lock = services.owns_lock
    services.owns_lock = False
    services.close()
    lock.downgrade()
    resealed = escrow_public is not None and not slots.escrow_dropped
    with fresh.db.unit_of_work() as uow:
        uow.audit(
            "vault.key_rotated",
            "vault",
            None,
            {"reason": reason, "escrow_resealed": resealed},
        )
    return RotationResult(fresh, slots.recovery_text, slots.escrow_dropped)


def restore_vault_from_backup(
    paths: VaultPaths, src: Path, passphrase: str, clock: Clock
) -> RestoreResult:
    """Replace the vault at ``paths`` with backup ``src`` (the admin CLI's ``restore``; the
    desktop app calls it after locking). ``passphrase`` is the backup's own; wrong ones count
    against the live profile's backoff. Needs the vault exclusively; nothing changes on any
    error; the replaced vault is kept under ``backups/``. Audited as ``vault.restored``."""
    from clinician_desk.storage.backup import restore_backup
    from clinician_desk.vault import unlock_vault
    from clinician_desk.vault.filelock import hold_vault_exclusively

    keys: list[DataKey] = []

    def unlock(staged: VaultPaths) -> DataKey:
        key = unlock_vault(staged, passphrase, attempts=paths)
        keys.append(key)
        return key

    lock = hold_vault_exclusively(paths.profile_dir, M("restore a backup"))
    try:
        result = restore_backup(src, paths, unlock, clock=clock)
        services = build_services(paths, keys[-1], clock, use_lock=lock, adopt_unlock_record=True)
        try:
            with services.db.unit_of_work() as uow:
                uow.audit(
                    "vault.restored", "vault", None, {"backup_created_at": result.header.created_at}
                )
        finally:
            services.db.close()
    finally:
        for key in keys:
            key.wipe()
        lock.release()
    return result
