"""clinician-desk-admin vault commands, run in-process against real vault files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.config import VaultPaths
from clinician_desk.storage import Database
from clinician_desk.storage.connection import connect
from clinician_desk.storage.migrations_runner import head_version
from clinician_desk.vault import unlock_vault
from tests.support.admin_cli import PASSPHRASE, admin

NEW = "a different sentence of nine words"


def _dd(data_dir: Path) -> list[str]:
    return ["--data-dir", str(data_dir)]


def test_init_prints_recovery_key_once_and_creates_vault(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert admin([*_dd(data_dir), "init", "--name", "Dr. Fictional Example"]) == 0
    printed = capsys.readouterr().out
    codes = re.findall(r"[A-Z0-9]{4}(?:-[A-Z0-9]{4}){5,}", printed)
    assert len(codes) == 1
    paths = VaultPaths(data_dir / "profiles" / "default")
    key = unlock_vault(paths, PASSPHRASE)
    db = Database.open(paths.database, key, clock=FakeClock())
    with db.read() as conn:
        name = conn.execute("SELECT value FROM settings WHERE key='clinician_name'").fetchone()
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log")]
    db.close()
    assert name[0] == "Dr. Fictional Example"
    # migration 0008 keys the chain and records the schema when the vault is made
    schema = ["schema.migrated"] * (head_version() - 7)
    assert actions == ["audit.chain_keyed", *schema, "vault.created"]
    assert PASSPHRASE not in printed
    # a second init on the same profile is refused and changes nothing
    before = paths.keyslots.read_bytes()
    assert admin([*_dd(data_dir), "init", "--name", "X"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert paths.keyslots.read_bytes() == before


def test_init_refuses_weak_passphrase(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", "short")
    assert admin([*_dd(data_dir), "init", "--name", "Dr. Example"]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not (data_dir / "profiles" / "default" / "vault.db").exists()


def test_verify_ok_then_reports_tampering(
    vault: VaultPaths, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert admin([*_dd(data_dir), "verify"]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    assert admin([*_dd(data_dir), "backup", str(data_dir / "b1")]) == 0  # writes an audit row
    key = unlock_vault(vault, PASSPHRASE)
    conn = connect(vault.database, key.raw)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = 1")
    conn.close()
    assert admin([*_dd(data_dir), "verify"]) == 3
    err = capsys.readouterr().err
    assert "problem: audit chain: row 1 was altered" in err
    # the dropped trigger is named too (schema fingerprint, issue 15)
    assert "problem: schema: trigger audit_log_no_update is missing" in err
    assert "verify found 2 problem(s) in vault.db" in err


def test_wrong_passphrase_exits_2_with_one_line(
    vault: VaultPaths,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", "not the passphrase at all")
    assert admin([*_dd(data_dir), "verify"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")


def test_passphrase_file_wins_over_environment(
    vault: VaultPaths, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", "not the passphrase at all")
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE + "\n")
    assert admin([*_dd(data_dir), "--passphrase-file", str(secret), "verify"]) == 0
    assert admin([*_dd(data_dir), "--passphrase-file", str(tmp_path / "nope"), "verify"]) == 2


def test_missing_vault_is_named(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert admin([*_dd(data_dir), "--profile", "other", "verify"]) == 2
    assert "no vault for profile 'other'" in capsys.readouterr().err


def test_damaged_database_exits_3(
    vault: VaultPaths, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vault.database.write_bytes(b"\0" * 8192)
    assert admin([*_dd(data_dir), "verify"]) == 3
    assert "vault.db" in capsys.readouterr().err


def test_backup_restore_round_trip(
    vault: VaultPaths, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "out.cdbackup"
    assert admin([*_dd(data_dir), "backup", str(dest)]) == 0
    assert admin([*_dd(data_dir), "backup", str(dest)]) == 2  # no silent overwrite
    assert admin([*_dd(data_dir), "backup", "--force", str(dest)]) == 0
    assert admin([*_dd(data_dir), "restore", str(dest)]) == 0
    out = capsys.readouterr().out
    assert "previous vault was kept in" in out
    assert admin([*_dd(data_dir), "verify"]) == 0
    key = unlock_vault(vault, PASSPHRASE)
    db = Database.open(vault.database, key, clock=FakeClock())
    actions = [r[0] for r in db.conn.execute("SELECT action FROM audit_log ORDER BY id")]
    db.close()
    assert actions[-1] == "vault.restored"
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"not a backup" * 100)
    before = vault.database.read_bytes()
    assert admin([*_dd(data_dir), "restore", str(garbage)]) == 3
    assert "not a usable clinician-desk backup" in capsys.readouterr().err
    assert vault.database.read_bytes() == before


def test_change_passphrase_and_recover(
    vault: VaultPaths, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLINICIAN_DESK_NEW_PASSPHRASE", NEW)
    assert admin([*_dd(data_dir), "change-passphrase"]) == 0
    unlock_vault(vault, NEW).wipe()
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", NEW)
    assert admin([*_dd(data_dir), "verify"]) == 0
    monkeypatch.setenv("CLINICIAN_DESK_RECOVERY_KEY", "AAAA-BBBB-CCCC")
    assert admin([*_dd(data_dir), "recover"]) == 2  # a wrong recovery key changes nothing
    unlock_vault(vault, NEW).wipe()


def test_recover_with_the_printed_recovery_key(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert admin([*_dd(data_dir), "init", "--name", "Dr. Example"]) == 0
    recovery = re.findall(r"[A-Z0-9]{4}(?:-[A-Z0-9]{4}){5,}", capsys.readouterr().out)[0]
    monkeypatch.setenv("CLINICIAN_DESK_RECOVERY_KEY", recovery.lower())
    monkeypatch.setenv("CLINICIAN_DESK_NEW_PASSPHRASE", NEW)
    assert admin([*_dd(data_dir), "recover"]) == 0
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", NEW)
    assert admin([*_dd(data_dir), "verify"]) == 0


def test_doctor_shows_settings_and_no_secrets(
    vault: VaultPaths, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert admin([*_dd(data_dir), "doctor"]) == 0
    out = capsys.readouterr().out
    assert "TEMP_STORE=2" in out and "sqlcipher 4." in out and "profiles: default" in out
    assert PASSPHRASE not in out
    assert str(vault.keyslots) in out


def test_init_moves_an_orphan_database_aside_and_cleans_crashed_init(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = data_dir / "profiles" / "default"
    profile.mkdir(parents=True)
    (profile / "vault.db").write_bytes(b"left by a crash or a lost key file")
    (profile / "unlock-attempts.json").write_text('{"failures": 9}')
    crashed = data_dir / "profiles" / ".default.init-0000"
    crashed.mkdir()
    (crashed / "vault.keys").write_bytes(b"half-made")
    assert admin([*_dd(data_dir), "init", "--name", "Dr. Example"]) == 0
    orphans = list((profile / "backups").glob("orphan-*/vault.db"))
    assert len(orphans) == 1
    assert orphans[0].read_bytes() == b"left by a crash or a lost key file"
    assert not crashed.exists()
    assert not (profile / "unlock-attempts.json").exists()
    left = (data_dir / "profiles").iterdir()
    # Only the profile, and the "vault in use" lock file that lives beside it (filelock.py).
    assert sorted(p.name for p in left) == [".default.inuse", "default"]
    capsys.readouterr()
    assert admin([*_dd(data_dir), "verify"]) == 0
