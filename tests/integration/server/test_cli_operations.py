"""Day-to-day ``county-server`` commands of issue 18 on SQLite and PostgreSQL: device labels,
replacement and retirement; accounts; the audit trail as CSV; history pruning; the database file
private to its owner. Bad input is one clear line, a non-zero exit, and changes nothing."""

from __future__ import annotations

import csv
import io
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from clinician_desk.sync.signing import generate_device_key, public_key_b64
from county_server import auth, retention
from county_server.app import create_app
from county_server.cli import main
from county_server.db import Database
from county_server.errors import Refused

from .conftest import Clock, make_settings

CSV = """cds_code,district,school
99100000000000,Alder Test Unified,
99100006000001,Alder Test Unified,Acorn Elementary
99100006000002,Alder Test Unified,Canyon Middle
"""
SCHOOL = "99100006000001"
PASSWORD = "fictional county lantern 7731"
LABEL = "School psychologist, Acorn Elementary"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        target = str(tmp_path / "county.sqlite3")
    else:
        from .conftest import fresh_pg, pg_url

        pg = pg_url()
        if not pg:
            pytest.skip("COUNTY_TEST_PG_URL not set")
        fresh_pg(pg)
        target = pg
    assert main(["--db", target, "init", "--no-escrow-key"]) == 0
    (tmp_path / "units.csv").write_text(CSV, encoding="utf-8")
    assert main(["--db", target, "load-org-units", str(tmp_path / "units.csv")]) == 0
    return target


def run(url: str, *args: str) -> int:
    return main(["--db", url, *args])


