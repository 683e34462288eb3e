"""The device lifecycle on the server, SQLite and PostgreSQL: replacement and retirement move a
device's counts out of every total in one transaction and back exactly; labels are kept and
shown; closed months stay counted across a replacement; bad ids and reasons change nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from clinician_desk.sync.signing import generate_device_key, public_key_b64
from county_server import enrollment, periods
from county_server.db import Database
from county_server.errors import ConfigError, NotFound, Refused

from .conftest import SCHOOL, Clock, Device, enroll

CELL = [{"measure": "services", "dimensions": {"service": "TX-IND", "tier": 2}, "value": 20}]


def total(db: Database) -> int:
    with db.read() as tx:
        return int(tx.scalar("SELECT COALESCE(SUM(value), 0) FROM cells"))


def redeem(client: TestClient, clock: Clock, code: str) -> Device:
    key = generate_device_key()
    r = client.post(
        "/api/v1/enroll",
        json={"code": code, "device_public_key": public_key_b64(key), "app_version": "0.1.0"},
    )
    assert r.status_code == 200, r.text
    return Device(r.json()["device_id"], key, client, clock)


def test_replacing_a_device_counts_its_resend_once(
    db: Database, client: TestClient, clock: Clock
) -> None:
    old = enroll(db, client, clock, (SCHOOL,))
    for period in ("2026-07", "2026-08", "2026-09"):
        assert old.put(old.body(period=period, cells=CELL), period=period).status_code == 200
    periods.close_period(db, "2026-07", None, now=clock(), actor="t")
    assert total(db) == 60
    code = enrollment.issue_code(
        db, [SCHOOL], now=clock(), ttl_hours=1, actor="t", label="School nurse, Acorn",
        replaces=old.device_id,
    )  # fmt: skip
    assert total(db) == 60  # issuing the code changes nothing
    new = redeem(client, clock, code)
    assert total(db) == 20  # the closed month stays; the others wait for the resend
    assert (
        old.put(old.body(period="2026-09", revision=2, cells=CELL), period="2026-09").json()[
            "error"
        ]
        == "revoked"
    )
    answers = [
        new.put(new.body(period=p, cells=CELL), period=p).status_code
        for p in ("2026-07", "2026-08", "2026-09")
    ]
    assert answers == [423, 200, 200]
    assert total(db) == 60  # exactly what the laptop holds, nothing twice
    with db.read() as tx:
        info = {d.device_id: d for d in enrollment.list_devices(tx)}
        used = tx.one("SELECT device_id, label FROM enrollment_codes WHERE replaces = ?",
                      (old.device_id,))  # fmt: skip
    assert info[old.device_id].replaced_by == new.device_id and not info[old.device_id].counting
    assert info[new.device_id].label == "School nurse, Acorn"
    assert used == (new.device_id, "School nurse, Acorn")
    with db.read() as tx:  # the trail says which device the code became, and who issued it
        details = tx.scalar(
            "SELECT details FROM audit_log WHERE action = 'device_enrolled' AND details LIKE ?",
            (f"%{new.device_id}%",),
        )
    assert '"code_issued_by": "t"' in details and f'"replaces": "{old.device_id}"' in details
    with pytest.raises(Refused, match="already replaced"):
        enrollment.issue_code(
            db, [SCHOOL], now=clock(), ttl_hours=1, actor="t", replaces=old.device_id
        )
    with pytest.raises(Refused, match="replaced"):
        enrollment.retire_device(db, old.device_id, "try it", now=clock(), actor="t")


def test_retire_and_unretire_are_exact_and_audited(
    db: Database, client: TestClient, clock: Clock
) -> None:
    a = enroll(db, client, clock, (SCHOOL,))
    b = enroll(db, client, clock, (SCHOOL,))
    assert a.put(a.body(cells=CELL)).status_code == 200
    assert b.put(b.body(cells=CELL)).status_code == 200
    with db.read() as tx:
        before = tx.all("SELECT * FROM cells ORDER BY device_id")
    assert enrollment.retire_device(db, a.device_id, "sent false counts", now=clock(), actor="t")
    assert total(db) == 20
    r = a.put(a.body(revision=2, cells=CELL))
    assert (r.status_code, r.json()["error"]) == (403, "retired")
    with pytest.raises(Refused):
        enrollment.retire_device(db, a.device_id, "again", now=clock(), actor="t")
    enrollment.unretire_device(db, a.device_id, now=clock(), actor="t")
    with db.read() as tx:
        assert tx.all("SELECT * FROM cells ORDER BY device_id") == before
        assert tx.scalar("SELECT COUNT(*) FROM cells_set_aside") == 0
        actions = [x for (x,) in tx.all("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-2:] == ["device_retired", "device_unretired"]
    assert a.put(a.body(revision=2, cells=CELL)).status_code == 200


@pytest.mark.parametrize(
    "device_id", ["dev_nosuchdevice", "'; DROP TABLE devices; --", "dev_\x00abc", "x" * 500]
)
def test_unknown_or_hostile_device_ids(db: Database, clock: Clock, device_id: str) -> None:
    for act in (
        lambda: enrollment.retire_device(db, device_id, "stolen", now=clock(), actor="t"),
        lambda: enrollment.unretire_device(db, device_id, now=clock(), actor="t"),
        lambda: enrollment.revoke_device(db, device_id, now=clock(), actor="t"),
        lambda: enrollment.issue_code(
            db, [SCHOOL], now=clock(), ttl_hours=1, actor="t", replaces=device_id
        ),
    ):
        with pytest.raises(NotFound):
            act()
    with db.read() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM enrollment_codes") == 0


@pytest.mark.parametrize("reason", ["", "x", "a\x00b", "y" * 201])
def test_a_retirement_needs_a_plain_reason(
    db: Database, client: TestClient, clock: Clock, reason: str
) -> None:
    dev = enroll(db, client, clock, (SCHOOL,))
    with pytest.raises(ConfigError, match="--reason"):
        enrollment.retire_device(db, dev.device_id, reason, now=clock(), actor="t")
