"""Finding and applying the numbered SQL migrations.

Migrations are the files ``clinician_desk/storage/migrations/NNNN_name.sql`` (found through
``importlib.resources`` so checkouts, wheels and frozen bundles behave the same). Each is applied
in one ``BEGIN IMMEDIATE`` … ``COMMIT`` that also sets ``PRAGMA user_version`` to its number, so
a crash leaves the database at the previous version, never half-migrated. A database whose
version is above the newest file was written by a newer app and is refused.

A migration may have a Python step (``_STEPS``, e.g. 0008 which needs the data key to start the
keyed audit chain); it runs inside the same transaction, after the SQL and before the version
bump, so it is as atomic as the SQL.
"""

from __future__ import annotations

from collections.abc import Callable

from clinician_desk.errors import SchemaTooNewError, StorageError
from clinician_desk.messages import M
from clinician_desk.storage.connection import Connection, DatabaseError
from clinician_desk.storage.migration_files import (
    Migration,
    available_migrations,
    current_version,
    head_version,
)

__all__ = [
    "Migration",
    "apply",
    "available_migrations",
    "current_version",
    "head_version",
    "needs_key",
    "pending",
]


def pending(conn: Connection) -> list[Migration]:
    """Migrations not yet applied; raises ``SchemaTooNewError`` for a newer database."""
    version = current_version(conn)
    migrations = available_migrations()
    head = migrations[-1].number if migrations else 0
    if version > head:
        raise SchemaTooNewError(
            M(
                "This vault was written by a newer version of clinician-desk (schema "
                "{version}, this app knows up to {head}). Install the newer version to "
                "open it.",
                version=version,
                head=head,
            )
        )
    return [m for m in migrations if m.number > version]


def needs_key(migration: Migration) -> bool:
    """Migrations from 0008 on record the schema under the keyed chain: they need the key."""
    return migration.number >= _RECORDED_FROM


def apply(
    conn: Connection, migration: Migration, *, raw_key: bytes | None = None, at: str = ""
) -> None:
    """Apply one migration in one transaction, bumping ``user_version`` with it. Migrations
    with a Python step need the vault's raw data key and the time (``at``, UTC ISO)."""
    step = _STEPS.get(migration.number)
    if needs_key(migration) and raw_key is None:
        raise StorageError(f"Migration {migration.number:04d} needs the data key.")
    try:
        conn.executescript(f"BEGIN IMMEDIATE;\n{migration.sql}\n;\n")
        if raw_key is not None and migration.number >= _RECORDED_FROM:
            if step is not None:
                step(conn, raw_key, at)
            _record_schema(conn, raw_key, at, migration.number)
        conn.execute(f"PRAGMA user_version = {migration.number}")
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if not isinstance(exc, DatabaseError):
            raise
        raise StorageError(
            f"Migration {migration.number:04d}_{migration.name} failed ({exc}); "
            "the vault was left at its previous version."
        ) from None


def _seal_0008(conn: Connection, raw_key: bytes, at: str) -> None:
    from clinician_desk.storage.tamper import seal_0008

    seal_0008(conn, raw_key, at)


def _record_schema(conn: Connection, raw_key: bytes, at: str, version: int) -> None:
    from clinician_desk.storage.tamper import record_schema

    record_schema(conn, raw_key, at, version)


_RECORDED_FROM = 8
_STEPS: dict[int, Callable[[Connection, bytes, str], None]] = {8: _seal_0008}
