"""The anchors endpoint: append-only per device, in order, opaque to the server; bad input is
refused and stores nothing — on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import os

from fastapi.testclient import TestClient

from clinician_desk.storage import anchors as local
from clinician_desk.sync.signing import sign_request
from clinician_desk.sync.wire import canonical_json
from county_server.db import Database

from .conftest import SCHOOL, Device, enroll

PATH = "/api/v1/anchors"


def _anchor(device_id: str, audit_id: int) -> str:
    key = local.anchor_key(os.urandom(32), device_id)
    return local.seal(key, device_id, audit_id, os.urandom(32).hex())


def _post(device: Device, body: bytes, *, key: str | None = None, signer: Device | None = None):  # type: ignore[no-untyped-def]
    who = signer or device
    headers = sign_request(
        "POST",
        PATH,
        body,
        device_id=who.device_id,
        private_key=who.key,
        created=int(device.clock().timestamp()),
        idempotency_key=key,
    )
    headers["Content-Type"] = "application/json"
    return device.client.post(PATH, content=body, headers=headers)


def _get(device: Device):  # type: ignore[no-untyped-def]
    headers = sign_request(
        "GET",
        PATH,
        b"",
        device_id=device.device_id,
        private_key=device.key,
        created=int(device.clock().timestamp()),
    )
    return device.client.get(PATH, headers=headers)


def _rows(db: Database) -> list[tuple[object, ...]]:
    with db.read() as tx:
        return tx.all("SELECT * FROM audit_anchors ORDER BY device_id, position")


def test_anchors_are_kept_in_order_per_device(
    device: Device, db: Database, client: TestClient
) -> None:
    sent = [_anchor(device.device_id, n) for n in (5, 9, 9)]
    for i, text in enumerate(sent, start=1):
        r = _post(device, json.dumps({"anchor": text}).encode())
        assert r.status_code == 200, r.text
        assert r.json()["position"] == i and r.json()["result"] == "stored"
    other = enroll(db, client, device.clock)
    assert (
        _post(other, json.dumps({"anchor": _anchor(other.device_id, 1)}).encode()).json()[
            "position"
        ]
        == 1
    )
    listed = _get(device).json()["anchors"]
    assert [a["anchor"] for a in listed] == sent  # only this device's, in order
    assert [a["position"] for a in listed] == [1, 2, 3]
    assert {a["received_on"] for a in listed} == {"2026-10-05"}  # the day, no finer
    # What the server holds per row: opaque text, an idempotency key, the day. No ids, counts.
    row = _rows(db)[0]
    assert len(row) == 5 and "T" not in str(row[4])


def test_a_resent_request_is_stored_once(device: Device, db: Database) -> None:
    body = json.dumps({"anchor": _anchor(device.device_id, 3)}).encode()
    first = _post(device, body, key="same-key-for-retry-0001")
    again = _post(device, body, key="same-key-for-retry-0001")
    assert first.json()["position"] == again.json()["position"] == 1
    assert again.json()["result"] == "duplicate"
    assert len(_rows(db)) == 1


def test_bad_anchors_are_refused_and_store_nothing(device: Device, db: Database) -> None:
    good = _anchor(device.device_id, 1)
    for body in (
        b"not json",
        b"[]",
        json.dumps({"anchor": good, "count": 3}).encode(),
        json.dumps({"anchor": good[:-4]}).encode(),
        json.dumps({"anchor": "!" * 92}).encode(),
        json.dumps({"anchor": base64.b64encode(b"x" * 69).decode()[:92]}).encode(),
        json.dumps({"anchor": 7}).encode(),
    ):
        r = _post(device, body)
        assert r.status_code == 422, (body, r.text)
    assert _rows(db) == []


def test_unsigned_or_foreign_signatures_are_refused(
    device: Device, db: Database, client: TestClient
) -> None:
    body = json.dumps({"anchor": _anchor(device.device_id, 1)}).encode()
    assert client.post(PATH, content=body).status_code == 401
    assert client.get(PATH).status_code == 401
    intruder = enroll(db, client, device.clock)
    forged = sign_request(
        "POST",
        PATH,
        body,
        device_id=device.device_id,
        private_key=intruder.key,
        created=int(device.clock().timestamp()),
    )
    assert client.post(PATH, content=body, headers=forged).status_code == 401
    assert _rows(db) == []


def test_other_methods_on_anchors_get_405_and_distinct_operation_ids(client: TestClient) -> None:
    """Each refused method is its own route with its own operation id, so an OpenAPI document
    listing every route (as the fuzzing tests build it) has no duplicate operation ids."""
    import warnings

    from fastapi.openapi.utils import get_openapi
    from fastapi.routing import APIRoute

    for method in ("PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"):
        r = client.request(method, "/api/v1/anchors")
        assert r.status_code == 405, method
        assert r.headers["Allow"] == "GET, POST"
    routes = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        included = getattr(route, "original_router", None)
        for sub in included.routes if included is not None else [route]:
            if isinstance(sub, APIRoute) and sub.path.startswith("/api/"):
                sub.include_in_schema = True  # as the fuzzing tests list them
                routes.append(sub)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = get_openapi(title="t", version="0", routes=routes)
    assert [str(w.message) for w in caught if "Duplicate" in str(w.message)] == []
    assert "/api/v1/anchors" in doc["paths"]


# -- the anchor carried on a counts PUT (signed Audit-Anchor header) ---------------------------


def _anchored_put(  # type: ignore[no-untyped-def]
    device: Device,
    text: str,
    *,
    revision: int = 1,
    key: str | None = None,
    change: dict[str, str] | None = None,
    unsigned: bool = False,
):
    raw = canonical_json(device.body(revision=revision))
    path = f"/api/v1/counts/{SCHOOL}/2026-09"
    headers = sign_request(
        "PUT",
        path,
        raw,
        device_id=device.device_id,
        private_key=device.key,
        created=int(device.clock().timestamp()),
        idempotency_key=key,
        anchor=None if unsigned else text,
    )
    if unsigned:
        headers["Audit-Anchor"] = text  # added after signing, not covered
    headers.update(change or {})
    headers["Content-Type"] = "application/json"
    return device.client.put(path, content=raw, headers=headers)


def _snapshots(db: Database) -> int:
    with db.read() as tx:
        return int(tx.scalar("SELECT COUNT(*) FROM snapshots"))


def test_an_anchor_carried_on_a_counts_put_is_stored_with_the_counts(
    device: Device, db: Database
) -> None:
    text = _anchor(device.device_id, 4)
    r = _anchored_put(device, text)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "applied" and r.json()["anchor_position"] == 1
    assert [a["anchor"] for a in _get(device).json()["anchors"]] == [text]
    # A later POST (a round with nothing to PUT) comes next, in order.
    after = _anchor(device.device_id, 5)
    assert _post(device, json.dumps({"anchor": after}).encode()).json()["position"] == 2
    assert [a["anchor"] for a in _get(device).json()["anchors"]] == [text, after]


def test_a_resent_anchored_put_stores_its_anchor_once(device: Device, db: Database) -> None:
    text = _anchor(device.device_id, 4)
    first = _anchored_put(device, text, key="anchored-put-retry-0001")
    again = _anchored_put(device, text, key="anchored-put-retry-0001")
    assert first.json()["anchor_position"] == again.json()["anchor_position"] == 1
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(_rows(db)) == 1
    # The same Idempotency-Key with another anchor is a different request: refused.
    other = _anchored_put(device, _anchor(device.device_id, 4), key="anchored-put-retry-0001")
    assert other.status_code == 422 and "anchor" in other.json()["detail"]
    assert len(_rows(db)) == 1


def test_a_tampered_or_unsigned_anchor_header_is_refused_and_nothing_is_stored(
    device: Device, db: Database
) -> None:
    text = _anchor(device.device_id, 4)
    swapped = _anchor(device.device_id, 9)
    tampered = _anchored_put(device, text, change={"Audit-Anchor": swapped})
    assert tampered.status_code == 401
    assert tampered.json()["detail"] == "signature does not verify"
    unsigned = _anchored_put(device, text, unsigned=True)
    assert unsigned.status_code == 401
    assert "not covered by the signature" in unsigned.json()["detail"]
    garbled = _anchored_put(device, text, change={"Audit-Anchor": "!" * 92})
    assert garbled.status_code == 401 and "92 characters" in garbled.json()["detail"]
    # The five-component profile without the header: refused too.
    stripped = _anchored_put(device, text)
    assert stripped.status_code == 200
    bare = device.client.put(
        f"/api/v1/counts/{SCHOOL}/2026-09",
        content=canonical_json(device.body(revision=2)),
        headers={
            k: v
            for k, v in sign_request(
                "PUT",
                f"/api/v1/counts/{SCHOOL}/2026-09",
                canonical_json(device.body(revision=2)),
                device_id=device.device_id,
                private_key=device.key,
                created=int(device.clock().timestamp()),
                anchor=text,
            ).items()
            if k != "Audit-Anchor"
        },
    )
    assert bare.status_code == 401 and "no such header" in bare.json()["detail"]
    # Only the one good request was stored: one anchor, revision 1 of the counts.
    assert [r[2] for r in _rows(db)] == [text]
    assert _snapshots(db) == 1
    # The anchors endpoint takes its anchor in the body, never in the header.
    body = json.dumps({"anchor": text}).encode()
    headers = sign_request(
        "POST",
        PATH,
        body,
        device_id=device.device_id,
        private_key=device.key,
        created=int(device.clock().timestamp()),
        anchor=text,
    )
    assert device.client.post(PATH, content=body, headers=headers).status_code == 422
    assert len(_rows(db)) == 1


def test_a_retired_device_cannot_anchor_on_a_put(
    device: Device, db: Database, client: TestClient
) -> None:
    from county_server import enrollment

    enrollment.retire_device(
        db, device.device_id, "laptop reported stolen", now=device.clock(), actor="t"
    )
    r = _anchored_put(device, _anchor(device.device_id, 4))
    assert r.status_code == 403
    assert _rows(db) == []
