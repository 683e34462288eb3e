"""Every fixture vault (one per released schema) opens, is backed up and upgrades to head."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.storage import Database
from clinician_desk.storage.connection import connect
from clinician_desk.storage.migrations_runner import head_version
from tests.fixtures.vaults.generate import FIXTURE_KEY, FOLDER

FIXTURES = sorted(FOLDER.glob("v[0-9][0-9][0-9][0-9].db"))


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_fixture_upgrades_to_head_and_verifies(fixture: Path, tmp_path: Path) -> None:
    live = tmp_path / "vault.db"
    shutil.copyfile(fixture, live)
    from_version = int(fixture.stem[1:])
    db = Database.open(live, FIXTURE_KEY, clock=FakeClock())
    try:
        assert db.schema_version == head_version()
        assert db.verify() == []
        with db.read() as conn:
            assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] >= 3
        with db.unit_of_work() as uow:  # the upgraded chain keeps growing cleanly
            uow.audit("fixture.upgraded", "fixture", None, {"from": from_version})
        assert db.verify() == []
    finally:
        db.close()
    backups = list((tmp_path / "backups").glob(f"pre-migration-v{from_version:04d}-*.db"))
    assert len(backups) == (1 if from_version < head_version() else 0)
    if backups:  # the pre-migration copy is itself a working, encrypted vault at the old version
        assert not backups[0].read_bytes().startswith(b"SQLite format 3")
        old = connect(backups[0], FIXTURE_KEY)
        assert old.execute("PRAGMA user_version").fetchone()[0] == from_version
        old.close()
