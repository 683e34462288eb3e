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


# -- the outbox's bookkeeping (``sync.outbox`` decides; these statements store) ----------------


def mark_dirty(conn: Connection, org_unit: str, period: str, at: str) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO count_dirty (org_unit, period, marked_at) VALUES (?, ?, ?)",
        (org_unit, period, at),
    )


def mark_all_dirty(conn: Connection, at: str) -> None:
    """Every month with any record or known snapshot."""
    conn.execute(
        "INSERT OR IGNORE INTO count_dirty (org_unit, period, marked_at)"
        " SELECT DISTINCT school_cds, substr(session_date, 1, 7), ? FROM sessions"
        " UNION SELECT DISTINCT school_cds, substr(referral_date, 1, 7), ? FROM referrals"
        " UNION SELECT DISTINCT school_cds, substr(administered_on, 1, 7), ? FROM screenings"
        " UNION SELECT org_unit, period, ? FROM sync_period",
        (at, at, at, at),
    )
    conn.execute(
        "INSERT OR IGNORE INTO count_dirty (org_unit, period, marked_at)"
        " SELECT DISTINCT r.school_cds, substr(h.changed_on, 1, 7), ?"
        " FROM referral_status_history h JOIN referrals r ON r.id = h.referral_id",
        (at,),
    )


def clear_dirty(conn: Connection, period: str) -> None:
    conn.execute("DELETE FROM count_dirty WHERE period = ?", (period,))


def store_rejected(conn: Connection, org_unit: str, period: str, reason: str, at: str) -> None:
    """A snapshot this laptop could not build: kept as ``rejected`` with the reason."""
    conn.execute(
        "INSERT INTO sync_period (org_unit, period, status, problem, built_at)"
        " VALUES (?, ?, 'rejected', ?, ?) ON CONFLICT (org_unit, period) DO UPDATE"
        " SET status = 'rejected', problem = excluded.problem,"
        " content_hash = NULL, built_at = excluded.built_at",
        (org_unit, period, reason, at),
    )


def store_snapshot(
    conn: Connection,
    org_unit: str,
    period: str,
    revision: int,
    content_hash: str,
    body: bytes,
    at: str,
) -> None:
    """A new revision to send (pending, attempts reset)."""
    conn.execute(
        "INSERT INTO sync_period (org_unit, period, revision, content_hash, body,"
        " built_at, status) VALUES (?, ?, ?, ?, ?, ?, 'pending')"
        " ON CONFLICT (org_unit, period) DO UPDATE SET revision = excluded.revision,"
        " content_hash = excluded.content_hash, body = excluded.body,"
        " built_at = excluded.built_at, status = 'pending', problem = NULL,"
        " attempts = 0",
        (org_unit, period, revision, content_hash, body, at),
    )


def pending_rows(conn: Connection) -> list[Any]:
    """(org_unit, period, revision, body) of revisions not yet acknowledged, oldest first."""
    return conn.execute(
        "SELECT org_unit, period, revision, body FROM sync_period"
        " WHERE status = 'pending' AND revision > acked_revision ORDER BY period, org_unit"
    ).fetchall()


def record_outcome(
    conn: Connection,
    org_unit: str,
    period: str,
    revision: int,
    *,
    status: str,
    at: str,
    problem: str | None,
    server_revision: int | None,
) -> None:
    """The server's answer for one revision (no effect if a newer revision was built since)."""
    acked = status == "synced"
    conn.execute(
        "UPDATE sync_period SET status = ?, problem = ?, server_revision = ?,"
        " attempts = attempts + 1, last_sent_at = ?,"
        " acked_revision = CASE WHEN ? THEN MAX(acked_revision, ?) ELSE acked_revision END,"
        " acked_at = CASE WHEN ? THEN ? ELSE acked_at END"
        " WHERE org_unit = ? AND period = ? AND revision = ?",
        (
            status,
            problem,
            server_revision,
            at,
            acked,
            revision,
            acked,
            at,
            org_unit,
            period,
            revision,
        ),
    )


def note_attempt(conn: Connection, org_unit: str, period: str, revision: int, at: str) -> None:
    conn.execute(
        "UPDATE sync_period SET attempts = attempts + 1, last_sent_at = ?"
        " WHERE org_unit = ? AND period = ? AND revision = ?",
        (at, org_unit, period, revision),
    )


def supersede(conn: Connection, org_unit: str, period: str, above: int) -> None:
    conn.execute(
        "UPDATE sync_period SET revision = MAX(revision, ?), content_hash = NULL,"
        " status = 'pending', problem = NULL, server_revision = NULL"
        " WHERE org_unit = ? AND period = ?",
        (above, org_unit, period),
    )
