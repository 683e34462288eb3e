"""Canary: a unique string written through storage appears in no file under the data dir or
the temp dir in plaintext (UTF-8, UTF-16 LE/BE), whether the WAL was checkpointed or not,
and in neither the live files nor a backup or a pre-migration copy."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.storage import Database
from clinician_desk.storage.backup import write_backup


def _needles(canary: str) -> list[bytes]:
    return [canary.encode("utf-8"), canary.encode("utf-16-le"), canary.encode("utf-16-be")]


def _scan(folders: list[Path], canary: str) -> list[str]:
    hits = []
    scanned = 0
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                scanned += 1
                data = path.read_bytes()
                hits += [f"{path} ({n!r})" for n in _needles(canary) if n in data]
    assert scanned > 0
    return hits


@pytest.mark.parametrize("mode", ["closed", "checkpointed", "open"])
def test_canary_never_in_plaintext(tmp_path: Path, mode: str) -> None:
    canary = f"CANARY-{uuid.uuid4().hex}-Zoë"
    data_dir, temp_dir = tmp_path / "data", tmp_path / "tmp"
    temp_dir.mkdir()
    db_path = data_dir / "profiles" / "default" / "vault.db"
    key = os.urandom(32)
    env = {**os.environ, "TMPDIR": str(temp_dir), "SQLITE_TMPDIR": str(temp_dir)}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.integration.storage.canary_writer",
            str(db_path),
            key.hex(),
            canary,
            mode,
        ],
        env=env,
        check=True,
        timeout=120,
    )
    if mode == "open":
        assert Path(f"{db_path}-wal").stat().st_size > 0  # the canary is (only) in the WAL
    assert _scan([data_dir, temp_dir], canary) == []
    # the scanner itself works: the string reads back through the key
    db = Database.open(db_path, key, clock=FakeClock())
    try:
        value = db.conn.execute("SELECT value FROM settings WHERE key = 'note-7'").fetchone()[0]
        assert canary in value
        write_backup(db, db_path, data_dir / "backup.cdbackup")  # db file stands in for slots
        db.snapshot_to(data_dir / "copy.db")
    finally:
        db.close()
    assert _scan([data_dir, temp_dir], canary) == []
    control = tmp_path / "control"  # the scanner does find a plaintext (UTF-16) copy
    control.mkdir()
    (control / "export.txt").write_text(f"note: {canary}", encoding="utf-16-le")
    assert _scan([control], canary) != []
