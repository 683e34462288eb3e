"""The transactional outbox: per-(org_unit, period) snapshot state kept in the vault.

Edits that change counts mark ``count_dirty(org_unit, period)`` in their own transaction (the
record and screening services do that). ``rebuild`` runs in one unit of work: it reads the dirty
periods, recomputes every snapshot of those periods from the vault, bumps a snapshot's revision
**only when its content hash changed**, stores the exact body to send, and clears the dirty marks
it consumed — all or nothing. A snapshot whose cells all disappeared (a session moved to another
month) is sent once with no cells so the server's total drops too.

Statuses per period: ``pending`` (a revision newer than the acknowledged one waits),
``synced``, ``stale``/``conflict`` (the server holds a newer or different revision — kept local,
the clinician decides), ``rejected`` (422/413, the server's reason kept), ``locked`` (423, the
county closed the month). A later content change turns rejected/locked back into pending.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from clinician_desk.clock import utc_iso
from clinician_desk.domain.counts import CountCell, snapshots
from clinician_desk.errors import ValidationError
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories import sync_state
from clinician_desk.sync.payload import build_payload, content_hash_of

CellsForPeriod = Callable[[Connection, str], list[CountCell]]
PROBLEM_STATUSES = ("stale", "conflict", "rejected", "locked")


@dataclass(frozen=True)
class Outgoing:
    """A snapshot revision waiting to be sent."""

    org_unit: str
    period: str
    revision: int
    body: bytes


@dataclass(frozen=True)
class Device:
    server_url: str
    device_id: str
    private_key: bytes
    taxonomy_version: str
    clock_offset_seconds: float
    revoked: bool


def load_device(conn: Connection) -> Device | None:
    row = sync_state.device_row(conn)
    if row is None:
        return None
    return Device(row[0], row[1], bytes(row[2]), row[3], float(row[4]), row[5] is not None)


def allowed_org_units(conn: Connection) -> set[str]:
    return set(sync_state.org_units(conn))


def dirty_periods(conn: Connection) -> set[str]:
    return sync_state.dirty_period_names(conn)


def mark_period_dirty(conn: Connection, org_unit: str, period: str, now: datetime) -> None:
    """For callers outside the record services (e.g. a taxonomy change): rebuild this period."""
    sync_state.mark_dirty(conn, org_unit, period, utc_iso(now))


def mark_all_periods_dirty(conn: Connection, now: datetime) -> None:
    """Every month with any record or known snapshot (used at enrollment)."""
    sync_state.mark_all_dirty(conn, utc_iso(now))


def rebuild(
    conn: Connection,
    periods: Iterable[str],
    cells_for_period: CellsForPeriod,
    device: Device,
    now: datetime,
) -> list[str]:
    """Rebuild the snapshots of ``periods``; returns problems (one line each; empty if none).

    Call inside a unit of work. Clears ``count_dirty`` for the periods rebuilt. A snapshot that
    cannot be built (a value outside the wire schema — a programming or data error) is not sent:
    its period row is marked ``rejected`` with the reason so the sync page shows it, and every
    other snapshot still goes. A month whose facts cannot be read stays dirty.
    """
    problems: list[str] = []
    for period in sorted(set(periods)):
        try:
            fresh = snapshots(cells_for_period(conn, period))
        except ValidationError as exc:
            problems.append(f"{period}: counts cannot be computed ({exc.message})")
            continue
        known = sync_state.known_snapshots(conn, period)
        for org_unit in sorted({ou for ou, _ in fresh} | set(known)):
            cells = fresh.get((org_unit, period), [])
            revision, old_hash = known.get(org_unit, (0, None))
            if not cells and org_unit not in known:
                continue
            try:
                if content_hash_of(cells, org_unit, period, device.taxonomy_version) == old_hash:
                    continue
                built = build_payload(
                    cells,
                    org_unit=org_unit,
                    period=period,
                    revision=revision + 1,
                    taxonomy_version=device.taxonomy_version,
                    device_id=device.device_id,
                    generated_at=now,
                )
            except ValidationError as exc:
                reason = f"not sent: this laptop could not build the counts ({exc.message})"
                problems.append(f"{org_unit} {period}: {reason}")
                sync_state.store_rejected(conn, org_unit, period, reason[:500], utc_iso(now))
                continue
            sync_state.store_snapshot(
                conn,
                org_unit,
                period,
                built.revision,
                built.content_hash,
                built.body,
                utc_iso(now),
            )
        sync_state.clear_dirty(conn, period)
    return problems


def outgoing(conn: Connection) -> list[Outgoing]:
    """Pending revisions, oldest period first."""
    rows = sync_state.pending_rows(conn)
    return [Outgoing(r[0], r[1], int(r[2]), bytes(r[3])) for r in rows]


def record_outcome(
    conn: Connection,
    item: Outgoing,
    *,
    status: str,
    now: datetime,
    problem: str | None = None,
    server_revision: int | None = None,
) -> None:
    """Store what the server said about ``item`` (ignored if a newer revision was built since)."""
    sync_state.record_outcome(
        conn,
        item.org_unit,
        item.period,
        item.revision,
        status=status,
        at=utc_iso(now),
        problem=problem,
        server_revision=server_revision,
    )


def note_attempt(conn: Connection, item: Outgoing, now: datetime) -> None:
    """A send that got no usable answer: the revision stays pending, one more attempt counted."""
    sync_state.note_attempt(conn, item.org_unit, item.period, item.revision, utc_iso(now))


def supersede(conn: Connection, org_unit: str, period: str, above: int, now: datetime) -> None:
    """After the clinician confirmed: re-issue this device's snapshot above revision ``above``.

    Used for a stale or conflicting period (e.g. a laptop restored from an old backup): the
    local content becomes the newest revision on the next rebuild and is sent again.
    """
    sync_state.supersede(conn, org_unit, period, above)
    mark_period_dirty(conn, org_unit, period, now)
