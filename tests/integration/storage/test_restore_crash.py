"""SIGKILL in the middle of ``restore``: afterwards the profile holds either the old or the
restored vault, whole and verified — never a mix and never nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.config import VaultPaths
from clinician_desk.storage import Database
from clinician_desk.storage.backup import finish_interrupted_restore, write_backup


def _set_marker(paths: VaultPaths, key: bytes, value: str) -> None:
    db = Database.open(paths.database, key, clock=FakeClock(), create=True)
    with db.unit_of_work() as uow:
        uow.conn.execute(
            "INSERT INTO settings VALUES ('marker', ?, 'now')"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (value,),
        )
    db.close()


@pytest.mark.slow
def test_kill_during_restore_leaves_old_or_new_vault(tmp_path: Path) -> None:
    rng = random.Random(5)
    key = os.urandom(32)
    paths = VaultPaths(tmp_path / "profiles" / "default")
    _set_marker(paths, key, "restored")
    paths.keyslots.write_bytes(b"synthetic slots")
    backup = tmp_path / "b.cdbackup"
    db = Database.open(paths.database, key, clock=FakeClock())
    write_backup(db, paths.keyslots, backup)
    db.close()
    seen = set()
    for _ in range(8):
        _set_marker(paths, key, "old")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.storage.restore_child",
                str(backup),
                str(paths.profile_dir),
                key.hex(),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        finish_interrupted_restore(paths)
        assert [p.name for p in paths.profile_dir.parent.iterdir()] == ["default"]
        db = Database.open(paths.database, key, clock=FakeClock())
        try:
            marker = db.conn.execute("SELECT value FROM settings WHERE key='marker'").fetchone()
            assert db.verify() == []
        finally:
            db.close()
        assert marker[0] in {"old", "restored"}
        assert paths.keyslots.read_bytes() == b"synthetic slots"
        seen.add(marker[0])
    assert seen  # at least one outcome observed; both are fine
