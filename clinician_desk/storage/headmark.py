"""The audit-head sidecar: catches committed work that SQLite silently rolled back.

SQLite's WAL recovery stops at the first damaged frame and quietly drops every commit after it,
so a flipped byte in ``vault.db-wal`` would make the vault open "fine" with the last saves gone.
To turn that into a clear message, ``Database`` writes a tiny sidecar, ``vault.db-head`` beside
the database, after every commit that appended audit rows: the audit chain's last row id and hash,
MACed (HMAC-SHA256) under a key derived from the data key with its own HKDF label. It holds no
student data. On open the database's audit chain is compared with it (``compare``):

* the sidecar is written only *after* COMMIT returned (the commit is durable first), and without
  an fsync — so after a crash it may lag behind the database, but never lead it. A lag is normal
  and silent; the database being *behind* the sidecar, or holding a different row at the
  sidecar's position, means committed work is missing;
* a missing, torn or foreign sidecar (bad MAC: another vault's key, a half-written record) on a
  vault that keeps one (``meta.head_sidecar = 'required'``, set by migration 0008) is itself a
  finding (``missing``): deleting it is how a rollback to an older copy would hide. Vaults from
  before 0008 had no such promise; there a missing sidecar proves nothing and is rewritten.

The record is a fixed-width ASCII line written in place with one ``write`` at offset 0, so a
reader sees the old or the new record (or a torn one, which fails its MAC).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from clinician_desk.messages import M
from clinician_desk.storage.connection import Connection

SUFFIX = "-head"
_INFO = b"clinician-desk audit head v1\x00"
_RECORD = re.compile(rb"cdhead1 (\d{20}) ([0-9a-f]{64}) ([0-9a-f]{64})\n")


@dataclass(frozen=True)
class Head:
    """The audit chain's last row: its id (``seq``) and hash. ``seq`` 0 is the empty chain."""

    seq: int
    hash: str


def sidecar_path(database: Path) -> Path:
    return Path(f"{database}{SUFFIX}")


def mac_key(raw_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(raw_key)


def _mac(key: bytes, head: Head) -> str:
    return hmac.new(key, f"{head.seq}:{head.hash}".encode(), hashlib.sha256).hexdigest()


def read(path: Path, key: bytes) -> Head | None:
    """The recorded head, or None when there is none we can trust (missing, torn, foreign)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    match = _RECORD.fullmatch(data)
    if match is None:
        return None
    head = Head(int(match[1]), match[2].decode())
    return head if hmac.compare_digest(_mac(key, head), match[3].decode()) else None


def write(path: Path, key: bytes, head: Head) -> None:
    """Record ``head`` (best effort, no fsync: a lost write only makes the sidecar lag)."""
    line = f"cdhead1 {head.seq:020d} {head.hash} {_mac(key, head)}\n".encode()
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, line)
            if os.fstat(fd).st_size != len(line):
                os.ftruncate(fd, len(line))
        finally:
            os.close(fd)


def database_head(conn: Connection) -> Head:
    row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return Head(0, "0" * 64) if row is None else Head(int(row[0]), str(row[1]))


def compare(conn: Connection, recorded: Head | None, database: Path) -> str | None:
    """A message when the database lost committed work the sidecar saw; None when consistent."""
    if recorded is None or recorded.seq == 0:
        return None
    current = database_head(conn)
    where = M("{name} in {folder}", name=database.name, folder=database.parent)
    restore = M(
        "Restore the vault from your latest backup (clinician-desk-admin restore FILE); "
        "if you accept the loss, `clinician-desk-admin verify --accept-missing-changes` "
        "records it and clears this warning."
    )
    if current.seq < recorded.seq:
        missing = recorded.seq - current.seq
        return M(
            "The vault database {where}: this vault is older than its last recorded state "
            "({missing} changes missing): audit entries {first}–{last} are gone. "
            "An older copy of the database was put in its place, or its write-ahead log "
            "({name}-wal) was damaged or lost. {restore}",
            where=where,
            missing=missing,
            first=current.seq + 1,
            last=recorded.seq,
            name=database.name,
            restore=restore,
        )
    row = conn.execute("SELECT hash FROM audit_log WHERE id = ?", (recorded.seq,)).fetchone()
    if row is None or str(row[0]) != recorded.hash:
        return M(
            "The vault database {where} no longer holds the changes this laptop last saved "
            "(audit entry {seq} differs): it was replaced or damaged. {restore}",
            where=where,
            seq=recorded.seq,
            restore=restore,
        )
    return None


def missing(conn: Connection, path: Path, required: bool) -> str | None:
    """A message when the sidecar is missing or unreadable on a vault that keeps one."""
    if not required:
        return None
    current = database_head(conn)
    if current.seq == 0:
        return None
    state = M("missing") if not path.exists() else M("unreadable (not this vault's)")
    return M(
        "The audit-head record {name} beside the vault database in {folder} is "
        "{state}, although the vault has {count} audit entries. Without it a vault put "
        "back to an older copy cannot be told from the current one. If you did not restore or "
        "move the vault files yourself, compare the vault with your latest backup; "
        "`clinician-desk-admin verify --accept-missing-changes` records the decision and "
        "clears this warning.",
        name=path.name,
        folder=path.parent,
        state=state,
        count=current.seq,
    )
