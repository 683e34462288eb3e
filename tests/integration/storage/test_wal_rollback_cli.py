"""``clinician-desk-admin verify`` reports committed changes lost to a damaged WAL, and
``verify --accept-missing-changes`` records the decision (audited) and clears the warning."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clinician_desk.cli import build_parser, run
from clinician_desk.clock import FakeClock
from clinician_desk.config import AppPaths
from clinician_desk.storage import Database
from clinician_desk.vault import TEST_KDF, create_vault

PASSPHRASE = "copper heron 58 meadow"
FRAME = 24 + 4096


def admin(data_dir: Path, *argv: str) -> int:
    return run(build_parser().parse_args(["--data-dir", str(data_dir), "--profile", "copy", *argv]))


def _save(db: Database, name: str) -> None:
    with db.unit_of_work() as uow:
        uow.conn.execute("INSERT INTO settings VALUES (?, 'synthetic', 'x')", (name,))
        uow.audit("probe.saved", "probe", name)


def test_verify_names_lost_changes_until_they_are_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", PASSPHRASE)
    data = tmp_path / "data"
    live = AppPaths.from_option(data).vault("live")
    key, _recovery = create_vault(live, PASSPHRASE, kdf=TEST_KDF)
    db = Database.open(live.database, key, clock=FakeClock(), create=True)
    _save(db, "first")
    db.checkpoint()
    _save(db, "second")
    _save(db, "third")
    copy = AppPaths.from_option(data).vault("copy")  # the files as a power cut leaves them
    copy.profile_dir.mkdir(mode=0o700)
    for name in ("vault.db", "vault.db-wal", "vault.db-head", "vault.keys"):
        shutil.copy(live.profile_dir / name, copy.profile_dir / name)
    db.close()
    wal = copy.profile_dir / "vault.db-wal"
    frames = (wal.stat().st_size - 32) // FRAME
    with wal.open("r+b") as handle:
        handle.seek(32 + (frames - 1) * FRAME + 24 + 64)
        handle.write(b"\xff\x00\xff")

    assert admin(data, "verify") == 3
    err = capsys.readouterr().err
    assert "older than its last recorded state (1 changes missing)" in err and "vault.db" in err
    assert admin(data, "verify", "--accept-missing-changes") == 0
    assert "recorded: 1 missing change(s) accepted" in capsys.readouterr().out
    assert admin(data, "verify") == 0
    db = Database.open(copy.database, key, clock=FakeClock())
    try:
        with db.read() as conn:
            actions = [str(r[0]) for r in conn.execute("SELECT action FROM audit_log")]
    finally:
        db.close()
    assert "vault.missing_changes_accepted" in actions
