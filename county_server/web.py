"""The supervisors' dashboard: server-rendered HTML (Jinja2), inline SVG, no JavaScript.

Pages (all need a signed-in account; a supervisor only ever sees assigned districts):
``/`` county overview by district and month · ``/district/{code}`` a district's schools ·
``/service/{code}`` one service type's trend · ``/screenings`` administered and positive rates ·
``/referrals`` made and completed · ``/devices`` sync freshness (last seen only; admins may
revoke) · ``/export`` CSV / DHIS2 · ``/audit`` (admins). Every number and chart comes from a
``SuppressedTable``. Every form carries the session's CSRF token (the login form a double-submit
cookie); cookies are HttpOnly, SameSite=Strict and Secure (unless ``--insecure-cookies``).
Responses carry a strict Content-Security-Policy (no script at all).
"""

from __future__ import annotations

import functools
import inspect
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from clinician_desk.sync.wire import INSTRUMENTS, MEASURES, is_district_code
from county_server import audit, auth, enrollment, exports, orgunits, queries
from county_server.charts import bar_chart
from county_server.context import ServerContext
from county_server.errors import ServerError
from county_server.periods import check_period
from county_server.suppression import SuppressedTable, fmt, fmt_rate, rate, suppress_table

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
SESSION_COOKIE = "cds_session"
LOGIN_CSRF_COOKIE = "cds_login_csrf"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
MEASURE_LABELS = {
    "services": "Services",
    "minutes": "Minutes",
    "students_served": "Students served",
    "participants": "Participants (classroom)",
    "screenings_administered": "Screenings given",
    "screenings_positive": "Positive screenings",
    "referrals_made": "Referrals made",
    "referrals_completed": "Referrals completed",
}


