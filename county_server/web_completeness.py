"""Completeness and month closing: per month, how many of each district's active laptops synced
it (the current month labelled partial, months closed by the county marked); admins also see
the laptops not synced for 30 days (labels, last seen) and close or reopen a month (audited)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from county_server import auth, completeness, periods, published
from county_server.publication import periods as P
from county_server.publication import views
from county_server.supervisor_views import MONTH_ABBR
from county_server.web_support import PageError, Web, secure_headers


def register(router: APIRouter, web: Web) -> None:
    ctx = web.ctx
    settings = web.settings

    @router.get("/completeness")
    @web.page
    def completeness_page(request: Request, session: auth.Session) -> Response:
        state = published.for_page(ctx.db, settings.now())
        window = state.window
        fy = views.fiscal_year(request.query_params, window)
        months = [m for m in fy.months() if m <= window.current]
        districts = web.allowed_districts(session)
        codes = [d.code for d in districts]
        with ctx.db.read() as tx:
            got = completeness.synced(tx, codes, months)
            enrolled = completeness.enrolled_by_district(tx)
            closed = completeness.closed_months(tx, months)
            quiet = completeness.quiet_devices(tx, settings.now()) if session.user.is_admin else []
            names = completeness.district_names(tx)
        header = []
        for m in months:
            scopes = closed.get(m, [])
            header.append(
                {
                    "code": m,
                    "label": f"{MONTH_ABBR[int(m[5:7]) - 1]} {m[:4]}",
                    "partial": m == window.current,
                    "closed": "*" in scopes,
                }
            )
        rows = []
        for d in districts:
            n = enrolled.get(d.code, 0)
            cells = []
            for h in header:
                scopes = closed.get(str(h["code"]), [])
                cells.append(
                    {
                        "text": f"{got.get((d.code, str(h['code'])), 0)} of {n}",
                        "closed": "*" in scopes or d.code in scopes,
                        "partial": h["partial"],
                    }
                )
            rows.append({"label": d.name, "code": d.code, "cells": cells})
        return web.render(
            request,
            "completeness.html",
            session=session,
            fy=fy,
            years=window.fiscal_years(),
            header=header,
            rows=rows,
            quiet=quiet,
            names=names,
            now=settings.now(),
            action="/completeness",
            grain=None,
            sel=None,
            measures=None,
        )

    @router.get("/months")
    @web.page
    def months_page(request: Request, session: auth.Session) -> Response:
        if not session.user.is_admin:
            raise PageError(403, "Only a county admin can close or reopen a month.")
        now = settings.now()
        current = f"{now.year:04d}-{now.month:02d}"
        fy = P.fy_start(current)
        months = P.months_of_fy(fy - 1) + [m for m in P.months_of_fy(fy) if m <= current]
        with ctx.db.read() as tx:
            closed = completeness.closed_months(tx, months)
            names = completeness.district_names(tx)
        rows = [
            {"month": m, "scopes": closed.get(m, []), "current": m == current}
            for m in reversed(months)
        ]
        return web.render(
            request, "months.html", session=session, rows=rows, names=names, message=None
        )

    def month_action(
        session: auth.Session,
        csrf_token: str,
        action: Callable[..., object],
        period: str,
        district: str | None,
    ) -> Response:
        """Close or reopen a month (admins only), then back to the months page."""
        web.check_csrf(session, csrf_token)
        if not session.user.is_admin:
            raise PageError(403, "Only a county admin can close or reopen a month.")
        action(ctx.db, period, district, now=settings.now(), actor=f"web:{session.user.username}")
        return secure_headers(RedirectResponse("/months", status_code=303))

    @router.post("/months/close")
    @web.page
    def close_month(
        request: Request,
        session: auth.Session,
        csrf_token: str = Form("", max_length=200),
        period: str = Form("", max_length=20),
        district: str = Form("", max_length=20),
    ) -> Response:
        return month_action(session, csrf_token, periods.close_period, period, district or None)

    @router.post("/months/reopen")
    @web.page
    def reopen_month(
        request: Request,
        session: auth.Session,
        csrf_token: str = Form("", max_length=200),
        period: str = Form("", max_length=20),
        district: str = Form("", max_length=20),
    ) -> Response:
        scope = None if district in ("", "*") else district
        return month_action(session, csrf_token, periods.reopen_period, period, scope)


def register_codes(router: APIRouter, web: Web) -> None:
    """Admins issue enrollment codes (with a label) and see every code's state."""
    from county_server import enrollment, enrollment_codes, orgunits
    from county_server.db import now_iso

    ctx = web.ctx
    settings = web.settings

    def show(request: Request, session: auth.Session, code: str | None, label: str) -> Response:
        with ctx.db.read() as tx:
            codes = enrollment_codes.list_codes(tx)
            districts = orgunits.list_districts(tx)
            schools = {d.code: orgunits.list_schools(tx, d.code) for d in districts}
        return web.render(
            request,
            "enrollment_codes.html",
            session=session,
            codes=codes,
            districts=districts,
            schools=schools,
            now=now_iso(settings.now()),
            new_code=code,
            new_label=label,
        )

    @router.get("/enrollment-codes")
    @web.page
    def codes_page(request: Request, session: auth.Session) -> Response:
        if not session.user.is_admin:
            raise PageError(403, "Only a county admin can issue enrollment codes.")
        return show(request, session, None, "")

    @router.post("/enrollment-codes")
    @web.page
    def issue(
        request: Request,
        session: auth.Session,
        csrf_token: str = Form("", max_length=200),
        label: str = Form("", max_length=200),
        org_units: Annotated[list[str] | None, Form()] = None,
        ttl_hours: int = Form(72, ge=1, le=336),
    ) -> Response:
        web.check_csrf(session, csrf_token)
        if not session.user.is_admin:
            raise PageError(403, "Only a county admin can issue enrollment codes.")
        units = [u[:20] for u in org_units or []]
        if len(units) > 200:
            raise PageError(422, "Choose at most 200 org units.")
        code = enrollment.issue_code(
            ctx.db,
            units,
            now=settings.now(),
            ttl_hours=ttl_hours,
            actor=f"web:{session.user.username}",
            label=label,
        )
        return show(request, session, code, enrollment.check_label(label))


def register_report(router: APIRouter, web: Web) -> None:
    """``/report.pdf?fy=FY2026-27[&district=CODE]``: the printable fiscal-year report."""
    from fastapi.responses import Response as Plain

    from county_server.report import report_audited

    ctx = web.ctx

    @router.get("/report.pdf")
    @web.page
    def report_pdf(request: Request, session: auth.Session) -> Response:
        q = request.query_params
        views.reject_ranges(q)
        state = published.for_export(ctx.db, web.settings.now())
        fy = views.fiscal_year(q, state.window)
        district = (q.get("district") or "")[:20] or None
        allowed = session.user.allowed_districts()
        if district and district not in {d.code for d in web.allowed_districts(session)}:
            raise PageError(404, "No such district, or it is not one of yours.")
        pdf = report_audited(
            ctx.db,
            web.settings.now(),
            fy.code,
            actor=f"web:{session.user.username}",
            district=district,
            allowed=allowed,
        )
        name = f"report-{fy.code}{'-' + district if district else ''}.pdf"
        return secure_headers(
            Plain(
                pdf,
                media_type="application/pdf",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        )
