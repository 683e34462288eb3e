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
from clinician_desk.messages import M

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
        raise VaultError(
            M("Could not open the lock file {path} ({strerror}).", path=path, strerror=exc.strerror)
        ) from None
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise VaultError(
                    M(
                        "Another clinician-desk program is changing the vault in {profile_dir}; "
                        "close it or try again in a moment.",
                        profile_dir=profile_dir,
                    )
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


# -- the "vault in use" lock -------------------------------------------------------------------
#
# ``profile_lock`` above is held only for a moment. Replacing or rewriting the whole vault
# (restore, key rotation, retention destruction, migrations) needs more: no other program may have
# the database open at all, or its next commit lands in a file that is about to be put aside (the
# writes are "acknowledged" but lost). Every program that opens the database therefore holds a
# *shared* lock for as long as the vault is unlocked, and a command that replaces or rewrites the
# vault takes it *exclusively*, without waiting: while the app (or another command) has the vault
# open, the command refuses with a clear message instead of racing it.
#
# The lock file lives *beside* the profile folder (``profiles/.<profile>.inuse``), not inside it,
# because a restore moves the profile folder aside: a lock inside would move with it.
# On Windows ``msvcrt.locking`` has no shared mode, so there every holder is exclusive: a second
# program cannot open a vault that is already open (the first one's lock must be released).

IN_USE_SUFFIX = ".inuse"


def in_use_path(profile_dir: Path) -> Path:
    return profile_dir.parent / f".{profile_dir.name}{IN_USE_SUFFIX}"


class VaultInUseError(VaultError):
    """Another program has the vault open (or is replacing it); nothing was changed."""


class VaultUseLock:
    """A held shared or exclusive "vault in use" lock; ``release()`` (idempotent) drops it."""

    def __init__(self, profile_dir: Path, fd: int, exclusive: bool) -> None:
        self.profile_dir = profile_dir
        self._fd: int | None = fd
        self.exclusive = exclusive

    @property
    def held(self) -> bool:
        return self._fd is not None

    def downgrade(self) -> None:
        """Exclusive -> shared (others may open the vault again, nobody may replace it)."""
        if self._fd is not None and self.exclusive and sys.platform != "win32":
            _lock_shared(self._fd)
            self.exclusive = False

    def try_upgrade(self) -> bool:
        """Shared -> exclusive without waiting; False (still shared) when others hold it."""
        if self._fd is None:
            return False
        if self.exclusive:
            return True
        if sys.platform == "win32":  # pragma: no cover - every Windows holder is exclusive
            self.exclusive = True
            return True
        if _try_lock(self._fd):
            self.exclusive = True
            return True
        return False

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                _unlock(fd)
            os.close(fd)

    def __enter__(self) -> VaultUseLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)


def _open_in_use(profile_dir: Path) -> int:
    path = in_use_path(profile_dir)
    from clinician_desk.vault.atomic import ensure_private_dir

    ensure_private_dir(path.parent)
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise VaultError(
            M("Could not open the lock file {path} ({strerror}).", path=path, strerror=exc.strerror)
        ) from None


def hold_vault_exclusively(profile_dir: Path, action: str) -> VaultUseLock:
    """The exclusive lock for ``action`` (e.g. "restore a backup"), or ``VaultInUseError`` at
    once when any other program has this vault open."""
    fd = _open_in_use(profile_dir)
    if not _try_lock(fd):
        os.close(fd)
        raise VaultInUseError(
            M(
                "Cannot {action}: the vault of profile '{name}' is open in "
                "clinician-desk or in another clinician-desk-admin command. Lock or "
                "close the app (and wait for other commands to finish), then try again. "
                "Nothing was changed.",
                action=action,
                name=profile_dir.name,
            )
        )
    return VaultUseLock(profile_dir, fd, exclusive=True)


def hold_vault_shared(profile_dir: Path) -> VaultUseLock:
    """The lock every program holds while it has the vault open; ``VaultInUseError`` when the
    vault is being replaced right now (restore, key rotation)."""
    if sys.platform == "win32":  # pragma: no cover - no shared locks with msvcrt
        return hold_vault_exclusively(profile_dir, M("open the vault"))
    fd = _open_in_use(profile_dir)
    deadline = time.monotonic() + 2.0  # a downgrade in another process takes a moment
    while not _try_lock_shared(fd):
        if time.monotonic() >= deadline:
            os.close(fd)
            raise VaultInUseError(
                M(
                    "The vault of profile '{name}' is being replaced or rewritten by another "
                    "clinician-desk program (restore, key rotation, destruction); try again "
                    "when it has finished.",
                    name=profile_dir.name,
                )
            )
        time.sleep(_POLL_SECONDS)
    return VaultUseLock(profile_dir, fd, exclusive=False)


if sys.platform == "win32":  # pragma: no cover - Windows only

    def _try_lock_shared(fd: int) -> bool:
        return _try_lock(fd)

    def _lock_shared(fd: int) -> None:
        return None

else:

    def _try_lock_shared(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _lock_shared(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_SH)
