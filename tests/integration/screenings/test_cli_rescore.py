"""``clinician-desk-admin rescore-screenings`` on a real vault keeps the old results."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.config import AppPaths
from clinician_desk.domain.students import StudentInput
from clinician_desk.services.record.service import RecordService
from clinician_desk.services.screenings.service import ScreeningsService
from clinician_desk.services.screenings.use_cases import AdministrationInput
from clinician_desk.storage import Database
from clinician_desk.vault import TEST_KDF, create_vault, unlock_vault
from tests.integration.screenings.conftest import SCHOOL
from tests.support.admin_cli import PASSPHRASE, admin


def test_rescore_command_adds_current_rule_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", PASSPHRASE)
    data_dir = tmp_path / "data"
    paths = AppPaths.from_option(data_dir).vault("default")
    key, _recovery = create_vault(paths, PASSPHRASE, kdf=TEST_KDF)
    db = Database.open(paths.database, key, clock=FakeClock(), create=True)
    sid = RecordService(db).create_student(
        StudentInput(
            "Testy", "McFakeface", date(2012, 1, 2), "8", SCHOOL, consent_basis="parent_consent"
        )
    )
    service = ScreeningsService(db)
    old = service.instruments["GAD-2"]
    service.instruments = dict(service.instruments) | {
        "GAD-2": replace(old, scoring=replace(old.scoring, rule_version="2025.9"))
    }
    done = service.record(AdministrationInput(sid, "GAD-2", date(2026, 9, 1), {"1": 2, "2": 1}))
    db.close()
    key.wipe()

    assert admin(["--data-dir", str(data_dir), "rescore-screenings"]) == 0
    assert "re-scored 1 screening(s)" in capsys.readouterr().out
    assert admin(["--data-dir", str(data_dir), "rescore-screenings"]) == 0
    assert "re-scored 0 screening(s)" in capsys.readouterr().out

    key = unlock_vault(paths, PASSPHRASE)
    db = Database.open(paths.database, key, clock=FakeClock())
    try:
        view = ScreeningsService(db).view(done.screening_id)
        assert [r.rule_version for r in view.results] == ["2025.9", "2026.1"]
    finally:
        db.close()
        key.wipe()
