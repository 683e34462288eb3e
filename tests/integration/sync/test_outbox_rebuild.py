"""The outbox on a real vault: revisions move only when content changes, a month whose cells
vanished is re-sent empty, and a snapshot that cannot be built is flagged, not crashed on."""

from __future__ import annotations

from datetime import date
from typing import Any

from clinician_desk.domain.counts import CountCell
from clinician_desk.services.sync_facts import cells_for_period
from clinician_desk.sync import outbox
from clinician_desk.sync.worker import SyncWorker
from tests.support.county import SCHOOLS
from tests.support.vaultkit import Seeder, Vault

A = SCHOOLS[0]


def enroll_locally(vault: Vault) -> None:
    """A device row as enrollment writes it (no server needed to test the outbox)."""
    with vault.services.db.unit_of_work() as uow:
        uow.conn.execute(
            "INSERT INTO sync_device (id, server_url, device_id, private_key, public_key,"
            " taxonomy_version, enrolled_at) VALUES (1, 'http://127.0.0.1:9', 'dev_outbox0001',"
            " zeroblob(32), 'x', '2026.1', '2026-09-14T15:00:00Z')"
        )
        outbox.mark_all_periods_dirty(uow.conn, vault.clock.now())


def revisions(vault: Vault) -> dict[tuple[str, str], tuple[int, str]]:
    with vault.services.db.read() as conn:
        rows = conn.execute("SELECT org_unit, period, revision, status FROM sync_period")
        return {(r[0], r[1]): (int(r[2]), r[3]) for r in rows}


def test_revisions_move_only_when_content_changes(vault: Vault, seeder: Seeder) -> None:
    kid = seeder.student("6", A)
    seeder.session(date(2026, 8, 3), "TX-IND", 2, A, (kid,), 45)
    enroll_locally(vault)
    worker = vault.sync.worker
    worker.prepare()
    assert revisions(vault) == {(A, "2026-08"): (1, "pending")}
    with vault.services.db.unit_of_work() as uow:  # dirty again, same content
        outbox.mark_all_periods_dirty(uow.conn, vault.clock.now())
    worker.prepare()
    assert revisions(vault) == {(A, "2026-08"): (1, "pending")}
    draft = seeder.session(date(2026, 8, 4), "TX-IND", 2, A, (kid,), 30, sign=False)
    assert draft and worker.prepare()[1][0].revision == 1  # a draft changes nothing
    seeder.session(date(2026, 8, 5), "TX-IND", 2, A, (kid,), 30)
    assert worker.prepare()[1][0].revision == 2


def test_a_month_whose_cells_vanish_is_sent_empty(vault: Vault, seeder: Seeder) -> None:
    kid = seeder.student("6", A)
    seeder.session(date(2026, 8, 3), "TX-IND", 2, A, (kid,), 45)
    enroll_locally(vault)
    state: dict[str, Any] = {"hide": False}

    def facts(conn: Any, period: str) -> list[CountCell]:
        return [] if state["hide"] else cells_for_period(conn, period)

    worker = SyncWorker(vault.services.db, vault.clock, facts)
    worker.prepare()
    state["hide"] = True
    with vault.services.db.unit_of_work() as uow:
        outbox.mark_period_dirty(uow.conn, A, "2026-08", vault.clock.now())
    _, items = worker.prepare()
    assert [(i.org_unit, i.revision) for i in items] == [(A, 2)]
    assert b'"cells":[]' in items[0].body


def test_a_snapshot_that_cannot_be_built_is_flagged_and_others_still_go(
    vault: Vault, seeder: Seeder
) -> None:
    kid = seeder.student("6", A)
    seeder.session(date(2026, 7, 3), "TX-IND", 2, A, (kid,), 45)
    seeder.session(date(2026, 8, 3), "TX-IND", 2, A, (kid,), 45)
    enroll_locally(vault)

    def facts(conn: Any, period: str) -> list[CountCell]:
        cells = cells_for_period(conn, period)
        if period == "2026-08":  # an instrument the county schema does not know
            cells.append(
                CountCell(A, period, "screenings_administered", (("instrument", "SDQ"),), 1)
            )
        return cells

    worker = SyncWorker(vault.services.db, vault.clock, facts)
    _, items = worker.prepare()
    assert [(i.org_unit, i.period) for i in items] == [(A, "2026-07")]
    assert len(worker.build_problems) == 1 and "SDQ" in worker.build_problems[0]
    problem = vault.sync.status().problems[0]
    assert (problem.period, problem.status) == ("2026-08", "rejected")
    assert "could not build" in (problem.problem or "")
