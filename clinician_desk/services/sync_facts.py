"""One month's count cells for sync: the facts ``storage.repositories.count_facts`` reads,
aggregated by ``domain.counts`` with the county's suicide-risk instruments (``sync.wire``)."""

from __future__ import annotations

from clinician_desk.bundled.taxonomy import load_taxonomy
from clinician_desk.domain.counts import CountCell, aggregate
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories.count_facts import (
    referral_facts,
    screening_facts,
    session_facts,
)
from clinician_desk.sync import wire


def cells_for_period(conn: Connection, period: str) -> list[CountCell]:
    """Every count cell of ``period`` on this device, only cells dated inside the month."""
    cells = aggregate(
        session_facts(conn, period),
        screening_facts(conn, period),
        referral_facts(conn, period),
        load_taxonomy(),
        suicide_risk_instruments=wire.SUICIDE_RISK_INSTRUMENTS,
    )
    return [c for c in cells if c.period == period]
