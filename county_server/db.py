"""Database access for the county server: SQLite (stdlib ``sqlite3``) or PostgreSQL (psycopg 3).

``Database.open(url)`` accepts a file path, ``sqlite:///path`` or ``postgresql://…``. SQL is
written once with ``?`` placeholders and portable syntax (``INSERT … ON CONFLICT … DO UPDATE``
works on both); the tiny dialect shim turns ``?`` into ``%s`` for psycopg and ``{{AUTOID}}`` in
migrations into each engine's auto-increment key.

Concurrency: a small pool of connections. ``transaction()`` gives exclusive write transactions
(SQLite ``BEGIN IMMEDIATE``; PostgreSQL READ COMMITTED with row locks taken by the callers'
``SELECT … FOR UPDATE`` where it matters); ``read()`` gives a read transaction. Both return a
``Tx`` whose methods take ``?``-style SQL. Rows are plain tuples.

Migrations are ``county_server/migrations/NNNN_name.sql``, each applied in one transaction and
recorded in ``schema_migrations``; a database with a newer migration than this code is refused.
"""

from __future__ import annotations

import os
import queue
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from county_server.errors import DatabaseError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
Params = Sequence[object]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        m = _MIGRATION_NAME.match(path.name)
        if not m:
            raise DatabaseError(f"migration file {path.name} is not named NNNN_name.sql")
        found.append(Migration(int(m.group(1)), path.name, path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise DatabaseError("migration numbers must run 0001, 0002, … without gaps")
    return found


_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def split_statements(sql: str) -> list[str]:
    """The statements of a migration, for either engine, without their comments.

    A ``;`` ends a statement only outside string literals (``'…'``), quoted identifiers
    (``"…"``), PostgreSQL dollar-quoted bodies (``$$ … $$``, ``$fn$ … $fn$`` — PL/pgSQL
    functions keep every ``;`` inside them) and an SQLite trigger's ``BEGIN … END``. ``--`` and
    ``/* */`` comments are dropped. Unterminated quotes or comments raise ``DatabaseError``.
    """
    statements: list[str] = []
    buf: list[str] = []
    depth = 0  # BEGIN/CASE … END nesting inside a CREATE TRIGGER statement
    head: list[str] = []  # the statement's first words, to recognize CREATE [TEMP] TRIGGER
    i, n = 0, len(sql)

    def take_until(end: str, start: int, what: str) -> int:
        stop = sql.find(end, start)
        if stop < 0:
            raise DatabaseError(f"migration SQL has an unterminated {what}")
        return stop + len(end)

    while i < n:
        ch = sql[i]
        if sql.startswith("--", i):
            i = n if (nl := sql.find("\n", i)) < 0 else nl
            continue
        if sql.startswith("/*", i):
            i = take_until("*/", i + 2, "/* comment")
            buf.append(" ")
            continue
        if ch in "'\"":
            j = i + 1
            while True:  # a doubled quote is an escaped quote
                j = take_until(ch, j, "quoted string")
                if j < n and sql[j] == ch:
                    j += 1
                    continue
                break
            buf.append(sql[i:j])
            i = j
            continue
        if ch == "$" and (m := _DOLLAR_TAG.match(sql, i)) and not (i and sql[i - 1].isalnum()):
            j = take_until(m.group(0), m.end(), f"dollar-quoted body {m.group(0)}")
            buf.append(sql[i:j])
            i = j
            continue
        if (m := _WORD.match(sql, i)) and not (i and (sql[i - 1].isalnum() or sql[i - 1] == "_")):
            word = m.group(0).upper()
            if len(head) < 3:
                head.append(word)
            if head[:2] == ["CREATE", "TRIGGER"] or (
                head[:1] == ["CREATE"]
                and head[1:3] in (["TEMP", "TRIGGER"], ["TEMPORARY", "TRIGGER"])
            ):
                if word in ("BEGIN", "CASE"):
                    depth += 1
                elif word == "END" and depth:
                    depth -= 1
            buf.append(m.group(0))
            i = m.end()
            continue
        if ch == ";" and depth == 0:
            statement = "".join(buf).strip()
            if statement:
                statements.append(statement)
            buf, head = [], []
            i += 1
            continue
        buf.append(ch)
        i += 1
    tail = "".join(buf).strip()
    if tail:
        statements.append(tail)
    return statements


class Tx:
    """One open transaction; methods take ``?`` placeholders on both engines."""

    def __init__(self, conn: Any, dialect: str) -> None:
        self._conn = conn
        self.dialect = dialect

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; returns the affected row count."""
        cur = self._conn.execute(self._sql(sql), tuple(params))
        return int(cur.rowcount)

    def execute_verbatim(self, sql: str) -> None:
        """Run one statement exactly as written: no ``?`` translation, no parameters (so a
        PL/pgSQL body's ``%`` and ``?`` reach the engine untouched). For migrations."""
        self._conn.execute(sql)

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        if not rows:
            return
        if self.dialect == "postgresql":
            with self._conn.cursor() as cur:
                cur.executemany(self._sql(sql), [tuple(r) for r in rows])
        else:
            self._conn.executemany(sql, [tuple(r) for r in rows])

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Params]) -> None:
        """Append many rows to ``table``: ``COPY`` on PostgreSQL, ``executemany`` on SQLite.

        The publication cube stores about 120,000 rows per rebuild; through ``executemany``
        PostgreSQL took 2.2-2.6 s of a rebuild for them (1.2-1.5 s of the server's CPU), through
        ``COPY`` 0.15 s. Table and column names come from code, never from a request.
        """
        names = (table, *columns)
        if not columns or not all(_IDENTIFIER.fullmatch(n) for n in names):
            raise ValueError(f"not a plain table or column name: {names!r}")
        if not rows:
            return
        listed = ", ".join(columns)
        if self.dialect == "postgresql":
            with self._conn.cursor() as cur, cur.copy(f"COPY {table} ({listed}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(tuple(row))
        else:
            marks = ", ".join("?" for _ in columns)
            self._conn.executemany(
                f"INSERT INTO {table} ({listed}) VALUES ({marks})", [tuple(r) for r in rows]
            )

    def all(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self._conn.execute(self._sql(sql), tuple(params)).fetchall()]

    def one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        row = self._conn.execute(self._sql(sql), tuple(params)).fetchone()
        return None if row is None else tuple(row)

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]


class Database:
    """A pool of connections to one SQLite file or PostgreSQL database."""

    def __init__(self, url: str, dialect: str, pool_size: int) -> None:
        self.url = url
        self.dialect = dialect
        self._pool: queue.LifoQueue[Any] = queue.LifoQueue()
        self._created = 0
        self._max = pool_size
        self._lock = threading.Lock()
        self._all: list[Any] = []
        # SQLite allows one writer: queue writers here instead of in SQLite's sleeping busy
        # handler (which backs off up to 100 ms per retry under contention).
        self._write_lock = threading.Lock()
        sync = os.environ.get("COUNTY_SERVER_SQLITE_SYNC", "NORMAL").upper()
        if sync not in ("NORMAL", "FULL"):
            raise DatabaseError("COUNTY_SERVER_SQLITE_SYNC must be NORMAL or FULL")
        self.sqlite_synchronous = sync
        # A dashboard-only serve (decision 0154): its connections refuse writes, and
        # ``transaction()`` goes to ``writer`` (sign-in sessions and the audit trail).
        self.read_only = False
        self.writer: Database | None = None

    @classmethod
    def open(cls, url: str, *, migrate: bool = True, pool_size: int = 4) -> Database:
        """Connect (creating an SQLite file if needed) and run pending migrations."""
        if url.startswith(("postgresql://", "postgres://")):
            db = cls(url, "postgresql", pool_size)
        else:
            path = url.removeprefix("sqlite:///").removeprefix("sqlite://")
            if not path:
                raise DatabaseError("empty database path")
            parent = Path(path).expanduser().resolve().parent
            if not parent.is_dir():
                raise DatabaseError(f"folder {parent} does not exist")
            # A new file is the owner's only (it holds password hashes); SQLite gives its -wal
            # and -shm files the same mode.
            if not Path(path).expanduser().exists():
                try:
                    os.close(os.open(Path(path).expanduser(), os.O_CREAT | os.O_WRONLY, 0o600))
                except OSError as exc:
                    raise DatabaseError(f"cannot create {path} ({exc.strerror})") from None
            db = cls(str(Path(path).expanduser()), "sqlite", pool_size)
        conn = db._acquire()
        db._release(conn)
        if migrate:
            db.migrate()
        return db

    @classmethod
    def open_read_only(cls, url: str, writer: Database, *, pool_size: int = 4) -> Database:
        """``url`` opened only to read (a read replica, or the primary for a dashboard-only
        serve): no migration runs, every connection refuses writes (PostgreSQL's
        ``default_transaction_read_only``, SQLite's ``query_only``), and ``transaction()`` is
        ``writer``'s."""
        db = cls.open(url, migrate=False, pool_size=pool_size)
        db.close()  # the check connection was opened writable
        db.read_only, db.writer = True, writer
        return db

    def _connect(self) -> Any:
        if self.dialect == "postgresql":
            try:
                import psycopg
            except ImportError:
                raise DatabaseError(
                    "PostgreSQL needs psycopg: pip install 'clinician-desk[postgres]'"
                ) from None
            try:
                if self.read_only:
                    return psycopg.connect(
                        self.url,
                        autocommit=True,
                        connect_timeout=10,
                        options="-c default_transaction_read_only=on",
                    )
                return psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            except psycopg.Error as exc:
                raise DatabaseError(
                    f"cannot connect to PostgreSQL ({exc.__class__.__name__})"
                ) from None
        try:
            conn = sqlite3.connect(
                self.url, isolation_level=None, check_same_thread=False, timeout=30
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self.sqlite_synchronous}")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            if self.read_only:
                conn.execute("PRAGMA query_only=ON")
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(f"{self.url}: not a usable SQLite database ({exc})") from None
        return conn

    def dedicated_connection(self) -> Any:
        """A new connection outside the pool (autocommit on PostgreSQL), for a session-level
        lock held across transactions; the caller closes it."""
        return self._connect()

    def _acquire(self) -> Any:
        try:
            return self._pool.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._created < self._max:
                self._created += 1
                try:
                    conn = self._connect()
                except BaseException:
                    self._created -= 1
                    raise
                self._all.append(conn)
                return conn
        return self._pool.get(timeout=60)

    def _release(self, conn: Any) -> None:
        self._pool.put(conn)

    @contextmanager
    def _tx(self, write: bool) -> Iterator[Tx]:
        if write and self.dialect == "sqlite":
            with self._write_lock:
                with self._tx_on_connection(write) as tx:
                    yield tx
        else:
            with self._tx_on_connection(write) as tx:
                yield tx

    @contextmanager
    def _tx_on_connection(self, write: bool) -> Iterator[Tx]:
        conn = self._acquire()
        try:
            if self.dialect == "sqlite":
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield Tx(conn, self.dialect)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            else:
                with conn.transaction():
                    yield Tx(conn, self.dialect)
        finally:
            if getattr(conn, "closed", False) or getattr(conn, "broken", False):
                self._discard(conn)  # a PostgreSQL restart: reconnect on the next use
            else:
                self._release(conn)

    def _discard(self, conn: Any) -> None:
        with self._lock:
            if conn in self._all:
                self._all.remove(conn)
                self._created -= 1
        try:
            conn.close()
        except Exception:
            pass

    def transaction(self) -> Any:
        """Context manager: a write transaction, committed on success, rolled back on error
        (on the writer's database when this one is read-only)."""
        if self.writer is not None:
            return self.writer.transaction()
        return self._tx(True)

    def read_own_writes(self) -> Any:
        """Context manager: a read that sees this process's own writes at once (a session
        just signed in) — on the writer's database when this one is a read-only replica."""
        return (self.writer or self).read()

    def read(self) -> Any:
        """Context manager: a read-only use of a connection."""
        return self._tx(False)

    def schema_version(self) -> int:
        with self.read() as tx:
            if not self._has_table(tx, "schema_migrations"):
                return 0
            return int(tx.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))

    def _has_table(self, tx: Tx, name: str) -> bool:
        if self.dialect == "sqlite":
            sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        else:
            sql = "SELECT 1 FROM information_schema.tables WHERE table_name = ?"
        return tx.one(sql, (name,)) is not None

    def migrate(self, directory: Path | None = None) -> int:
        """Apply pending migrations; returns how many ran. Refuses a newer database."""
        migrations = load_migrations(directory or MIGRATIONS_DIR)
        ran = 0
        with self.transaction() as tx:
            if self.dialect == "postgresql":
                tx.execute("SELECT pg_advisory_xact_lock(7715001)")
            tx.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
        current = self.schema_version()
        if current > len(migrations):
            raise DatabaseError(
                f"the database schema ({current}) is newer than this county-server "
                f"({len(migrations)}); upgrade the server"
            )
        for mig in migrations[current:]:
            autoid = (
                "INTEGER PRIMARY KEY AUTOINCREMENT"
                if self.dialect == "sqlite"
                else "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
            )
            with self.transaction() as tx:
                if self.dialect == "postgresql":
                    tx.execute("SELECT pg_advisory_xact_lock(7715001)")
                    done = tx.scalar(
                        "SELECT 1 FROM schema_migrations WHERE version = ?", (mig.version,)
                    )
                    if done:
                        continue
                for stmt in split_statements(mig.sql.replace("{{AUTOID}}", autoid)):
                    tx.execute_verbatim(stmt)
                tx.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (mig.version, mig.name, now_iso()),
                )
            ran += 1
        return ran

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                try:
                    conn.close()
                except Exception:
                    pass
            self._all.clear()
            self._created = 0
            self._pool = queue.LifoQueue()
        if self.writer is not None and self.writer is not self:
            self.writer.close()


def now_iso(dt: datetime | None = None) -> str:
    """UTC ISO text with second precision, e.g. ``2026-09-14T15:00:00Z``."""
    when = dt or datetime.now(UTC)
    return when.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
