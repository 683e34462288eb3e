"""The encrypted database of one vault: opening, migrating, units of work, verification.

``Database.open`` proves the key, applies the security pragmas, refuses zero-byte or schema-less
files (corruption, never a first run) and newer schemas, backs up an existing database before
migrating it, then applies pending migrations. A new vault is built under a temporary name and
renamed into place only when fully migrated, so a crash during creation never leaves a
half-made file that later looks like a vault.

Concurrency: one connection, opened with ``check_same_thread=False``; callers serialize access
(the UI runs every database call on one worker thread). A ``UnitOfWork`` is one
``BEGIN IMMEDIATE`` transaction: COMMIT on success, ROLLBACK on any exception.

Rolled-back commits: after each commit that appended audit rows the audit head is recorded in
the ``vault.db-head`` sidecar (``headmark``); ``open`` compares it with the database and, when
committed work is missing (a rollback to an older copy, a damaged WAL) or the sidecar itself is
missing or unreadable on a vault that keeps one, opens anyway but puts the message in
``integrity_warnings`` and stops updating the sidecar, so the evidence survives until the vault
is restored or the loss is accepted (``accept_missing_changes``).

Tamper evidence (``tamper``): the audit chain is keyed (entries MACed under a key derived from
the data key); every ``open`` runs the incremental unlock check (chain, schema fingerprint and
signed record since the last clean check) and adds its findings to ``integrity_warnings``. It
never refuses to open.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import sqlcipher3

from clinician_desk.clock import Clock, utc_iso
from clinician_desk.errors import CorruptionError, PermissionRefusedError, StorageError
from clinician_desk.messages import M
from clinician_desk.storage import audit, headmark, migrations_runner, tamper
from clinician_desk.storage.connection import (
    Connection,
    DatabaseError,
    KeyLike,
    connect,
    damaged_message,
    raw_key_bytes,
    scrub,
)
from clinician_desk.storage.snapshot import fsync_dir, snapshot

if TYPE_CHECKING:
    from clinician_desk.storage.anchors import Anchor

BACKUPS_DIRNAME = "backups"
# The message of migration 0006's triggers guarding a destroyed record (services/retention.py).
_DESTROYED = "record was destroyed"
# The message of migration 0009's triggers guarding a handed-off student (services/handoff).
_HANDED_OFF = "was handed off to a colleague"


class UnitOfWork:
    """One write transaction. ``conn`` is the connection, ``clock`` the injected clock."""

    def __init__(
        self, conn: Connection, clock: Clock, actor: str, audit_key: bytes | None = None
    ) -> None:
        self.conn = conn
        self.clock = clock
        self.actor = actor
        self.audit_key = audit_key  # the keyed chain's MAC key (None: unkeyed test databases)
        self.appended = False  # did this transaction add audit rows (sidecar update due)?

    def audit(
        self,
        action: str,
        entity: str,
        entity_id: str | None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        """Append a hash-chained audit row in this transaction (actor and time filled in)."""
        self.appended = True
        audit.append(
            self.conn,
            at=utc_iso(self.clock.now()),
            actor=self.actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            details=details,
            mac_key=self.audit_key,
        )

    def audit_many(self, entries: list[tuple[str, str, str | None, Mapping[str, object]]]) -> None:
        """Append many audit rows at once (bulk writers); (action, entity, entity_id, details)."""
        if entries:
            self.appended = True
        audit.append_many(
            self.conn,
            at=utc_iso(self.clock.now()),
            actor=self.actor,
            entries=entries,
            mac_key=self.audit_key,
        )


class Database:
    """An open vault database. Create with ``Database.open``; close with ``close()``."""

    def __init__(self, path: Path, conn: Connection, key: bytes, clock: Clock, actor: str):
        self.path = path
        self._conn: Connection | None = conn
        self._key = key
        self.clock = clock
        self.actor = actor
        self.head_path = headmark.sidecar_path(path)
        self._head_key = headmark.mac_key(audit.record_root(conn, key))
        self._audit_key = audit.audit_key(audit.record_root(conn, key))
        #: Problems found at open that do not stop the vault from opening (shown by the UI).
        self.integrity_warnings: tuple[str, ...] = ()
        self._head_frozen = False

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path,
        key: KeyLike,
        *,
        clock: Clock,
        actor: str = "clinician",
        create: bool = False,
        migrate: bool = True,
        fresh_head: bool = False,
    ) -> Database:
        """Open (or with ``create=True`` and no file yet, create) the database at ``path``.

        ``migrate=False`` (another program has the vault open, so its schema must not change
        under it) refuses a database that needs migrating instead of migrating it.
        ``fresh_head``: the file was just put here on purpose (a restore being staged), so a
        missing audit-head sidecar is expected, not a finding."""
        path = Path(path)
        # A private copy: ``close()`` scrubs it, which must never touch the caller's object.
        raw = bytes(bytearray(raw_key_bytes(key)))
        at = utc_iso(clock.now())
        if not path.exists():
            if not create:
                raise StorageError(
                    M(
                        "There is no vault database at {path}. Create one with "
                        "clinician-desk-admin init, or restore a backup.",
                        path=path,
                    )
                )
            _create_new(path, raw, at)
            fresh_head = True
        elif path.is_dir() or path.stat().st_size == 0:
            raise CorruptionError(damaged_message(path))
        conn = connect(path, raw)
        try:
            _check_is_vault(conn, path)
            todo = migrations_runner.pending(conn)
            if todo and not migrate:
                raise StorageError(
                    M(
                        "The vault {name} needs upgrading to this version of clinician-desk, but "
                        "another clinician-desk program has it open. Close it and try again.",
                        name=path.name,
                    )
                )
            if todo:
                _backup_before_migrating(conn, path, raw, clock)
                for migration in todo:
                    migrations_runner.apply(conn, migration, raw_key=raw, at=at)
            db = cls(path, conn, raw, clock, actor)
            db._check_head(fresh=fresh_head or bool(todo))
            db._unlock_check()
        except DatabaseError:
            conn.close()
            raise CorruptionError(damaged_message(path)) from None
        except BaseException:
            conn.close()
            raise
        return db

    def _check_head(self, *, fresh: bool = False) -> None:
        recorded = headmark.read(self.head_path, self._head_key)
        problem = headmark.compare(self.conn, recorded, self.path)
        if problem is None and recorded is None and not fresh:
            problem = headmark.missing(
                self.conn, self.head_path, tamper.sidecar_required(self.conn)
            )
        if problem is not None:
            self.integrity_warnings = (problem,)
            self._head_frozen = True  # keep the evidence: never overwrite it with this state
        else:
            self._record_head()

    def _unlock_check(self) -> None:
        """The incremental tamper check (``tamper.unlock_check``); findings become warnings."""
        try:
            found = tamper.unlock_check(self.conn, self._key)
        except DatabaseError as exc:
            found = [f"tamper check: could not run at unlock ({exc})"]
        self.integrity_warnings = (*self.integrity_warnings, *found)

    def _record_head(self) -> None:
        if not self._head_frozen:
            headmark.write(self.head_path, self._head_key, headmark.database_head(self.conn))

    def accept_missing_changes(self) -> int | None:
        """Accept that committed work was lost (after being told by ``integrity_warnings``):
        audit the decision with how many audit entries were missing, and record the current
        head. Returns that number: 0 when nothing was missing, None when it cannot be counted
        (the database was written to after the loss, so its chain now differs)."""
        recorded = headmark.read(self.head_path, self._head_key)
        if not self._head_frozen:
            return 0
        current = headmark.database_head(self.conn).seq
        if recorded is None:  # the sidecar itself was missing: nothing to count against
            missing = None
            details: dict[str, object] = {"missing_entries": None, "sidecar": "missing"}
        else:
            missing = recorded.seq - current if current < recorded.seq else None
            details = {"missing_entries": missing, "recorded_head": recorded.seq}
        self._head_frozen = False
        with self.unit_of_work() as uow:
            uow.audit("vault.missing_changes_accepted", "vault", None, {**details, "head": current})
        self.integrity_warnings = self.integrity_warnings[1:]
        return missing

    # -- use -------------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._conn is None

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise StorageError(M("The vault is locked (the database is closed)."))
        return self._conn

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """A write transaction; COMMIT when the block ends normally, ROLLBACK on exception."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except DatabaseError as exc:
            raise _storage_error(self.path, exc) from None
        try:
            work = UnitOfWork(conn, self.clock, self.actor, self._audit_key)
            yield work
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, DatabaseError) and _is_environmental(exc):
                raise _storage_error(self.path, exc) from None
            if isinstance(exc, DatabaseError) and _HANDED_OFF in str(exc):
                raise PermissionRefusedError(
                    M(
                        "This student was handed off to a colleague; the record here is "
                        "read-only and kept until its retention date. Nothing was saved."
                    )
                ) from None
            if isinstance(exc, DatabaseError) and _DESTROYED in str(exc):
                raise PermissionRefusedError(
                    M(
                        "This student's record was destroyed at the end of its retention period; "
                        "nothing can be added to it or changed. Nothing was saved."
                    )
                ) from None
            raise
        if work.appended:  # after COMMIT returned, so the sidecar can lag but never lead
            self._record_head()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """The connection for queries (no writes); a deferred read transaction, so every query
        in the block sees one snapshot. Inside an open unit of work it joins that transaction
        (reads see the work's own uncommitted rows) instead of failing.
        A damaged page met while reading surfaces as ``CorruptionError`` naming the file (the
        same mapping as ``unit_of_work``), never as a raw library error."""
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        try:
            conn.execute("BEGIN")
        except DatabaseError as exc:
            raise _storage_error(self.path, exc) from None
        try:
            yield conn
        except DatabaseError as exc:
            if _is_environmental(exc):
                raise _storage_error(self.path, exc) from None
            raise
        finally:
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except DatabaseError:
                    pass  # the read already failed; the connection has no open work to lose

    @property
    def schema_version(self) -> int:
        return migrations_runner.current_version(self.conn)

    def verify(self) -> list[str]:
        """Everything wrong with the database (empty when healthy): cipher page integrity,
        SQLite structure, foreign keys and the audit chain. Never raises for damage. The
        page-level checks run on a second connection in a second thread meanwhile
        (``storage.verify``)."""
        from clinician_desk.storage.verify import verify_connection

        key = self._key
        return verify_connection(self.conn, key, open_copy=lambda: connect(self.path, key))

    def make_anchor(self, device_id: str) -> tuple[int, str] | None:
        """The county anchor of the current audit head: (audit id, sealed text)."""
        from clinician_desk.storage import anchors

        return anchors.make(self.conn, self._key, device_id)

    def check_anchors(self, found: Sequence[Anchor], *, source: str) -> list[str]:
        """Findings: does the local chain still produce each of ``found``, in order?"""
        from clinician_desk.storage import anchors

        device_id = anchors.device_id_of(self.conn)
        if device_id is None:
            return ["county anchors: this laptop is not enrolled, so nothing is anchored"]
        with self.read() as conn:
            return anchors.check(conn, self._key, device_id, found, source=source)

    def snapshot_to(self, dest: Path) -> None:
        """Write a consistent, encrypted (same key) copy of the database to ``dest``."""
        snapshot(self.conn, dest, self._key)

    def check_copy(self, copy: Path) -> tuple[list[str], int]:
        """Verify a copy written by ``snapshot_to``: its problems and schema version."""
        from clinician_desk.storage.verify import verify_connection

        conn = connect(copy, self._key)
        try:
            problems = verify_connection(conn, self._key)
            version = migrations_runner.current_version(conn)
            conn.execute("PRAGMA journal_mode = DELETE")
        finally:
            conn.close()
        return problems, version

    def checkpoint(self) -> None:
        """Fold the WAL into the main file (used before copies and by tests)."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def pin_record_root(self) -> None:
        """Keep the audit chain's root secret inside the vault before its data key changes
        (``audit.record_root``), so the keyed chain and the anchors verify after rotation."""
        with self.unit_of_work() as work:
            audit.pin_record_root(work.conn, self._key)

    def close(self) -> None:
        """Close the connection (idempotent). The WAL is folded into the database first (a
        PASSIVE checkpoint, then SQLite's own on close), so it lives only while the vault is
        unlocked and a damaged WAL can cost at most the current session's work."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(DatabaseError):
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            conn.close()
        # The connection is closed first (SQLCipher wipes its own key copy), then ours.
        scrub(self._key)
        scrub(self._head_key)
        self._key = b""
        self._head_key = b""
        self._audit_key = b""


def _is_environmental(exc: BaseException) -> bool:
    """Damage, a full disk or a lock held too long — not a constraint the caller broke."""
    text = str(exc).lower()
    return type(exc) is sqlcipher3.DatabaseError or any(
        word in text for word in ("disk is full", "disk i/o", "malformed", "locked", "readonly")
    )


def _storage_error(path: Path, exc: BaseException) -> StorageError:
    """The user-facing error for a failed write; the change was rolled back, nothing half-done."""
    text = str(exc).lower()
    if type(exc) is sqlcipher3.DatabaseError or "malformed" in text:
        return CorruptionError(damaged_message(path))
    if "full" in text:
        return StorageError(M("The disk is full; the last change was not saved. Free some space."))
    if "locked" in text or "busy" in text:
        return StorageError(
            M(
                "The vault {name} is in use by another program (another clinician-desk "
                "window?); the last change was not saved. Close it and try again.",
                name=path.name,
            )
        )
    return StorageError(
        M("The last change could not be saved to {name} ({exc}).", name=path.name, exc=exc)
    )


def _create_new(path: Path, raw: bytes, at: str) -> None:
    """Build a fully migrated database under a temporary name, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.new-{secrets.token_hex(4)}")
    try:
        # Owner-only from the first byte; SQLite gives -wal/-shm the database's permissions.
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        conn = connect(tmp, raw)
        try:
            for migration in migrations_runner.available_migrations():
                migrations_runner.apply(conn, migration, raw_key=raw, at=at)
            conn.execute("PRAGMA journal_mode = DELETE")  # leaves one self-contained file
        finally:
            conn.close()
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
            leftover.unlink(missing_ok=True)


def _check_is_vault(conn: Connection, path: Path) -> None:
    """A readable file without our meta table is corruption, never a first run."""
    row = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if migrations_runner.current_version(conn) == 0 or int(row[0]) != 1:
        raise CorruptionError(damaged_message(path))
    app = conn.execute("SELECT value FROM meta WHERE key = 'application'").fetchone()
    if app is None or app[0] != "clinician-desk":
        raise CorruptionError(damaged_message(path))


def _backup_before_migrating(conn: Connection, path: Path, raw: bytes, clock: Clock) -> None:
    version = migrations_runner.current_version(conn)
    stamp = utc_iso(clock.now()).replace(":", "").replace("-", "")
    folder = path.parent / BACKUPS_DIRNAME
    folder.mkdir(mode=0o700, exist_ok=True)
    dest = folder / f"pre-migration-v{version:04d}-{stamp}.db"
    snapshot(conn, dest, raw)
