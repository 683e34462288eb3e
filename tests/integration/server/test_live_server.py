"""A real uvicorn server on loopback: the protocol round trip over HTTP, and headless-Chromium
every dashboard page (console errors, Letter pages when printed, screenshots saved to
test-artifacts/county/ for human review)."""

from __future__ import annotations

import io
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pypdf
import pytest
import uvicorn

from clinician_desk.sync.signing import generate_device_key, public_key_b64, sign_request
from clinician_desk.sync.wire import SCHEMA, canonical_json
from county_server import auth, demo, enrollment
from county_server.app import create_app
from county_server.db import Database
from county_server.settings import ServerSettings
from tests.support.chromium import CHROMIUM, Browser

NOW = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)
PASSWORD = "fictional county lantern 7731"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Database]]:
    db = Database.open(str(tmp_path_factory.mktemp("live") / "county.sqlite3"))
    demo.populate(db, NOW, months=12, schools_total=39, devices_per_district=1)
    auth.add_user(
        db, "ada", "admin", PASSWORD, [], now=NOW, actor="test", memory_kib=8192, iterations=1
    )
    settings = ServerSettings(now=lambda: NOW, secure_cookies=False, demo_banner=True)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(db, settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", db
    server.should_exit = True
    thread.join(10)
    db.close()


def test_protocol_round_trip_over_http(live: tuple[str, Database]) -> None:
    base, db = live
    with httpx.Client(base_url=base, timeout=10) as http:
        status = http.get("/api/v1/status").json()
        assert status["schema"] == SCHEMA
        school = "99100006000001"
        code = enrollment.issue_code(db, [school], now=NOW, ttl_hours=1, actor="test")
        key = generate_device_key()
        r = http.post(
            "/api/v1/enroll",
            json={"code": code, "device_public_key": public_key_b64(key), "app_version": "0.1.0"},
        )
        assert r.status_code == 200, r.text
        device_id = r.json()["device_id"]
        body = canonical_json(
            {
                "schema": SCHEMA,
                "device_id": device_id,
                "org_unit": school,
                "period": "2026-09",
                "revision": 1,
                "taxonomy_version": status["taxonomy_version"],
                "generated_at": "2026-10-05T11:59:00Z",
                "cells": [{"measure": "services", "dimensions": {"service": "TX-IND"}, "value": 3}],
            }
        )
        path = f"/api/v1/counts/{school}/2026-09"
        for expected in ("applied", "duplicate"):
            headers = sign_request(
                "PUT",
                path,
                body,
                device_id=device_id,
                private_key=key,
                created=int(NOW.timestamp()),
            )
            r = http.put(
                path, content=body, headers={**headers, "Content-Type": "application/json"}
            )
            assert (r.status_code, r.json()["status"]) == (200, expected)
        replay = http.put(
            path, content=body, headers={**headers, "Content-Type": "application/json"}
        )
        assert replay.headers.get("idempotent-replayed") == "true"
        spec = http.get("/openapi.json").json()
        put_doc = spec["paths"]["/api/v1/counts/{org_unit}/{period}"]["put"]["responses"]
        assert {"200", "401", "403", "409", "413", "422", "423", "429"} <= set(put_doc)


# Every dashboard page, as admin and as supervisor, with the most US Letter landscape pages
# it may print to (the live county: 13 districts, 39 schools, 12 months of counts).
DISTRICT0, SCHOOL0 = "99100000000000", "99100006000001"
PAGES: dict[str, tuple[str, int]] = {
    "overview": ("/", 4),
    "overview_quarters": ("/?grain=quarter", 3),
    "overview_q1": ("/?quarter=Q1&measure=minutes", 3),
    "students": ("/?measure=students_served", 2),
    "district": (f"/district/{DISTRICT0}", 3),
    "school": (f"/school/{SCHOOL0}", 2),
    "service": ("/service/TX-IND", 4),
    "screenings": ("/screenings", 3),
    "referrals": ("/referrals", 2),
    "completeness": ("/completeness", 2),
    "devices": ("/devices", 4),
    "export": ("/export", 2),
    "password": ("/account/password", 1),
    "not_found": ("/no/such/page", 1),
}
ADMIN_PAGES: dict[str, tuple[str, int]] = {
    "users": ("/users", 1),
    "audit": ("/audit", 3),
    "months": ("/months", 1),
    "codes": ("/enrollment-codes", 4),
}


def session_cookie(base: str, username: str) -> str:
    with httpx.Client(base_url=base, timeout=10) as http:
        token = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/login").text)
        assert token
        r = http.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf_token": token[1]}
        )
        assert r.status_code == 303, r.text[:300]
        return str(http.cookies.get("cds_session"))


@pytest.mark.slow  # ~20 s: 33 page loads, screenshots and prints in one browser
def test_every_page_in_chromium_as_admin_and_supervisor(
    live: tuple[str, Database], tmp_path: Path, artifacts_dir: Path
) -> None:
    """Each page loads in headless Chromium with no console or log error (CSP violations and
    failed loads are log errors), prints to at most its number of Letter landscape pages, and
    leaves a screenshot and its PDF in test-artifacts/county/. One browser for all pages."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed (scripts/check installs Debian's chromium)")
        pytest.skip("Chromium is not installed")
    base, db = live
    auth.add_user(
        db,
        "sue",
        "supervisor",
        PASSWORD,
        [DISTRICT0],
        now=NOW,
        actor="test",
        memory_kib=8192,
        iterations=1,
    )
    out = artifacts_dir / "county"
    out.mkdir(exist_ok=True)
    runs = [("admin", "ada", {**PAGES, **ADMIN_PAGES}), ("supervisor", "sue", PAGES)]
    problems: list[str] = []
    with Browser(tmp_path / "profile") as browser:
        for role, user, pages in runs:
            cookie = session_cookie(base, user)
            for name, (path, most) in pages.items():
                got = browser.load(base + path, {"cds_session": cookie})
                (out / f"{role}_{name}.png").write_bytes(got.screenshot)
                (out / f"{role}_{name}.pdf").write_bytes(got.pdf)
                errors = [e for e in got.errors if not (name == "not_found" and "404" in e)]
                if errors:
                    problems.append(f"{role} {path}: console errors {errors}")
                count = len(pypdf.PdfReader(io.BytesIO(got.pdf)).pages)
                if count > most:
                    problems.append(f"{role} {path}: prints to {count} pages (at most {most})")
                if len(got.screenshot) < 10_000:
                    problems.append(f"{role} {path}: blank screenshot")
        # A supervisor opening an admin page gets the dashboard's 403 page, not JSON.
        cookie = session_cookie(base, "sue")
        got = browser.load(base + "/months", {"cds_session": cookie}, pdf=False)
        (out / "supervisor_months_403.png").write_bytes(got.screenshot)
    assert problems == [], "\n".join(problems)
