"""SQL for this laptop's sync state: its enrollment (``sync_device``, one row), the org units it
may report for (``sync_org_unit``) and the per-period snapshot rows (``sync_period``) as the
status page, enrollment and the sync service read them. The outbox's own bookkeeping (rebuild,
outcomes) is ``sync.outbox``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from clinician_desk.storage.connection import Connection


def device_row(conn: Connection) -> Any:
    """(server_url, device_id, private_key, taxonomy_version, clock_offset_seconds, revoked_at)
    of the enrolled device, or None."""
    return conn.execute(
        "SELECT server_url, device_id, private_key, taxonomy_version, clock_offset_seconds,"
        " revoked_at FROM sync_device WHERE id = 1"
    ).fetchone()


def device_status_row(conn: Connection) -> Any:
    """(server_url, device_id, revoked_at, last_success_at, last_attempt_at, last_problem)."""
    return conn.execute(
        "SELECT server_url, device_id, revoked_at, last_success_at, last_attempt_at,"
        " last_problem FROM sync_device WHERE id = 1"
    ).fetchone()


def enroll_device(
    conn: Connection,
    *,
    server_url: str,
    device_id: str,
    private_key: bytes,
    public_key: str,
    escrow_public_key: str | None,
    taxonomy_version: str,
    enrolled_at: str,
    clock_offset_seconds: float,
    org_units: Iterable[str],
) -> None:
    """Replace any earlier enrollment; every period must then be sent again (``reset_periods``)."""
    conn.execute("DELETE FROM sync_device")
    conn.execute("DELETE FROM sync_org_unit")
    conn.execute(
        "INSERT INTO sync_device (id, server_url, device_id, private_key, public_key,"
        " escrow_public_key, taxonomy_version, enrolled_at, clock_offset_seconds)"
        " VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            server_url,
            device_id,
            private_key,
            public_key,
            escrow_public_key,
            taxonomy_version,
            enrolled_at,
            clock_offset_seconds,
        ),
    )
    conn.executemany("INSERT INTO sync_org_unit (org_unit) VALUES (?)", [(u,) for u in org_units])


def reset_periods(conn: Connection) -> None:
    """Forget what any server acknowledged: every snapshot is pending again."""
    conn.execute(
        "UPDATE sync_period SET acked_revision = 0, content_hash = NULL, status = 'pending',"
        " problem = NULL, server_revision = NULL"
    )


def record_round(
    conn: Connection,
    *,
    attempt_at: str,
    problem: str | None,
    success_at: str | None,
    clock_offset: float | None,
    revoked_at: str | None,
) -> None:
    """After a round: when it ran, its problem, and what changed (success, offset, revoked)."""
    sets = ["last_attempt_at = ?", "last_problem = ?"]
    args: list[object] = [attempt_at, problem]
    if success_at is not None:
        sets.append("last_success_at = ?")
        args.append(success_at)
    if clock_offset is not None:
        sets.append("clock_offset_seconds = ?")
        args.append(clock_offset)
    if revoked_at is not None:
        sets.append("revoked_at = COALESCE(revoked_at, ?)")
        args.append(revoked_at)
    conn.execute(f"UPDATE sync_device SET {', '.join(sets)} WHERE id = 1", args)


def org_units(conn: Connection) -> list[str]:
    return [str(r[0]) for r in conn.execute("SELECT org_unit FROM sync_org_unit ORDER BY 1")]


def dirty_period_names(conn: Connection) -> set[str]:
    return {str(r[0]) for r in conn.execute("SELECT DISTINCT period FROM count_dirty")}


def dirty_count(conn: Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM count_dirty").fetchone()[0])


def period_rows(conn: Connection) -> list[Any]:
    """(org_unit, period, revision, acked_revision, status, problem, server_revision,
    last_sent_at) of every snapshot, newest period first."""
    return conn.execute(
        "SELECT org_unit, period, revision, acked_revision, status, problem,"
        " server_revision, last_sent_at FROM sync_period ORDER BY period DESC, org_unit"
    ).fetchall()


def known_snapshots(conn: Connection, period: str) -> dict[str, tuple[int, str | None]]:
    """{org_unit: (revision, content_hash)} of ``period``."""
    return {
        str(r[0]): (int(r[1]), r[2])
        for r in conn.execute(
            "SELECT org_unit, revision, content_hash FROM sync_period WHERE period = ?",
            (period,),
        )
    }


def server_revision(conn: Connection, org_unit: str, period: str) -> tuple[bool, int]:
    """(exists, the server's revision or 0) of one snapshot row."""
    row = conn.execute(
        "SELECT status, server_revision FROM sync_period WHERE org_unit = ? AND period = ?",
        (org_unit, period),
    ).fetchone()
    return (False, 0) if row is None else (True, int(row[1] or 0))
