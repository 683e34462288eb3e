"""``county-server`` commands on a real SQLite file: init with the escrow keypair, org units from
CSV, users, enrollment codes, closing periods, revoking, exporting, recover-key; bad input gets
one clear line and a non-zero exit, and changes nothing."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from county_server.cli import main
from county_server.db import Database

CSV = """cds_code,district,school
99100000000000,Alder Test Unified,
99100006000001,Alder Test Unified,Acorn Elementary
99100006000002,Alder Test Unified,Canyon Middle
99200006000003,Birch Test Unified,Dogwood High
"""


def run(db: Path, *args: str) -> int:
    return main(["--db", str(db), *args])


@pytest.fixture
def ready(tmp_path: Path) -> Path:
    db = tmp_path / "c.sqlite3"
    assert run(db, "init", "--escrow-key-file", str(tmp_path / "escrow.pem")) == 0
    (tmp_path / "units.csv").write_text(CSV, encoding="utf-8")
    assert run(db, "load-org-units", str(tmp_path / "units.csv")) == 0
    return db


def count(db: Path, sql: str) -> int:
    d = Database.open(str(db))
    try:
        with d.read() as tx:
            return int(tx.scalar(sql))
    finally:
        d.close()


def test_init_writes_a_private_key_once(
    capsys: pytest.CaptureFixture[str], ready: Path, tmp_path: Path
) -> None:
    key = tmp_path / "escrow.pem"
    assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert key.stat().st_mode & 0o777 == 0o600
    assert "OFFLINE" in capsys.readouterr().out
    assert run(ready, "init", "--escrow-key-file", str(tmp_path / "second.pem")) == 0
    assert not (tmp_path / "second.pem").exists()


def test_org_units_and_bad_csv(
    ready: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert count(ready, "SELECT COUNT(*) FROM schools") == 3
    assert count(ready, "SELECT COUNT(*) FROM districts") == 2
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV + "9910000600000X,Alder Test Unified,Bad School\n", encoding="utf-8")
    capsys.readouterr()
    assert run(ready, "load-org-units", str(bad)) == 2
    err = capsys.readouterr().err
    assert "line 6" in err and err.count("\n") == 1
    assert count(ready, "SELECT COUNT(*) FROM schools") == 3
    bad.write_text("name\nx\n", encoding="utf-8")
    assert run(ready, "load-org-units", str(bad)) == 2
    assert run(ready, "load-org-units", str(tmp_path / "missing.csv")) == 2


def test_users_codes_periods_devices(
    ready: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pw = tmp_path / "pw"
    pw.write_text("a long enough lantern password\n", encoding="utf-8")
    assert run(ready, "add-user", "ada", "--role", "admin", "--password-file", str(pw)) == 0
    assert run(ready, "add-user", "sam", "--role", "supervisor", "--password-file", str(pw)) == 2
    assert (
        run(
            ready,
            "add-user",
            "sam",
            "--role",
            "supervisor",
            "--districts",
            "99100000000000",
            "--password-file",
            str(pw),
        )
        == 0
    )
    monkeypatch.setenv("COUNTY_SERVER_PASSWORD", "short")
    assert run(ready, "add-user", "tim", "--role", "admin") == 2
    capsys.readouterr()
    label = ("--label", "School counselor, Acorn Elementary")
    assert (
        run(ready, "enrollment-code", "--org-units", "99100006000001", "99100000000000", *label)
        == 0
    )
    code = capsys.readouterr().out.strip()
    assert len(code) == 14 and code.count("-") == 2
    assert run(ready, "enrollment-code", "--org-units", "'; DROP TABLE devices; --", *label) == 2
    assert run(ready, "close-period", "2026-09") == 0
    assert run(ready, "close-period", "2026-13") == 2
    assert run(ready, "close-period", "2026-08", "--district", "99100000000000") == 0
    assert run(ready, "revoke-device", "dev_nobodyhere") == 2
    assert count(ready, "SELECT COUNT(*) FROM closed_periods") == 2
    actions = count(ready, "SELECT COUNT(*) FROM audit_log WHERE actor LIKE 'cli:%'")
    assert actions >= 6


def test_export_cli(ready: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.json"
    assert (
        run(
            ready,
            "export",
            "--format",
            "dhis2",
            "--from",
            "2025-07",
            "--to",
            "2026-06",
            "--level",
            "school-year",
            "--out",
            str(out),
        )
        == 0
    )
    assert json.loads(out.read_text())["dataValues"] == []
    # published periods only: a range that is not one month, quarter or fiscal year is refused
    assert run(ready, "export", "--from", "2026-01", "--to", "2026-09") == 2
    assert run(ready, "export", "--from", "2026-01", "--to", "2026-01", "--level", "finest") == 2
    assert run(ready, "export", "--from", "2026-09", "--to", "2026-01") == 2
    assert (
        run(
            ready, "export", "--from", "2026-01", "--to", "2026-02", "--districts", "99999990000000"
        )
        == 2
    )


def test_recover_key_round_trip(ready: Path, tmp_path: Path) -> None:
    from clinician_desk.config import AppPaths
    from clinician_desk.vault import KdfParams, create_vault, set_escrow_slot, unlock_vault

    d = Database.open(str(ready))
    with d.read() as tx:
        public = base64.b64decode(
            tx.scalar("SELECT value FROM meta WHERE key = 'escrow_public_key'")
        )
    d.close()
    paths = AppPaths.from_option(str(tmp_path / "laptop")).vault("default")
    kdf = KdfParams(memory_kib=1024, iterations=1, lanes=1)
    key, _recovery = create_vault(paths, "a fictional long passphrase", kdf=kdf)
    set_escrow_slot(paths, key, public)
    out = tmp_path / "recovered.hex"
    assert (
        run(
            ready,
            "recover-key",
            "--keyslot-file",
            str(paths.keyslots),
            "--private-key-file",
            str(tmp_path / "escrow.pem"),
            "--out",
            str(out),
            "--verified-by",
            "County IT desk",
        )
        == 0
    )
    assert bytes.fromhex(out.read_text().strip()) == key.raw
    assert out.stat().st_mode & 0o777 == 0o600
    assert (
        run(
            ready,
            "recover-key",
            "--keyslot-file",
            str(paths.keyslots),
            "--private-key-file",
            str(tmp_path / "escrow.pem"),
            "--out",
            str(out),
            "--verified-by",
            "x",
        )
        == 2
    )
    new_phrase = tmp_path / "temp-phrase"
    new_phrase.write_text("county temporary fictional phrase\n", encoding="utf-8")
    assert (
        run(
            ready,
            "recover-key",
            "--vault-dir",
            str(paths.profile_dir),
            "--private-key-file",
            str(tmp_path / "escrow.pem"),
            "--new-passphrase-file",
            str(new_phrase),
            "--verified-by",
            "County IT desk",
        )
        == 0
    )
    assert unlock_vault(paths, "county temporary fictional phrase").raw == key.raw
    assert (
        run(
            ready,
            "recover-key",
            "--vault-dir",
            str(paths.profile_dir),
            "--out",
            str(out),
            "--private-key-file",
            str(tmp_path / "escrow.pem"),
            "--verified-by",
            "x",
        )
        == 2
    )
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"not a key slot file")
    assert (
        run(
            ready,
            "recover-key",
            "--keyslot-file",
            str(garbage),
            "--private-key-file",
            str(tmp_path / "escrow.pem"),
            "--out",
            str(tmp_path / "o2"),
            "--verified-by",
            "x",
        )
        == 2
    )
    assert not (tmp_path / "o2").exists()
