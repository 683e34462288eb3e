"""Vault care an unlocked session can do itself: back up, change the passphrase.

The desktop app reaches storage only through the services (an import-linter contract), so these
wrap ``clinician_desk.storage.backup.write_backup`` and ``clinician_desk.vault.change_passphrase``
with the same audit entries the admin CLI writes (no file names or secrets in them).
"""

from __future__ import annotations

from pathlib import Path

from clinician_desk.config import VaultPaths
from clinician_desk.storage import Database
from clinician_desk.storage.backup import write_backup
from clinician_desk.storage.backup_format import BackupHeader
from clinician_desk.vault import DataKey, change_passphrase


def backup_vault(db: Database, paths: VaultPaths, dest: Path) -> BackupHeader:
    """Write a verified, encrypted backup of the open vault to ``dest`` (audited)."""
    with db.unit_of_work() as uow:
        uow.audit("vault.backed_up", "vault", None, None)
    return write_backup(db, paths.keyslots, Path(dest))


def change_vault_passphrase(
    db: Database, paths: VaultPaths, key: DataKey, new_passphrase: str
) -> None:
    """Re-wrap the data key under ``new_passphrase`` (only the key-slot file changes; audited)."""
    change_passphrase(paths, key, new_passphrase, clock=db.clock)
    with db.unit_of_work() as uow:
        uow.audit("vault.passphrase_changed", "vault", None, None)
