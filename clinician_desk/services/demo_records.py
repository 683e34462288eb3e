"""Demo referrals, safety plans, safety flags and mandated-report events (all fictional).

Helpers of ``services.demo``: called inside its unit of work with the generated student ids.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from typing import Any

from clinician_desk.domain.safety_plans import validate_plan
from clinician_desk.domain.sessions import period_of


def referrals(
    conn: Any,
    rng: random.Random,
    ids: list[int],
    info: dict[int, str],
    today: date,
    now: str,
    dirty: set[tuple[str, str]],
) -> int:
    count = 0
    for sid in rng.sample(ids, max(1, len(ids) // 4)):
        day = today - timedelta(days=rng.randint(3, 700))
        status = rng.choice(("sent", "accepted", "first_appointment", "closed", "declined"))
        follow = day + timedelta(days=14)
        cur = conn.execute(
            "INSERT INTO referrals (student_id, destination, destination_name, referral_date,"
            " reason, status, status_changed_on, follow_up_on, school_cds, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                sid,
                rng.choice(("county_mhp", "community_provider", "school_team")),
                "Fictional Provider (demo)",
                day.isoformat(),
                rng.choice(("anxiety", "depression", "behavior", "trauma", "family")),
                status,
                day.isoformat(),
                follow.isoformat(),
                info[sid],
                now,
                now,
            ),
        )
        conn.execute(
            "INSERT INTO referral_status_history (referral_id, status, changed_on, follow_up_on,"
            " recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, 'clinician')",
            (int(cur.lastrowid), status, day.isoformat(), follow.isoformat(), now),
        )
        dirty.add((info[sid], period_of(day)))
        count += 1
    return count


def safety_and_reports(
    conn: Any, rng: random.Random, ids: list[int], info: dict[int, str], today: date, now: str
) -> None:
    plan = validate_plan(
        {
            "warning_signs": ["Feeling alone after school (fictional)"],
            "coping_strategies": ["Drawing", "Listening to music"],
            "distraction": ["Library club"],
            "help_contacts": ["A trusted aunt (fictional)"],
            "professionals": ["School counselor office"],
            "environment_safety": ["Keep medicines locked away"],
        }
    )
    for sid in rng.sample(ids, max(1, len(ids) // 20)):
        conn.execute(
            "INSERT INTO safety_plans (student_id, created_on, created_by, steps, created_at)"
            " VALUES (?, ?, 'clinician', ?, ?)",
            (sid, today.isoformat(), json.dumps({k: list(v) for k, v in plan.items()}), now),
        )
        conn.execute(
            "INSERT INTO safety_flags (student_id, source, reason, opened_at)"
            " VALUES (?, 'demo', 'Follow up on safety plan (fictional)', ?)",
            (sid, now),
        )
    for n, sid in enumerate(rng.sample(ids, max(1, len(ids) // 50))):
        at = f"{(today - timedelta(days=2 + 30 * n)).isoformat()}T17:00:00Z"
        due = f"{(today - timedelta(days=1 + 30 * n)).isoformat()}T05:00:00Z"
        conn.execute(
            "INSERT INTO mandated_reports (student_id, phone_report_at, agency, follow_up_due_at,"
            " status, follow_up_sent_at, school_cds, created_at, updated_at)"
            " VALUES (?, ?, 'child_welfare', ?, ?, ?, ?, ?, ?)",
            (
                sid,
                at,
                due,
                "follow_up_pending" if n == 0 else "follow_up_sent",
                None if n == 0 else due,
                info[sid],
                now,
                now,
            ),
        )
