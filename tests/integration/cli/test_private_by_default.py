"""Private by default (issue 16, hole 7): the data folder, ``profiles/`` and the profile are
0700, the app's settings file 0600, and ``init`` takes the clinician's name from a file or a
prompt instead of the command line (``--name`` still works, with a deprecation warning).
Before: the folders were 0755, the settings file 0644 (with ``last_profile``), and ``--name``
was required."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.admin_cli import PASSPHRASE, admin

ROOT = Path(__file__).resolve().parents[3]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _settings_name(data: Path) -> str:
    from clinician_desk.bootstrap import build_services
    from clinician_desk.clock import SystemClock
    from clinician_desk.config import AppPaths
    from clinician_desk.vault import unlock_vault

    paths = AppPaths.from_option(data).vault("default")
    services = build_services(paths, unlock_vault(paths, PASSPHRASE), SystemClock())
    try:
        with services.db.read() as conn:
            row = conn.execute("SELECT value FROM settings WHERE key = 'clinician_name'").fetchone()
            return str(row[0])
    finally:
        services.close()


def test_init_makes_every_folder_private_and_reads_the_name_from_a_file(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name_file = tmp_path / "name.txt"
    name_file.write_text("Dr. Fictional Example\n")
    assert admin(["--data-dir", str(data_dir), "init", "--name-file", str(name_file)]) == 0
    assert "deprecated" not in capsys.readouterr().err
    profile = data_dir / "profiles" / "default"
    for folder in (data_dir, data_dir / "profiles", profile):
        assert _mode(folder) == 0o700, folder
    for file in profile.iterdir():
        if file.is_file():
            assert _mode(file) & 0o077 == 0, file
    assert _settings_name(data_dir) == "Dr. Fictional Example"


def test_folders_left_open_by_an_older_version_are_tightened_at_the_next_open(
    vault: object, data_dir: Path
) -> None:
    for folder in (data_dir, data_dir / "profiles", data_dir / "profiles" / "default"):
        folder.chmod(0o755)
    assert admin(["--data-dir", str(data_dir), "verify"]) == 0
    for folder in (data_dir, data_dir / "profiles", data_dir / "profiles" / "default"):
        assert _mode(folder) == 0o700, folder


def test_name_by_prompt_from_piped_input_and_deprecated_flag(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINICIAN_DESK_")}
    env["CLINICIAN_DESK_PASSPHRASE"] = PASSPHRASE
    base = [sys.executable, "-m", "clinician_desk.cli", "--data-dir"]
    piped = subprocess.run(
        [*base, str(tmp_path / "a"), "init"],
        input="Dr. Piped Fictional\n",
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.returncode == 0, piped.stderr
    assert _settings_name(tmp_path / "a") == "Dr. Piped Fictional"
    flagged = subprocess.run(
        [*base, str(tmp_path / "b"), "init", "--name", "Dr. Flag Fictional"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert flagged.returncode == 0, flagged.stderr
    assert "--name is deprecated" in flagged.stderr


def test_a_name_with_terminal_escapes_is_refused(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name_file = tmp_path / "name.txt"
    name_file.write_text("Dr. \x1b]0;PWNED\x07\n")
    assert admin(["--data-dir", str(data_dir), "init", "--name-file", str(name_file)]) == 2
    assert "control character" in capsys.readouterr().err


def test_window_settings_file_is_private(tmp_path: Path) -> None:
    pytest.importorskip("PySide6")
    from ui.settings import WindowSettings

    ini = tmp_path / "clinician-desk" / "clinician-desk.ini"
    ini.parent.mkdir(mode=0o755)
    settings = WindowSettings(ini)
    settings.set_last_profile("dr-fictional")
    assert ini.exists() and _mode(ini) == 0o600
    assert _mode(ini.parent) == 0o700
    assert WindowSettings(ini).last_profile() == "dr-fictional"
