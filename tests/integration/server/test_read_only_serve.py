"""``serve --read-only`` (decision 0154), on SQLite and a real PostgreSQL: a dashboard server that
builds nothing and writes nothing to its database. It shows and exports what the primary last
published even when newer counts have arrived (it never proves the cube fresh or rebuilds it),
its connections refuse writes (as a streaming replica's would), sign-in and the export's audit
entry go to the primary, and the devices' API and changing forms answer 503."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from county_server import cli, exports
from county_server.app import create_app
from county_server.db import Database
from county_server.publication import cube

from .conftest import SCHOOL, Clock, add, csrf_of, make_settings, seed_counts, sign_in


@pytest.fixture
def replica(db: Database) -> Iterator[Database]:
    ro = Database.open_read_only(db.url, Database.open(db.url, migrate=False))
    yield ro
    ro.close()


def _state(db: Database) -> cube.State | None:
    with db.read() as tx:
        return cube.state(tx)


def _audit_rows(db: Database) -> int:
    with db.read() as tx:
        return int(tx.scalar("SELECT COUNT(*) FROM audit_log"))


# the replica case on PostgreSQL only (the cube build makes it a few seconds per database)
@pytest.mark.parametrize(
    "db", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_read_only_serve_shows_the_primary_publication_and_writes_nothing(
    db: Database, client: TestClient, clock: Clock, replica: Database
) -> None:
    dev = seed_counts(db, client, clock)
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, "ada") == 303
    assert client.get("/").status_code == 200  # the primary builds the cube
    published = _state(db)
    assert published is not None
    # newer counts reach the primary; its refresher has not run yet, so the cube is stale
    cells = [{"measure": "services", "dimensions": {"service": "TX-IND", "tier": 2}, "value": 5}]
    assert dev.put(dev.body(revision=2, cells=cells)).status_code == 200

    with TestClient(create_app(replica, make_settings(clock, read_only=True))) as ro:
        assert sign_in(ro, "ada") == 303  # the session is written to the primary
        page = ro.get("/")
        assert page.status_code == 200 and "Alder Test Unified" in page.text
        assert ro.get(f"/school/{SCHOOL}").status_code == 200
        token = csrf_of(ro.get("/export").text)
        before = _audit_rows(db)
        export = ro.post(
            "/export",
            data={"csrf_token": token, "period": "FY2026-27", "level": "district-month"},
        )
        assert export.status_code == 200 and export.text.startswith("org_unit")
        assert _audit_rows(db) == before + 1  # the export is audited, on the primary
        # nothing was rebuilt: the state row is the primary's, word for word
        assert _state(db) == published
        # the devices' API and the forms that change data are not served here
        put = ro.put(f"/api/v1/counts/{SCHOOL}/2026-09", content=b"{}")
        assert put.status_code == 503 and put.json()["error"] == "read_only"
        assert ro.get("/api/v1/status").status_code == 503
        closing = ro.post("/months/close", data={"csrf_token": token, "period": "2026-08"})
        assert closing.status_code == 503 and "main server" in closing.text
    # the export function itself reads the stored cube on a read-only database
    data, _ = exports.export_published(
        replica, "csv", "district-month", "FY2026-27", None, now=clock(), actor="test"
    )
    assert data.startswith(b"org_unit") and _state(db) == published


def test_a_read_only_connection_refuses_writes(db: Database, replica: Database) -> None:
    with pytest.raises(Exception, match=r"(?i)read-only|readonly"):
        with replica.read() as tx:
            tx.execute("DELETE FROM audit_log")
    with replica.transaction() as tx:  # goes to the writer
        assert tx.scalar("SELECT COUNT(*) FROM districts") == 2


def test_read_only_without_a_publication_says_so(
    db: Database, clock: Clock, replica: Database
) -> None:
    add(db, clock, "ada", "admin", [])
    with TestClient(create_app(replica, make_settings(clock, read_only=True))) as ro:
        assert sign_in(ro, "ada") == 303
        page = ro.get("/")
        assert "Nothing is published yet" in page.text
    assert _state(db) is None  # and it did not build one


def test_serve_takes_read_only_and_primary() -> None:
    args = cli.build_parser().parse_args(["serve", "--read-only", "--primary", "postgresql://p"])
    assert args.read_only and args.primary == "postgresql://p"
    assert not cli.build_parser().parse_args(["serve"]).read_only
