"""Backoff schedule and the persisted unlock-attempt record (incl. damaged records)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.vault import lockout
from clinician_desk.vault.lockout import LockoutRecord, delay_after, status_of


def test_delay_schedule_starts_at_five_doubles_and_caps_at_five_minutes() -> None:
    assert [delay_after(n) for n in range(5)] == [0.0] * 5
    assert [delay_after(n) for n in range(5, 10)] == [30.0, 60.0, 120.0, 240.0, 300.0]
    assert delay_after(19) == delay_after(1000) == 300.0


def test_status_counts_down_and_never_exceeds_one_delay_when_clock_goes_back() -> None:
    t0 = datetime(2026, 9, 14, 15, 0, tzinfo=UTC)
    record = LockoutRecord(6, t0)
    assert status_of(record, t0).retry_after_seconds == 60.0
    assert status_of(record, t0 + timedelta(seconds=45)).retry_after_seconds == 15.0
    assert status_of(record, t0 + timedelta(seconds=60)).can_try_passphrase
    assert status_of(record, t0 - timedelta(days=3)).retry_after_seconds == 60.0


def test_twenty_failures_means_recovery_only() -> None:
    t0 = datetime(2026, 9, 14, 15, 0, tzinfo=UTC)
    status = status_of(LockoutRecord(20, t0), t0 + timedelta(days=30))
    assert status.recovery_only and not status.can_try_passphrase
    assert not status_of(LockoutRecord(19, t0), t0 + timedelta(hours=1)).recovery_only


def test_record_round_trips_through_the_file(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "unlock-attempts.json"
    assert lockout.load(path, clock) == LockoutRecord()
    record = LockoutRecord()
    for _ in range(7):
        record = lockout.record_failure(path, record, clock)
    assert lockout.load(path, clock) == LockoutRecord(7, clock.now())
    assert path.stat().st_mode & 0o777 == 0o600
    after = lockout.reset(path)
    assert lockout.load(path, clock) == after
    assert (after.failures, after.last_failure, len(after.epochs)) == (0, None, 1)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{",
        b"\xff\xfe garbage",
        b"[]",
        b'{"version": 1, "failures": 3}',
        b'{"version": 2, "failures": 0, "last_failure": null}',
        b'{"version": 1, "failures": -4, "last_failure": null}',
        b'{"version": 1, "failures": true, "last_failure": null}',
        b'{"version": 1, "failures": 3, "last_failure": null}',
        b'{"version": 1, "failures": 3, "last_failure": "yesterday"}',
        b'{"version": 1, "failures": 3, "last_failure": "2026-09-14T15:00:00"}',
        b" " * 5000,
    ],
)
def test_damaged_record_imposes_the_first_delay_and_is_rewritten(
    tmp_path: Path, content: bytes
) -> None:
    clock = FakeClock()
    path = tmp_path / "unlock-attempts.json"
    path.write_bytes(content)
    record = lockout.load(path, clock)
    assert record == LockoutRecord(lockout.BACKOFF_AFTER, clock.now())
    status = status_of(record, clock.now())
    assert status.retry_after_seconds == 30.0 and not status.recovery_only
    rewritten = json.loads(path.read_bytes())
    assert rewritten["failures"] == lockout.BACKOFF_AFTER
    clock.advance(30)
    assert status_of(lockout.load(path, clock), clock.now()).can_try_passphrase