class PageError(ServerError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _secure_headers(resp: Response) -> Response:
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def add_months(period: str, delta: int) -> str:
    idx = int(period[:4]) * 12 + int(period[5:7]) - 1 + delta
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def table_rows(table: SuppressedTable, labels: Sequence[tuple[str, str | None]]) -> dict[str, Any]:
    rows = []
    for (label, link), cells in zip(labels, table.shown_rows(), strict=True):
        rows.append({"label": label, "link": link, "cells": [fmt(c) for c in cells]})
    return {"rows": rows, "totals": [fmt(c) for c in table.shown_totals()]}


def build_web_router(ctx: ServerContext) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    settings = ctx.settings

    def render(request: Request, name: str, status: int = 200, **data: Any) -> Response:
        data.setdefault("session", None)
        data["demo"] = settings.demo_banner
        data["taxonomy"] = ctx.taxonomy
        resp = TEMPLATES.TemplateResponse(request, name, data, status_code=status)
        return _secure_headers(resp)

    def current(request: Request) -> auth.Session | None:
        token = request.cookies.get(SESSION_COOKIE)
        with ctx.db.read() as tx:
            return auth.session_for(tx, token, settings.now())

    def page(fn: Callable[..., Response]) -> Callable[..., Response]:
        """Run a page for a signed-in user; PageError and ServerError become an HTML error."""

        @functools.wraps(fn)
        def wrapped(request: Request, *args: Any, **kwargs: Any) -> Response:
            session = current(request)
            if session is None:
                return _secure_headers(RedirectResponse("/login", status_code=303))
            try:
                return fn(request, session, *args, **kwargs)
            except PageError as exc:
                return render(
                    request, "error.html", exc.status, session=session, message=exc.message
                )
            except ServerError as exc:
                return render(request, "error.html", 422, session=session, message=exc.message)

        sig = inspect.signature(fn)
        params = [p for name, p in sig.parameters.items() if name != "session"]
        wrapped.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        return wrapped

    def period_range(request: Request) -> tuple[str, str, list[str]]:
        q = request.query_params
        start, end = q.get("from"), q.get("to")
        if end is None:
            with ctx.db.read() as tx:
                latest = queries.latest_period(tx)
            end = latest or settings.now().strftime("%Y-%m")
        if start is None:
            start = add_months(end, -11)
        for value in (start, end):
            try:
                check_period(value)
            except ServerError:
                raise PageError(422, "Months must be written YYYY-MM.") from None
        periods = queries.months_between(start, end)
        if not periods or len(periods) > 120:
            raise PageError(422, "Choose 1 to 120 months, the first before the last.")
        return start, end, periods

    def allowed_districts(session: auth.Session) -> list[orgunits.District]:
        with ctx.db.read() as tx:
            return orgunits.list_districts(tx, session.user.allowed_districts())

    def check_csrf(session: auth.Session, token: str | None) -> None:
        if not auth.csrf_ok(session, token):
            raise PageError(403, "This form has expired. Go back, reload the page and retry.")

    @router.get("/login")
    def login_form(request: Request) -> Response:
        token = secrets.token_urlsafe(24)
        resp = render(request, "login.html", csrf=token, message=None)
        resp.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=settings.secure_cookies,
            max_age=3600,
        )
        return resp

    @router.post("/login")
    def login_submit(
        request: Request,
        username: str = Form("", max_length=200),
        password: str = Form("", max_length=1000),
        csrf_token: str = Form("", max_length=200),
    ) -> Response:
        client = request.client.host if request.client else "unknown"
        cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        new_csrf = secrets.token_urlsafe(24)

        def again(status: int, message: str) -> Response:
            resp = render(request, "login.html", status, csrf=new_csrf, message=message)
            resp.set_cookie(
                LOGIN_CSRF_COOKIE,
                new_csrf,
                httponly=True,
                samesite="strict",
                secure=settings.secure_cookies,
                max_age=3600,
            )
            if status == 429:
                resp.headers["Retry-After"] = str(ctx.login_limiter.retry_after(client))
            return resp

        if not ctx.login_limiter.allow(client):
            return again(429, "Too many sign-in attempts from here; wait a minute.")
        if not cookie or not secrets.compare_digest(cookie, csrf_token):
            return again(403, "The sign-in form expired; please try again.")
        try:
            token, _ = auth.login(
                ctx.db,
                username,
                password,
                now=settings.now(),
                threshold=settings.login_lockout_threshold,
                lockout_minutes=settings.login_lockout_minutes,
                session_hours=settings.session_hours,
            )
        except ServerError as exc:
            return again(401, exc.message)
        resp = _secure_headers(RedirectResponse("/", status_code=303))
        resp.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=settings.secure_cookies,
            max_age=settings.session_hours * 3600,
        )
        resp.delete_cookie(LOGIN_CSRF_COOKIE)
        return resp

    @router.post("/logout")
    @page
    def logout(
        request: Request, session: auth.Session, csrf_token: str = Form("", max_length=200)
    ) -> Response:
        check_csrf(session, csrf_token)
        auth.logout(
            ctx.db, request.cookies.get(SESSION_COOKIE, ""), settings.now(), session.user.username
        )
        resp = _secure_headers(RedirectResponse("/login", status_code=303))
        resp.delete_cookie(SESSION_COOKIE)
        return resp

    def measure_filter(request: Request, start: str, end: str, default: str) -> queries.Filter:
        measure = request.query_params.get("measure", default)
        if measure not in MEASURES:
            raise PageError(422, "Unknown measure.")
        service = request.query_params.get("service") or None
        if service is not None and service not in ctx.taxonomy.codes:
            raise PageError(422, "Unknown service type.")
        return queries.Filter(measure, start, end, service=service)

    @router.get("/")
    @page
    def overview(request: Request, session: auth.Session) -> Response:
        start, end, periods = period_range(request)
        f = measure_filter(request, start, end, "services")
        districts = allowed_districts(session)
        with ctx.db.read() as tx:
            data = queries.by_district_month(tx, f, [d.code for d in districts])
        table = suppress_table([[data.get((d.code, p), 0) for p in periods] for d in districts])
        chart = bar_chart(
            f"{MEASURE_LABELS[f.measure]} by month (all shown districts)",
            periods,
            [table.col_total(i) for i in range(len(periods))],
        )
        view = table_rows(table, [(d.name, f"/district/{d.code}") for d in districts])
        return render(
            request,
            "overview.html",
            session=session,
            periods=periods,
            view=view,
            chart=chart,
            f=f,
            start=start,
            end=end,
            measures=MEASURE_LABELS,
        )

    @router.get("/district/{code}")
    @page
    def district(request: Request, session: auth.Session, code: str) -> Response:
        allowed = {d.code: d for d in allowed_districts(session)}
        if code not in allowed:
            raise PageError(404, "No such district, or it is not one of yours.")
        start, end, periods = period_range(request)
        f = measure_filter(request, start, end, "services")
        with ctx.db.read() as tx:
            schools = orgunits.list_schools(tx, code)
            data = queries.by_org_unit_month(tx, f, code)
        labels = [(s.name, None) for s in schools] + [("District level (not by school)", None)]
        keys = [s.code for s in schools] + [code]
        table = suppress_table([[data.get((k, p), 0) for p in periods] for k in keys])
        chart = bar_chart(
            f"{MEASURE_LABELS[f.measure]} by month — {allowed[code].name}",
            periods,
            [table.col_total(i) for i in range(len(periods))],
        )
        return render(
            request,
            "district.html",
            session=session,
            district=allowed[code],
            periods=periods,
            view=table_rows(table, labels),
            chart=chart,
            f=f,
            start=start,
            end=end,
            measures=MEASURE_LABELS,
        )

    @router.get("/service/{code}")
    @page
    def service(request: Request, session: auth.Session, code: str) -> Response:
        if code not in ctx.taxonomy.codes:
            raise PageError(404, "No such service type.")
        start, end, periods = period_range(request)
        f = queries.Filter("services", start, end, service=code)
        districts = allowed_districts(session)
        with ctx.db.read() as tx:
            data = queries.by_district_month(tx, f, [d.code for d in districts])
        table = suppress_table([[data.get((d.code, p), 0) for p in periods] for d in districts])
        chart = bar_chart(
            f"{ctx.taxonomy.names[code]}: services by month",
            periods,
            [table.col_total(i) for i in range(len(periods))],
        )
        view = table_rows(
            table, [(d.name, f"/district/{d.code}?service={code}") for d in districts]
        )
        return render(
            request,
            "service.html",
            session=session,
            code=code,
            periods=periods,
            view=view,
            chart=chart,
            start=start,
            end=end,
        )

    @router.get("/screenings")
    @page
    def screenings(request: Request, session: auth.Session) -> Response:
        start, end, _ = period_range(request)
        codes = [d.code for d in allowed_districts(session)]
        with ctx.db.read() as tx:
            given = queries.by_instrument(tx, "screenings_administered", start, end, codes)
            positive = queries.by_instrument(tx, "screenings_positive", start, end, codes)
        instruments = [i for i in INSTRUMENTS if i in given or i in positive]
        table = suppress_table([[given.get(i, 0), positive.get(i, 0)] for i in instruments])
        rows = []
        rates = []
        for r, inst in enumerate(instruments):
            pr = rate(table.cell(r, 1), table.cell(r, 0))
            rates.append(pr)
            rows.append(
                {
                    "label": inst,
                    "given": fmt(table.cell(r, 0)),
                    "positive": fmt(table.cell(r, 1)),
                    "rate": fmt_rate(pr, table.cell(r, 0)),
                }
            )
        chart = bar_chart("Positive rate by instrument", instruments, rates, percent=True)
        return render(
            request,
            "screenings.html",
            session=session,
            rows=rows,
            chart=chart,
            start=start,
            end=end,
            totals=[fmt(table.col_total(0)), fmt(table.col_total(1))],
        )

    @router.get("/referrals")
    @page
    def referrals(request: Request, session: auth.Session) -> Response:
        start, end, _ = period_range(request)
        districts = allowed_districts(session)
        codes = [d.code for d in districts]
        with ctx.db.read() as tx:
            made = queries.by_district(tx, "referrals_made", start, end, codes)
            done = queries.by_district(tx, "referrals_completed", start, end, codes)
        table = suppress_table([[made.get(c, 0), done.get(c, 0)] for c in codes])
        rows = []
        for r, d in enumerate(districts):
            rows.append(
                {
                    "label": d.name,
                    "made": fmt(table.cell(r, 0)),
                    "done": fmt(table.cell(r, 1)),
                    "rate": fmt_rate(rate(table.cell(r, 1), table.cell(r, 0)), table.cell(r, 0)),
                }
            )
        chart = bar_chart(
            "Referrals made by district",
            [d.name.split()[0] for d in districts],
            [table.cell(r, 0) for r in range(len(districts))],
        )
        return render(
            request,
            "referrals.html",
            session=session,
            rows=rows,
            chart=chart,
            start=start,
            end=end,
            totals=[
                fmt(table.col_total(0)),
                fmt(table.col_total(1)),
                fmt_rate(rate(table.col_total(1), table.col_total(0))),
            ],
        )

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
        return _secure_headers(RedirectResponse("/devices", status_code=303))

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
        return _secure_headers(resp)

    @router.get("/audit")
    @page
    def audit_page(request: Request, session: auth.Session) -> Response:
        if not session.user.is_admin:
            raise PageError(403, "Only county admins see the audit trail.")
        with ctx.db.read() as tx:
            rows = audit.recent(tx, 300)
        return render(request, "audit.html", session=session, rows=rows)

    return router


def age_text(now: datetime, stamp: str | None) -> str:
    if not stamp:
        return "never"
    then = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    hours = (now - then).total_seconds() / 3600
    if hours < 1:
        return "within the hour"
    if hours < 48:
        return f"{hours:.0f} hours ago"
    return f"{hours / 24:.0f} days ago"


TEMPLATES.env.globals["age_text"] = age_text
