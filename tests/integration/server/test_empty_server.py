"""A server that has just been installed: no directory and no counts, or a directory and no
counts yet, on SQLite and PostgreSQL. An admin and a supervisor open every dashboard page (each
route of the app, path parameters filled with plausible values) and ask for every export level
and format: nothing answers 5xx, and the report pages say plainly that there is no data yet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from county_server import orgunits
from county_server.app import create_app
from county_server.db import Database
from county_server.exports import LEVELS
from county_server.publication import cube
from county_server.publication import periods as P

from .conftest import (
    DISTRICT,
    SCHOOL,
    START,
    Clock,
    add,
    csrf_of,
    fresh_pg,
    make_settings,
    pg_url,
    seed_counts,
    sign_in,
)

NO_DATA = "No counts are published yet"
REPORT_PAGES = ("/", "/screenings", "/referrals", "/service/TX-IND", f"/district/{DISTRICT}")


@pytest.fixture(
    params=[
        pytest.param(("sqlite", False), id="sqlite-empty"),
        pytest.param(("sqlite", True), id="sqlite-directory"),
        pytest.param(("postgresql", False), id="pg-empty", marks=pytest.mark.postgres),
        pytest.param(("postgresql", True), id="pg-directory", marks=pytest.mark.postgres),
    ]
)
def bare(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Database, bool]]:
    engine, directory = request.param
    if engine == "sqlite":
        database = Database.open(str(tmp_path / "county.sqlite3"))
    else:
        url = pg_url()
        if not url:
            pytest.skip("COUNTY_TEST_PG_URL not set (PostgreSQL tests run under scripts/check)")
        fresh_pg(url)
        database = Database.open(url)
    if directory:
        orgunits.save(
            database,
            [orgunits.District(DISTRICT, "Alder Test Unified")],
            [orgunits.School(SCHOOL, DISTRICT, "Acorn Elementary")],
            now=START,
            actor="test",
        )
    yield database, directory
    database.close()


def get_routes(app: object) -> list[tuple[str, list[str]]]:
    out = []
    for route in app.routes:  # type: ignore[attr-defined]
        included = getattr(route, "original_router", None)
        for sub in included.routes if included is not None else [route]:
            if (
                isinstance(sub, APIRoute)
                and "GET" in sub.methods
                and not sub.path.startswith("/api/")
            ):
                out.append((sub.path, [p.name for p in sub.dependant.path_params]))
    return out


PATH_VALUES = {
    "code": [DISTRICT, SCHOOL, "TX-IND", "99999999999999"],
    "device_id": ["dev_nosuchdevice"],
    "username": ["ada"],
}
QUERIES: list[dict[str, str]] = [
    {},
    {"grain": "quarter"},
    {"measure": "minutes"},
    {"period": "2026-09"},
    {"fy": "FY2025-26"},
    {"period": "FY2026-27-Q1"},
    {"page": "2"},
]


def urls(app: object) -> list[str]:
    out = []
    for path, params in get_routes(app):
        filled = [path]
        for p in params:
            filled = [u.replace("{" + p + "}", v) for u in filled for v in PATH_VALUES[p]]
        out += filled
    return out


@pytest.mark.parametrize("who", ["ada", "sam"])
def test_every_page_and_export_of_an_empty_server_answers_below_500(
    bare: tuple[Database, bool], who: str
) -> None:
    db, directory = bare
    clock = Clock()
    if who == "sam" and not directory:
        pytest.skip("a supervisor needs a district, so none exists before the directory")
    add(db, clock, "ada", "admin", [])
    if directory:
        add(db, clock, "sam", "supervisor", [DISTRICT])
    app = create_app(db, make_settings(clock))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert sign_in(client, who) == 303
        seen = urls(app)
        assert {"/", "/screenings", "/referrals", "/export", "/devices", "/audit"} <= set(seen)
        assert "/users" in seen and "/account/password" in seen
        failures = []
        for url in seen:
            for query in QUERIES:
                r = client.get(url, params=query, follow_redirects=False)
                if r.status_code >= 500:
                    failures.append(f"GET {url} {query}: {r.status_code}")
        for page in REPORT_PAGES:
            r = client.get(page)
            if r.status_code == 200 and NO_DATA not in r.text:
                failures.append(f"GET {page} does not say there is no data yet")
        r = client.get("/")
        assert r.status_code == 200, r.text[:500]
        csrf = csrf_of(client.get("/export").text)
        window = cube.Window.at(clock())
        periods = [window.current, P.quarter(window.current), P.fiscal_year(window.current)]
        for level in LEVELS:
            for fmt in ("csv", "dhis2"):
                for period in periods:
                    r = client.post(
                        "/export",
                        data={
                            "csrf_token": csrf,
                            "level": level,
                            "format": fmt,
                            "period": period,
                        },
                    )
                    if r.status_code >= 500 or (period == periods[-1] and r.status_code != 200):
                        failures.append(f"export {level} {fmt} {period}: {r.status_code}")
                    elif r.status_code != 200:
                        continue  # a month or quarter at a fiscal-year level: refused, 422
                    elif fmt == "csv" and r.text.count("\n") != 1:
                        failures.append(f"export {level} csv {period}: rows in an empty server")
                    elif fmt == "dhis2" and r.json()["dataValues"] != []:
                        failures.append(f"export {level} dhis2 {period}: values in an empty server")
        assert failures == []


def test_overview_of_an_empty_directory_says_what_to_do(bare: tuple[Database, bool]) -> None:
    db, directory = bare
    clock = Clock()
    add(db, clock, "ada", "admin", [])
    with TestClient(create_app(db, make_settings(clock))) as client:
        assert sign_in(client, "ada") == 303
        r = client.get("/")
        assert r.status_code == 200
        text = re.sub(r"\s+", " ", r.text)
        assert NO_DATA in text
        if not directory:
            assert "load-org-units" in text


def test_the_notice_goes_once_counts_are_published(
    db: Database, client: TestClient, clock: Clock
) -> None:
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, "ada") == 303
    assert NO_DATA in client.get("/").text
    seed_counts(db, client, clock)
    for page in REPORT_PAGES:
        r = client.get(page)
        assert r.status_code == 200 and NO_DATA not in r.text, page
