"""A long mixed workload (including refused operations) leaves a verifiable audit chain."""

from __future__ import annotations

import random
from datetime import date, timedelta

from clinician_desk.clock import FakeClock
from clinician_desk.domain.referrals import ReferralInput
from clinician_desk.errors import ClinicianDeskError
from clinician_desk.services.record.service import RecordService
from clinician_desk.storage import Database
from tests.integration.record.conftest import session, student


def test_mixed_workload_keeps_the_chain(
    record: RecordService, db: Database, clock: FakeClock
) -> None:
    rng = random.Random(11)
    ids = [record.create_student(student(n)) for n in range(1, 9)]
    notes: list[int] = []
    signed: list[int] = []
    refused = 0
    for step in range(220):
        clock.advance(37)
        op = rng.choice(("session", "draft", "sign", "addendum", "page", "referral", "bad"))
        try:
            if op == "session" or not notes:
                day = date(2026, 10, 5) - timedelta(days=rng.randint(0, 60))
                sid = rng.choice(ids)
                doc = record.document_session(session((sid,), session_date=day))
                notes.append(doc.note_ids[sid])
            elif op == "draft":
                record.save_draft(rng.choice(notes), {"subjective": f"Autosave {step}"})
            elif op == "sign":
                n = rng.choice(notes)
                record.sign_note(n, {"plan": f"Plan {step}"})
                signed.append(n)
            elif op == "addendum":
                record.add_addendum(rng.choice(notes), f"Addendum {step}")
            elif op == "page":
                record.student_page(rng.choice(ids))
            elif op == "referral":
                record.create_referral(
                    ReferralInput(rng.choice(ids), "school_team", "SST", date(2026, 10, 1), "other")
                )
            else:
                record.document_session(session((ids[0],), start_minute=900, end_minute=800))
        except ClinicianDeskError:
            refused += 1  # e.g. signing twice, addendum to a draft: refused, nothing written
    assert refused > 10 and len(signed) > 10
    assert db.verify() == []
    with db.read() as conn:
        rows = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        signed_rows = conn.execute("SELECT count(*) FROM notes WHERE status = 'signed'").fetchone()[
            0
        ]
        sign_audits = conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'note.signed'"
        ).fetchone()[0]
    assert rows > 100
    assert signed_rows == sign_audits  # every sign audited, no refused attempt left a trace
