"""Exclusive access (issue 16, hole 2): while another real process — the desktop app, or a
second ``clinician-desk-admin`` — has the vault open, every command that replaces or rewrites it
(restore, rotate-key, retention destroy, a migration) refuses with one clear line, and the other
process's acknowledged saves all end up in the live vault. Before, ``restore`` ran anyway and
the open program's saves went into ``backups/replaced-*``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clinician_desk.bootstrap import build_services
from clinician_desk.clock import FakeClock, SystemClock
from clinician_desk.config import AppPaths, VaultPaths
from clinician_desk.errors import StorageError
from clinician_desk.storage import Database
from clinician_desk.storage.backup import write_backup
from clinician_desk.storage.migrations_runner import head_version
from clinician_desk.vault import TEST_KDF, create_vault, unlock_vault
from clinician_desk.vault.filelock import (
    VaultInUseError,
    hold_vault_exclusively,
    hold_vault_shared,
)

PASSPHRASE = "violet kettle under 19 moons"
ROOT = Path(__file__).resolve().parents[3]
CLI = [sys.executable, "-m", "clinician_desk.cli"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINICIAN_DESK_")}
    env["CLINICIAN_DESK_PASSPHRASE"] = PASSPHRASE
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.fixture
def vault(tmp_path: Path) -> tuple[Path, VaultPaths, Path]:
    """A vault with one saved row, and a backup of it."""
    data = tmp_path / "data"
    paths = AppPaths.from_option(data).vault("default")
    key, _recovery = create_vault(paths, PASSPHRASE, kdf=TEST_KDF)
    Database.open(paths.database, key, clock=FakeClock(), create=True).close()
    services = build_services(paths, key, SystemClock())
    backup = tmp_path / "before.cdbackup"
    try:
        write_backup(services.db, paths.keyslots, backup)
    finally:
        services.close()
    return data, paths, backup


class Holder:
    """A real second process with the vault open (``holder.py``)."""

    def __init__(self, mode: str, where: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.vault.holder", mode, str(where)],
            cwd=ROOT,
            env=_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.expect("open")

    def expect(self, word: str) -> None:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        assert line == word, f"holder said {line!r}, expected {word!r}"

    def send(self, line: str, reply: str | None = None) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        if reply:
            self.expect(reply)

    def quit(self) -> None:
        if self.proc.poll() is None:
            self.send("quit")
        assert self.proc.wait(60) == 0


def _admin(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "--data-dir", str(data), *args],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def _saved(paths: VaultPaths) -> set[str]:
    services = build_services(paths, unlock_vault(paths, PASSPHRASE), SystemClock())
    try:
        with services.db.read() as conn:
            return {str(r[0]) for r in conn.execute("SELECT value FROM settings")}
    finally:
        services.close()


@pytest.mark.parametrize("mode", ["cli", "app"])
def test_restore_refuses_while_another_process_has_the_vault_open_and_no_save_is_lost(
    vault: tuple[Path, VaultPaths, Path], mode: str
) -> None:
    data, paths, backup = vault
    holder = Holder(mode, paths.profile_dir if mode == "cli" else data)
    try:
        holder.send("write ACK-before-restore", "written")
        proc = _admin(data, "restore", str(backup))
        assert proc.returncode == 2
        assert "open in clinician-desk" in _one_line(proc)
        holder.send("write ACK-after-refused-restore", "written")
        holder.send("lock", "locked")
    finally:
        holder.quit()
    assert {"ACK-before-restore", "ACK-after-refused-restore"} <= _saved(paths)
    assert not list(paths.backups_dir.glob("replaced-*"))
    # Once nothing has it open, the restore goes ahead.
    assert _admin(data, "restore", str(backup)).returncode == 0
    assert "ACK-before-restore" not in _saved(paths)


def test_rotate_key_and_retention_destroy_refuse_while_the_app_has_the_vault_open(
    vault: tuple[Path, VaultPaths, Path],
) -> None:
    data, paths, _backup = vault
    before = paths.keyslots.read_bytes()
    holder = Holder("app", data)
    try:
        for args in (["rotate-key"], ["retention", "destroy", "1", "--confirm"]):
            proc = _admin(data, *args)
            assert proc.returncode == 2, proc.stderr
            assert "also open in another clinician-desk program" in _one_line(proc)
        holder.send("write ACK-app", "written")
    finally:
        holder.quit()
    assert paths.keyslots.read_bytes() == before
    assert "ACK-app" in _saved(paths)


def test_a_second_reader_may_open_the_vault_but_not_while_it_is_replaced(
    vault: tuple[Path, VaultPaths, Path],
) -> None:
    _data, paths, _backup = vault
    with hold_vault_shared(paths.profile_dir), hold_vault_shared(paths.profile_dir):
        pass  # two sessions (app and a read-only command) may share the vault
    with hold_vault_exclusively(paths.profile_dir, "restore a backup"):
        with pytest.raises(VaultInUseError, match="being replaced or rewritten"):
            build_services(paths, unlock_vault(paths, PASSPHRASE), SystemClock())


def test_a_migration_waits_until_nobody_else_has_the_vault_open(
    vault: tuple[Path, VaultPaths, Path],
) -> None:
    _data, paths, _backup = vault
    key = unlock_vault(paths, PASSPHRASE)
    db = Database.open(paths.database, key, clock=FakeClock())
    db.conn.execute(f"PRAGMA user_version = {head_version() - 1}")  # an older release's file
    db.close()
    with hold_vault_shared(paths.profile_dir):  # another program has it open
        with pytest.raises(StorageError, match="needs upgrading"):
            build_services(paths, key, SystemClock())
    key.wipe()
