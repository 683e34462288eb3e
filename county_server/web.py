"""The supervisors' dashboard: server-rendered HTML (Jinja2), inline SVG, no JavaScript.

Pages (all need a signed-in account; a supervisor only ever sees assigned districts):
``/`` county overview by district and month · ``/district/{code}`` a district's schools ·
``/service/{code}`` one service type's trend · ``/screenings`` administered and positive rates ·
``/referrals`` made and completed · ``/devices`` sync freshness (last seen only; admins may
revoke) · ``/export`` CSV / DHIS2 · ``/audit`` (admins). Every number and chart comes from the
publication cube (``county_server.publication``). Every form carries the session's CSRF token
(the login form a double-submit cookie); cookies are HttpOnly, SameSite=Strict and Secure
(unless ``--insecure-cookies``). Responses carry a strict Content-Security-Policy (no script).
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from county_server import (
    auth,
    web_admin,
    web_completeness,
    web_exports,
    web_reports,
    web_reports_points,
)
from county_server.context import ServerContext
from county_server.errors import ServerError
from county_server.web_support import LOGIN_CSRF_COOKIE, SESSION_COOKIE, Web, secure_headers


def build_web_router(ctx: ServerContext) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    web = Web(ctx)
    settings = ctx.settings
    render, page, check_csrf = web.render, web.page, web.check_csrf

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
        if not cookie or not secrets.compare_digest(
            cookie.encode("utf-8", "replace"), csrf_token.encode("utf-8", "replace")
        ):
            return again(403, "The sign-in form expired; please try again.")
        try:
            token, _ = auth.login(
                ctx.db,
                username,
                password,
                now=settings.now(),
                source=client,
                policy=web.login_policy(),
            )
        except ServerError as exc:
            return again(401, exc.message)
        resp = secure_headers(RedirectResponse("/", status_code=303))
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
        resp = secure_headers(RedirectResponse("/login", status_code=303))
        resp.delete_cookie(SESSION_COOKIE)
        return resp

    web_reports.register(router, web)
    web_reports_points.register(router, web)
    web_exports.register(router, web)
    web_admin.register(router, web)
    web_completeness.register(router, web)
    web_completeness.register_codes(router, web)
    web_completeness.register_report(router, web)
    return router
