"""The ASGI application: ``create_app(db, settings)`` wires the device API, the dashboard and
the static files, and the error handlers that keep every answer a documented one.

Unexpected exceptions are logged (no request body, no payload values) and answered 503 with
``Retry-After`` — a last resort documented in the OpenAPI; the handlers above it answer every
known failure with its own 4xx.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from county_server import __version__, api, handoff_keys
from county_server.context import ServerContext
from county_server.db import Database, now_iso
from county_server.hygiene import ControlCharacterGuard
from county_server.settings import ServerSettings

log = logging.getLogger("county_server")
STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(
    db: Database, settings: ServerSettings | None = None, *, include_web: bool = True
) -> FastAPI:
    ctx = ServerContext(db=db, settings=settings or ServerSettings())
    app = FastAPI(
        title="clinician-desk county server",
        version=__version__,
        description="Receives de-identified monthly service counts from enrolled laptops "
        "(protocol: docs/design/sync-protocol.md, version 1).",
        docs_url=None,
        redoc_url=None,
    )
    app.state.ctx = ctx
    app.include_router(api.build_router(ctx))
    app.include_router(handoff_keys.build_router(ctx))
    if include_web:
        from county_server.web import build_web_router

        app.include_router(build_web_router(ctx))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(ControlCharacterGuard, now=lambda: ctx.settings.now())
    if ctx.settings.read_only:
        _guard_read_only(app, include_web)

    def body(status: int, code: str, detail: str) -> dict[str, Any]:
        return {"error": code, "detail": detail, "server_time": now_iso(ctx.settings.now())}

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg', '')}"[:200]
            for e in exc.errors()
        ]
        data = body(422, "invalid", "the request is invalid")
        data["problems"] = problems
        return JSONResponse(data, status_code=422)

    def dashboard_error(request: Request, status: int) -> Response | None:
        """The dashboard's own HTML error page for a dashboard address; None for the API."""
        if not include_web or request.url.path.startswith(("/api/", "/openapi", "/static/")):
            return None
        from county_server.web_support import error_page

        return error_page(ctx, request, status)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        page = dashboard_error(request, exc.status_code)
        if page is not None:
            return page
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        return JSONResponse(
            body(exc.status_code, code, str(exc.detail)[:200]),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.error(
            "unexpected %s on %s %s", exc.__class__.__name__, request.method, request.url.path
        )
        page = dashboard_error(request, 500)
        if page is not None:
            return page
        return JSONResponse(
            body(503, "unavailable", "the server cannot answer now; try later"),
            status_code=503,
            headers={"Retry-After": "30"},
        )

    return app


# What a read-only serve still answers besides GET: signing in and out and a password change
# (their writes go to the primary, ``Database.open_read_only``) and an export (it reads).
READ_ONLY_POSTS = frozenset({"/login", "/logout", "/account/password", "/export"})


def _guard_read_only(app: FastAPI, include_web: bool) -> None:
    """``serve --read-only`` (decision 0154): the devices' API and every form that changes data
    answer 503 with a sentence, before any handler runs."""
    from starlette.concurrency import run_in_threadpool

    @app.middleware("http")
    async def read_only(request: Request, call_next: Any) -> Response:
        path = request.url.path
        api_call = path.startswith("/api/")
        changes = request.method not in ("GET", "HEAD") and path not in READ_ONLY_POSTS
        if not (api_call or changes):
            response: Response = await call_next(request)
            return response
        if include_web and not api_call:
            from county_server.web_support import error_page

            ctx = request.app.state.ctx
            page: Response = await run_in_threadpool(error_page, ctx, request, 503)
            return page
        detail = "this server only reads (serve --read-only); devices sync to the primary"
        return JSONResponse(
            {"error": "read_only", "detail": detail, "server_time": now_iso()}, status_code=503
        )
