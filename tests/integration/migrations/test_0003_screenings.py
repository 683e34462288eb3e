"""Migration 0003 (screenings): tables, immutability triggers, the close-needs-follow-up rule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlcipher3

from clinician_desk.storage import migrations_runner
from clinician_desk.storage.connection import connect

KEY = b"\x33" * 32
T = "2026-09-14T15:00:00Z"
SCREENING = (
    "INSERT INTO screenings (id, student_id, instrument, instrument_version, administered_on,"
    " respondent, language, responses, requires_follow_up, positive, status, school_cds,"
    " recorded_by, created_at) VALUES (?, 1, 'PHQ-A', 'v', '2026-09-14', 'self', 'en', ?, ?, 1,"
    " ?, '99999999999901', 'clinician', ?)"
)
FOLLOW_UP = (
    "INSERT INTO screening_follow_ups (screening_id, risk_outcome, safety_plan_id,"
    " safety_plan_reason_not, parent_decision, parent_rationale, parent_decided_at, recorded_by,"
    " recorded_at) VALUES (?, 'low', ?, ?, 'notified', 'Guardian informed.', ?, 'clinician', ?)"
)


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlcipher3.Connection]:
    c = connect(tmp_path / "m3.db", KEY)
    for m in migrations_runner.available_migrations()[:3]:
        migrations_runner.apply(c, m)
    c.execute("INSERT INTO schools VALUES ('99999999999901', 'Fictional School', '99999990000000')")
    c.execute(
        "INSERT INTO students (id, legal_first_name, legal_last_name, date_of_birth, grade,"
        " school_cds, district_cds, created_at, updated_at) VALUES"
        " (1, 'Testy', 'McFakeface', '2012-01-01', '8', '99999999999901', '99999990000000', ?, ?)",
        (T, T),
    )
    c.execute(SCREENING, (1, '{"9": 1}', 1, "open", T))
    c.execute(SCREENING, (2, '{"9": 0}', 0, "completed", T))
    c.execute(
        "INSERT INTO screening_results (screening_id, rule_version, scorable, critical, complete,"
        " result_json, scored_at) VALUES (2, '2026.1', 1, 0, 1, '{}', ?)",
        (T,),
    )
    yield c
    c.close()


def test_0003_sets_version_and_creates_tables(conn: sqlcipher3.Connection) -> None:
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert {"screenings", "screening_results", "screening_follow_ups"} <= names


def test_responses_and_results_are_immutable(conn: sqlcipher3.Connection) -> None:
    with pytest.raises(sqlcipher3.IntegrityError, match="kept as given"):
        conn.execute("UPDATE screenings SET responses = '{\"9\": 0}' WHERE id = 1")
    with pytest.raises(sqlcipher3.IntegrityError, match="kept as given"):
        conn.execute("DELETE FROM screenings WHERE id = 2")
    with pytest.raises(sqlcipher3.IntegrityError, match="re-score"):
        conn.execute("UPDATE screening_results SET total = 3")
    with pytest.raises(sqlcipher3.IntegrityError, match="re-score"):
        conn.execute("DELETE FROM screening_results")
    conn.execute(  # a newer rule version is a new row; the old one stays
        "INSERT INTO screening_results (screening_id, rule_version, scorable, critical, complete,"
        " result_json, scored_at) VALUES (2, '2026.2', 1, 0, 1, '{}', ?)",
        (T,),
    )
    with pytest.raises(sqlcipher3.IntegrityError, match="UNIQUE"):
        conn.execute(
            "INSERT INTO screening_results (screening_id, rule_version, scorable, critical,"
            " complete, result_json, scored_at) VALUES (2, '2026.2', 1, 0, 1, '{}', ?)",
            (T,),
        )


def test_critical_screening_closes_only_after_follow_up(conn: sqlcipher3.Connection) -> None:
    with pytest.raises(sqlcipher3.IntegrityError, match="before its safety follow-up"):
        conn.execute("UPDATE screenings SET status = 'completed' WHERE id = 1")
    with pytest.raises(sqlcipher3.IntegrityError, match="before its safety follow-up"):
        conn.execute(SCREENING, (3, "{}", 1, "completed", T))
    with pytest.raises(sqlcipher3.IntegrityError, match="CHECK"):  # plan and reason both missing
        conn.execute(FOLLOW_UP, (1, None, None, T, T))
    conn.execute(FOLLOW_UP, (1, None, "Student declined; plan scheduled with family.", T, T))
    conn.execute("UPDATE screenings SET status = 'completed' WHERE id = 1")
    with pytest.raises(sqlcipher3.IntegrityError, match="kept as is"):
        conn.execute("UPDATE screening_follow_ups SET risk_outcome = 'high'")
    with pytest.raises(sqlcipher3.IntegrityError, match="cannot be removed"):
        conn.execute("UPDATE screenings SET requires_follow_up = 0 WHERE id = 1")


def test_bad_values_are_refused(conn: sqlcipher3.Connection) -> None:
    with pytest.raises(sqlcipher3.IntegrityError, match="CHECK"):
        conn.execute(SCREENING.replace("'self'", "'neighbour'"), (4, "{}", 0, "completed", T))
    with pytest.raises(sqlcipher3.IntegrityError, match="CHECK"):
        conn.execute(SCREENING, (5, "not json", 0, "completed", T))
