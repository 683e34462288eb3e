"""The handoff-keys registry (``/api/v1/handoff-keys``): colleagues find each other's public
handoff card by name and school (docs/design/handoff.md, "Finding a colleague").

* ``PUT /api/v1/handoff-keys`` — signed like a counts upload (``ingest.authenticate``: signature,
  clock, enrolled, not revoked or retired). Body, exactly these fields::

      {"name": "...", "credential": "...", "schools": ["<14 digits>", ...],
       "x25519": "<base64url, 32 bytes>", "ed25519": "<base64url, 32 bytes>",
       "proof": "<base64url Ed25519 signature, 64 bytes>"}

  ``proof`` is the card's own Ed25519 signature over ``handoff_wire.proof_message`` (a label,
  the signing device's id, a NUL and the canonical JSON of the other fields): a device can
  publish only a card whose private key its vault holds, and only under its own device id — a
  colleague's card copied and re-sent is refused (401), and a proof made for another device
  does not verify either. Every school must be one the device is enrolled for (or a school of
  its enrolled district) and in the directory. A second PUT replaces the device's card. → 200
  ``{result: "stored"|"unchanged", server_time}``; 401; 403 revoked/retired; 409 the same keys
  are published by another enrolled device; 413; 422 ``{problems}``.
* ``POST /api/v1/handoff-keys/search`` — signed the same way; body ``{"name"?: str, "school"?:
  "<14 digits>"}`` (at least one) → 200 ``{cards: [{name, credential, schools, x25519, ed25519,
  published_on}], server_time}``: cards of enrolled, non-revoked, non-retired devices whose name
  contains ``name`` (case- and accent-blind is not claimed: case-blind, spacing-blind) and that
  list ``school``; at most ``MAX_RESULTS``. The server computes no trust: the laptop shows the
  card's fingerprint (computed locally from the keys) and keeps it only after it was read aloud.

Nothing here holds student data; names and codes are never logged.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from fastapi import APIRouter, Request

from clinician_desk.sync.handoff_wire import FIELDS, proof_message
from clinician_desk.sync.wire import WireError, loads_strict
from county_server.api import (
    LIMITED,
    TOO_LARGE,
    UNAVAILABLE,
    _err,
    serve_signed,
)
from county_server.context import ServerContext
from county_server.db import Tx, now_iso
from county_server.ingest import Answer, Signed, error, signed_endpoint

NAME_LIMIT = 120
CREDENTIAL_LIMIT = 40
MAX_SCHOOLS = 50
MAX_RESULTS = 50


def name_key(name: str) -> str:
    """The form names are matched in: case-folded, runs of spaces as one."""
    return " ".join(name.casefold().split())


def _unb64(text: Any, size: int) -> bytes | None:
    if not isinstance(text, str) or len(text) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != size or base64.urlsafe_b64encode(raw).decode().rstrip("=") != text:
        return None
    return raw


def _text(value: Any, what: str, limit: int, problems: list[str], *, empty: bool) -> str:
    if not isinstance(value, str):
        problems.append(f"{what}: required string")
        return ""
    clean = " ".join(value.split())
    if len(value) > 4 * limit:
        problems.append(f"{what}: at most {limit} characters")
    elif not all(ch.isprintable() or ch == " " for ch in value):
        problems.append(f"{what}: control characters are not allowed")
    elif len(clean) > limit:
        problems.append(f"{what}: at most {limit} characters")
    elif not clean and not empty:
        problems.append(f"{what}: must not be empty")
    return clean


def check_card(data: Any) -> tuple[dict[str, Any], bytes, bytes, bytes, list[str]]:
    """(clean fields, x25519, ed25519, proof, problems)."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return {}, b"", b"", b"", ["body: must be a JSON object"]
    extra = set(data) - {*FIELDS, "proof"}
    if extra:
        problems.append("body: unknown field(s) " + ", ".join(sorted(map(repr, extra)))[:200])
    name = _text(data.get("name"), "name", NAME_LIMIT, problems, empty=False)
    credential = _text(data.get("credential"), "credential", CREDENTIAL_LIMIT, problems, empty=True)
    schools = data.get("schools")
    if (
        not isinstance(schools, list)
        or not schools
        or len(schools) > MAX_SCHOOLS
        or not all(
            isinstance(s, str) and len(s) == 14 and s.isdigit() and s.isascii() for s in schools
        )
    ):
        problems.append(f"schools: a list of 1–{MAX_SCHOOLS} 14-digit CDS codes")
        schools = []
    x = _unb64(data.get("x25519"), 32)
    ed = _unb64(data.get("ed25519"), 32)
    proof = _unb64(data.get("proof"), 64)
    if x is None:
        problems.append("x25519: base64url (no padding) of a 32-byte X25519 public key")
    if ed is None:
        problems.append("ed25519: base64url (no padding) of a 32-byte Ed25519 public key")
    if proof is None:
        problems.append("proof: base64url (no padding) of a 64-byte Ed25519 signature")
    if x is not None and ed is not None:
        try:
            X25519PublicKey.from_public_bytes(x)
            Ed25519PublicKey.from_public_bytes(ed)
        except ValueError:
            problems.append("x25519/ed25519: not valid public keys")
    fields = {
        "name": name,
        "credential": credential,
        "schools": sorted(set(schools)),
        "x25519": data.get("x25519"),
        "ed25519": data.get("ed25519"),
    }
    return fields, x or b"", ed or b"", proof or b"", problems


