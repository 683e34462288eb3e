"""Schemathesis against every route, on SQLite and PostgreSQL: generated requests (valid and
invalid) never get a 5xx. The device API must also conform to its documented status codes,
content types and schemas; the dashboard's routes (hidden from the published OpenAPI) are added
to a fuzzing copy of the schema and must answer without a server error, signed out and signed in
as an admin, on a populated server and (SQLite) on an empty one. Examples are bounded so the
module runs in well under a minute per engine."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from county_server import auth, demo
from county_server.app import create_app
from county_server.db import Database

from .conftest import Clock, fresh_pg, make_settings

PASSWORD = "fictional county lantern 7731"
FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _fill(db: Database, counts: bool) -> None:
    if counts:  # a fictional county, so the report pages have something to show
        demo.populate(db, Clock()(), months=6, schools_total=6, devices_per_district=1)
    auth.add_user(
        db, "fuzz", "admin", PASSWORD, [], now=Clock()(), actor="test",
        memory_kib=8192, iterations=1,
    )  # fmt: skip


def _app(url: str, *, counts: bool = False) -> Any:
    db = Database.open(url)
    _fill(db, counts)
    return create_app(
        db, make_settings(Clock(), client_burst=100_000, enroll_burst=100_000, login_burst=100_000)
    )


def _web_schema(app: Any) -> Any:
    """The app, its OpenAPI now also listing the dashboard's routes (for fuzzing only)."""
    routes: list[APIRoute] = []
    for route in app.routes:
        included = getattr(route, "original_router", None)
        for sub in included.routes if included is not None else [route]:
            if isinstance(sub, APIRoute):
                sub.include_in_schema = True
                routes.append(sub)
    doc = get_openapi(title="county server (fuzzing)", version="0", routes=routes)
    app.openapi = lambda: doc
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _cookie(app: Any) -> dict[str, str]:
    with TestClient(app) as c:
        page = c.get("/login").text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        r = c.post(
            "/login",
            data={"username": "fuzz", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303
        return {"cds_session": r.cookies["cds_session"]}


# schemathesis needs the schema when the module is collected: one database per engine.
_SQLITE = str(Path(tempfile.mkdtemp(prefix="county-fuzz-")) / "fuzz.sqlite3")
api_sqlite = schemathesis.openapi.from_asgi("/openapi.json", _app(_SQLITE))
_WEB_SQLITE_APP = _app(
    str(Path(tempfile.mkdtemp(prefix="county-fuzz-")) / "web.sqlite3"), counts=True
)
web_sqlite = _web_schema(_WEB_SQLITE_APP)
# A server just installed: no directory, no counts, one admin (tests/integration/server/
# test_empty_server.py covers the same state on PostgreSQL, page by page).
_WEB_EMPTY_APP = _app(str(Path(tempfile.mkdtemp(prefix="county-fuzz-")) / "empty.sqlite3"))
web_empty = _web_schema(_WEB_EMPTY_APP)
_PG = os.environ.get("COUNTY_TEST_PG_URL")
if _PG:
    fresh_pg(_PG)
    _PG_APP = _app(_PG, counts=True)
    api_pg = schemathesis.openapi.from_asgi("/openapi.json", _PG_APP)
    web_pg = _web_schema(_PG_APP)
else:  # the same tests, skipped (or failed under CI) by the fixture below
    api_pg = api_sqlite
    web_pg = web_sqlite


@pytest.fixture
def need_pg() -> None:
    if not _PG:
        if os.environ.get("CI"):
            pytest.fail("CI is set but COUNTY_TEST_PG_URL is not")
        pytest.skip("COUNTY_TEST_PG_URL not set")


def _api_case(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, response.text[:300]
    case.validate_response(response)


def _web_case(case: schemathesis.Case, cookies: dict[str, str]) -> None:
    for jar in ({}, cookies):
        response = case.call(cookies=jar)
        assert response.status_code < 500, (case.path, response.text[:300])


@api_sqlite.parametrize()
@FUZZ
def test_api_conforms_sqlite(case: schemathesis.Case) -> None:
    _api_case(case)


@pytest.mark.postgres
@pytest.mark.usefixtures("need_pg")
@api_pg.parametrize()
@FUZZ
def test_api_conforms_postgresql(case: schemathesis.Case) -> None:
    _api_case(case)


_COOKIES: dict[str, dict[str, str]] = {}


@web_sqlite.parametrize()
@FUZZ
def test_every_route_answers_without_a_server_error_sqlite(case: schemathesis.Case) -> None:
    if "sqlite" not in _COOKIES:
        _COOKIES["sqlite"] = _cookie(_WEB_SQLITE_APP)
    _web_case(case, _COOKIES["sqlite"])


@pytest.mark.postgres
@pytest.mark.usefixtures("need_pg")
@web_pg.parametrize()
@FUZZ
def test_every_route_answers_without_a_server_error_postgresql(case: schemathesis.Case) -> None:
    if "postgresql" not in _COOKIES:
        # Other modules empty the shared PostgreSQL database between collection and now.
        assert _PG
        fresh_pg(_PG)
        _fill(_PG_APP.state.ctx.db, counts=True)
        _COOKIES["postgresql"] = _cookie(_PG_APP)
    _web_case(case, _COOKIES["postgresql"])


@web_empty.parametrize()
@settings(FUZZ, max_examples=8)
def test_every_route_of_an_empty_server_answers_without_a_server_error(
    case: schemathesis.Case,
) -> None:
    if "empty" not in _COOKIES:
        _COOKIES["empty"] = _cookie(_WEB_EMPTY_APP)
    _web_case(case, _COOKIES["empty"])
