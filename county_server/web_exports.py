"""The export page: a level (district × month, district × fiscal year, school × fiscal year,
finest) and an aligned period, as CSV or DHIS2 JSON, read from the publication cube. At most
``exports.MAX_CONCURRENT_EXPORTS`` exports run at once per user (429 beyond that)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from county_server import auth, exports
from county_server.publication import cube
from county_server.publication import periods as P
from county_server.web_support import PageError, Web, secure_headers

LEVEL_LABELS = {
    "district-month": "District × month",
    "district-year": "District × fiscal year",
    "school-year": "School × fiscal year",
    "finest": "Finest published (school × fiscal year × service, tier, grade band)",
}


def register(router: APIRouter, web: Web) -> None:
    ctx = web.ctx
    render, page, check_csrf = web.render, web.page, web.check_csrf

    @router.get("/export")
    @page
    def export_form(request: Request, session: auth.Session) -> Response:
        window = cube.Window.at(ctx.settings.now())
        return render(
            request,
            "export.html",
            session=session,
            districts=web.allowed_districts(session),
            levels=LEVEL_LABELS,
            period=P.fiscal_year(window.current),
            years=window.fiscal_years(),
        )

    @router.post("/export")
    @page
    def export_submit(
        request: Request,
        session: auth.Session,
        csrf_token: str = Form("", max_length=200),
        period: str = Form("", max_length=20),
        level: str = Form("district-month", max_length=20),
        fmt_: str = Form("csv", max_length=10, alias="format"),
        districts: Annotated[list[str] | None, Form()] = None,
    ) -> Response:
        check_csrf(session, csrf_token)
        allowed = session.user.allowed_districts()
        chosen = [d[:20] for d in districts or []]
        if allowed is not None and any(d not in allowed for d in chosen):
            raise PageError(403, "You may only export your own districts.")
        if level not in exports.LEVELS:
            raise PageError(422, "Choose one of the published levels.")
        if P.parse(period) is None:
            raise PageError(
                422,
                "Exports cover one month (2026-03), quarter (FY2025-26-Q3) or fiscal year "
                "(FY2025-26), not a range.",
            )
        try:
            with exports.export_slot(session.user.username):
                body, name = exports.export_published(
                    ctx.db,
                    fmt_,
                    level,
                    period,
                    chosen or None,
                    now=ctx.settings.now(),
                    actor=f"web:{session.user.username}",
                    allowed=allowed,
                )
        except exports.TooManyExports as exc:
            raise PageError(429, exc.message) from None
        media = "text/csv" if name.endswith(".csv") else "application/json"
        resp = Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
        return secure_headers(resp)
