"""Persisted failed-unlock backoff with a fake clock: delay after 5, recovery only after 20."""

from __future__ import annotations

import json

import pytest

from clinician_desk.errors import LockedOutError, WrongPassphraseError
from clinician_desk.vault import (
    RecoveryKeyRequiredError,
    reset_passphrase_with_recovery,
    unlock_status,
    unlock_vault,
    unlock_with_recovery_key,
)

from .conftest import NEW_PASSPHRASE, PASSPHRASE, MadeVault

WRONG = "definitely not it"


def _fail(made: MadeVault, times: int) -> None:
    for _ in range(times):
        status = unlock_status(made.paths, clock=made.clock)
        made.clock.advance(status.retry_after_seconds)
        with pytest.raises(WrongPassphraseError):
            unlock_vault(made.paths, WRONG, clock=made.clock)


def test_five_failures_impose_a_delay_even_for_the_right_passphrase(made: MadeVault) -> None:
    _fail(made, 5)
    with pytest.raises(LockedOutError) as info:
        unlock_vault(made.paths, PASSPHRASE, clock=made.clock)
    assert info.value.retry_after_seconds == 30.0
    assert "wait 30 s" in str(info.value)
    made.clock.advance(29)
    with pytest.raises(LockedOutError) as info:
        unlock_vault(made.paths, PASSPHRASE, clock=made.clock)
    assert info.value.retry_after_seconds == pytest.approx(1.0)
    made.clock.advance(1)
    assert unlock_vault(made.paths, PASSPHRASE, clock=made.clock) == made.key


def test_delay_grows_and_is_capped(made: MadeVault) -> None:
    waits = []
    for _ in range(12):
        _fail(made, 1)
        waits.append(unlock_status(made.paths, clock=made.clock).retry_after_seconds)
    assert waits[:4] == [0.0] * 4
    assert waits[4:9] == [30.0, 60.0, 120.0, 240.0, 300.0]
    assert max(waits) == 300.0
    with pytest.raises(LockedOutError, match="wait 5 min before"):
        unlock_vault(made.paths, PASSPHRASE, clock=made.clock)


def test_refused_attempts_during_a_delay_do_not_count(made: MadeVault) -> None:
    _fail(made, 5)
    for _ in range(10):
        with pytest.raises(LockedOutError):
            unlock_vault(made.paths, WRONG, clock=made.clock)
    assert unlock_status(made.paths, clock=made.clock).failures == 5


def test_twenty_failures_leave_only_the_recovery_key(made: MadeVault) -> None:
    _fail(made, 20)
    made.clock.advance(86_400 * 30)
    with pytest.raises(RecoveryKeyRequiredError, match="recovery key") as info:
        unlock_vault(made.paths, PASSPHRASE, clock=made.clock)
    assert isinstance(info.value, LockedOutError)
    assert unlock_status(made.paths, clock=made.clock).recovery_only
    assert unlock_with_recovery_key(made.paths, made.recovery) == made.key
    assert unlock_status(made.paths, clock=made.clock).failures == 0
    assert unlock_vault(made.paths, PASSPHRASE, clock=made.clock) == made.key


def test_reset_via_recovery_clears_the_lockout(made: MadeVault) -> None:
    _fail(made, 20)
    reset_passphrase_with_recovery(made.paths, made.recovery, NEW_PASSPHRASE)
    assert unlock_vault(made.paths, NEW_PASSPHRASE, clock=made.clock) == made.key


def test_success_resets_the_count(made: MadeVault) -> None:
    _fail(made, 4)
    assert unlock_vault(made.paths, PASSPHRASE, clock=made.clock) == made.key
    assert unlock_status(made.paths, clock=made.clock).failures == 0
    _fail(made, 4)
    assert unlock_status(made.paths, clock=made.clock).retry_after_seconds == 0


def test_count_is_persisted_on_disk_across_restarts(made: MadeVault) -> None:
    _fail(made, 6)
    record = json.loads(made.paths.lockout.read_text())
    assert record["failures"] == 6
    # A "restart": nothing in memory survives; a new clock instance at the same wall time.
    from clinician_desk.clock import FakeClock

    restarted = FakeClock(made.clock.now())
    assert unlock_status(made.paths, clock=restarted).retry_after_seconds == 60.0
    with pytest.raises(LockedOutError):
        unlock_vault(made.paths, PASSPHRASE, clock=restarted)


def test_an_attempt_is_counted_before_the_check_completes(made: MadeVault) -> None:
    """A crash during the KDF must not give a free guess: the count is written first."""
    from clinician_desk.vault import lockout as lockout_module
    from clinician_desk.vault import operations

    seen: list[int] = []
    original = operations.open_passphrase

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(json.loads(made.paths.lockout.read_text())["failures"])
        return original(*args, **kwargs)  # type: ignore[arg-type]

    operations.open_passphrase = spy  # type: ignore[assignment]
    try:
        unlock_vault(made.paths, PASSPHRASE, clock=made.clock)
    finally:
        operations.open_passphrase = original
    assert seen == [1]
    assert lockout_module.load(made.paths.lockout, made.clock).failures == 0


def test_damaged_attempt_record_delays_but_never_bricks(made: MadeVault) -> None:
    made.paths.lockout.write_bytes(b"\x00garbage")
    with pytest.raises(LockedOutError) as info:
        unlock_vault(made.paths, PASSPHRASE, clock=made.clock)
    assert info.value.retry_after_seconds == 30.0
    assert unlock_with_recovery_key(made.paths, made.recovery) == made.key
    made.paths.lockout.write_bytes(b"{broken")
    made.clock.advance(30)
    with pytest.raises(LockedOutError):
        unlock_vault(made.paths, PASSPHRASE, clock=made.clock)  # first sight of damage: delay
    made.clock.advance(30)
    assert unlock_vault(made.paths, PASSPHRASE, clock=made.clock) == made.key


def test_empty_passphrase_is_a_usage_error_not_an_attempt(made: MadeVault) -> None:
    from clinician_desk.errors import UsageError

    with pytest.raises(UsageError):
        unlock_vault(made.paths, "", clock=made.clock)
    assert unlock_status(made.paths, clock=made.clock).failures == 0


def test_new_vault_does_not_inherit_an_old_attempt_record(made: MadeVault) -> None:
    from clinician_desk.vault import TEST_KDF, create_vault

    _fail(made, 7)
    made.paths.keyslots.unlink()
    key, _ = create_vault(made.paths, NEW_PASSPHRASE, clock=made.clock, kdf=TEST_KDF)
    assert unlock_status(made.paths, clock=made.clock).failures == 0
    assert unlock_vault(made.paths, NEW_PASSPHRASE, clock=made.clock) == key