def _publish(signed: Signed) -> Answer:
    tx, req, body, now = signed.tx, signed.req, signed.body, signed.now
    units_json = signed.units_json
    try:
        data = loads_strict(body)
    except WireError as exc:
        return error(422, "invalid", "malformed JSON", now, problems=exc.problems)
    fields, _x, ed, proof, problems = check_card(data)
    if problems:
        return error(422, "invalid", "the handoff card is invalid", now, problems=problems)
    try:
        Ed25519PublicKey.from_public_bytes(ed).verify(proof, proof_message(req.keyid, data))
    except InvalidSignature:
        return error(
            401,
            "bad_proof",
            "the card's proof does not verify for this device: a device publishes only its "
            "own vault's card",
            now,
        )
    units = json.loads(units_json)
    outside = [s for s in fields["schools"] if s not in units and f"{s[:7]}0000000" not in units]
    unknown = [
        s for s in fields["schools"] if tx.one("SELECT 1 FROM schools WHERE code = ?", (s,)) is None
    ]
    if outside or unknown:
        problems = [f"schools: {s} is not one this device is enrolled for" for s in outside]
        problems += [f"schools: {s} is not in the county's directory" for s in unknown]
        return error(422, "invalid", "a school is not allowed", now, problems=problems[:20])
    other = tx.one(
        "SELECT k.device_id FROM handoff_keys k JOIN devices d ON d.device_id = k.device_id"
        " WHERE k.ed25519 = ? AND k.device_id <> ? AND d.revoked_at IS NULL"
        " AND d.retired_at IS NULL",
        (fields["ed25519"], req.keyid),
    )
    if other is not None:
        return error(409, "conflict", "this card is published by another enrolled device", now)
    result = _store(tx, req.keyid, fields, now)
    return Answer(200, {"result": result, "server_time": now_iso(now)})


publish = signed_endpoint("PUT", _publish)


