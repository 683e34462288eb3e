"""``verify``: everything that can be wrong inside an open vault database, as a list of lines.

Checks, in order: SQLCipher's ``cipher_integrity_check`` (the HMAC of every page), SQLite's
``quick_check`` (b-tree structure), ``foreign_key_check``, the audit chain (keyed entries under
the audit key derived from the data key), the schema against the migrations' fingerprint and
the signed record against its hashes and audit entries (``tamper.full_check``). Damage that
makes a check itself fail is reported as a problem, never raised. Messages name tables and row
ids, never clinical content.

The first three (page-level: every page of the file, no record logic) and the others (the
record: chain, schema, signed rows) need nothing from each other. Given ``open_copy`` (opens a
new connection to the same file with the same key), the page-level checks run on two such
connections in two more threads — SQLCipher's page check and the foreign keys on one, SQLite's
``quick_check`` (the longest) on the other — while this thread runs the record checks. SQLite
releases the GIL while it steps, so on a multi-core machine the longest part sets the time
instead of the sum. All read the same committed state (the caller writes nothing meanwhile);
every check still runs and the lines come in the order above. A copy that cannot be opened
makes its checks run here afterwards, on ``conn``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from clinician_desk.errors import ClinicianDeskError
from clinician_desk.messages import M
from clinician_desk.storage import audit, tamper
from clinician_desk.storage.connection import Connection, DatabaseError

_MAX_LINES = 20


def verify_connection(
    conn: Connection,
    raw_key: bytes | None = None,
    *,
    open_copy: Callable[[], Connection] | None = None,
) -> list[str]:
    if open_copy is None:
        return page_checks(conn) + record_checks(conn, raw_key)
    with ThreadPoolExecutor(2, thread_name_prefix="verify-pages") as pool:
        cipher_fk = pool.submit(_on_copy, open_copy, (_cipher_lines, _foreign_key_lines))
        structure = pool.submit(_on_copy, open_copy, (_structure_lines,))
        record = record_checks(conn, raw_key)
        first, second = cipher_fk.result(), structure.result()
    cipher, fks = first if first is not None else (_cipher_lines(conn), _foreign_key_lines(conn))
    (shape,) = second if second is not None else (_structure_lines(conn),)
    return cipher + shape + fks + record


def _on_copy(
    open_copy: Callable[[], Connection], checks: Sequence[Callable[[Connection], list[str]]]
) -> list[list[str]] | None:
    """Each check's lines, run on a new connection; None when it cannot be opened."""
    try:
        copy = open_copy()
    except (ClinicianDeskError, DatabaseError):
        return None
    try:
        return [check(copy) for check in checks]
    finally:
        copy.close()


def page_checks(conn: Connection) -> list[str]:
    """SQLCipher's page HMACs, SQLite's b-tree structure and the foreign keys."""
    return _cipher_lines(conn) + _structure_lines(conn) + _foreign_key_lines(conn)


def _cipher_lines(conn: Connection) -> list[str]:
    return _pragma_lines(conn, "cipher_integrity_check", M("cipher integrity"), ok=None)


def _structure_lines(conn: Connection) -> list[str]:
    return _pragma_lines(conn, "quick_check", M("database structure"), ok="ok")


def _foreign_key_lines(conn: Connection) -> list[str]:
    try:
        rows = conn.execute("PRAGMA foreign_key_check").fetchmany(_MAX_LINES)
    except DatabaseError as exc:
        return [M("foreign keys: the check could not run ({error})", error=str(exc))]
    return [
        M(
            "foreign keys: row {row} of table {table} points to a missing row in {parent}",
            row=row[1],
            table=row[0],
            parent=row[2],
        )
        for row in rows
    ]


def record_checks(conn: Connection, raw_key: bytes | None) -> list[str]:
    """The keyed audit chain, the schema fingerprint and the signed record (``tamper``)."""
    problems: list[str] = []
    try:
        mac_key = None if raw_key is None else audit.audit_key(audit.record_root(conn, raw_key))
        problems += audit.verify_chain(conn, mac_key)
    except DatabaseError as exc:
        problems.append(M("audit chain: the trail could not be read ({error})", error=str(exc)))
    problems += tamper.full_check(conn)
    return problems


def _pragma_lines(conn: Connection, pragma: str, label: M, ok: str | None) -> list[str]:
    try:
        rows = conn.execute(f"PRAGMA {pragma}").fetchmany(_MAX_LINES)
    except DatabaseError as exc:
        return [M("{check}: the check could not run ({error})", check=label, error=str(exc))]
    lines = [str(row[0]) for row in rows]
    if ok is not None and lines == [ok]:
        return []
    return [M("{check}: {line}", check=label, line=line) for line in lines]
