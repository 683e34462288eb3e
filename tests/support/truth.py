"""What the server should hold, computed straight from the vault(s) without the sync tables."""

from __future__ import annotations

from collections import defaultdict

from clinician_desk.domain.counts import totals
from clinician_desk.services.sync_facts import cells_for_period
from tests.support.county import Key
from tests.support.vaultkit import Vault


def vault_periods(v: Vault) -> set[str]:
    with v.services.db.read() as conn:
        rows = conn.execute(
            "SELECT substr(session_date, 1, 7) FROM sessions UNION "
            "SELECT substr(referral_date, 1, 7) FROM referrals UNION "
            "SELECT substr(changed_on, 1, 7) FROM referral_status_history"
        ).fetchall()
    return {r[0] for r in rows}


def truth(*vaults: Vault) -> dict[Key, int]:
    out: dict[Key, int] = defaultdict(int)
    for v in vaults:
        periods = vault_periods(v)
        with v.services.db.read() as conn:
            for period in periods:
                for key, value in totals(cells_for_period(conn, period)).items():
                    out[key] += value
    return dict(out)


def signed_sessions_by_school_month(v: Vault) -> dict[tuple[str, str], tuple[int, int]]:
    """Independent SQL: (sessions, minutes) of signed sessions per (school, month)."""
    with v.services.db.read() as conn:
        rows = conn.execute(
            "SELECT school_cds, substr(session_date, 1, 7), COUNT(*),"
            " SUM(end_minute - start_minute) FROM sessions s WHERE EXISTS (SELECT 1 FROM notes"
            " n WHERE n.session_id = s.id AND n.status = 'signed')"
            " AND service_code NOT IN ('CRISIS', 'SAFETY-PLAN', 'MAND-REPORT')"
            " GROUP BY 1, 2"
        ).fetchall()
    return {(r[0], r[1]): (int(r[2]), int(r[3])) for r in rows}
