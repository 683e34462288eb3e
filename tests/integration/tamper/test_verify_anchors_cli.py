"""``clinician-desk-admin verify --anchors`` against a real county server on loopback: clean
after a sync, names a rollback with the number of changes missing, says when it is offline."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from clinician_desk.cli import main
from tests.support.county import DISTRICT, SCHOOLS, CountyServer
from tests.support.vaultkit import PASSPHRASE, Seeder, open_vault


def test_verify_anchors_names_a_rollback_and_works_offline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    county = CountyServer(tmp_path / "county")
    county.start()
    try:
        folder = tmp_path / "laptop"
        v = open_vault(folder)
        seeder = Seeder(v)
        kid = seeder.student("8", SCHOOLS[0])
        seeder.session(date(2026, 8, 3), "TX-IND", 2, SCHOOLS[0], (kid,), 45)
        v.close()
        monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", PASSPHRASE)
        base = ["--data-dir", str(folder)]
        assert (
            main(
                [*base, "enroll", "--server", county.url, "--code", county.issue_code((DISTRICT,))]
            )
            == 0
        )
        assert main([*base, "sync", "--once"]) == 0
        capsys.readouterr()
        assert main([*base, "verify", "--anchors"]) == 0
        assert "anchors: 1 county anchor(s) checked" in capsys.readouterr().out

        database = folder / "profiles" / "default" / "vault.db"
        older = tmp_path / "older.db"
        shutil.copyfile(database, older)  # closed: the WAL is folded in
        v = open_vault_again(folder)
        seeder = Seeder(v)
        seeder.session(date(2026, 8, 5), "TX-IND", 2, SCHOOLS[0], (kid,), 30)
        v.close()
        assert main([*base, "sync", "--once"]) == 0
        capsys.readouterr()
        shutil.copyfile(older, database)
        Path(f"{database}-head").unlink()
        assert main([*base, "verify", "--anchors"]) == 3
        err = capsys.readouterr().err
        assert "county anchors: this vault is older than its last recorded state" in err
        assert "vault.db-head" in err
    finally:
        county.stop()
    assert main([*base, "verify", "--anchors"]) == 3  # the county is gone: offline
    captured = capsys.readouterr()
    assert "could not be fetched" in captured.out and "kept in this vault" in captured.out


def open_vault_again(folder: Path):  # type: ignore[no-untyped-def]
    from clinician_desk.bootstrap import build_services
    from clinician_desk.clock import FakeClock
    from clinician_desk.config import AppPaths
    from clinician_desk.vault import unlock_vault
    from tests.support.vaultkit import Vault

    paths = AppPaths(folder).vault("default")
    clock = FakeClock()
    key = unlock_vault(paths, PASSPHRASE, clock=clock)
    services = build_services(paths, key, clock)
    return Vault(services, services.sync, clock)
