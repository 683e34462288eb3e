"""The served publication, end to end on SQLite and PostgreSQL: what the pages and exports show
is the stored cube, the stored cube passes the attacker's audit, empty periods answer 200, the
CLI audits it, and a user cannot run more than two exports at once."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from county_server import cli, exports
from county_server.db import Database
from county_server.errors import ServerError
from county_server.publication import cube
from county_server.publication.audit import audit

from .conftest import (
    DISTRICT,
    OTHER_DISTRICT,
    SCHOOL,
    SCHOOL2,
    Clock,
    add,
    csrf_of,
    enroll,
    seed_counts,
    sign_in,
)


def seed_more(db: Database, client: TestClient, clock: Clock) -> None:
    dev = enroll(db, client, clock, units=(SCHOOL, SCHOOL2, DISTRICT))
    for period, base in (("2026-07", 3), ("2026-08", 25), ("2026-09", 14)):
        cells = [
            {"measure": "services", "dimensions": {"service": "TX-IND", "tier": 2}, "value": base},
            {"measure": "services", "dimensions": {"service": "CM-COORD", "tier": 2}, "value": 12},
            {"measure": "referrals_made", "dimensions": {"service": "REFERRAL"}, "value": base},
            {"measure": "students_served", "dimensions": {}, "value": base + 1},
        ]
        for unit in (SCHOOL, SCHOOL2):
            body = dev.body(org_unit=unit, period=period, cells=cells)
            assert dev.put(body, org_unit=unit, period=period).status_code == 200


def test_served_cube_passes_the_audit_and_pages_read_it(
    db: Database, client: TestClient, clock: Clock
) -> None:
    seed_more(db, client, clock)
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, "ada") == 303
    assert client.get("/?fy=FY2026-27").status_code == 200  # builds the cube lazily
    pub, mismatched = cube.stored_publication(db, clock())
    assert mismatched == []
    report = audit(pub)
    assert report.passed, report.exposed[:3]
    assert report.sensitive > 0  # there was something to protect
    # the page shows exactly the stored cells: take away the table and the page has no numbers
    with db.read() as tx:
        shown = tx.scalar(
            "SELECT value FROM publication_cells WHERE measure = 'services' AND org_level = 'D' "
            "AND org = ? AND time_level = 'Y' AND period = 'FY2026-27' AND cat_level = 'T'",
            (DISTRICT,),
        )
    page = client.get("/?fy=FY2026-27").text
    assert (f">{shown:,}<" if shown is not None else "*") in page


def test_a_changed_count_rebuilds_the_cube(db: Database, client: TestClient, clock: Clock) -> None:
    seed_counts(db, client, clock)
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, "ada") == 303
    client.get("/")
    with db.read() as tx:
        first = cube.state(tx)
    seed_more(db, client, clock)
    client.get("/")
    with db.read() as tx:
        second = cube.state(tx)
    assert first is not None and second is not None and first.source != second.source


@pytest.mark.parametrize(
    "path",
    [
        "/screenings?period=FY2023-24",
        "/screenings?period=2024-02",
        "/referrals?period=FY2023-24-Q2",
        "/?fy=FY2022-23",
        f"/district/{OTHER_DISTRICT}?fy=FY2022-23&measure=students_served",
        f"/screenings?district={OTHER_DISTRICT}&period=2026-10",
    ],
)
def test_empty_periods_answer_200(
    db: Database, client: TestClient, clock: Clock, path: str
) -> None:
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, "ada") == 303
    r = client.get(path)
    assert r.status_code == 200, r.text[:300]


def test_cli_audits_the_publication(
    db: Database, client: TestClient, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_more(db, client, clock)
    assert cli.main(["--db", db.url, "rebuild-publication"]) == 0
    assert cli.main(["--db", db.url, "audit-publication"]) == 0
    assert "PASS" in capsys.readouterr().out
    # tamper with the stored cube: show one hidden cell's true value
    pub, _ = cube.stored_publication(db, clock())
    values = pub.values
    hidden = [i for i in range(len(values)) if not pub.shown[i] and 1 <= values[i] <= 10]
    key = pub.keys[hidden[0]]
    with db.transaction() as tx:
        tx.execute(
            "UPDATE publication_cells SET value = ? WHERE measure = ? AND org_level = ? AND "
            "org = ? AND time_level = ? AND period = ? AND cat_level = ? AND cat = ?",
            (int(values[hidden[0]]), *key),
        )
    assert cli.main(["--db", db.url, "audit-publication"]) == 1


def test_at_most_two_exports_per_user_at_once() -> None:
    entered = threading.Barrier(3)
    release = threading.Event()

    def hold() -> None:
        with exports.export_slot("ada"):
            entered.wait()
            release.wait(10)

    workers = [threading.Thread(target=hold) for _ in range(2)]
    for w in workers:
        w.start()
    entered.wait()
    with pytest.raises(exports.TooManyExports):
        with exports.export_slot("ada"):
            pass
    with exports.export_slot("bob"):  # another user is not held up
        pass
    release.set()
    for w in workers:
        w.join()
    with exports.export_slot("ada"):
        pass


def test_cli_export_needs_an_aligned_period(db: Database, client: TestClient, clock: Clock) -> None:
    seed_counts(db, client, clock)
    with pytest.raises(ServerError):
        exports.export(db, "csv", "2026-08", "2026-09", None, now=clock(), actor="t")
    body, name = exports.export(db, "csv", "2026-07", "2026-09", None, now=clock(), actor="t")
    assert name == "counts-district-month-FY2026-27-Q1.csv" and b"TX-IND" in body


def test_export_page_answers_429_when_busy(db: Database, client: TestClient, clock: Clock) -> None:
    seed_counts(db, client, clock)
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, "ada") == 303
    token = csrf_of(client.get("/export").text)
    with exports.export_slot("ada"), exports.export_slot("ada"):
        r = client.post("/export", data={"csrf_token": token, "period": "FY2026-27"})
    assert r.status_code == 429
    assert (
        client.post("/export", data={"csrf_token": token, "period": "FY2026-27"}).status_code == 200
    )


def test_demo_county_publication_passes_the_audit(db: Database, clock: Clock) -> None:
    """The demo generator (through the real ingest code), 13 districts, 40 schools, 14 months;
    the full-size demo county is audited in bench/bench_publication.py."""
    from county_server import demo

    demo.populate(db, clock(), months=14, schools_total=40)
    state = cube.rebuild(db, clock())
    assert state.hidden > 0
    pub, mismatched = cube.stored_publication(db, clock())
    assert mismatched == []
    report = audit(pub)
    assert report.passed, report.exposed[:3]
    assert report.sensitive > 100
    # "Students served" is never a total: it exists only per org unit and month
    with db.read() as tx:
        levels = tx.all(
            "SELECT DISTINCT org_level, time_level, cat_level FROM publication_cells "
            "WHERE measure = 'students_served'"
        )
    assert levels == [("U", "M", "T")]


def test_the_refresher_rebuilds_a_stale_cube(
    db: Database, client: TestClient, clock: Clock
) -> None:
    seed_counts(db, client, clock)
    stop = cube.start_refresher(db, clock, every_seconds=0.05)
    try:
        for _ in range(400):  # wait for the condition (not a timing assertion)
            with db.read() as tx:
                if cube.state(tx) is not None:
                    break
            threading.Event().wait(0.05)
        with db.read() as tx:
            st = cube.state(tx)
            assert st is not None
            assert st.source == cube.source_fingerprint(tx, cube.Window.at(clock()))
    finally:
        stop.set()


def test_a_page_during_a_rebuild_serves_the_previous_cube(
    db: Database, client: TestClient, clock: Clock
) -> None:
    seed_counts(db, client, clock)
    first = cube.ensure_fresh(db, clock())
    seed_more(db, client, clock)  # the counts change: the cube is stale now
    with cube._BUILD_LOCK.held(db):  # someone else is rebuilding
        during = cube.ensure_fresh(db, clock())
    assert during == first
    after = cube.ensure_fresh(db, clock())
    assert after.source != first.source
