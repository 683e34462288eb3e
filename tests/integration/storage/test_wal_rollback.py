"""A damaged WAL frame must not silently roll back committed work (docs/design/security.md: 0 silent
wrong reads).

SQLite's WAL recovery stops at the first bad frame and drops every later commit without a word.
The audit-head sidecar (``storage.headmark``) turns that into a warning naming the file and how
many changes are missing. Real SQLCipher files: commits are made, the files are copied as they
lie on disk while the writer is still open (what a crash or power cut leaves), one frame of the
last commit is damaged, and the copy is reopened. The opposite case — the sidecar lagging the
database after a kill between COMMIT and the sidecar write — must stay silent.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.storage import Database
from clinician_desk.storage.headmark import sidecar_path
from clinician_desk.storage.migrations_runner import head_version

KEY = bytes(range(32))
PAGE = 4096
FRAME = 24 + PAGE


def _save(db: Database, name: str) -> None:
    with db.unit_of_work() as uow:
        uow.conn.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?, 'synthetic', 'x')", (name,)
        )
        uow.audit("probe.saved", "probe", name)


def _copy_as_on_disk(src: Path, dest_dir: Path, *, sidecar_from: Path | None = None) -> Path:
    dest_dir.mkdir()
    dest = dest_dir / src.name
    shutil.copy(src, dest)
    shutil.copy(f"{src}-wal", f"{dest}-wal")
    shutil.copy(sidecar_from or sidecar_path(src), sidecar_path(dest))
    return dest


@pytest.fixture
def db(tmp_path: Path) -> Database:
    path = tmp_path / "live" / "vault.db"
    db = Database.open(path, KEY, clock=FakeClock(), create=True)
    _save(db, "first")
    db.checkpoint()  # "first" is in the main file; what follows lives only in the WAL
    return db


def _settings(path: Path) -> set[str]:
    db = Database.open(path, KEY, clock=FakeClock())
    try:
        return {str(r[0]) for r in db.conn.execute("SELECT key FROM settings")}
    finally:
        db.close()


def test_a_damaged_frame_of_a_later_commit_is_reported_not_silent(
    db: Database, tmp_path: Path
) -> None:
    _save(db, "second")
    _save(db, "third")
    copy = _copy_as_on_disk(db.path, tmp_path / "crashed")
    db.close()
    wal = Path(f"{copy}-wal")
    frames = (wal.stat().st_size - 32) // FRAME
    assert frames >= 2
    with wal.open("r+b") as handle:  # one byte inside the page of the last frame ("third")
        handle.seek(32 + (frames - 1) * FRAME + 24 + 200)
        byte = handle.read(1)
        handle.seek(-1, os.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0x40]))

    reopened = Database.open(copy, KEY, clock=FakeClock())
    try:
        warnings = reopened.integrity_warnings
        names = {str(r[0]) for r in reopened.conn.execute("SELECT key FROM settings")}
    finally:
        reopened.close()
    assert "third" not in names, "the damage really rolled the commit back"
    assert len(warnings) == 1
    assert f"{copy.name} in {copy.parent}" in warnings[0]
    assert "older than its last recorded state (1 changes missing)" in warnings[0]
    assert "clinician-desk-admin restore" in warnings[0]

    # The evidence survives further use until the loss is accepted (which is audited).
    again = Database.open(copy, KEY, clock=FakeClock())
    try:
        _save(again, "after the damage")
    finally:
        again.close()
    again = Database.open(copy, KEY, clock=FakeClock())
    try:
        # the migrations' entries (head - 6), "second", "third": the lost entry is the last
        lost = head_version() - 6 + 3
        assert f"audit entry {lost} differs" in again.integrity_warnings[0], "evidence kept"
        assert again.accept_missing_changes() is None  # cannot be counted any more
        actions = [str(r[0]) for r in again.conn.execute("SELECT action FROM audit_log")]
        assert actions[-1] == "vault.missing_changes_accepted"
    finally:
        again.close()
    clean = Database.open(copy, KEY, clock=FakeClock())
    try:
        assert clean.integrity_warnings == ()
        assert clean.verify() == []
    finally:
        clean.close()


def test_a_sidecar_that_lags_the_database_is_not_damage(db: Database, tmp_path: Path) -> None:
    # A kill -9 after COMMIT but before the sidecar write: the sidecar is older than the data.
    stale = tmp_path / "stale-head"
    shutil.copy(sidecar_path(db.path), stale)
    _save(db, "second")
    _save(db, "third")
    copy = _copy_as_on_disk(db.path, tmp_path / "killed", sidecar_from=stale)
    db.close()
    reopened = Database.open(copy, KEY, clock=FakeClock())
    try:
        assert reopened.integrity_warnings == ()
    finally:
        reopened.close()
    assert {"first", "second", "third"} <= _settings(copy)


@pytest.mark.parametrize("sidecar", [None, b"", b"cdhead1 garbage\n", b"\x00" * 158])
def test_a_missing_torn_or_foreign_sidecar_is_a_finding_until_accepted(
    db: Database, tmp_path: Path, sidecar: bytes | None
) -> None:
    # Issue 15: deleting vault.db-head is how a rollback would hide, so on a vault that keeps
    # one (schema >= 8) its absence is named, the vault still opens, and accepting clears it.
    _save(db, "second")
    copy = _copy_as_on_disk(db.path, tmp_path / "copy")
    db.close()
    if sidecar is None:
        sidecar_path(copy).unlink()
    else:
        sidecar_path(copy).write_bytes(sidecar)
    reopened = Database.open(copy, KEY, clock=FakeClock())
    try:
        assert len(reopened.integrity_warnings) == 1
        assert "vault.db-head" in reopened.integrity_warnings[0]
        assert {"first", "second"} <= {
            r[0] for r in reopened.conn.execute("SELECT key FROM settings")
        }
        assert reopened.accept_missing_changes() is None  # nothing to count against
        assert reopened.integrity_warnings == ()
    finally:
        reopened.close()
    again = Database.open(copy, KEY, clock=FakeClock())
    try:
        assert again.integrity_warnings == ()
        with again.read() as conn:
            actions = [r[0] for r in conn.execute("SELECT action FROM audit_log")]
        assert actions[-1] == "vault.missing_changes_accepted"
    finally:
        again.close()


def test_a_foreign_sidecar_is_a_finding(db: Database, tmp_path: Path) -> None:
    # A sidecar MACed under another vault's key is foreign: named, not trusted.
    copy = _copy_as_on_disk(db.path, tmp_path / "copy")
    db.close()
    other = Database.open(
        tmp_path / "other" / "vault.db", bytes(32), clock=FakeClock(), create=True
    )
    try:
        _save(other, "x")
    finally:
        other.close()
    shutil.copy(sidecar_path(tmp_path / "other" / "vault.db"), sidecar_path(copy))
    reopened = Database.open(copy, KEY, clock=FakeClock())
    try:
        assert "unreadable" in reopened.integrity_warnings[0]
    finally:
        reopened.close()


def test_a_replaced_database_with_a_different_chain_is_reported(
    db: Database, tmp_path: Path
) -> None:
    before = tmp_path / "before.db"
    db.snapshot_to(before)  # an older copy of the same vault
    _save(db, "second")
    db.close()
    # Someone copies the old database over the live one and works on it: same length, new rows.
    shutil.copy(before, db.path)
    Path(f"{db.path}-wal").unlink(missing_ok=True)
    Path(f"{db.path}-shm").unlink(missing_ok=True)
    reopened = Database.open(db.path, KEY, clock=FakeClock())
    try:
        assert (
            "older than its last recorded state (1 changes missing)"
            in reopened.integrity_warnings[0]
        )
    finally:
        reopened.close()


def test_restoring_an_older_backup_is_not_reported_as_lost_work(tmp_path: Path) -> None:
    from clinician_desk.config import VaultPaths
    from clinician_desk.storage.backup import restore_backup, write_backup

    paths = VaultPaths(tmp_path / "profiles" / "default")
    db = Database.open(paths.database, KEY, clock=FakeClock(), create=True)
    _save(db, "before the backup")
    paths.keyslots.write_bytes(b"synthetic key-slot file for tests")
    write_backup(db, paths.keyslots, tmp_path / "old.cdbackup")
    _save(db, "after the backup")  # the sidecar now records a later head than the backup's
    db.close()
    restore_backup(tmp_path / "old.cdbackup", paths, lambda _p: KEY, clock=FakeClock())
    reopened = Database.open(paths.database, KEY, clock=FakeClock())
    try:
        assert reopened.integrity_warnings == ()  # restoring is deliberate, not damage
    finally:
        reopened.close()
