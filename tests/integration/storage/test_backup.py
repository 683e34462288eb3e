"""Backup containers: written atomically and verified; restore refuses foreign or damaged
files and leaves the live vault untouched until the restored copy checked out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.config import VaultPaths
from clinician_desk.errors import CorruptionError, IntegrityError, WrongPassphraseError
from clinician_desk.storage import Database
from clinician_desk.storage.backup import restore_backup, write_backup
from clinician_desk.storage.backup_format import MAGIC, read_container

KEYSLOTS = b"synthetic key-slot file for tests"


def _vault(tmp_path: Path, name: str, key: bytes, marker: str) -> VaultPaths:
    paths = VaultPaths(tmp_path / "profiles" / name)
    db = Database.open(paths.database, key, clock=FakeClock(), create=True)
    with db.unit_of_work() as uow:
        uow.conn.execute("INSERT INTO settings VALUES ('marker', ?, 'now')", (marker,))
        uow.audit("setting.changed", "setting", "marker")
    db.close()
    paths.keyslots.write_bytes(KEYSLOTS + marker.encode())
    return paths


def _backup(paths: VaultPaths, key: bytes, dest: Path) -> None:
    db = Database.open(paths.database, key, clock=FakeClock())
    try:
        write_backup(db, paths.keyslots, dest)
    finally:
        db.close()


def _marker(paths: VaultPaths, key: bytes) -> str:
    db = Database.open(paths.database, key, clock=FakeClock())
    try:
        with db.read() as conn:
            return str(conn.execute("SELECT value FROM settings WHERE key='marker'").fetchone()[0])
    finally:
        db.close()


def test_backup_then_restore_over_a_changed_vault(tmp_path: Path) -> None:
    key = os.urandom(32)
    paths = _vault(tmp_path, "default", key, "first")
    dest = tmp_path / "out" / "vault.cdbackup"
    _backup(paths, key, dest)
    header = read_container(dest)
    assert header.schema_version >= 1
    assert not (dest.parent / (dest.name + ".partial")).exists()
    assert sorted(p.name for p in dest.parent.iterdir()) == ["vault.cdbackup"]
    data = dest.read_bytes()
    assert data.startswith(MAGIC)
    assert b"CREATE TABLE" not in data  # the database inside is encrypted

    db = Database.open(paths.database, key, clock=FakeClock())
    with db.unit_of_work() as uow:
        uow.conn.execute("UPDATE settings SET value = 'second' WHERE key = 'marker'")
    db.close()

    seen: list[Path] = []

    def unlock(staged: VaultPaths) -> bytes:
        seen.append(staged.keyslots)
        assert staged.keyslots.read_bytes() == KEYSLOTS + b"first"
        return key

    result = restore_backup(dest, paths, unlock, clock=FakeClock())
    assert seen and seen[0].parent != paths.profile_dir
    assert _marker(paths, key) == "first"
    assert paths.keyslots.read_bytes() == KEYSLOTS + b"first"
    assert result.replaced is not None
    kept = VaultPaths(result.replaced)
    assert _marker(kept, key) == "second"  # the replaced vault is kept, not deleted
    leftovers = [p.name for p in paths.profile_dir.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_restore_onto_a_fresh_machine(tmp_path: Path) -> None:
    key = os.urandom(32)
    paths = _vault(tmp_path / "old", "default", key, "carried")
    dest = tmp_path / "b.cdbackup"
    _backup(paths, key, dest)
    fresh = VaultPaths(tmp_path / "new" / "profiles" / "default")
    result = restore_backup(dest, fresh, lambda _p: key, clock=FakeClock())
    assert result.replaced is None
    assert _marker(fresh, key) == "carried"


def _live_snapshot(paths: VaultPaths) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(paths.profile_dir.iterdir()) if p.is_file()}


@pytest.mark.parametrize(
    "damage",
    ["garbage", "empty", "truncated", "bitflip", "appended", "wrong_magic", "plain_db"],
)
def test_damaged_backup_is_refused_and_live_vault_untouched(tmp_path: Path, damage: str) -> None:
    key = os.urandom(32)
    paths = _vault(tmp_path, "default", key, "live")
    dest = tmp_path / "b.cdbackup"
    _backup(paths, key, dest)
    data = dest.read_bytes()
    if damage == "garbage":
        data = os.urandom(5000)
    elif damage == "empty":
        data = b""
    elif damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "bitflip":
        pos = len(data) - 3000
        data = data[:pos] + bytes([data[pos] ^ 0x10]) + data[pos + 1 :]
    elif damage == "appended":
        data += b"extra"
    elif damage == "wrong_magic":
        data = b"XXXXXXXX" + data[8:]
    elif damage == "plain_db":
        data = paths.database.read_bytes()
    dest.write_bytes(data)
    before = _live_snapshot(paths)
    called: list[int] = []
    with pytest.raises(CorruptionError, match=r"b\.cdbackup is not a usable clinician-desk"):
        restore_backup(dest, paths, lambda _p: called.append(1) or key, clock=FakeClock())
    assert called == []
    assert _live_snapshot(paths) == before
    assert [p.name for p in paths.profile_dir.parent.iterdir()] == ["default"]


def test_wrong_passphrase_for_backup_leaves_live_vault(tmp_path: Path) -> None:
    key = os.urandom(32)
    paths = _vault(tmp_path, "default", key, "live")
    dest = tmp_path / "b.cdbackup"
    _backup(paths, key, dest)
    before = _live_snapshot(paths)

    def refuse(_p: VaultPaths) -> bytes:
        raise WrongPassphraseError("The passphrase is not right.")

    with pytest.raises(WrongPassphraseError):
        restore_backup(dest, paths, refuse, clock=FakeClock())
    assert _live_snapshot(paths) == before
    assert [p.name for p in paths.profile_dir.parent.iterdir()] == ["default"]


def test_backup_key_not_matching_database_is_corruption(tmp_path: Path) -> None:
    key = os.urandom(32)
    paths = _vault(tmp_path, "default", key, "live")
    dest = tmp_path / "b.cdbackup"
    _backup(paths, key, dest)
    before = _live_snapshot(paths)
    with pytest.raises(CorruptionError):
        restore_backup(dest, paths, lambda _p: os.urandom(32), clock=FakeClock())
    assert _live_snapshot(paths) == before


def test_interrupted_backup_leaves_no_file_named_like_a_backup(tmp_path: Path) -> None:
    key = os.urandom(32)
    paths = _vault(tmp_path, "default", key, "live")
    dest = tmp_path / "b.cdbackup"
    paths.keyslots.unlink()  # reading the key slots fails half-way through the backup
    with pytest.raises(FileNotFoundError):
        _backup(paths, key, dest)
    assert list(tmp_path.glob("*b.cdbackup*")) == []


def test_well_framed_backup_with_damaged_database_is_refused(tmp_path: Path) -> None:
    """The framing checks out but the database inside is damaged: the staged copy fails to
    verify, nothing is swapped in."""
    from clinician_desk.storage.backup_format import BackupHeader, describe, write_container

    key = os.urandom(32)
    paths = _vault(tmp_path, "default", key, "live")
    bad_db = tmp_path / "bad.db"
    data = bytearray(paths.database.read_bytes())
    data[len(data) - 100] ^= 0x04  # inside the last page
    bad_db.write_bytes(bytes(data))
    dest = tmp_path / "b.cdbackup"
    header = BackupHeader(
        "2026-09-14T15:00:00Z",
        1,
        "0.1.0",
        (describe(bad_db, "vault.db"), describe(paths.keyslots, "vault.keys")),
    )
    write_container(dest, header, {"vault.db": bad_db, "vault.keys": paths.keyslots})
    before = _live_snapshot(paths)
    with pytest.raises((CorruptionError, IntegrityError)):
        restore_backup(dest, paths, lambda _p: key, clock=FakeClock())
    assert _live_snapshot(paths) == before
    assert [p.name for p in paths.profile_dir.parent.iterdir()] == ["default"]


def test_crash_between_the_two_renames_is_repaired(tmp_path: Path) -> None:
    from clinician_desk.storage.backup import finish_interrupted_restore

    key = os.urandom(32)
    paths = _vault(tmp_path, "default", key, "old")
    parent = paths.profile_dir.parent
    os.rename(paths.profile_dir, parent / ".default.replaced-20260914T150000Z-ab12")
    (parent / ".default.restore-1234").mkdir()  # an unfinished staging folder
    finish_interrupted_restore(paths)
    assert sorted(p.name for p in parent.iterdir()) == ["default"]
    assert _marker(paths, key) == "old"
    # swap done but the old vault not yet filed away: it goes into backups/
    os.makedirs(parent / ".default.replaced-20260914T160000Z-cd34")
    finish_interrupted_restore(paths)
    assert sorted(p.name for p in parent.iterdir()) == ["default"]
    assert (paths.backups_dir / "default.replaced-20260914T160000Z-cd34").is_dir()
