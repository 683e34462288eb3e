"""A real uvicorn server on loopback: the protocol round trip over HTTP, and headless-Chromium
screenshots of the dashboard pages (saved to test-artifacts/ for human review)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn

from clinician_desk.sync.signing import generate_device_key, public_key_b64, sign_request
from clinician_desk.sync.wire import SCHEMA, canonical_json
from county_server import auth, demo, enrollment
from county_server.app import STATIC_DIR, create_app
from county_server.db import Database
from county_server.settings import ServerSettings

NOW = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)
PASSWORD = "fictional county lantern 7731"
CHROMIUM = Path("/usr/bin/chromium")


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


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed")
def test_dashboard_screenshots(
    live: tuple[str, Database], tmp_path: Path, artifacts_dir: Path
) -> None:
    base, _ = live
    css = (STATIC_DIR / "style.css").read_text(encoding="utf-8")
    # Three launches of Chromium cost ~10 s; the other pages share these templates.
    pages = {"overview": "/", "district": "/district/99100000000000", "screenings": "/screenings"}
    with httpx.Client(base_url=base, timeout=10) as http:
        token = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/login").text).group(1)  # type: ignore[union-attr]
        r = http.post("/login", data={"username": "ada", "password": PASSWORD, "csrf_token": token})
        assert r.status_code in (200, 303)
        for name, path in pages.items():
            html = http.get(path).text
            assert "Overview" in html, name
            # The page as served, with its stylesheet inlined so a file:// load renders it.
            static = html.replace(
                '<link rel="stylesheet" href="/static/style.css">', f"<style>{css}</style>"
            )
            page_file = tmp_path / f"{name}.html"
            page_file.write_text(static, encoding="utf-8")
            shot = tmp_path / f"county_{name}.png"
            profile = tmp_path / f"profile-{name}"
            subprocess.run(
                [
                    str(CHROMIUM),
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    f"--user-data-dir={profile}",
                    "--window-size=1280,1400",
                    "--hide-scrollbars",
                    f"--screenshot={shot}",
                    page_file.as_uri(),
                ],
                check=False,
                capture_output=True,
                timeout=90,
                env={**os.environ, "HOME": str(tmp_path)},
            )
            assert shot.exists() and shot.stat().st_size > 10_000, name
            shutil.copy(shot, artifacts_dir / shot.name)
