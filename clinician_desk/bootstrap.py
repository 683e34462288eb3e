"""Composition root: the only module that knows concrete classes.

After unlock, ``bootstrap`` builds the service façade from ``(paths, data key)``; locking drops
it. Nothing here runs at import time. Each area adds its service object as a field of
``Services`` (and builds it in ``build_services``) with a small targeted edit.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from secrets import token_hex
from typing import TYPE_CHECKING, Protocol

from clinician_desk.clock import Clock, utc_iso
from clinician_desk.config import VaultPaths
from clinician_desk.errors import VaultError
from clinician_desk.events import EventBus
from clinician_desk.services.printing import PrintService
from clinician_desk.services.record import RecordService
from clinician_desk.services.retention import RetentionService
from clinician_desk.services.screenings_service import ScreeningsService
from clinician_desk.services.sync import SyncService
from clinician_desk.storage import Database, headmark
from clinician_desk.storage.backup import finish_interrupted_restore
from clinician_desk.storage.snapshot import fsync_dir

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
    #: Damage found at unlock that does not stop work (a damaged recovery/escrow key slot,
    #: committed changes missing from the database): shown by the UI, listed by ``verify``.
    warnings: tuple[str, ...] = ()

    def close(self) -> None:
        """Close the database and overwrite the key (idempotent)."""
        self.db.close()
        self.key.wipe()


def build_services(
    paths: VaultPaths, key: DataKey, clock: Clock, *, create: bool = False
) -> Services:
    """Open the vault database with ``key`` (migrating it if needed) and build the services.

    ``create=True`` is only for ``init``/demo right after ``create_vault``. On failure the
    key is left to the caller (who still owns it).
    """
    db = Database.open(paths.database, key, clock=clock, create=create)
    events = EventBus()
    try:
        from clinician_desk.vault import check_keyslots

        warnings = check_keyslots(paths, key) if paths.keyslots.exists() else ()
        return Services(
            db=db,
            clock=clock,
            events=events,
            paths=paths,
            key=key,
            record=RecordService(db),
            screenings=ScreeningsService(db),
            sync=SyncService(db, clock, paths, key, events),
            printing=PrintService(db),
            retention=RetentionService(db),
            warnings=(*warnings, *db.integrity_warnings),
        )
    except BaseException:
        db.close()  # a failing service must not leave the database open
        raise


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
            f"A vault already exists for profile '{paths.profile}'; choose another profile."
        )
    finish_interrupted_restore(paths)
    paths.profile_dir.parent.mkdir(parents=True, exist_ok=True)
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
