"""Consistent encrypted copies of an open database, written atomically.

SQLite's online backup API copies page by page through SQLCipher's codec into a second
connection keyed with the same raw key, so the copy is encrypted exactly like the original and
never exists in plaintext. The copy is written to ``DEST.<random>.partial``, fsynced and renamed,
so a crash leaves either no copy or a whole one, and two programs copying to the same name at
once (the app and the CLI upgrading one vault in the same second) never trip over each other's
partial file. A file-system failure is a ``StorageError`` naming the copy.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from pathlib import Path

import sqlcipher3

from clinician_desk.errors import StorageError
from clinician_desk.messages import M
from clinician_desk.storage.connection import Connection, apply_key


def fsync_dir(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def snapshot(conn: Connection, dest: Path, raw_key: bytes) -> None:
    """Copy the database behind ``conn`` to ``dest`` (encrypted with ``raw_key``)."""
    partial = dest.with_name(f"{dest.name}.{secrets.token_hex(4)}.partial")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_partials(dest)
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        target = sqlcipher3.connect(str(partial), isolation_level=None)
        try:
            apply_key(target, raw_key)
            target.execute("PRAGMA cipher_memory_security = OFF")
            conn.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
        fsync_file(partial)
        os.replace(partial, dest)
        fsync_dir(dest.parent)
    except sqlcipher3.Error as exc:
        raise StorageError(
            M("Could not write the copy {name} ({exc}).", name=dest.name, exc=exc)
        ) from None
    except OSError as exc:
        raise StorageError(
            M(
                "Could not write the copy {name} in {parent} ({error}).",
                name=dest.name,
                parent=dest.parent,
                error=exc.strerror or exc,
            )
        ) from None
    finally:
        for leftover in (partial, Path(f"{partial}-journal")):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)


STALE_PARTIAL_SECONDS = 3600.0


def _remove_stale_partials(dest: Path) -> None:
    """Delete partial copies of ``dest`` left by a program killed mid-copy (an hour old)."""
    cutoff = time.time() - STALE_PARTIAL_SECONDS
    for stale in dest.parent.glob(f"{dest.name}.*.partial*"):
        with contextlib.suppress(OSError):
            if stale.stat().st_mtime < cutoff:
                stale.unlink()
