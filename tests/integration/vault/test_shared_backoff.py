"""The backoff is shared by unlock, restore and the recovery key, and resetting it by deleting or
replacing ``unlock-attempts.json`` is noticed at the next unlock and written to the audit trail
(issue 16, hole 5). Before: ``restore`` said "4 more attempts" seven times, and deleting the
file reset the count without a trace."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clinician_desk.bootstrap import build_services
from clinician_desk.cli import build_parser, run
from clinician_desk.clock import FakeClock, SystemClock
from clinician_desk.config import AppPaths, VaultPaths
from clinician_desk.errors import LockedOutError, WrongPassphraseError
from clinician_desk.storage import Database
from clinician_desk.storage.backup import write_backup
from clinician_desk.vault import (
    TEST_KDF,
    RecoveryKey,
    create_vault,
    unlock_vault,
    unlock_with_recovery_key,
)

PASSPHRASE = "violet kettle under 19 moons"
WRONG = "not the passphrase at all"


@pytest.fixture
def vault(tmp_path: Path) -> tuple[VaultPaths, str]:
    paths = AppPaths.from_option(tmp_path / "data").vault("default")
    key, recovery = create_vault(paths, PASSPHRASE, kdf=TEST_KDF)
    Database.open(paths.database, key, clock=FakeClock(), create=True).close()
    key.wipe()
    return paths, recovery


def _open_and_close(paths: VaultPaths) -> tuple[tuple[str, ...], list[str]]:
    services = build_services(paths, unlock_vault(paths, PASSPHRASE), SystemClock())
    try:
        with services.db.read() as conn:
            actions = [str(r[0]) for r in conn.execute("SELECT action FROM audit_log")]
        return services.warnings, actions
    finally:
        services.close()


def test_restore_counts_wrong_passphrases_against_the_live_backoff(
    vault: tuple[VaultPaths, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    paths, _recovery = vault
    services = build_services(paths, unlock_vault(paths, PASSPHRASE), SystemClock())
    backup = tmp_path / "b.cdbackup"
    try:
        write_backup(services.db, paths.keyslots, backup)
    finally:
        services.close()
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", WRONG)
    argv = ["--data-dir", str(paths.profile_dir.parent.parent), "restore", str(backup)]
    errors = []
    for _ in range(7):
        assert run(build_parser().parse_args(argv)) == 2
        errors.append(capsys.readouterr().err)
    assert "1 more attempt(s)" in errors[3]
    assert all("wait" in e for e in errors[5:]), errors
    with pytest.raises(LockedOutError):  # the live vault's own unlock is slowed down too
        unlock_vault(paths, PASSPHRASE)


def test_wrong_recovery_keys_are_counted_and_delayed(vault: tuple[VaultPaths, str]) -> None:
    paths, recovery = vault
    clock = FakeClock()
    for _ in range(5):
        other = RecoveryKey.generate()
        with pytest.raises(WrongPassphraseError):
            unlock_with_recovery_key(paths, other.to_text(), clock=clock)
    with pytest.raises(LockedOutError):
        unlock_with_recovery_key(paths, recovery, clock=clock)
    clock.advance(30)
    unlock_with_recovery_key(paths, recovery, clock=clock).wipe()  # then it works again


@pytest.mark.parametrize("how", ["deleted", "replaced by an older copy"])
def test_resetting_the_attempt_record_is_reported_and_audited(
    vault: tuple[VaultPaths, str], tmp_path: Path, how: str
) -> None:
    paths, _recovery = vault
    assert _open_and_close(paths)[0] == ()
    old_copy = tmp_path / "attempts-then.json"
    shutil.copy2(paths.lockout, old_copy)
    assert _open_and_close(paths)[0] == ()  # a normal second unlock is quiet
    for _ in range(5):
        with pytest.raises(WrongPassphraseError):
            unlock_vault(paths, WRONG)
    if how == "deleted":
        paths.lockout.unlink()  # the attacker resets the count to keep guessing
    else:
        shutil.copy2(old_copy, paths.lockout)
    unlock_vault(paths, PASSPHRASE).wipe()  # no delay any more ...
    warnings, actions = _open_and_close(paths)  # ... but the next session says so
    assert any("unlock-attempts.json" in w and "deleted or replaced" in w for w in warnings)
    assert "vault.unlock_record_replaced" in actions
    assert _open_and_close(paths)[0] == ()  # reported once, then the new epoch is in force
