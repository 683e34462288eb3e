"""``clinician-desk-admin enroll`` publishes the vault's handoff card and ``handoff lookup``
finds a colleague's, against a real county server process on loopback (SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.config import AppPaths
from clinician_desk.demo.generator import DISTRICT, SCHOOLS
from clinician_desk.services.handoff import HandoffService
from clinician_desk.services.profile import set_profile
from clinician_desk.storage import Database
from clinician_desk.storage.repositories import demo as demo_repo
from clinician_desk.vault import TEST_KDF, create_vault
from tests.support.admin_cli import PASSPHRASE, admin
from tests.support.county import DEMO_DISTRICT, CountyServer


def _vault(data_dir: Path, name: str) -> str:
    paths = AppPaths.from_option(data_dir).vault("default")
    key, _recovery = create_vault(paths, PASSPHRASE, kdf=TEST_KDF)
    db = Database.open(paths.database, key, clock=FakeClock(), create=True)
    try:
        with db.unit_of_work() as uow:
            demo_repo.insert_schools(uow.conn, ((c, n, DISTRICT) for c, n, _ in SCHOOLS))
        set_profile(db, display_name=name, credential="PPS")
        return HandoffService(db).whoami().fingerprint
    finally:
        db.close()
        key.wipe()


def test_enroll_publishes_and_lookup_finds_the_colleague(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", PASSPHRASE)
    county = CountyServer(tmp_path / "county")
    county.start()
    try:
        quinn, sky = tmp_path / "quinn", tmp_path / "sky"
        quinn_fp = _vault(quinn, "Quinn Fictional")
        _vault(sky, "Sky Madeup")
        assert admin(["--data-dir", str(sky), "handoff", "lookup", "--name", "quinn"]) == 2
        assert "(clinician-desk-admin enroll)" in capsys.readouterr().err  # the CLI's wording
        for folder in (quinn, sky):
            code = county.issue_code((DEMO_DISTRICT,))
            assert (
                admin(["--data-dir", str(folder), "enroll", "--server", county.url, "--code", code])
                == 0
            )
            assert "Handoff card published" in capsys.readouterr().out
        assert admin(["--data-dir", str(sky), "handoff", "lookup", "--name", "quinn"]) == 0
        shown = capsys.readouterr().out
        assert "Quinn Fictional, PPS" in shown and f"fingerprint: {quinn_fp}" in shown
        assert "The fingerprint is what you trust" in shown
        assert admin(["--data-dir", str(sky), "handoff", "lookup", "--name", "nobody"]) == 0
        assert "no colleague's card matches" in capsys.readouterr().out
        assert admin(["--data-dir", str(sky), "handoff", "lookup"]) == 2
        assert "--name" in capsys.readouterr().err
        assert admin(["--data-dir", str(sky), "handoff", "lookup", "--name", " "]) == 2
        assert "--name" in capsys.readouterr().err  # the CLI's wording, not the app's
        assert admin(["--data-dir", str(sky), "handoff", "lookup", "--school", "12"]) == 2
        assert "14-digit" in capsys.readouterr().err
    finally:
        county.stop()
