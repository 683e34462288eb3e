"""Backing up and restoring a whole vault (database + key slots) through one container file.

``write_backup`` snapshots the open database (encrypted, same key), checks the copy
(``cipher_integrity_check``, ``quick_check``, foreign keys, audit chain), packs it with the
key-slot file into ``FILE.partial``, fsyncs, re-reads the container and only then renames it to
``FILE``. ``restore_backup`` checks the container, unpacks it into a staging folder beside the
profile, lets the caller unlock the *backup's* key slots, opens and verifies the staged database,
and only then swaps the staging folder in for the live profile. The replaced vault is kept in
``backups/replaced-<time>/`` of the restored profile; nothing is deleted. Any failure before the
swap leaves the live vault untouched.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from clinician_desk import __version__
from clinician_desk.clock import Clock, utc_iso
from clinician_desk.config import VaultPaths
from clinician_desk.errors import IntegrityError, StorageError
from clinician_desk.messages import M
from clinician_desk.storage import backup_format
from clinician_desk.storage.backup_format import BackupHeader
from clinician_desk.storage.connection import KeyLike
from clinician_desk.storage.database import Database
from clinician_desk.storage.snapshot import fsync_dir


@dataclass(frozen=True)
class RestoreResult:
    header: BackupHeader
    replaced: Path | None  # where the previous vault was put aside, if there was one


def write_backup(db: Database, keyslots: Path, dest: Path) -> BackupHeader:
    """Write a verified backup of ``db`` and the key-slot file ``keyslots`` to ``dest``."""
    dest = Path(dest)
    if dest.is_dir():
        raise StorageError(M("{dest} is a folder; name a backup file instead.", dest=dest))
    dest.parent.mkdir(parents=True, exist_ok=True)
    tag = secrets.token_hex(4)
    copy = dest.with_name(f".{dest.name}.{tag}.db")
    partial = dest.with_name(dest.name + ".partial")
    try:
        db.snapshot_to(copy)
        problems, version = db.check_copy(copy)
        if problems:
            raise IntegrityError(
                "The vault has problems, so no backup was written: "
                + "; ".join(problems[:3])
                + " (run clinician-desk-admin verify)."
            )
        header = BackupHeader(
            created_at=utc_iso(db.clock.now()),
            schema_version=version,
            app_version=__version__,
            parts=(
                backup_format.describe(copy, "vault.db"),
                backup_format.describe(keyslots, "vault.keys"),
            ),
        )
        backup_format.write_container(partial, header, {"vault.db": copy, "vault.keys": keyslots})
        backup_format.read_container(partial)  # re-read what reached the disk
        os.replace(partial, dest)
        fsync_dir(dest.parent)
        return header
    finally:
        for leftover in (copy, partial, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
            leftover.unlink(missing_ok=True)


def restore_backup(
    src: Path,
    live: VaultPaths,
    unlock: Callable[[VaultPaths], KeyLike],
    *,
    clock: Clock,
) -> RestoreResult:
    """Replace the vault at ``live`` with the one in backup ``src``.

    ``unlock(staged_paths)`` must return the data key from the backup's own key slots (for
    example ``lambda p: unlock_vault(p, passphrase)``); its errors propagate and nothing changes.
    The live database must not be open in this process.
    """
    src = Path(src)
    if not src.exists():
        raise StorageError(M("There is no backup file {src}.", src=src))
    finish_interrupted_restore(live)
    backup_format.read_container(src)  # refuse foreign/truncated files before touching disk
    parent = live.profile_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = VaultPaths(parent / f".{live.profile}.restore-{secrets.token_hex(4)}")
    staging.profile_dir.mkdir(mode=0o700)
    try:
        header = backup_format.read_container(src, extract_to=staging.profile_dir)
        key = unlock(staging)
        staged_db = Database.open(staging.database, key, clock=clock, fresh_head=True)
        try:
            problems = staged_db.verify()
        finally:
            staged_db.close()
        if problems:
            raise IntegrityError(
                "The database inside the backup has problems; nothing was restored: "
                + "; ".join(problems[:3])
            )
        for extra in (staging.lockout, Path(f"{staging.database}-wal")):
            extra.unlink(missing_ok=True)
        replaced = _swap_in(staging.profile_dir, live, clock)
    except BaseException:
        shutil.rmtree(staging.profile_dir, ignore_errors=True)
        raise
    return RestoreResult(header=header, replaced=replaced)


def _swap_in(staged: Path, live: VaultPaths, clock: Clock) -> Path | None:
    """Put the staged profile folder in place of the live one; keep the old one inside it."""
    stamp = utc_iso(clock.now()).replace(":", "").replace("-", "")
    target = live.profile_dir
    if not target.exists():
        os.rename(staged, target)
        fsync_dir(target.parent)
        return None
    aside = target.parent / f".{live.profile}.replaced-{stamp}-{secrets.token_hex(2)}"
    os.rename(target, aside)
    try:
        os.rename(staged, target)
    except OSError:
        os.rename(aside, target)  # put the live vault back exactly as it was
        raise
    fsync_dir(target.parent)
    # Carry the old backups folder over, then file the replaced vault inside it.
    new_backups = live.backups_dir
    old_backups = aside / new_backups.name
    if old_backups.is_dir():
        new_backups.mkdir(mode=0o700, exist_ok=True)
        for item in old_backups.iterdir():
            dest = new_backups / item.name
            if not dest.exists():
                os.rename(item, dest)
    new_backups.mkdir(mode=0o700, exist_ok=True)
    kept = new_backups / f"replaced-{stamp}"
    os.rename(aside, kept)
    fsync_dir(target.parent)
    return kept


def finish_interrupted_restore(live: VaultPaths) -> None:
    """Repair what a crash in the middle of a restore (or an init) left beside the profile.

    Staging folders are incomplete copies and are removed. A vault put aside just before the
    swap goes back in place when the profile folder is missing (the old vault is restored), or
    into ``backups/`` when the swap had completed. Safe to call at any time; does nothing
    when there is nothing to repair.
    """
    parent = live.profile_dir.parent
    if not parent.is_dir():
        return
    for pattern in (f".{live.profile}.restore-*", f".{live.profile}.init-*"):
        for staging in parent.glob(pattern):  # incomplete: never shown to anyone as a vault
            shutil.rmtree(staging, ignore_errors=True)
    aside = sorted(parent.glob(f".{live.profile}.replaced-*"))
    for index, folder in enumerate(aside):
        if not live.profile_dir.exists() and index == len(aside) - 1:
            os.rename(folder, live.profile_dir)
        else:
            live.backups_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.rename(folder, live.backups_dir / folder.name.removeprefix("."))
    fsync_dir(parent)
