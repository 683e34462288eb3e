"""``clinician-desk-admin retention list|destroy`` on a real vault (fictional students)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinician_desk.cli import build_parser, run
from clinician_desk.clock import FakeClock
from clinician_desk.config import AppPaths, VaultPaths
from clinician_desk.storage import Database
from clinician_desk.vault import TEST_KDF, create_vault

PASSPHRASE = "maple otter 22 harbour"
NOW = "2020-01-01T00:00:00Z"


def admin(paths: VaultPaths, *argv: str) -> int:
    data_dir = paths.profile_dir.parent.parent
    return run(build_parser().parse_args(["--data-dir", str(data_dir), *argv]))


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> VaultPaths:
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", PASSPHRASE)
    paths = AppPaths.from_option(tmp_path / "data").vault("default")
    key, _recovery = create_vault(paths, PASSPHRASE, kdf=TEST_KDF)
    db = Database.open(paths.database, key, clock=FakeClock(), create=True)
    try:
        with db.unit_of_work() as uow:
            uow.conn.execute(
                "INSERT INTO schools VALUES ('99999999999901', 'Fictional Oak (test)',"
                " '99999990000000')"
            )
            for sid, born, ended in ((1, "1990-01-01", "2010-06-01"), (2, "2012-01-01", None)):
                uow.conn.execute(
                    "INSERT INTO students (id, legal_first_name, legal_last_name, date_of_birth,"
                    " grade, school_cds, district_cds, service_ended_on, created_at, updated_at)"
                    " VALUES (?, 'Testy', 'McFakeface', ?, '8', '99999999999901',"
                    " '99999990000000', ?, ?, ?)",
                    (sid, born, ended, NOW, NOW),
                )
                uow.conn.execute(
                    "INSERT INTO guardians (student_id, position, name) VALUES (?, 0, 'Pat Fake')",
                    (sid,),
                )
    finally:
        db.close()
        key.wipe()
    return paths


def test_list_shows_ids_and_dates_and_destroy_needs_confirm(
    vault: VaultPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert admin(vault, "retention", "list") == 0
    listed = capsys.readouterr().out
    assert "student 1: keep until 2017-06-01 (services ended 2010-06-01)" in listed
    assert "student 2" not in listed and "McFakeface" not in listed

    assert admin(vault, "retention", "destroy", "1") == 2
    assert "add --confirm" in capsys.readouterr().err
    assert admin(vault, "retention", "destroy", "2", "--confirm") == 2
    assert "services have not ended" in capsys.readouterr().err

    assert admin(vault, "retention", "destroy", "1", "--confirm") == 0
    done = capsys.readouterr().out
    assert "destroyed the record of student 1" in done and "guardians 1" in done
    assert admin(vault, "retention", "list") == 0
    assert "no record is past its retention date" in capsys.readouterr().out
    assert admin(vault, "verify") == 0
    assert admin(vault, "retention", "destroy", "1", "--confirm") == 2
    assert "already destroyed" in capsys.readouterr().err
    assert admin(vault, "retention", "destroy", "77", "--confirm") == 2
    assert "no student with id 77" in capsys.readouterr().err
