"""Shared pieces of the dashboard: templates, security headers and the signed-in page wrapper.
Route modules (``web``, ``web_reports``, ``web_reports_points``, ``web_exports``, ``web_admin``,
``web_completeness``) register their pages on one router through a :class:`Web`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from county_server import auth, orgunits
from county_server.context import ServerContext
from county_server.errors import ServerError

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


# Pages a user whose password was reset may open before choosing a new one.
PASSWORD_PAGES = frozenset({"password_form", "password_submit", "logout"})


class PageError(ServerError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def secure_headers(resp: Response) -> Response:
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Cache-Control"] = "no-store"
    return resp


class Web:
    """Helpers bound to one server context (rendering, sessions, districts, CSRF)."""

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self.settings = ctx.settings

    def render(self, request: Request, name: str, status: int = 200, **data: Any) -> Response:
        data.setdefault("session", None)
        data["demo"] = self.settings.demo_banner
        data["taxonomy"] = self.ctx.taxonomy
        resp = TEMPLATES.TemplateResponse(request, name, data, status_code=status)
        return secure_headers(resp)

    def login_policy(self) -> auth.LoginPolicy:
        s = self.settings
        return auth.LoginPolicy(
            threshold=s.login_lockout_threshold,
            max_delay_seconds=s.login_lockout_minutes * 60,
            session_hours=s.session_hours,
            memory_kib=s.argon2_memory_kib,
            iterations=s.argon2_iterations,
        )

    def current(self, request: Request) -> auth.Session | None:
        token = request.cookies.get(SESSION_COOKIE)
        with self.ctx.db.read_own_writes() as tx:  # a replica may not have the sign-in yet
            return auth.session_for(tx, token, self.settings.now())

    def page(self, fn: Callable[..., Response]) -> Callable[..., Response]:
        """Run a page for a signed-in user; PageError and ServerError become an HTML error."""

        @functools.wraps(fn)
        def wrapped(request: Request, *args: Any, **kwargs: Any) -> Response:
            session = self.current(request)
            if session is None:
                return secure_headers(RedirectResponse("/login", status_code=303))
            if session.user.must_change_password and fn.__name__ not in PASSWORD_PAGES:
                return secure_headers(RedirectResponse("/account/password", status_code=303))
            try:
                return fn(request, session, *args, **kwargs)
            except PageError as exc:
                return self.render(
                    request, "error.html", exc.status, session=session, message=exc.message
                )
            except ServerError as exc:
                return self.render(request, "error.html", 422, session=session, message=exc.message)

        sig = inspect.signature(fn)
        params = [p for name, p in sig.parameters.items() if name != "session"]
        wrapped.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        return wrapped

    def allowed_districts(self, session: auth.Session) -> list[orgunits.District]:
        with self.ctx.db.read() as tx:
            return orgunits.list_districts(tx, session.user.allowed_districts())

    def check_csrf(self, session: auth.Session, token: str | None) -> None:
        if not auth.csrf_ok(session, token):
            raise PageError(403, "This form has expired. Go back, reload the page and retry.")


ERROR_TEXT = {
    403: "You do not have access to this page.",
    404: "There is no page at this address.",
    405: "This address does not answer that kind of request.",
    500: "Something went wrong on the server; nothing was changed. Try again, or tell the county "
    "admin the time it happened.",
    503: "This server only shows the dashboards and exports: changes are made on the county's "
    "main server.",
}


def error_page(ctx: ServerContext, request: Request, status: int) -> Response:
    """An HTML error page in the dashboard's style (for addresses outside the API)."""
    session = None
    try:
        session = Web(ctx).current(request)
    except Exception:
        session = None
    message = ERROR_TEXT.get(status, "This request cannot be answered.")
    return Web(ctx).render(
        request, "error.html", status, session=session, message=message, code=status
    )


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