def _store(tx: Tx, device_id: str, fields: dict[str, Any], now: datetime) -> str:
    row = tx.one(
        "SELECT name, credential, x25519, ed25519 FROM handoff_keys WHERE device_id = ?",
        (device_id,),
    )
    schools = [
        str(r[0])
        for r in tx.all(
            "SELECT school FROM handoff_key_schools WHERE device_id = ? ORDER BY school",
            (device_id,),
        )
    ]
    new = (fields["name"], fields["credential"], fields["x25519"], fields["ed25519"])
    if row is not None and tuple(row) == new and schools == fields["schools"]:
        return "unchanged"
    tx.execute("DELETE FROM handoff_key_schools WHERE device_id = ?", (device_id,))
    tx.execute("DELETE FROM handoff_keys WHERE device_id = ?", (device_id,))
    tx.execute(
        "INSERT INTO handoff_keys (device_id, name, name_key, credential, x25519, ed25519,"
        " published_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (device_id, fields["name"], name_key(fields["name"]), *new[1:], now_iso(now)),
    )
    tx.executemany(
        "INSERT INTO handoff_key_schools (device_id, school) VALUES (?, ?)",
        [(device_id, s) for s in fields["schools"]],
    )
    return "stored"


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search(signed: Signed) -> Answer:
    tx, body, now = signed.tx, signed.body, signed.now
    try:
        data = loads_strict(body)
    except WireError as exc:
        return error(422, "invalid", "malformed JSON", now, problems=exc.problems)
    problems: list[str] = []
    if not isinstance(data, dict):
        data = {}
        problems.append("body: must be a JSON object")
    extra = set(data) - {"name", "school"}
    if extra:
        problems.append("body: unknown field(s) " + ", ".join(sorted(map(repr, extra)))[:200])
    name = None
    if data.get("name") is not None:
        name = _text(data["name"], "name", NAME_LIMIT, problems, empty=False)
    school = data.get("school")
    if school is not None and not (
        isinstance(school, str) and len(school) == 14 and school.isdigit() and school.isascii()
    ):
        problems.append("school: a 14-digit CDS code")
    if not problems and not name and school is None:
        problems.append("body: give name, school or both")
    if problems:
        return error(422, "invalid", "the lookup is invalid", now, problems=problems)
    sql = (
        "SELECT k.device_id, k.name, k.credential, k.x25519, k.ed25519, k.published_at"
        " FROM handoff_keys k JOIN devices d ON d.device_id = k.device_id"
        " WHERE d.revoked_at IS NULL AND d.retired_at IS NULL"
    )
    params: list[Any] = []
    if name:
        sql += " AND k.name_key LIKE ? ESCAPE '\\'"
        params.append(_like(name_key(name)))
    if school is not None:
        sql += (
            " AND EXISTS (SELECT 1 FROM handoff_key_schools s"
            " WHERE s.device_id = k.device_id AND s.school = ?)"
        )
        params.append(school)
    sql += " ORDER BY k.name_key, k.device_id LIMIT ?"
    params.append(MAX_RESULTS)
    cards: list[dict[str, Any]] = []
    for row in tx.all(sql, tuple(params)):
        schools = [
            str(r[0])
            for r in tx.all(
                "SELECT school FROM handoff_key_schools WHERE device_id = ? ORDER BY school",
                (row[0],),
            )
        ]
        cards.append(
            {
                "name": str(row[1]),
                "credential": str(row[2]),
                "schools": schools,
                "x25519": str(row[3]),
                "ed25519": str(row[4]),
                "published_on": str(row[5])[:10],
            }
        )
    return Answer(200, {"cards": cards, "server_time": now_iso(now)})


search = signed_endpoint("POST", _search)


def build_router(ctx: ServerContext) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["device API"])
    signed = {
        "parameters": [
            {"name": n, "in": "header", "required": False, "schema": {"type": "string"}}
            for n in ("Content-Digest", "Idempotency-Key", "Signature-Input", "Signature")
        ]
    }

    @router.put(
        "/handoff-keys",
        responses={
            401: _err("bad signature or card proof"),
            403: _err("device revoked or retired"),
            409: _err("card published by another enrolled device"),
            422: _err("invalid card"),
            **TOO_LARGE,
            **LIMITED,
            **UNAVAILABLE,
        },
        openapi_extra=signed,
    )
    async def put_card(request: Request) -> Any:
        return await serve_signed(ctx, request, publish)

    @router.post(
        "/handoff-keys/search",
        responses={
            401: _err("bad signature"),
            403: _err("device revoked or retired"),
            422: _err("invalid lookup"),
            **TOO_LARGE,
            **LIMITED,
            **UNAVAILABLE,
        },
        openapi_extra=signed,
    )
    async def search_cards(request: Request) -> Any:
        return await serve_signed(ctx, request, search)

    return router
