"""Crash-safe replacement of small files (the key-slot file and the unlock-attempt record).

The new content goes to a temp file created in the same folder with 0600 permissions from the
start (never world-readable, not even briefly), is fsynced, renamed over the old file with
``os.replace`` (atomic on POSIX and Windows), and the folder is fsynced so the rename itself
survives a power cut. A reader therefore sees either the old or the new file, never a mix.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from pathlib import Path

from clinician_desk.errors import VaultError
from clinician_desk.messages import M

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) if needed; a folder we create is readable by the user only."""
    if not path.is_dir():
        try:
            missing = [p for p in (path, *path.parents) if not p.exists()]
            for folder in reversed(missing):  # each folder we create is owner-only
                folder.mkdir(exist_ok=True, mode=PRIVATE_DIR_MODE)
        except OSError as exc:
            raise VaultError(
                M(
                    "Could not create the folder {path} ({strerror}).",
                    path=path,
                    strerror=exc.strerror,
                )
            ) from None


def tighten_private_dirs(profile_dir: Path) -> None:
    """Make the profile folder, ``profiles/`` and the data folder above it owner-only (0700).

    ``mkdir(parents=True, mode=0o700)`` applies the mode only to the last folder, and folders
    made by older versions were 0755, which let other local users list the profile names (the
    clinicians' names, often). Only folders owned by this user are changed; a failure (a shared
    or read-only location) is left alone, never fatal."""
    for folder in (profile_dir, profile_dir.parent, profile_dir.parent.parent):
        with contextlib.suppress(OSError):
            info = folder.stat()
            if sys.platform != "win32" and info.st_uid == os.getuid():
                if info.st_mode & 0o077:
                    folder.chmod(PRIVATE_DIR_MODE)


def private_write(path: Path, data: bytes) -> None:
    """``atomic_write_bytes``, reporting a failure (disk full, no permission) as a VaultError."""
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise VaultError(
            M(
                "Could not write {path} ({error}); the previous version is unchanged. "
                "Check free disk space and folder permissions.",
                path=path,
                error=exc.strerror or exc,
            )
        ) from None


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically and durably (see module docstring)."""
    folder = path.parent
    temp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temp, flags, PRIVATE_FILE_MODE)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    fsync_dir(folder)
    _remove_stale_temps(path)


STALE_TEMP_SECONDS = 60.0


def _remove_stale_temps(path: Path) -> None:
    """Delete temp files of ``path`` left by a writer killed before its rename.

    Only those clearly older than the file just written (by file-system timestamps), so a
    concurrent writer's fresh temp file is left alone.
    """
    try:
        newest = path.stat().st_mtime
        for temp in path.parent.glob(f".{path.name}.*.tmp"):
            with contextlib.suppress(OSError):
                if temp.stat().st_mtime < newest - STALE_TEMP_SECONDS:
                    temp.unlink()
    except OSError:
        pass  # tidying is best effort


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op on Windows, where it cannot be done)."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
