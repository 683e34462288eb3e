"""Dashboard pages with side effects or admin rights: sync freshness (and revoking a device),
exports and the audit trail. Every POST checks the session's CSRF token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from clinician_desk.sync.wire import is_district_code
from county_server import audit, auth, enrollment, exports, orgunits, queries
from county_server.web_support import PageError, Web, secure_headers


def register(router: APIRouter, web: Web) -> None:
    ctx = web.ctx
    settings = web.settings
    render, page, check_csrf = web.render, web.page, web.check_csrf
    period_range, allowed_districts = web.period_range, web.allowed_districts

    @router.get("/devices")
    @page
    def devices(request: Request, session: auth.Session) -> Response:
        with ctx.db.read() as tx:
            rows = queries.devices(tx, session.user.allowed_districts())
            names = {d.code: d.name for d in orgunits.list_districts(tx)}
        return render(
            request, "devices.html", session=session, rows=rows, names=names, now=settings.now()
        )

    @router.post("/devices/{device_id}/revoke")
    @page
    def revoke(
        request: Request,
        session: auth.Session,
        device_id: str,
        csrf_token: str = Form("", max_length=200),
    ) -> Response:
        check_csrf(session, csrf_token)
        if not session.user.is_admin:
            raise PageError(403, "Only a county admin can revoke a device.")
        enrollment.revoke_device(
            ctx.db, device_id[:80], now=settings.now(), actor=f"web:{session.user.username}"
        )
        return secure_headers(RedirectResponse("/devices", status_code=303))

    @router.get("/export")
    @page
    def export_form(request: Request, session: auth.Session) -> Response:
        start, end, _ = period_range(request)
        return render(
            request,
            "export.html",
            session=session,
            districts=allowed_districts(session),
            start=start,
            end=end,
        )

    @router.post("/export")
    @page
    def export_submit(
        request: Request,
        session: auth.Session,
        csrf_token: str = Form("", max_length=200),
        start: str = Form(..., max_length=7, alias="from"),
        end: str = Form(..., max_length=7, alias="to"),
        fmt_: str = Form("csv", max_length=10, alias="format"),
        districts: Annotated[list[str] | None, Form()] = None,
    ) -> Response:
        check_csrf(session, csrf_token)
        allowed = session.user.allowed_districts()
        chosen = [d for d in districts or [] if is_district_code(d)]
        if allowed is not None and any(d not in allowed for d in chosen):
            raise PageError(403, "You may only export your own districts.")
        body, name = exports.export(
            ctx.db,
            fmt_,
            start,
            end,
            chosen or None,
            now=settings.now(),
            actor=f"web:{session.user.username}",
            allowed=allowed,
        )
        media = "text/csv" if name.endswith(".csv") else "application/json"
        resp = Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
        return secure_headers(resp)

    @router.get("/audit")
    @page
    def audit_page(request: Request, session: auth.Session) -> Response:
        if not session.user.is_admin:
            raise PageError(403, "Only county admins see the audit trail.")
        with ctx.db.read() as tx:
            rows = audit.recent(tx, 300)
        return render(request, "audit.html", session=session, rows=rows)
