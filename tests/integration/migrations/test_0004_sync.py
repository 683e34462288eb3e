"""Migration 0004 (sync): device/enrollment, allowed org units, per-period snapshot state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlcipher3

from clinician_desk.storage import migrations_runner
from clinician_desk.storage.connection import connect

KEY = b"\x44" * 32
T = "2026-09-14T15:00:00Z"


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlcipher3.Connection]:
    c = connect(tmp_path / "m4.db", KEY)
    for m in migrations_runner.available_migrations()[:4]:
        migrations_runner.apply(c, m)
    yield c
    c.close()


def test_0004_creates_the_sync_tables(conn: sqlcipher3.Connection) -> None:
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"sync_device", "sync_org_unit", "sync_period"} <= names
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 4


def _device(conn: sqlcipher3.Connection, key: bytes, device_id: int = 1) -> None:
    conn.execute(
        "INSERT INTO sync_device (id, server_url, device_id, private_key, public_key,"
        " taxonomy_version, enrolled_at) VALUES (?, 'https://x.example', 'dev_x', ?, 'p', '1', ?)",
        (device_id, key, T),
    )


def test_one_device_with_a_32_byte_key(conn: sqlcipher3.Connection) -> None:
    _device(conn, b"\x01" * 32)
    with pytest.raises(sqlcipher3.IntegrityError):
        _device(conn, b"\x01" * 32, device_id=2)  # only row 1
    conn.execute("DELETE FROM sync_device")
    with pytest.raises(sqlcipher3.IntegrityError):
        _device(conn, b"\x01" * 31)


def test_period_rows_are_checked(conn: sqlcipher3.Connection) -> None:
    conn.execute("INSERT INTO sync_period (org_unit, period) VALUES ('99999999999901', '2026-09')")
    row = conn.execute("SELECT revision, acked_revision, status FROM sync_period").fetchone()
    assert tuple(row) == (0, 0, "pending")
    insert = "INSERT INTO sync_period (org_unit, period, status, revision) VALUES (?, ?, ?, ?)"
    for bad in (
        ("99999999999902", "2026-09", "sent", 0),  # unknown status
        ("123", "2026-09", "pending", 0),  # not a CDS code
        ("99999999999903", "2026-09", "pending", -1),  # negative revision
        ("99999999999901", "2026-09", "pending", 0),  # the same period twice
    ):
        with pytest.raises(sqlcipher3.IntegrityError):
            conn.execute(insert, bad)
    with pytest.raises(sqlcipher3.IntegrityError):
        conn.execute("INSERT INTO sync_org_unit VALUES ('12345')")
