"""Two programs copying one vault to the same backup name at once (the app and the CLI both
upgrading it in the same second) must both succeed, never trip over each other's partial file.
Found by the corruption torture, whose workers migrate many copies in one folder."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.errors import StorageError
from clinician_desk.storage import Database
from clinician_desk.storage.connection import connect
from clinician_desk.storage.snapshot import snapshot

KEY = bytes(range(32))


def test_concurrent_copies_to_one_name_both_succeed(tmp_path: Path) -> None:
    Database.open(tmp_path / "vault.db", KEY, clock=FakeClock(), create=True).close()
    dest = tmp_path / "backups" / "pre-migration-v0001-20260914T150000Z.db"

    def copy(_: int) -> None:
        conn = connect(tmp_path / "vault.db", KEY)
        try:
            for _round in range(5):
                snapshot(conn, dest, KEY)
        finally:
            conn.close()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(copy, range(4)))
    assert sorted(p.name for p in dest.parent.iterdir()) == [dest.name]
    check = connect(dest, KEY)
    assert check.execute("PRAGMA user_version").fetchone()[0] >= 1
    check.close()


def test_an_unwritable_destination_is_a_storage_error(tmp_path: Path) -> None:
    Database.open(tmp_path / "vault.db", KEY, clock=FakeClock(), create=True).close()
    (tmp_path / "blocked").write_text("a file where the folder should be")
    conn = connect(tmp_path / "vault.db", KEY)
    try:
        with pytest.raises(StorageError, match="Could not write the copy"):
            snapshot(conn, tmp_path / "blocked" / "copy.db", KEY)
    finally:
        conn.close()
