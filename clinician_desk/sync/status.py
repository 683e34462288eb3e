"""The sync read model the UI indicator, the sync page and ``sync-status`` show.

Plain frozen rows from one read: enrolled or not, the server, last successful contact, how many
snapshots wait, and every period with a problem and the server's reason. No network.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinician_desk.messages import M
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories import sync_state
from clinician_desk.sync.outbox import PROBLEM_STATUSES
from clinician_desk.sync.worker import REVOKED_MESSAGE


@dataclass(frozen=True)
class PeriodStatus:
    org_unit: str
    period: str
    revision: int
    acked_revision: int
    status: str
    problem: str | None
    server_revision: int | None
    last_sent_at: str | None

    @property
    def is_problem(self) -> bool:
        return self.status in PROBLEM_STATUSES


@dataclass(frozen=True)
class SyncStatus:
    enrolled: bool
    server_url: str | None = None
    device_id: str | None = None
    revoked: bool = False
    last_success_at: str | None = None
    last_attempt_at: str | None = None
    last_problem: str | None = None
    pending_count: int = 0
    dirty_count: int = 0
    periods: tuple[PeriodStatus, ...] = ()
    org_units: tuple[str, ...] = ()

    @property
    def problems(self) -> tuple[PeriodStatus, ...]:
        return tuple(p for p in self.periods if p.is_problem)

    @property
    def headline(self) -> str:
        """One line for the status bar."""
        if not self.enrolled:
            return M("Not enrolled with the county server.")
        if self.revoked:
            return REVOKED_MESSAGE
        waiting = self.pending_count + self.dirty_count
        last = self.last_success_at or M("never")
        if self.problems:
            return M(
                "Last synced: {last}; {waiting} waiting; {n} month(s) need attention.",
                last=last,
                waiting=waiting,
                n=len(self.problems),
            )
        return M("Last synced: {last}; {waiting} waiting.", last=last, waiting=waiting)


def read_status(conn: Connection) -> SyncStatus:
    row = sync_state.device_status_row(conn)
    if row is None:
        return SyncStatus(enrolled=False)
    periods = tuple(
        PeriodStatus(r[0], r[1], int(r[2]), int(r[3]), r[4], r[5], r[6], r[7])
        for r in sync_state.period_rows(conn)
    )
    pending = sum(1 for p in periods if p.status == "pending" and p.revision > p.acked_revision)
    dirty = sync_state.dirty_count(conn)
    units = tuple(sync_state.org_units(conn))
    return SyncStatus(
        enrolled=True,
        server_url=row[0],
        device_id=row[1],
        revoked=row[2] is not None,
        last_success_at=row[3],
        last_attempt_at=row[4],
        last_problem=row[5],
        pending_count=pending,
        dirty_count=dirty,
        periods=periods,
        org_units=units,
    )
