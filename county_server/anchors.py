"""Audit anchors from devices: append one per signed request, list a device's own, in order.

An anchor normally travels in the ``Audit-Anchor`` header of a round's last counts ``PUT``,
covered by that request's signature (``clinician_desk.sync.signing``);
``ingest.receive_counts`` stores it through ``anchor_store.append`` in the PUT's own
transaction. ``receive_anchor`` (``POST /api/v1/anchors``) serves the rounds that have nothing
to PUT and clients from before the header: it checks the request like a counts upload
(signature, clock, enrolled, not revoked — ``ingest.authenticate``), validates the body
``{"anchor": "<92 base64 chars>"}`` and appends it at the device's next position; a repeated
Idempotency-Key is answered with the position already stored (nothing added). ``list_anchors``
answers a signed ``GET`` with the device's anchors. The anchors are opaque to the server:
sealed under a key derived from the laptop's data key, they hold no content, id or count it
could read.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from clinician_desk.sync.wire import WireError, loads_strict
from county_server.anchor_store import append
from county_server.db import now_iso
from county_server.ingest import Answer, Signed, error, signed_endpoint

ANCHOR_CHARS = 92
ANCHOR_BYTES = 68
MAX_LISTED = 10_000


def _anchor_of(body: bytes) -> str | None:
    try:
        data = loads_strict(body)
    except WireError:
        return None
    if not isinstance(data, dict) or set(data) != {"anchor"}:
        return None
    text = data["anchor"]
    if not isinstance(text, str) or len(text) != ANCHOR_CHARS:
        return None
    try:
        if len(base64.b64decode(text, validate=True)) != ANCHOR_BYTES:
            return None
    except (binascii.Error, ValueError):
        return None
    return text


def _receive_anchor(signed: Signed) -> Answer:
    now, req = signed.now, signed.req
    text = _anchor_of(signed.body)
    if req.anchor is not None:
        return error(
            422,
            "invalid",
            "this endpoint takes the anchor in its body, not in an Audit-Anchor header",
            now,
            problems=["Audit-Anchor: not accepted on POST /api/v1/anchors"],
        )
    if text is None:
        return error(
            422,
            "invalid",
            "the anchor is invalid",
            now,
            problems=['body: must be {"anchor": <92 characters of base64>}'],
        )
    position, stored = append(signed.tx, req.keyid, text, req.idempotency_key, now)
    result = "stored" if stored else "duplicate"
    return Answer(200, {"position": position, "result": result, "server_time": now_iso(now)})


receive_anchor = signed_endpoint("POST", _receive_anchor)


def _list_anchors(signed: Signed) -> Answer:
    rows = signed.tx.all(
        "SELECT position, anchor, received_on FROM audit_anchors WHERE device_id = ?"
        " ORDER BY position LIMIT ?",
        (signed.req.keyid, MAX_LISTED),
    )
    anchors: list[dict[str, Any]] = [
        {"position": int(r[0]), "anchor": str(r[1]), "received_on": str(r[2])} for r in rows
    ]
    return Answer(200, {"anchors": anchors, "server_time": now_iso(signed.now)})


list_anchors = signed_endpoint("GET", _list_anchors)
