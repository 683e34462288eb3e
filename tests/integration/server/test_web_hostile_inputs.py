"""Every dashboard route, signed in as an admin with a valid CSRF token, fed a hostile corpus in
its path parameters, its query parameters and its form fields — NUL and other control
characters, a 100 KB field, right-to-left overrides, SQL and HTML — on SQLite and PostgreSQL:
never a 5xx, and the database keeps its users, devices and counts."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from county_server import auth
from county_server.app import create_app
from county_server.db import Database

from .conftest import DISTRICT, Clock, enroll, make_settings

PASSWORD = "fictional county lantern 7731"
CORPUS = [
    "\x00",
    "ad\x00min",
    "\x1b[2J\x07\x7f",
    "x" * 100_000,
    "\u202eTX-IND\u202c",
    "\u200f\u061c2026-09",
    "' OR '1'='1'; DROP TABLE users; --",
    '"); DELETE FROM cells; --',
    "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "../../etc/passwd",
    "",
    "%00",
    "2026-13",
    "-1",
]
QUERY_KEYS = ("from", "to", "measure", "service", "actor", "action", "device", "page", "districts")
VALID = {"device_id": "", "username": "victim", "action": "unlock", "code": DISTRICT}


def web_routes(app: object) -> list[tuple[str, str, list[str], list[str]]]:
    out = []
    for route in app.routes:  # type: ignore[attr-defined]
        included = getattr(route, "original_router", None)
        for sub in included.routes if included is not None else [route]:
            if isinstance(sub, APIRoute) and not sub.path.startswith("/api/"):
                for method in sorted(sub.methods):
                    out.append(
                        (
                            method,
                            sub.path,
                            [p.name for p in sub.dependant.path_params],
                            [str(p.alias) for p in sub.dependant.body_params],
                        )
                    )
    return out


def snapshot(db: Database) -> tuple[int, ...]:
    with db.read() as tx:
        return tuple(
            int(tx.scalar(f"SELECT COUNT(*) FROM {t}"))
            for t in ("users", "devices", "cells", "districts", "schools")
        )


def test_hostile_corpus_on_every_route_never_answers_5xx(db: Database, clock: Clock) -> None:
    settings = make_settings(clock, login_burst=100_000, client_burst=100_000)
    app = create_app(db, settings)
    for name in ("fuzz", "victim"):
        auth.add_user(
            db, name, "admin", PASSWORD, [], now=clock(), actor="t", memory_kib=8192, iterations=1
        )
    with TestClient(app, raise_server_exceptions=False) as client:
        dev = enroll(db, client, clock)
        cells = [
            {"measure": "services", "dimensions": {"service": "TX-IND", "tier": 2}, "value": 40}
        ]
        assert dev.put(dev.body(cells=cells)).status_code == 200
        VALID["device_id"] = dev.device_id

        def sign_in() -> str:
            client.cookies.clear()
            page = client.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page)
            assert token
            r = client.post(
                "/login",
                data={"username": "fuzz", "password": PASSWORD, "csrf_token": token.group(1)},
                follow_redirects=False,
            )
            assert r.status_code == 303, r.text[:200]
            page = client.get("/devices").text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
            assert csrf
            return csrf.group(1)

        csrf = sign_in()
        before = snapshot(db)
        routes = web_routes(app)
        assert len(routes) >= 20
        failures: list[str] = []
        for method, path, path_params, fields in routes:
            if path == "/logout":
                continue  # signing out is not hostile input; it is tested elsewhere
            for value in CORPUS:
                short = value[:4000]  # URLs are capped (clients refuse longer); forms are not
                variants = [
                    ({p: short for p in path_params}, {}, {}),  # hostile path
                    (
                        {p: VALID[p] for p in path_params},
                        {k: short for k in QUERY_KEYS},
                        {f: value for f in fields if f != "csrf_token"},
                    ),  # hostile query and form
                ]
                for params, query, form in variants if path_params else variants[1:]:
                    url = path
                    for k, v in params.items():
                        url = url.replace("{" + k + "}", quote(v, safe=""))
                    token = csrf
                    if path == "/login" and method == "POST":  # the sign-in form's own token
                        page = client.get("/login").text
                        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
                        assert found
                        token = found.group(1)
                    data = {**form, "csrf_token": token} if method == "POST" else None
                    r = client.request(method, url, params=query, data=data, follow_redirects=False)
                    if r.status_code >= 500:
                        failures.append(f"{method} {path} {value[:20]!r}: {r.status_code}")
                    if path == "/login" and method == "POST":
                        csrf = sign_in()
        assert failures == []
        assert snapshot(db) == before


@pytest.mark.parametrize("value", ["\x00", "x" * 100_000, "\u202e"])
def test_hostile_enrollment_labels_are_refused_with_a_reason(
    db: Database, clock: Clock, value: str
) -> None:
    from county_server import enrollment
    from county_server.errors import ConfigError

    with pytest.raises(ConfigError, match="--label"):
        enrollment.issue_code(db, [DISTRICT], now=clock(), ttl_hours=1, actor="t", label=value)
