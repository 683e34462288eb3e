"""The demo generator on a real vault: what it writes, the sync outbox, locks, progress, refusals.

All generated data is fictional; these tests check it stays so (made-up names, schools in a
non-existent county) and that the vault it leaves behind verifies.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlcipher3

from clinician_desk.cli import build_parser, run
from clinician_desk.clock import FakeClock
from clinician_desk.config import AppPaths
from clinician_desk.demo.generator import generate_demo
from clinician_desk.demo.screenings import demo_screenings
from clinician_desk.demo.text import FIRST, LAST
from clinician_desk.domain.notes import content_hash
from clinician_desk.domain.students import district_of
from clinician_desk.errors import UsageError
from clinician_desk.storage import Database
from clinician_desk.storage.repositories import demo as demo_repo
from clinician_desk.vault import TEST_KDF, create_vault

PASSPHRASE = "fictional heron counts 17 kites"

# Audit entries written by the test, not by creating the vault (migration 0008 writes two).
MADE_HERE = "SELECT count(*) FROM audit_log WHERE actor <> 'clinician-desk'"


@pytest.fixture(scope="module")
def filled(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Database, list[tuple[str, int, int]]]]:
    """One demo vault shared by the read-only checks below (the generator takes ~0.5 s)."""
    path = tmp_path_factory.mktemp("demo") / "vault.db"
    db = Database.open(path, b"\x21" * 32, clock=FakeClock(), create=True)
    calls: list[tuple[str, int, int]] = []
    generate_demo(
        db,
        students=30,
        sessions=2500,
        seed=4,
        extra=[demo_screenings()],
        progress=lambda stage, done, total: calls.append((stage, done, total)),
    )
    yield db, calls
    db.close()


def test_demo_vault_verifies_with_one_audit_entry_matching_the_counts(
    filled: tuple[Database, list[tuple[str, int, int]]],
) -> None:
    db, _ = filled
    assert db.verify() == []
    with db.read() as c:
        audit = c.execute(
            "SELECT action, details FROM audit_log WHERE actor <> 'clinician-desk'"
            " AND action NOT IN ('note.signed', 'note.addendum_added')"
        ).fetchall()
        signing = c.execute(
            "SELECT count(*) FROM audit_log WHERE action IN ('note.signed', 'note.addendum_added')"
        ).fetchone()[0]
        signed = c.execute(
            "SELECT (SELECT count(*) FROM notes WHERE status = 'signed')"
            " + (SELECT count(*) FROM note_addenda)"
        ).fetchone()[0]
        notes = c.execute("SELECT count(*) FROM notes").fetchone()[0]
        sessions = c.execute("SELECT count(*) FROM sessions").fetchone()[0]
        referrals = c.execute("SELECT count(*) FROM referrals").fetchone()[0]
    assert [a[0] for a in audit] == ["demo.generated"]
    assert signing == signed > 0  # one signing entry per signed row, as the app writes them
    assert f'"notes":{notes}' in audit[0][1] and f'"referrals":{referrals}' in audit[0][1]
    assert sessions == 2500


def test_demo_data_is_fictional_and_spread_across_taxonomy_tiers_and_years(
    filled: tuple[Database, list[tuple[str, int, int]]],
) -> None:
    db, _ = filled
    with db.read() as c:
        names = c.execute("SELECT legal_first_name, legal_last_name FROM students").fetchall()
        schools = {r[0] for r in c.execute("SELECT cds_code FROM schools")}
        codes = {r[0] for r in c.execute("SELECT DISTINCT service_code FROM sessions")}
        tiers = {r[0] for r in c.execute("SELECT DISTINCT tier FROM sessions")}
        first, last = c.execute(
            "SELECT min(session_date), max(session_date) FROM sessions"
        ).fetchone()
        statuses = {r[0] for r in c.execute("SELECT DISTINCT status FROM notes")}
        screened = c.execute("SELECT count(*) FROM screenings").fetchone()[0]
        kinds = {r[0] for r in c.execute("SELECT DISTINCT participant_kind FROM sessions")}
    assert all(f in FIRST and la in LAST for f, la in names)
    assert all(cds.startswith("9999999") for cds in schools)
    assert len(codes) >= 10 and {1, 2, 3} <= tiers
    assert int(last[:4]) - int(first[:4]) >= 3
    assert statuses == {"signed", "draft"} and screened > 0
    assert kinds == {"student", "family", "group"}


def test_demo_marks_every_month_and_org_unit_the_services_would(
    filled: tuple[Database, list[tuple[str, int, int]]],
) -> None:
    db, _ = filled
    with db.read() as c:
        marked = {(r[0], r[1]) for r in c.execute("SELECT org_unit, period FROM count_dirty")}
        expected: set[tuple[str, str]] = set()
        for table, day in (
            ("sessions", "session_date"),
            ("referrals", "referral_date"),
            ("screenings", "administered_on"),
        ):
            for school, month in c.execute(
                f"SELECT DISTINCT school_cds, substr({day}, 1, 7) FROM {table}"
            ):
                expected |= {(school, month), (district_of(school), month)}
        for school, month in c.execute(
            "SELECT school_cds, substr(phone_report_at, 1, 7) FROM mandated_reports"
        ):
            expected.add((district_of(school), month))
    assert marked == expected


def test_signed_demo_notes_and_addenda_are_locked_and_hashed_like_the_services(
    filled: tuple[Database, list[tuple[str, int, int]]],
) -> None:
    db, _ = filled
    with db.read() as c:
        note_id = c.execute("SELECT id FROM notes WHERE status = 'signed' LIMIT 1").fetchone()[0]
        addenda = c.execute("SELECT id, note_id, body, signed_at, content_hash FROM note_addenda")
        rows = addenda.fetchall()
    assert rows
    for _id, nid, body, at, digest in rows:
        assert digest == content_hash({"addendum": body, "note": str(nid)}, "clinician", at)
    with pytest.raises(sqlcipher3.IntegrityError, match="locked"):
        db.conn.execute("UPDATE notes SET sections = '{}' WHERE id = ?", (note_id,))
    with pytest.raises(sqlcipher3.IntegrityError, match="locked"):
        db.conn.execute("DELETE FROM note_addenda WHERE id = ?", (rows[0][0],))


def test_progress_covers_every_session_and_ends_with_done(
    filled: tuple[Database, list[tuple[str, int, int]]],
) -> None:
    _, calls = filled
    sessions = [done for stage, done, total in calls if stage == "sessions"]
    assert sessions[0] == 0 and sessions[-1] == 2500 and sessions == sorted(sessions)
    assert len(sessions) >= 4  # a tick every 1,000 sessions
    stages = list(dict.fromkeys(stage for stage, _, _ in calls))
    assert stages == ["sessions", "saving", "extras", "committing", "done"]


def test_bad_sizes_are_refused_and_nothing_is_written(db: Database) -> None:
    for students, sessions in ((0, 10), (5, -1), (100_001, 10)):
        with pytest.raises(UsageError, match="demo needs"):
            generate_demo(db, students=students, sessions=sessions)
    with db.read() as c:
        assert c.execute("SELECT count(*) FROM students").fetchone()[0] == 0
        assert c.execute(MADE_HERE).fetchone()[0] == 0


def test_cli_demo_prints_progress_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", PASSPHRASE)
    paths = AppPaths.from_option(tmp_path / "data").vault("default")
    key, _ = create_vault(paths, PASSPHRASE, kdf=TEST_KDF)
    Database.open(paths.database, key, clock=FakeClock(), create=True).close()
    argv = ["--data-dir", str(tmp_path / "data"), "demo", "--students", "8", "--sessions", "300"]
    assert run(build_parser().parse_args(argv)) == 0
    captured = capsys.readouterr()
    assert "8 students, 300 sessions" in captured.out
    lines = captured.err.splitlines()
    assert lines[0] == "demo: sessions 0/300" and "demo: sessions 300/300" in lines
    assert "demo: committing..." in lines


def test_demo_max_id_reads_only_its_id_tables(
    filled: tuple[Database, list[tuple[str, int, int]]],
) -> None:
    """The table name is formatted into the query, so only the generator's tables pass."""
    db, _ = filled
    with db.read() as c:
        assert (
            demo_repo.max_id(c, "students")
            == c.execute("SELECT max(id) FROM students").fetchone()[0]
        )
        for bad in ("audit_log", "students; DROP TABLE notes", ""):
            with pytest.raises(ValueError, match="not a demo id table"):
                demo_repo.max_id(c, bad)
