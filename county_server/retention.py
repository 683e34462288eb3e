"""Retention of the snapshot history: superseded revisions are kept for a horizon
(``history_years``, default 7), then ``prune_history`` deletes them. The latest revision of
every (device, org unit, period) — the one ``snapshots`` points at and whose cells count — is
never touched, however old; nor is anything received inside the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from county_server import audit
from county_server.db import Database, now_iso
from county_server.errors import ConfigError

DEFAULT_YEARS = 7


def horizon(now: datetime, years: int) -> str:
    """The UTC stamp ``years`` before ``now`` (29 February falls back to the 28th)."""
    if not 1 <= years <= 100:
        raise ConfigError("--years must be from 1 to 100")
    try:
        then = now.replace(year=now.year - years)
    except ValueError:
        then = now.replace(year=now.year - years, day=28)
    return now_iso(then)


@dataclass(frozen=True)
class PruneResult:
    before: str
    deleted: int
    kept_latest: int


def prune_history(
    db: Database,
    *,
    now: datetime,
    years: int = DEFAULT_YEARS,
    actor: str,
    dry_run: bool = False,
) -> PruneResult:
    cutoff = horizon(now, years)
    old = (
        "FROM snapshot_history h WHERE h.received_at < ? AND NOT EXISTS (SELECT 1 FROM "
        "snapshots s WHERE s.device_id = h.device_id AND s.org_unit = h.org_unit AND "
        "s.period = h.period AND s.revision = h.revision)"
    )
    with db.transaction() as tx:
        count = int(tx.scalar(f"SELECT COUNT(*) {old}", (cutoff,)))
        kept = (
            int(tx.scalar("SELECT COUNT(*) FROM snapshot_history WHERE received_at < ?", (cutoff,)))
            - count
        )
        if not dry_run and count:
            tx.execute(
                "DELETE FROM snapshot_history WHERE (device_id, org_unit, period, revision) IN "
                f"(SELECT h.device_id, h.org_unit, h.period, h.revision {old})",
                (cutoff,),
            )
        if not dry_run:
            audit.record(
                tx,
                now,
                actor,
                "history_pruned",
                {"before": cutoff, "deleted": count, "kept_latest": kept, "years": years},
            )
    return PruneResult(cutoff, count, kept)
