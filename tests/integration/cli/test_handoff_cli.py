"""``whoami`` and ``handoff`` through the admin CLI between two real vaults (two data dirs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.config import AppPaths
from clinician_desk.demo.generator import DISTRICT, SCHOOLS
from clinician_desk.storage import Database
from clinician_desk.storage.repositories import demo as demo_repo
from clinician_desk.vault import TEST_KDF, create_vault, unlock_vault
from tests.support.admin_cli import PASSPHRASE, admin


def _make(data_dir: Path, *, schools: bool) -> None:
    paths = AppPaths.from_option(data_dir).vault("default")
    key, _recovery = create_vault(paths, PASSPHRASE, kdf=TEST_KDF)
    Database.open(paths.database, key, clock=FakeClock(), create=True).close()
    key.wipe()
    if schools:
        key = unlock_vault(paths, PASSPHRASE)
        db = Database.open(paths.database, key, clock=FakeClock())
        with db.unit_of_work() as uow:
            demo_repo.insert_schools(uow.conn, ((c, n, DISTRICT) for c, n, _ in SCHOOLS))
        db.close()
        key.wipe()


def _whoami(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    assert admin(["--data-dir", str(data_dir), "whoami"]) == 0
    lines = capsys.readouterr().out.splitlines()
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in lines)}


def test_handoff_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", PASSPHRASE)
    a, b = tmp_path / "a", tmp_path / "b"
    _make(a, schools=False)
    _make(b, schools=True)
    assert admin(["--data-dir", str(a), "demo", "--students", "4", "--sessions", "30"]) == 0
    capsys.readouterr()
    me, them = _whoami(a, capsys), _whoami(b, capsys)
    assert len(me["fingerprint"].split()) == 6 and me["card"].startswith("cdhk1.")
    assert _whoami(a, capsys) == me  # the keys are made once
    assert admin(["--data-dir", str(a), "handoff", "add-contact", them["card"]]) == 0
    assert them["fingerprint"] in capsys.readouterr().out
    assert admin(["--data-dir", str(b), "handoff", "add-contact", me["card"]]) == 0
    package = tmp_path / "out.cdh"
    argv = ["--data-dir", str(a), "handoff", "export", "--students", "1,2", "--to"]
    stranger = "11111 22222 33333 44444 55555 66666"
    assert admin([*argv, stranger, "-o", str(package)]) == 2
    assert "clinician-desk-admin handoff add-contact" in capsys.readouterr().err  # the CLI's words
    assert not package.exists()
    assert admin([*argv, them["fingerprint"], "-o", str(package)]) == 0
    assert "sealed 2 student(s)" in capsys.readouterr().out
    assert package.stat().st_mode & 0o077 == 0
    assert admin([*argv, them["fingerprint"], "-o", str(package)]) == 2  # exists: refused
    capsys.readouterr()
    assert admin(["--data-dir", str(b), "handoff", "inspect", str(package)]) == 0
    assert "a valid package" in capsys.readouterr().out
    assert admin(["--data-dir", str(b), "handoff", "import", str(package)]) == 0
    assert "students here: 1, 2" in capsys.readouterr().out
    assert admin(["--data-dir", str(b), "handoff", "import", str(package)]) == 0
    assert "already imported" in capsys.readouterr().out
    # The sender cannot import its own package (addressed to the colleague).
    assert admin(["--data-dir", str(a), "handoff", "import", str(package)]) == 2
    assert "addressed to another clinician" in capsys.readouterr().err
    assert admin(["--data-dir", str(a), "handoff", "confirm", str(package)]) == 0
    assert "transferred (read-only here): 1, 2" in capsys.readouterr().out
    for d in (a, b):
        assert admin(["--data-dir", str(d), "verify"]) == 0
