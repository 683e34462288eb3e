"""``verify``: everything that can be wrong inside an open vault database, as a list of lines.

Checks, in order: SQLCipher's ``cipher_integrity_check`` (the HMAC of every page), SQLite's
``quick_check`` (b-tree structure), ``foreign_key_check``, the audit chain (keyed entries under
the audit key derived from the data key), the schema against the migrations' fingerprint and
the signed record against its hashes and audit entries (``tamper.full_check``). Damage that
makes a check itself fail is reported as a problem, never raised. Messages name tables and row
ids, never clinical content.
"""

from __future__ import annotations

from clinician_desk.storage import audit, tamper
from clinician_desk.storage.connection import Connection, DatabaseError

_MAX_LINES = 20


def verify_connection(conn: Connection, raw_key: bytes | None = None) -> list[str]:
    problems: list[str] = []
    problems += _pragma_lines(conn, "cipher_integrity_check", "cipher integrity", ok=None)
    problems += _pragma_lines(conn, "quick_check", "database structure", ok="ok")
    try:
        rows = conn.execute("PRAGMA foreign_key_check").fetchmany(_MAX_LINES)
        problems += [
            f"foreign keys: row {row[1]} of table {row[0]} points to a missing row in {row[2]}"
            for row in rows
        ]
    except DatabaseError as exc:
        problems.append(f"foreign keys: the check could not run ({exc})")
    try:
        mac_key = None if raw_key is None else audit.audit_key(audit.record_root(conn, raw_key))
        problems += audit.verify_chain(conn, mac_key)
    except DatabaseError as exc:
        problems.append(f"audit chain: the trail could not be read ({exc})")
    problems += tamper.full_check(conn)
    return problems


def _pragma_lines(conn: Connection, pragma: str, label: str, ok: str | None) -> list[str]:
    try:
        rows = conn.execute(f"PRAGMA {pragma}").fetchmany(_MAX_LINES)
    except DatabaseError as exc:
        return [f"{label}: the check could not run ({exc})"]
    lines = [str(row[0]) for row in rows]
    if ok is not None and lines == [ok]:
        return []
    return [f"{label}: {line}" for line in lines]
