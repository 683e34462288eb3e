"""Re-encrypting a vault database under a new data key (key rotation), into a fresh file.

``export_reencrypted`` copies every table, index, trigger and ``user_version`` of an open
database into a new file keyed with the new raw key, using SQLCipher's ``sqlcipher_export``
(the documented way to change a database's key into a new file; ``PRAGMA rekey`` would rewrite
the live file in place, where a crash or a full disk half-way leaves pages under two keys). The
new file is written under a temporary name, closed in ``journal_mode=DELETE`` (one
self-contained file, no WAL), then reopened with the *new* key and checked: cipher integrity,
structure, foreign keys, the audit chain, the schema version and the audit head must equal the
source's. Only then is it fsynced and returned; the live file is not touched here at all (the
caller swaps it in, see ``vault.rotation``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import sqlcipher3

from clinician_desk.errors import IntegrityError, StorageError
from clinician_desk.storage import headmark, migrations_runner
from clinician_desk.storage.connection import connect, key_pragma_literal, scrub
from clinician_desk.storage.database import Database
from clinician_desk.storage.snapshot import fsync_file
from clinician_desk.storage.verify import verify_connection

_ALIAS = "rotated"


def export_reencrypted(db: Database, dest: Path, new_raw_key: bytes) -> None:
    """Write ``db`` re-encrypted under ``new_raw_key`` to the new file ``dest`` and verify it.

    ``dest`` must not exist. Raises ``IntegrityError`` (and removes ``dest``) when the copy does
    not verify, ``StorageError`` when it cannot be written.
    """
    if dest.exists():
        raise StorageError(f"{dest.name} already exists; an earlier rotation was interrupted.")
    db.pin_record_root()  # the keyed chain and the anchors keep their root (audit.py)
    conn = db.conn
    version = migrations_runner.current_version(conn)
    head = headmark.database_head(conn)
    try:
        # Owner-only from the first byte.
        os.close(os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        literal = key_pragma_literal(new_raw_key)
        attach = f"ATTACH DATABASE ? AS {_ALIAS} KEY {literal}"
        try:
            conn.execute(attach, (str(dest),))
        finally:
            scrub(attach)  # the cached statement's own copy goes when the connection closes
            scrub(literal)
        try:
            conn.execute(f"SELECT sqlcipher_export('{_ALIAS}')").fetchall()
            conn.execute(f"PRAGMA {_ALIAS}.user_version = {version}")
        finally:
            conn.execute(f"DETACH DATABASE {_ALIAS}")
        check = connect(dest, new_raw_key)
        try:
            problems = verify_connection(check, new_raw_key)
            if migrations_runner.current_version(check) != version:
                problems.append("schema version differs from the original")
            if headmark.database_head(check) != head:
                problems.append("audit trail head differs from the original")
            check.execute("PRAGMA journal_mode = DELETE")
        finally:
            check.close()
        if problems:
            raise IntegrityError(
                "The re-encrypted copy did not verify, so the key was not changed: "
                + "; ".join(problems[:3])
            )
        fsync_file(dest)
    except BaseException as exc:
        for leftover in (dest, Path(f"{dest}-wal"), Path(f"{dest}-shm"), Path(f"{dest}-journal")):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
        if isinstance(exc, sqlcipher3.Error):
            raise StorageError(
                f"Could not write the re-encrypted copy {dest.name} ({exc})."
            ) from None
        if isinstance(exc, OSError):
            raise StorageError(
                f"Could not write the re-encrypted copy {dest.name} ({exc.strerror or exc})."
            ) from None
        raise
