"""The device API, version 1 (``/api/v1``), as in docs/design/sync-protocol.md.

Stable; the sync client codes to it.

* ``GET  /api/v1/status`` → 200 ``{server_time, taxonomy_version, minimum_client_version,
  schema}``.
* ``POST /api/v1/enroll`` ``{code, device_public_key, app_version}`` (JSON, exactly these
  fields; ``device_public_key`` = base64 of the raw 32-byte Ed25519 key) → 200 ``{device_id,
  org_units, taxonomy_version, escrow_public_key, server_time}`` (``escrow_public_key``: base64
  of the county's raw 32-byte X25519 key for ``set_escrow_slot``, or null); 401 unknown, used or
  expired code;
  422 malformed body or key; 413 body > 64 KiB; 429 too many attempts (``Retry-After``).
* ``PUT /api/v1/counts/{org_unit}/{period}`` — body per ``clinician_desk.sync.wire``, headers per
  ``clinician_desk.sync.signing`` → 200 ``{status: "applied"|"duplicate", revision,
  server_time}``; 409 ``{error: "conflict"|"stale", stored_revision}``; 423 ``locked``; 422
  ``{error: "invalid", problems: [...]}``; 413; 401 ``{error, detail, server_time}`` (bad or
  missing signature, unknown device, clock skew > 10 min); 403 ``revoked`` or ``retired``; 422
  also for an org unit outside the directory or the enrollment, a period before the history
  horizon or after the current month, a ``generated_at`` that is not a real UTC time or lies in
  the future, an unknown taxonomy version (each a line of ``problems``); 429 with
  ``Retry-After``. A request repeated with the same ``Idempotency-Key`` inside 20 minutes gets
  the first answer again (header ``Idempotent-Replayed: true``) and changes nothing.
* ``POST /api/v1/anchors`` ``{anchor}`` (signed like counts) → 200 ``{position, result:
  "stored"|"duplicate", server_time}``; ``GET /api/v1/anchors`` (signed, empty body) → 200
  ``{anchors: [{position, anchor, received_on}], server_time}`` — the device's own audit anchors
  in order (``county_server.anchors``; docs/design/tamper-evidence.md).

Every error body is ``{error, detail, server_time, problems?, stored_revision?}``. 503 (with
``Retry-After``) is answered only when the database is unreachable.
"""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from clinician_desk.sync.signing import SignatureError, decode_public_key
from clinician_desk.sync.wire import (
    INSTRUMENTS,
    MAX_BODY_BYTES,
    MAX_VALUE,
    MEASURES,
    SCHEMA,
    WireError,
    loads_strict,
)
from county_server import anchors, enrollment
from county_server.context import ServerContext
from county_server.db import now_iso
from county_server.errors import ConfigError
from county_server.ingest import Answer, SignedEndpoint, error, receive_counts


class ErrorBody(BaseModel):
    error: str
    detail: str
    server_time: str
    problems: list[str] | None = None
    stored_revision: int | None = None


class StatusBody(BaseModel):
    server_time: str
    taxonomy_version: str
    minimum_client_version: str
    schema_: str = Field(alias="schema")

    model_config = {"populate_by_name": True}


class EnrollBody(BaseModel):
    device_id: str
    org_units: list[str]
    taxonomy_version: str
    escrow_public_key: str | None
    server_time: str


class CountsBody(BaseModel):
    status: str
    revision: int
    server_time: str


def _err(description: str, retry: bool = False) -> dict[str, Any]:
    doc: dict[str, Any] = {"model": ErrorBody, "description": description}
    if retry:
        doc["headers"] = {
            "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
        }
    return doc


UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: _err("the database is unreachable; try later", retry=True)
}
TOO_LARGE: dict[int | str, dict[str, Any]] = {413: _err("body larger than 64 KiB")}
LIMITED: dict[int | str, dict[str, Any]] = {429: _err("too many requests", retry=True)}

SNAPSHOT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "schema",
        "device_id",
        "org_unit",
        "period",
        "revision",
        "taxonomy_version",
        "generated_at",
        "cells",
    ],
    "properties": {
        "schema": {"type": "string", "enum": [SCHEMA]},
        "device_id": {"type": "string", "pattern": "^dev_[A-Za-z0-9_-]{8,64}$"},
        "org_unit": {"type": "string", "pattern": "^[0-9]{14}$"},
        "period": {"type": "string", "pattern": "^20[0-9]{2}-(0[1-9]|1[0-2])$"},
        "revision": {"type": "integer", "minimum": 1},
        "taxonomy_version": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,32}$"},
        "generated_at": {
            "type": "string",
            "pattern": "^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z$",
        },
        "cells": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["measure", "dimensions", "value"],
                "properties": {
                    "measure": {"type": "string", "enum": list(MEASURES)},
                    "value": {"type": "integer", "minimum": 0, "maximum": MAX_VALUE},
                    "dimensions": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "service": {"type": "string"},
                            "tier": {"type": "integer", "enum": [1, 2, 3]},
                            "grade_band": {"type": "string", "enum": ["TK-5", "6-8", "9-12"]},
                            "instrument": {"type": "string", "enum": list(INSTRUMENTS)},
                        },
                    },
                },
            },
        },
    },
}
ENROLL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["code", "device_public_key", "app_version"],
    "properties": {
        "code": {"type": "string", "pattern": "^[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}$"},
        "device_public_key": {
            "type": "string",
            "pattern": "^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$",
            "description": "standard base64 of the raw 32-byte Ed25519 public key",
        },
        "app_version": {"type": "string", "pattern": "^[0-9A-Za-z.+-]{1,32}$"},
    },
}
SIGNED_HEADERS = [
    {
        "name": n,
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": "required for acceptance; see clinician_desk.sync.signing",
    }
    for n in ("Content-Digest", "Idempotency-Key", "Signature-Input", "Signature")
]


