"""Failed-unlock backoff, persisted beside the vault so a restart does not reset it.

Policy (docs/design/security.md): the first 5 failed passphrase attempts cost nothing extra; from
the 5th on, each further attempt must wait 30 s × 2^(failures − 5), capped at 5 minutes; from 20
failures on, the passphrase is refused outright and only the recovery key (or county escrow)
unlocks. A successful unlock by any route resets the count. No auto-wipe, ever.

An attempt is recorded as a failure *before* the slow KDF runs and cleared on success, so killing
the app mid-check does not earn a free guess.

Shared by every route in: a passphrase unlock, the passphrase of a backup being restored (the
attempts count against the *live* profile's record, not the backup's) and the recovery key
(which honours the delay but never the recovery-only state, which it is the way out of).

Tamper evidence: each successful unlock adds a random *epoch* to the record (the last 8 are
kept) and the unlocked session stores the newest one inside the encrypted database
(``bootstrap.check_unlock_record``). When the record is deleted, or replaced by an older copy,
the epoch stored in the database is no longer in it: the next unlock says so and writes it to
the audit trail. This detects resetting the count after the fact; it cannot prevent it, and it
cannot detect a record put back to exactly the state of the last successful unlock. The real
bound on guessing is offline: anyone who can copy ``vault.keys`` can guess without this file at
all, at the Argon2id cost per guess (about a second on the laptop the vault was made on).

Damaged record (choice): an unreadable, truncated or tampered ``unlock-attempts.json`` is treated
as exactly ``BACKOFF_AFTER`` failures with the last one *now*, and rewritten that way at once.
This fails safe (a delay is imposed and persisted) without bricking the vault: the passphrase
works again after the first delay, and the recovery key always works. Deleting the file does
reset the count; an attacker who can delete it can also copy the key-slot file and guess offline,
which the Argon2id cost, not this file, defends against.

Times are wall-clock from the injectable ``Clock``. A clock moved backwards never makes the wait
longer than one full delay.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from clinician_desk.clock import Clock
from clinician_desk.errors import VaultError
from clinician_desk.vault.atomic import private_write

BACKOFF_AFTER = 5
RECOVERY_ONLY_AFTER = 20
FIRST_DELAY_SECONDS = 30.0
MAX_DELAY_SECONDS = 300.0
_VERSION = 2
_MAX_BYTES = 4096
KEPT_EPOCHS = 8
_EPOCH = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class UnlockStatus:
    """What the unlock screen should show before the next passphrase attempt."""

    failures: int
    retry_after_seconds: float
    recovery_only: bool

    @property
    def can_try_passphrase(self) -> bool:
        return not self.recovery_only and self.retry_after_seconds <= 0


@dataclass(frozen=True)
class LockoutRecord:
    failures: int = 0
    last_failure: datetime | None = None
    #: Random tokens of the last successful unlocks, oldest first (tamper evidence, see above).
    epochs: tuple[str, ...] = ()


def delay_after(failures: int) -> float:
    """Seconds the next passphrase attempt must wait after ``failures`` consecutive failures."""
    if failures < BACKOFF_AFTER:
        return 0.0
    doublings: int = min(failures - BACKOFF_AFTER, 16)
    return min(FIRST_DELAY_SECONDS * float(2**doublings), MAX_DELAY_SECONDS)


def status_of(record: LockoutRecord, now: datetime) -> UnlockStatus:
    recovery_only = record.failures >= RECOVERY_ONLY_AFTER
    delay = delay_after(record.failures)
    wait = 0.0
    if delay > 0 and record.last_failure is not None:
        elapsed = (now - record.last_failure).total_seconds()
        wait = delay - max(elapsed, 0.0)  # clock moved back: wait at most one full delay
    return UnlockStatus(record.failures, max(wait, 0.0), recovery_only)


def load(path: Path, clock: Clock) -> LockoutRecord:
    """The persisted record; a missing file is zero failures, a damaged one see module docstring."""
    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
    except FileNotFoundError:
        return LockoutRecord()
    except OSError:
        return _damaged(path, clock)
    record = _parse(data)
    if record is None:
        return _damaged(path, clock)
    return record


def save(path: Path, record: LockoutRecord) -> None:
    doc = {
        "version": _VERSION,
        "failures": record.failures,
        "last_failure": record.last_failure.astimezone(UTC).isoformat()
        if record.last_failure
        else None,
        "epochs": list(record.epochs[-KEPT_EPOCHS:]),
    }
    private_write(path, (json.dumps(doc) + "\n").encode())


def record_failure(path: Path, record: LockoutRecord, clock: Clock) -> LockoutRecord:
    updated = LockoutRecord(record.failures + 1, clock.now(), record.epochs)
    save(path, updated)
    return updated


def reset(path: Path, record: LockoutRecord | None = None) -> LockoutRecord:
    """Back to zero failures (after a successful unlock by any route), with a new epoch."""
    epochs = record.epochs if record is not None else ()
    updated = LockoutRecord(0, None, (*epochs, secrets.token_hex(16))[-KEPT_EPOCHS:])
    save(path, updated)
    return updated


def _damaged(path: Path, clock: Clock) -> LockoutRecord:
    record = LockoutRecord(BACKOFF_AFTER, clock.now())
    try:
        save(path, record)
    except VaultError:
        pass  # still impose the delay for this process
    return record


def _parse(data: bytes) -> LockoutRecord | None:
    if len(data) > _MAX_BYTES:
        return None
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    if doc.get("version") == 1 and set(doc) == {"version", "failures", "last_failure"}:
        epochs: tuple[str, ...] = ()
    elif doc.get("version") == _VERSION and set(doc) == {
        "version",
        "failures",
        "last_failure",
        "epochs",
    }:
        raw = doc["epochs"]
        if not isinstance(raw, list) or len(raw) > KEPT_EPOCHS:
            return None
        if not all(isinstance(e, str) and _EPOCH.fullmatch(e) for e in raw):
            return None
        epochs = tuple(raw)
    else:
        return None
    failures, last = doc["failures"], doc["last_failure"]
    if not isinstance(failures, int) or isinstance(failures, bool):
        return None
    if not 0 <= failures <= 1_000_000:
        return None
    if last is None:
        return LockoutRecord(failures, None, epochs) if failures == 0 else None
    if not isinstance(last, str):
        return None
    try:
        when = datetime.fromisoformat(last.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return LockoutRecord(failures, when, epochs)
