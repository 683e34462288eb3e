"""The demo hook fills fictional administrations through the real flows and engine."""

from __future__ import annotations

from clinician_desk.demo.generator import generate_demo
from clinician_desk.demo.screenings import demo_screenings
from clinician_desk.domain.screenings import score
from clinician_desk.services.screenings.service import ScreeningsService
from clinician_desk.storage import Database
from clinician_desk.storage.repositories.count_facts import screening_facts


def test_demo_extra_adds_valid_screenings(db: Database, screenings: ScreeningsService) -> None:
    generate_demo(
        db, students=60, sessions=60, seed=5, extra=[demo_screenings(screenings.instruments)]
    )
    with db.read() as conn:
        rows = conn.execute(
            "SELECT s.id, s.instrument, s.status, s.requires_follow_up, s.administered_on,"
            " (SELECT count(*) FROM screening_follow_ups f WHERE f.screening_id = s.id)"
            " FROM screenings s"
        ).fetchall()
        results = conn.execute("SELECT count(*) FROM screening_results").fetchone()[0]
        months = {r[4][:7] for r in rows}
        facts = [f for m in months for f in screening_facts(conn, m)]
    assert rows and results == len(rows)
    assert {r[1] for r in rows} <= {"PSC-17", "PHQ-A", "GAD-7", "CRAFFT"}
    for _sid, _inst, status, critical, _day, follow_ups in rows:
        assert status == "completed" or critical  # only critical ones stay open
        if critical and status == "completed":
            assert follow_ups == 1
    assert len(facts) == sum(1 for r in rows if r[2] == "completed")
    open_rows = screenings.open_administrations()
    assert all(r.requires_follow_up for r in open_rows)
    assert db.verify() == []
    for row in rows:  # stored answers re-validate against the instrument's flow
        view = screenings.view(row[0])
        again = score(screenings.instruments[row[1]], view.screening.responses)
        assert again.to_dict() == view.latest
    assert any(r[3] for r in rows), "the demo should show some critical results"
