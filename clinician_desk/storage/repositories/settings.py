"""The vault's ``settings`` key/value table (non-clinical values: the clinician's printed
identity, supervisor details): read several keys at once, store one."""

from __future__ import annotations

from clinician_desk.storage.connection import Connection


def read_many(conn: Connection, keys: tuple[str, ...]) -> dict[str, str]:
    """The stored values of ``keys`` (missing keys are absent from the result)."""
    marks = ", ".join("?" for _ in keys)
    rows = conn.execute(f"SELECT key, value FROM settings WHERE key IN ({marks})", keys)
    return {str(k): str(v) for k, v in rows.fetchall() if v is not None}


def read_one(conn: Connection, key: str, default: str = "") -> str:
    return read_many(conn, (key,)).get(key, default)


def store(conn: Connection, key: str, value: str, at: str) -> None:
    """Insert or replace one value (inside the caller's transaction)."""
    conn.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (key, value, at),
    )
