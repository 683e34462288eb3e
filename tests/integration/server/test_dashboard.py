"""The dashboard: sign-in (CSRF, lockout, brute force), supervisors' scope, suppressed pages,
exports, admin actions audited — against a real database."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from county_server.app import create_app
from county_server.db import Database

from .conftest import (
    DISTRICT,
    OTHER_DISTRICT,
    PASSWORD,
    SCHOOL,
    Clock,
    add,
    csrf_of,
    make_settings,
    seed_counts,
    sign_in,
)


def test_pages_need_a_session(client: TestClient) -> None:
    for path in ("/", "/district/99100000000000", "/devices", "/export", "/audit", "/screenings"):
        r = client.get(path, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, "/login")


def test_login_sets_a_safe_cookie_and_csrf_guards_forms(
    db: Database, client: TestClient, clock: Clock
) -> None:
    add(db, clock, "ada", "admin", [])
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"username": "ada", "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    token = csrf_of(r.text)
    r = client.post(
        "/login",
        data={"username": "ada", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = client.get("/")
    assert page.status_code == 200
    assert "script" not in page.text.lower()
    assert "default-src 'none'" in page.headers["content-security-policy"]
    r = client.post("/logout", data={"csrf_token": "wrong"}, follow_redirects=False)
    assert r.status_code == 403
    r = client.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_secure_flag_when_configured(db: Database, clock: Clock) -> None:
    add(db, clock, "ada", "admin", [])
    settings = make_settings(clock, secure_cookies=True)
    with TestClient(create_app(db, settings), base_url="https://testserver") as c:
        assert sign_in(c, "ada") == 303
        assert c.cookies.get("cds_session")


@pytest.mark.parametrize("name", ["nobody", "' OR '1'='1", "ada'; DROP TABLE users; --"])
def test_wrong_and_sqlish_usernames(
    db: Database, client: TestClient, clock: Clock, name: str
) -> None:
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, name) == 401
    assert sign_in(client, "ada", "' OR 1=1 --") == 401
    with db.read() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM users") == 1


def test_brute_force_slows_the_account_from_that_source_only(
    db: Database, client: TestClient, clock: Clock
) -> None:
    add(db, clock, "ada", "admin", [])
    for _ in range(5):
        assert sign_in(client, "ada", "guess-guess-guess") == 401
    # The 5th failure starts a 1 s wait for this source: even the right password waits...
    assert sign_in(client, "ada") == 401
    clock.advance(2)
    # ...and works once the wait is over (no 15-minute lockout).
    assert sign_in(client, "ada") == 303
    with db.read() as tx:
        actions = [r[0] for r in tx.all("SELECT action FROM audit_log ORDER BY id")]
        summarized = tx.scalar("SELECT failures FROM login_failure_summary")
    assert actions.count("login_failed") == 1 and summarized == 6
    assert actions[-1] == "login"


def test_login_rate_limit_per_client(db: Database, clock: Clock) -> None:
    settings = make_settings(clock, login_rate_per_second=0.0, login_burst=3)
    with TestClient(create_app(db, settings)) as c:
        codes = [sign_in(c, "nobody") for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_pages_show_suppressed_numbers_only(db: Database, client: TestClient, clock: Clock) -> None:
    seed_counts(db, client, clock)
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, "ada") == 303
    page = client.get("/?fy=FY2026-27").text
    # Alder: Aug 40, Sep 47 (TX-IND 40 + TX-GRP 7); Birch is all zeros.
    assert "Alder Test Unified" in page and "Birch Test Unified" in page and "County" in page
    assert "2026-10 (partial)" in page and "FY2026-27 (partial)" in page
    assert ">7<" not in page
    r = client.get("/?fy=FY2026-27&service=TX-GRP").text
    assert ">7<" not in r and "*" in r and "hides a count from 1 to 10" in r
    s = client.get("/screenings?period=2026-09").text
    assert "PHQ-A" in s and ">9<" not in s
    assert "7.5%" not in s  # 9 / 120 is built on a hidden cell
    dev_page = client.get("/devices").text
    assert "dev_" in dev_page and ">47<" not in dev_page
    for path in (
        "/district/99100000000000",
        "/district/99100000000000?measure=students_served",
        "/?measure=students_served",
        "/service/TX-IND",
        "/referrals",
        "/referrals?period=FY2026-27-Q1",
        "/export",
        "/audit",
    ):
        assert client.get(path).status_code == 200, path
    assert "would not count anyone" in client.get("/?measure=students_served").text


@pytest.mark.parametrize(
    "path",
    [
        "/?from=2026-13&to=2026-09",
        "/?measure=%27%3B--",
        "/?service=NOPE",
        "/district/%27%20OR%201%3D1",
        "/service/%27--",
        "/?from=2026-09&to=2025-01",
        "/?from=2026-08&to=2026-09",
        "/?fy=FY2019-20",
        "/?fy=FY2026-28",
        "/?fy=2026-09",
        "/?grain=week",
        "/?measure=screenings_positive&service=TX-IND",
        "/?group=nope",
        "/screenings?period=2031-01",
        "/screenings?period=FY2026-27-Q5",
        "/screenings?district=99900000000000",
        "/referrals?period=2026-07..2026-09",
        "/district/99100000000000?fy=FY2010-11&measure=students_served",
    ],
)
def test_bad_page_parameters_are_4xx(
    db: Database, client: TestClient, clock: Clock, path: str
) -> None:
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, "ada") == 303
    r = client.get(path)
    assert 400 <= r.status_code < 500


def test_supervisor_sees_only_assigned_districts(
    db: Database, client: TestClient, clock: Clock
) -> None:
    seed_counts(db, client, clock)
    add(db, clock, "sam", "supervisor", [OTHER_DISTRICT])
    assert sign_in(client, "sam") == 303
    page = client.get("/?fy=FY2026-27").text
    assert "Birch Test Unified" in page and "Alder Test Unified" not in page
    assert ">County<" not in page
    assert client.get(f"/district/{DISTRICT}").status_code == 404
    assert "dev_" not in client.get("/devices").text
    assert client.get("/audit").status_code == 403
    token = csrf_of(client.get("/export").text)
    r = client.post(
        "/export",
        data={
            "csrf_token": token,
            "period": "FY2026-27",
            "format": "csv",
            "districts": [DISTRICT],
        },
    )
    assert r.status_code == 403
    r = client.post("/export", data={"csrf_token": token, "period": "FY2026-27", "level": "finest"})
    assert r.status_code == 200
    assert SCHOOL not in r.text


def test_exports_are_suppressed_and_audited(db: Database, client: TestClient, clock: Clock) -> None:
    seed_counts(db, client, clock)
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, "ada") == 303
    token = csrf_of(client.get("/export").text)
    r = client.post(
        "/export",
        data={
            "csrf_token": token,
            "period": "FY2026-27-Q1",
            "level": "district-month",
            "format": "csv",
            "districts": [DISTRICT],
        },
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    by = {(x["period"], x["measure"], x["service"], x["instrument"]): x for x in rows}
    assert by[("2026-09", "services", "TX-GRP", "")]["suppressed"] == "1"
    assert by[("2026-09", "services", "TX-GRP", "")]["value"] == ""
    assert by[("2026-09", "screenings_positive", "", "PHQ-A")]["value"] == ""
    assert all(x["value"] != "7" and x["value"] != "9" for x in rows)
    # every export level holds only cube cells, hidden where the pages hide them
    for level in ("district-year", "school-year", "finest"):
        r = client.post(
            "/export",
            data={"csrf_token": token, "period": "FY2026-27", "level": level, "format": "csv"},
        )
        assert r.status_code == 200, level
        values = [x["value"] for x in csv.DictReader(io.StringIO(r.text))]
        assert values and not any(v and 1 <= int(v) <= 10 for v in values)
    r = client.post(
        "/export",
        data={
            "csrf_token": token,
            "period": "FY2026-27",
            "level": "school-year",
            "format": "dhis2",
        },
    )
    data = json.loads(r.text)
    assert all(v["period"] == "2026July" for v in data["dataValues"])
    assert data["suppressedValues"] >= 1
    assert not any(1 <= int(v["value"]) <= 10 for v in data["dataValues"])
    r = client.post("/export", data={"csrf_token": "nope", "period": "FY2026-27"})
    assert r.status_code == 403
    with db.read() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'export'") == 5


@pytest.mark.parametrize(
    "form",
    [
        {"period": "FY2026-27-Q1", "level": "school-year"},  # year levels need a year
        {"period": "FY2019-20", "level": "finest"},  # outside the window
        {"period": "2026-08..2026-09"},
        {"period": "FY2026-27", "level": "weekly"},
        {"period": "FY2026-27", "format": "xlsx"},
    ],
)
def test_bad_export_choices_are_4xx(
    db: Database, client: TestClient, clock: Clock, form: dict[str, str]
) -> None:
    seed_counts(db, client, clock)
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, "ada") == 303
    token = csrf_of(client.get("/export").text)
    r = client.post("/export", data={"csrf_token": token, **form})
    assert 400 <= r.status_code < 500
    with db.read() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'export'") == 0


def test_admin_revokes_a_device_from_the_web(
    db: Database, client: TestClient, clock: Clock
) -> None:
    dev = seed_counts(db, client, clock)
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, "ada") == 303
    page = client.get("/devices").text
    r = client.post(f"/devices/{dev.device_id}/revoke", data={"csrf_token": "x"})
    assert r.status_code == 403
    r = client.post(
        f"/devices/{dev.device_id}/revoke",
        data={"csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert dev.put(dev.body(revision=2)).status_code == 403
    with db.read() as tx:
        assert tx.scalar("SELECT actor FROM audit_log WHERE action = 'device_revoked'") == "web:ada"


def test_sqlish_and_markup_names_are_stored_verbatim_and_escaped(
    db: Database, client: TestClient, clock: Clock
) -> None:
    from county_server import orgunits

    name = "O'Brien <b>Elementary</b>; DROP TABLE schools; --"
    orgunits.save(
        db, [], [orgunits.School("99100006000009", DISTRICT, name)], now=clock(), actor="test"
    )
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, "ada") == 303
    page = client.get(f"/district/{DISTRICT}").text
    assert "O&#39;Brien &lt;b&gt;Elementary&lt;/b&gt;; DROP TABLE schools; --" in page
    with db.read() as tx:
        assert tx.scalar("SELECT name FROM schools WHERE code = '99100006000009'") == name


@pytest.mark.parametrize(
    ("start", "end"),
    [("'; DROP TABLE cells; --", "2026-09"), ("2026-09", "2026-01"), ("2026-00", "2026-01")],
)
def test_bad_export_forms(
    db: Database, client: TestClient, clock: Clock, start: str, end: str
) -> None:
    seed_counts(db, client, clock)
    add(db, clock, "ada", "admin", [])
    assert sign_in(client, "ada") == 303
    token = csrf_of(client.get("/export").text)
    r = client.post(
        "/export", data={"csrf_token": token, "from": start, "to": end, "format": "csv"}
    )
    assert 400 <= r.status_code < 500
    with db.read() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM cells") > 0
        assert tx.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'export'") == 0