def answer_response(answer: Answer) -> JSONResponse:
    return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)


async def read_limited(request: Request) -> bytes | None:
    """The body, or None when it exceeds 64 KiB (checked on the header and while reading)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > MAX_BODY_BYTES:
                return None
        except ValueError:
            return None
    if declared is not None:
        body = await request.body()
        return body if len(body) <= MAX_BODY_BYTES else None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def serve_signed(
    ctx: ServerContext, request: Request, endpoint: SignedEndpoint, *, with_body: bool = True
) -> JSONResponse:
    """The route side every signed device endpoint but the counts upload shares: the client's
    rate limit (429 with Retry-After), the 64 KiB body limit (413), then ``endpoint`` (made
    with ``ingest.signed_endpoint``) on the database worker."""
    now = ctx.settings.now()
    key = client_key(request)
    if not ctx.client_limiter.allow(key):
        retry = ctx.client_limiter.retry_after(key)
        ans = error(429, "rate_limited", f"too many requests; retry after {retry} s", now)
        ans.headers["Retry-After"] = str(retry)
        return answer_response(ans)
    body = b""
    if with_body:
        read = await read_limited(request)
        if read is None:
            return answer_response(error(413, "too_large", "body larger than 64 KiB", now))
        body = read
    path = _raw_path(request)
    answer = await ctx.run_db(
        lambda: endpoint(
            ctx.db,
            path=path,
            body=body,
            headers=request.headers,
            now=now,
            max_skew=ctx.settings.max_skew_seconds,
        )
    )
    return answer_response(answer)


def build_router(ctx: ServerContext) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["device API"])

    def limited(limiter: Any, key: str) -> JSONResponse | None:
        if limiter.allow(key):
            return None
        retry = limiter.retry_after(key)
        ans = error(
            429, "rate_limited", f"too many requests; retry after {retry} s", ctx.settings.now()
        )
        ans.headers["Retry-After"] = str(retry)
        return answer_response(ans)

    def device_gate(device_id: str) -> Answer | None:
        if ctx.device_limiter.allow(device_id):
            return None
        retry = ctx.device_limiter.retry_after(device_id)
        ans = error(
            429, "rate_limited", f"too many requests; retry after {retry} s", ctx.settings.now()
        )
        ans.headers["Retry-After"] = str(retry)
        return ans

    @router.get("/status", response_model=StatusBody, responses={**LIMITED, **UNAVAILABLE})
    def status(request: Request) -> Any:
        if (r := limited(ctx.client_limiter, client_key(request))) is not None:
            return r
        return JSONResponse(
            {
                "server_time": now_iso(ctx.settings.now()),
                "taxonomy_version": ctx.taxonomy.version,
                "minimum_client_version": ctx.settings.minimum_client_version,
                "schema": SCHEMA,
            }
        )

    @router.post(
        "/enroll",
        response_model=EnrollBody,
        responses={
            401: _err("unknown, used or expired enrollment code"),
            422: _err("malformed body, key or version"),
            **TOO_LARGE,
            **LIMITED,
            **UNAVAILABLE,
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ENROLL_SCHEMA}},
            }
        },
    )
    async def enroll(request: Request) -> Any:
        now = ctx.settings.now()
        if (r := limited(ctx.enroll_limiter, client_key(request))) is not None:
            return r
        body = await read_limited(request)
        if body is None:
            return answer_response(error(413, "too_large", "body larger than 64 KiB", now))
        try:
            data = loads_strict(body)
        except WireError as exc:
            return answer_response(
                error(422, "invalid", "malformed JSON", now, problems=exc.problems)
            )
        problems = []
        if not isinstance(data, dict):
            problems.append("body: must be a JSON object")
        else:
            extra = set(data) - {"code", "device_public_key", "app_version"}
            if extra:
                problems.append(
                    "body: unknown field(s) " + ", ".join(sorted(map(repr, extra)))[:200]
                )
            for name in ("code", "device_public_key", "app_version"):
                if not isinstance(data.get(name), str):
                    problems.append(f"{name}: required string")
        if problems:
            return answer_response(
                error(422, "invalid", "malformed enrollment request", now, problems=problems)
            )
        try:
            raw_key = decode_public_key(data["device_public_key"])
        except SignatureError as exc:
            return answer_response(error(422, "invalid", str(exc), now, problems=[str(exc)]))
        pub_text = base64.b64encode(raw_key).decode()
        return await ctx.run_db(_enroll_tx, ctx, data, pub_text, raw_key, now)

    @router.put(
        "/counts/{org_unit}/{period}",
        response_model=CountsBody,
        responses={
            401: _err("bad or missing signature, unknown device, or clock skew > 10 min"),
            403: _err("device revoked or retired by the county"),
            409: _err("conflict (same revision, other content) or stale (lower revision)"),
            422: _err(
                "invalid body, unknown measure/code, org unit not in the directory or the "
                "enrollment, period outside the history horizon or in the future, generated_at "
                "not a real UTC time or in the future, unknown taxonomy version"
            ),
            423: _err("period closed by the county"),
            **TOO_LARGE,
            **LIMITED,
            **UNAVAILABLE,
        },
        openapi_extra={
            "parameters": SIGNED_HEADERS,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": SNAPSHOT_SCHEMA}},
            },
        },
    )
    async def put_counts(
        request: Request,
        org_unit: str = PathParam(..., pattern=r"^[0-9]{14}$", description="14-digit CDS code"),
        period: str = PathParam(
            ..., pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$", description="YYYY-MM"
        ),
    ) -> Any:
        now = ctx.settings.now()
        if (r := limited(ctx.client_limiter, client_key(request))) is not None:
            return r
        body = await read_limited(request)
        if body is None:
            return answer_response(error(413, "too_large", "body larger than 64 KiB", now))
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        path = raw_path.decode("latin-1").split("?", 1)[0]
        answer = await ctx.run_db(
            lambda: receive_counts(
                ctx.db,
                method="PUT",
                path=path,
                org_unit=org_unit,
                period=period,
                body=body,
                headers=request.headers,
                now=now,
                max_skew=ctx.settings.max_skew_seconds,
                replay_window=ctx.settings.replay_window_seconds,
                service_codes=ctx.taxonomy.codes,
                device_gate=device_gate,
                taxonomy_versions=ctx.taxonomy.versions,
                history_years=ctx.settings.history_years,
            )
        )
        return answer_response(answer)

    @router.post(
        "/anchors",
        responses={401: _err("bad signature"), 403: _err("revoked"), 422: _err("invalid")},
        openapi_extra={"parameters": SIGNED_HEADERS},
    )
    async def post_anchor(request: Request) -> Any:
        return await serve_signed(ctx, request, anchors.receive_anchor)

    @router.get(
        "/anchors",
        responses={401: _err("bad signature"), 403: _err("revoked")},
        openapi_extra={"parameters": SIGNED_HEADERS},
    )
    async def get_anchors(request: Request) -> Any:
        return await serve_signed(ctx, request, anchors.list_anchors, with_body=False)

    async def anchors_other(request: Request) -> Any:
        """Append-only: no other method; the 405 names both that exist (GET and POST)."""
        ans = error(405, "method_not_allowed", "Method Not Allowed", ctx.settings.now())
        ans.headers["Allow"] = "GET, POST"
        return answer_response(ans)

    # One route per refused method, each with its own operation id (a route serving several
    # methods shares one id among them, a duplicate in any OpenAPI document that lists it).
    for method in ("PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"):
        router.add_api_route(
            "/anchors",
            anchors_other,
            methods=[method],
            include_in_schema=False,
            operation_id=f"anchors_{method.lower()}_refused",
        )

    return router


def _raw_path(request: Request) -> str:
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    return str(raw_path.decode("latin-1").split("?", 1)[0])


def _enroll_tx(
    ctx: ServerContext, data: dict[str, Any], pub_text: str, raw_key: bytes, now: Any
) -> JSONResponse:
    try:
        with ctx.db.transaction() as tx:
            done = enrollment.redeem(tx, data["code"], pub_text, raw_key, data["app_version"], now)
            escrow = tx.scalar("SELECT value FROM meta WHERE key = 'escrow_public_key'")
    except enrollment.EnrollmentRefused as exc:
        return answer_response(error(401, "enrollment_refused", str(exc), now))
    except ConfigError as exc:
        return answer_response(error(422, "invalid", str(exc), now, problems=[str(exc)]))
    return JSONResponse(
        {
            "device_id": done.device_id,
            "org_units": done.org_units,
            "taxonomy_version": ctx.taxonomy.version,
            "escrow_public_key": escrow,
            "server_time": now_iso(now),
        }
    )


def plain(status: int, text: str) -> Response:
    return Response(text, status_code=status, media_type="text/plain")
