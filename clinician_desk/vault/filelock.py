"""A cross-process lock around read-modify-write of a profile's vault files.

The desktop app and ``clinician-desk-admin`` may touch the same profile at once (say, sync
enrollment adds the escrow slot while the CLI changes the passphrase). Each operation that reads
the key-slot file or the unlock-attempt record and writes it back holds this lock, so neither
update is lost. It is an OS advisory lock (``fcntl.flock`` / ``msvcrt.locking``) on
``<profile>/.vault.lock``: the OS releases it when the process dies, so a crash never leaves a
stale lock. The lock is held only for file work, never across the slow KDF or user prompts.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from clinician_desk.errors import VaultError

LOCK_NAME = ".vault.lock"
TIMEOUT_SECONDS = 10.0
_POLL_SECONDS = 0.02


@contextlib.contextmanager
def profile_lock(profile_dir: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the profile's lock; VaultError if another holder keeps it for ``timeout`` s.

    Not re-entrant: a second ``profile_lock`` on the same profile in the same process waits too.
    """
    timeout = TIMEOUT_SECONDS if timeout is None else timeout
    path = profile_dir / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise VaultError(f"Could not open the lock file {path} ({exc.strerror}).") from None
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise VaultError(
                    f"Another clinician-desk program is changing the vault in {profile_dir}; "
                    "close it or try again in a moment."
                )
            time.sleep(_POLL_SECONDS)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


if sys.platform == "win32":  # pragma: no cover - Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