def out_of(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run(url, *args)
    got = capsys.readouterr()
    return code, got.out, got.err


def scalar(url: str, sql: str, params: tuple[object, ...] = ()) -> object:
    db = Database.open(url, migrate=False)
    try:
        with db.read() as tx:
            return tx.scalar(sql, params)
    finally:
        db.close()


def test_init_makes_the_sqlite_file_private(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite3"
    old = os.umask(0o022)
    try:
        assert main(["--db", str(path), "init", "--no-escrow-key"]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for extra in (Path(str(path) + "-wal"), Path(str(path) + "-shm")):
        if extra.exists():
            assert stat.S_IMODE(extra.stat().st_mode) == 0o600
    loose = tmp_path / "loose.sqlite3"
    Database.open(str(loose)).close()
    loose.chmod(0o644)
    assert main(["--db", str(loose), "init", "--no-escrow-key"]) == 0
    assert stat.S_IMODE(loose.stat().st_mode) == 0o600


def test_device_lifecycle_commands(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = out_of(capsys, url, "enrollment-code", "--org-units", SCHOOL, "--label", LABEL)
    assert code == 0
    db = Database.open(url)
    clock = Clock()
    clock.t = datetime.now(UTC).replace(microsecond=0)
    try:
        with TestClient(create_app(db, make_settings(clock))) as client:
            r = client.post(
                "/api/v1/enroll",
                json={
                    "code": out.strip(),
                    "device_public_key": public_key_b64(generate_device_key()),
                    "app_version": "0.1.0",
                },
            )
            assert r.status_code == 200, r.text
            old = r.json()["device_id"]
    finally:
        db.close()
    code, out, _ = out_of(capsys, url, "list-devices")
    assert code == 0 and old in out and LABEL in out and "active" in out
    # bad labels: a student-like number, markup, control characters, nothing
    for bad in ("Counselor for student 1234567", "<b>x</b>", "Counselor\u202e", "", "ab"):
        code, _, err = out_of(capsys, url, "enrollment-code", "--org-units", SCHOOL, "--label", bad)
        assert code == 2 and err.count("\n") == 1 and "--label" in err
    code, _, err = out_of(
        capsys, url, "enrollment-code", "--org-units", SCHOOL, "--label", LABEL,
        "--replaces", "dev_nosuchdevice",
    )  # fmt: skip
    assert code == 2 and "no device" in err
    code, out, err = out_of(
        capsys, url, "enrollment-code", "--org-units", SCHOOL, "--label", LABEL,
        "--replaces", old,
    )  # fmt: skip
    assert code == 0 and old in err
    assert scalar(url, "SELECT replaces FROM enrollment_codes WHERE replaces IS NOT NULL") == old

    code, out, _ = out_of(capsys, url, "retire-device", old, "--reason", "stolen laptop")
    assert code == 0 and "retired" in out
    assert run(url, "retire-device", old, "--reason", "again") == 2  # already retired
    code, out, _ = out_of(capsys, url, "list-devices")
    assert "retired" in out and "stolen laptop" in out
    assert run(url, "unretire-device", old) == 0
    assert run(url, "unretire-device", old) == 2  # not retired any more
    assert run(url, "retire-device", "dev_nosuchdevice", "--reason", "x y z") == 2
    assert run(url, "retire-device", "dev\x00x", "--reason", "x y z") == 2
    actions = {r for (r,) in _rows(url, "SELECT action FROM audit_log WHERE actor <> 'device'")}
    assert {"enrollment_code_issued", "device_retired", "device_unretired"} <= actions


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    db = Database.open(url, migrate=False)
    try:
        with db.read() as tx:
            return tx.all(sql)
    finally:
        db.close()


def test_account_commands(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTY_SERVER_PASSWORD", PASSWORD)
    assert run(url, "add-user", "ada", "--role", "admin") == 0
    assert run(url, "add-user", "bob", "--role", "admin") == 0
    for weak in ("password1234", "aaaaaaaaaaaaaaaa", "qwertyuiopasdf", "short"):
        monkeypatch.setenv("COUNTY_SERVER_PASSWORD", weak)
        code, _, err = out_of(capsys, url, "add-user", "tim", "--role", "admin")
        assert code == 2 and "password" in err
    assert scalar(url, "SELECT COUNT(*) FROM users") == 2

    code, out, _ = out_of(capsys, url, "list-users")
    assert code == 0 and "ada\tadmin" in out and "enabled" in out
    assert run(url, "disable-user", "bob") == 0
    assert "disabled" in out_of(capsys, url, "list-users")[1]
    assert run(url, "disable-user", "ada") == 2  # the last enabled admin
    assert run(url, "enable-user", "bob") == 0
    assert run(url, "disable-user", "nobody") == 2
    assert run(url, "disable-user", "bo\x00b") == 2

    code, out, err = out_of(capsys, url, "reset-password", "bob")
    temporary = out.strip()
    assert code == 0 and len(temporary) >= 12 and "next sign-in" in err
    assert scalar(url, "SELECT must_change_password FROM users WHERE username = 'bob'") == 1
    assert "must change password" in out_of(capsys, url, "list-users")[1]

    db = Database.open(url)
    try:
        now = datetime.now(UTC)
        for _ in range(5):
            with pytest.raises(Refused, match="Wrong"):
                auth.login(db, "bob", "wrong-wrong-wrong", now=now, source="10.9.8.7")
        with pytest.raises(Refused, match="wait 1 s"):
            auth.login(db, "bob", temporary, now=now, source="10.9.8.7")
        assert "delayed" in out_of(capsys, url, "list-users")[1]
        assert run(url, "unlock-user", "bob") == 0
        _, session = auth.login(db, "bob", temporary, now=now, source="10.9.8.7")
        assert session.user.must_change_password
    finally:
        db.close()


def test_audit_export_and_prune(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "audit.csv"
    assert run(url, "close-period", "2026-01") == 0
    assert run(url, "audit-export", "--action", "period_closed", "--out", str(out)) == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0][:4] == ["id", "at_utc", "actor", "action"]
    assert [r[3] for r in rows[1:]] == ["period_closed"]
    assert run(url, "audit-export", "--from", "2026-13-01") == 2
    assert run(url, "audit-export", "--device", "'; DROP TABLE audit_log; --") == 2
    code, text, _ = out_of(capsys, url, "audit-export")
    assert code == 0 and "audit_exported" in text  # the first export is itself audited

    # prune-history: superseded revisions past the horizon go; the latest never does
    db = Database.open(url)
    old = (datetime.now(UTC) - timedelta(days=365 * 8)).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        with db.transaction() as tx:
            tx.execute(
                "INSERT INTO devices (device_id, public_key, org_units, app_version, "
                "enrolled_at) VALUES ('dev_oldlaptop', 'k', '[]', '0.1.0', ?)",
                (old,),
            )
            for rev in (1, 2, 3):
                tx.execute(
                    "INSERT INTO snapshot_history (device_id, org_unit, period, revision, "
                    "content_hash, body, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    ("dev_oldlaptop", SCHOOL, "2018-09", rev, f"h{rev}", "{}", old),
                )
            tx.execute(
                "INSERT INTO snapshots (device_id, org_unit, period, revision, content_hash, "
                "taxonomy_version, generated_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ("dev_oldlaptop", SCHOOL, "2018-09", 3, "h3", "2026.1", old, old),
            )
    finally:
        db.close()
    code, text, _ = out_of(capsys, url, "prune-history", "--dry-run")
    assert code == 0 and "Would delete 2" in text
    assert scalar(url, "SELECT COUNT(*) FROM snapshot_history") == 3
    code, text, _ = out_of(capsys, url, "prune-history")
    assert code == 0 and "Deleted 2" in text and "kept 1" in text
    assert _rows(url, "SELECT revision FROM snapshot_history") == [(3,)]
    assert run(url, "prune-history", "--years", "0") == 2
    assert run(url, "prune-history", "--years", "20") == 0
    assert scalar(url, "SELECT COUNT(*) FROM snapshot_history") == 1
    assert retention.horizon(datetime(2028, 2, 29, tzinfo=UTC), 1) == "2027-02-28T00:00:00Z"
