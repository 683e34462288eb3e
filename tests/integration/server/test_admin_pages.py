"""Issue 18 on the dashboard, on SQLite and PostgreSQL: devices (labels; revoke, retire,
unretire, replace), accounts (disable, enable, unlock, reset with a forced change), sign-in
delays per account and source, the same work for unknown users, the audit trail (filters,
paging, summarized failures, CSV), and control characters refused with a 4xx."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from clinician_desk.sync.signing import generate_device_key, public_key_b64
from county_server import auth, enrollment
from county_server.app import create_app
from county_server.db import Database
from county_server.errors import Refused

from .conftest import DISTRICT, SCHOOL, Clock, Device, csrf_of, enroll, make_settings, sign_in

PASSWORD = "fictional county lantern 7731"


def add(db: Database, clock: Clock, name: str, role: str = "admin", districts=()) -> None:  # type: ignore[no-untyped-def]
    auth.add_user(
        db, name, role, PASSWORD, list(districts), now=clock(), actor="test",
        memory_kib=8192, iterations=1,
    )  # fmt: skip


def app_client(db: Database, clock: Clock, host: str = "192.0.2.10") -> TestClient:
    return TestClient(create_app(db, make_settings(clock)), client=(host, 50000))


def seed(dev: Device) -> None:
    cells = [{"measure": "services", "dimensions": {"service": "TX-IND", "tier": 2}, "value": 40}]
    assert dev.put(dev.body(cells=cells)).status_code == 200


def total(db: Database) -> int:
    with db.read() as tx:
        return int(tx.scalar("SELECT COALESCE(SUM(value), 0) FROM cells"))


def test_devices_page_shows_labels_and_retires_unretires_and_replaces(
    db: Database, clock: Clock
) -> None:
    with app_client(db, clock) as client:
        code = enrollment.issue_code(
            db, [SCHOOL], now=clock(), ttl_hours=1, actor="t",
            label="School social worker, Acorn Elementary",
        )  # fmt: skip
        key = generate_device_key()
        r = client.post(
            "/api/v1/enroll",
            json={"code": code, "device_public_key": public_key_b64(key), "app_version": "0.1"},
        )
        dev = Device(r.json()["device_id"], key, client, clock)
        seed(dev)
        add(db, clock, "ada")
        add(db, clock, "sam", "supervisor", [DISTRICT])
        assert sign_in(client, "sam") == 303
        page = client.get("/devices").text
        assert "School social worker, Acorn Elementary" in page and "Retire" not in page
        r = client.post(
            f"/devices/{dev.device_id}/retire",
            data={"csrf_token": csrf_of(page), "reason": "stolen"},
        )
        assert r.status_code == 403 and total(db) == 40
        client.cookies.clear()
        assert sign_in(client, "ada") == 303
        page = client.get("/devices").text
        token = csrf_of(page)
        r = client.post(
            f"/devices/{dev.device_id}/retire", data={"csrf_token": token, "reason": "x"}
        )
        assert r.status_code == 422 and total(db) == 40  # a reason of 3+ characters
        r = client.post(
            f"/devices/{dev.device_id}/retire",
            data={"csrf_token": token, "reason": "laptop reported stolen"},
            follow_redirects=False,
        )
        assert r.status_code == 303 and total(db) == 0
        page = client.get("/devices").text
        assert "retired" in page and "laptop reported stolen" in page
        assert dev.put(dev.body(revision=2)).json()["error"] == "retired"
        r = client.post(f"/devices/{dev.device_id}/unretire", data={"csrf_token": token})
        assert r.status_code == 200 and total(db) == 40
        r = client.post(
            f"/devices/{dev.device_id}/replace", data={"csrf_token": token, "label": ""}
        )
        assert r.status_code == 200
        new_code = re.search(r'<p class="code"><code>([A-Z0-9-]{14})</code>', r.text)
        assert new_code and "School social worker, Acorn Elementary" in r.text
        assert total(db) == 40  # nothing changes until the code is used
        r = client.post(
            "/api/v1/enroll",
            json={
                "code": new_code.group(1),
                "device_public_key": public_key_b64(generate_device_key()),
                "app_version": "0.1",
            },
        )
        assert r.status_code == 200 and total(db) == 0
        page = client.get("/devices").text
        assert f"replaced by {r.json()['device_id']}" in page
        with db.read() as tx:
            actions = [a for (a,) in tx.all("SELECT action FROM audit_log ORDER BY id")]
        for action in ("device_retired", "device_unretired", "device_replaced"):
            assert action in actions


def test_admin_manages_accounts_and_a_reset_forces_a_change(db: Database, clock: Clock) -> None:
    add(db, clock, "ada")
    add(db, clock, "bob")
    with app_client(db, clock, "192.0.2.20") as bob, app_client(db, clock) as ada:
        assert sign_in(bob, "bob") == 303 and bob.get("/").status_code == 200
        assert sign_in(ada, "ada") == 303
        token = csrf_of(ada.get("/users").text)
        r = ada.post("/users/bob/disable", data={"csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303
        assert bob.get("/", follow_redirects=False).headers["location"] == "/login"
        assert sign_in(bob, "bob") == 401
        assert ada.post("/users/ada/disable", data={"csrf_token": token}).status_code == 422
        ada.post("/users/bob/enable", data={"csrf_token": token})
        r = ada.post("/users/bob/reset-password", data={"csrf_token": token})
        temporary = re.search(r'<p class="code"><code>([^<]+)</code>', r.text)
        assert temporary
        assert sign_in(bob, "bob") == 401  # the old password no longer works
        assert sign_in(bob, "bob", temporary.group(1)) == 303
        r = bob.get("/devices", follow_redirects=False)
        assert r.headers["location"] == "/account/password"
        form = bob.get("/account/password").text
        weak = {"current": temporary.group(1), "new": "password1234", "again": "password1234"}
        r = bob.post("/account/password", data={"csrf_token": csrf_of(form), **weak})
        assert r.status_code == 422 and "common" in r.text
        new = "another fictional lantern 8842"
        r = bob.post(
            "/account/password",
            data={"csrf_token": csrf_of(form), "current": temporary.group(1), "new": new,
                  "again": new},
            follow_redirects=False,
        )  # fmt: skip
        assert r.status_code == 303 and bob.get("/devices").status_code == 200
        users = ada.get("/users").text
        assert "must change password" not in users
    sup_page_forbidden(db, clock)


def sup_page_forbidden(db: Database, clock: Clock) -> None:
    add(db, clock, "sam", "supervisor", [DISTRICT])
    with app_client(db, clock, "192.0.2.30") as sam:
        assert sign_in(sam, "sam") == 303
        assert sam.get("/users").status_code == 403
        assert sam.get("/audit").status_code == 403
        assert sam.get("/audit.csv").status_code == 403
        token = csrf_of(sam.get("/devices").text)
        assert sam.post("/users/ada/disable", data={"csrf_token": token}).status_code == 403


def test_guessing_from_one_source_never_locks_out_another(db: Database, clock: Clock) -> None:
    add(db, clock, "ada")
    for i in range(12):
        with pytest.raises(Refused, match="Wrong"):
            auth.login(db, "ada", "guess-guess-guess", now=clock(), source="203.0.113.9")
        clock.advance(2 ** max(0, i - 4) if i < 11 else 0)  # wait out each delay
    # The attacker's source now waits minutes; ada's own source is not slowed at all.
    with pytest.raises(Refused, match="wait"):
        auth.login(db, "ada", PASSWORD, now=clock(), source="203.0.113.9")
    auth.login(db, "ada", PASSWORD, now=clock(), source="192.0.2.10")
    # The delay grows exponentially (1, 2, 4, ... s), capped; the right password works after it.
    with db.read() as tx:
        failures, until = tx.one(
            "SELECT failures, next_allowed_unix FROM login_throttle WHERE source = ?",
            ("203.0.113.9",),
        ) or (0, 0)
    assert failures == 12 and until - int(clock().timestamp()) == 2 ** (12 - 5)
    clock.advance(2**7)
    auth.login(db, "ada", PASSWORD, now=clock(), source="203.0.113.9")


def test_unknown_users_cost_one_argon2id_verification_like_known_ones(
    db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(db, clock, "ada")
    calls: list[str] = []
    real = auth.verify_password

    def counting(password: str, encoded: str) -> bool:
        calls.append(encoded)
        return real(password, encoded)

    monkeypatch.setattr(auth, "verify_password", counting)
    policy = auth.LoginPolicy(memory_kib=8192, iterations=1)
    for name in ("ada", "nobody", "' OR 1=1 --"):
        calls.clear()
        with pytest.raises(Refused, match="Wrong username or password"):
            auth.login(db, name, "wrong-wrong-wrong", now=clock(), policy=policy, source=name)
        assert len(calls) == 1
        params = calls[0].split("$")[3]  # the Argon2id m=,t=,p= of the hash verified against
        assert params == "m=8192,t=1,p=4", calls[0]


def test_failed_signins_are_summarized_and_cannot_flush_the_trail(
    db: Database, clock: Clock
) -> None:
    add(db, clock, "ada")
    with app_client(db, clock) as client:
        dev = enroll(db, client, clock)
        enrollment.revoke_device(db, dev.device_id, now=clock(), actor="web:ada")
        for i in range(320):
            with pytest.raises(Refused):
                auth.login(db, f"user{i % 7}", "x" * 12, now=clock(), source="203.0.113.9")
        with db.read() as tx:
            failed_rows = tx.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed'")
        assert failed_rows == 1  # one per (account, source, hour); unknown names are one account
        assert sign_in(client, "ada") == 303
        page = client.get("/audit").text
        assert "device_revoked" in page and "(+319 more this hour)" in page
        r = client.get("/audit", params={"action": "device_revoked"})
        assert dev.device_id in r.text and "1 matching entry" in r.text
        r = client.get("/audit", params={"device": dev.device_id})
        assert "device_revoked" in r.text and "device_enrolled" in r.text
        day = clock().strftime("%Y-%m-%d")
        assert "0 matching" in client.get("/audit", params={"to": "2020-01-01"}).text
        assert "device_revoked" in client.get("/audit", params={"from": day, "to": day}).text
        assert "web:ada" in client.get("/audit", params={"actor": "web:ada"}).text
        for bad in ({"from": "2026-02-30x"}, {"page": "0"}, {"page": "x"}, {"device": "'; --"}):
            assert client.get("/audit", params=bad).status_code == 422
        # paging: 100 per page, newest first
        clock.advance(3600)
        for _ in range(150):
            enrollment.revoke_device(db, dev.device_id, now=clock(), actor="web:ada")
        first, second = client.get("/audit").text, client.get("/audit?page=2").text
        assert "page 1 of" in first and "page=2" in first and "page 2 of" in second
        r = client.get("/audit.csv", params={"action": "login_failed"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[0] == ["id", "at_utc", "actor", "action", "details", "repeats_in_hour"]
        assert len(rows) == 2 and rows[1][5] == "319" and '"source": "203.0.113.9"' in rows[1][4]


def test_csv_cells_cannot_become_formulas(db: Database, clock: Clock) -> None:
    from county_server import audit

    with db.transaction() as tx:
        audit.record(tx, clock(), "=HYPERLINK(1)", "x", {})
        csv_text = audit.export_csv(tx, audit.AuditFilter()).decode()
    assert "'=HYPERLINK(1)" in csv_text


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", "/login", {"username": "ada\x00", "password": "x", "csrf_token": "t"}),
        ("post", "/login", {"username": "ada", "password": "p\x00", "csrf_token": "t"}),
        ("post", "/devices/dev_abcd%00x/revoke", {"csrf_token": "t"}),
        ("post", "/devices/dev_abcdefgh/retire", {"csrf_token": "t", "reason": "a\x00b"}),
        ("get", "/audit?actor=%00", None),
        ("get", "/district/9910000000000%00", None),
        ("post", "/users/ada%00/disable", {"csrf_token": "t"}),
        ("post", "/login", {"username": "\x1b[31mada", "password": "x", "csrf_token": "t"}),
    ],
)
def test_control_characters_are_a_4xx_on_every_engine(
    db: Database, clock: Clock, method: str, path: str, data: dict[str, str] | None
) -> None:
    add(db, clock, "ada")
    with TestClient(create_app(db, make_settings(clock)), raise_server_exceptions=False) as c:
        assert sign_in(c, "ada") == 303
        r = c.request(method.upper(), path, data=data, follow_redirects=False)
        assert r.status_code == 422, (r.status_code, r.text[:200])
        assert "control characters" in r.text
        with db.read() as tx:
            assert tx.scalar("SELECT COUNT(*) FROM users") == 1


def test_a_nul_in_a_valid_sign_in_form_is_refused_not_a_5xx(db: Database, clock: Clock) -> None:
    """The issue's case: a real sign-in form (valid CSRF) whose username holds a NUL byte."""
    add(db, clock, "ada")
    with TestClient(create_app(db, make_settings(clock)), raise_server_exceptions=False) as c:
        token = csrf_of(c.get("/login").text)
        r = c.post("/login", data={"username": "ad\x00a", "password": "x", "csrf_token": token})
        assert r.status_code == 422
    with pytest.raises(Refused):  # and below the web layer, on both engines
        auth.login(db, "ad\x00a", "x\x00", now=clock(), source="s\x00")


def test_concurrent_failed_signins_are_all_counted(db: Database, clock: Clock) -> None:
    """Many wrong passwords at once (threads, one pool): no database error, one audit row per
    (account, source, hour), every failure counted."""
    import threading

    add(db, clock, "ada")
    errors: list[BaseException] = []
    policy = auth.LoginPolicy(threshold=1000, memory_kib=8192, iterations=1)

    def guess() -> None:
        for _ in range(5):
            try:
                auth.login(db, "ada", "guess-guess-guess", now=clock(), source="s", policy=policy)
            except Refused:
                pass
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=guess) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.read() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed'") == 1
        assert tx.scalar("SELECT failures FROM login_failure_summary") == 30
        assert tx.scalar("SELECT failures FROM login_throttle") == 30
