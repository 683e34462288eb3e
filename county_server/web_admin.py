"""Dashboard pages with side effects or admin rights: devices (sync freshness; admins revoke,
retire, unretire and issue a replacement code), accounts (admins list, disable, enable,
unlock, reset passwords; everyone changes their own), and the audit trail (paging, filters, CSV).
Every POST checks the session's CSRF token."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from county_server import audit, auth, enrollment, orgunits
from county_server.errors import ServerError
from county_server.web_support import PageError, Web, secure_headers

DEVICE_PATH = r"^dev_[a-z0-9_-]{4,64}$"
USER_PATH = r"^[a-z0-9][a-z0-9._-]{1,39}$"


def register(router: APIRouter, web: Web) -> None:
    ctx = web.ctx
    settings = web.settings
    render, page, check_csrf = web.render, web.page, web.check_csrf

    def admin_only(session: auth.Session, what: str) -> str:
        if not session.user.is_admin:
            raise PageError(403, f"Only a county admin can {what}.")
        return f"web:{session.user.username}"

    def to_devices() -> Response:
        return secure_headers(RedirectResponse("/devices", status_code=303))

    @router.get("/devices")
    @page
    def devices(request: Request, session: auth.Session) -> Response:
        allowed = session.user.allowed_districts()
        with ctx.db.read() as tx:
            rows = [
                d
                for d in enrollment.list_devices(tx)
                if allowed is None or set(d.districts) & allowed
            ]
            names = {d.code: d.name for d in orgunits.list_districts(tx)}
        return render(
            request, "devices.html", session=session, rows=rows, names=names, now=settings.now()
        )

    @router.post("/devices/{device_id}/revoke")
    @page
    def revoke(
        request: Request,
        session: auth.Session,
        device_id: str = Path(..., pattern=DEVICE_PATH),
        csrf_token: str = Form("", max_length=200),
    ) -> Response:
        check_csrf(session, csrf_token)
        actor = admin_only(session, "revoke a device")
        enrollment.revoke_device(ctx.db, device_id, now=settings.now(), actor=actor)
        return to_devices()

    @router.post("/devices/{device_id}/retire")
    @page
    def retire(
        request: Request,
        session: auth.Session,
        device_id: str = Path(..., pattern=DEVICE_PATH),
        csrf_token: str = Form("", max_length=200),
        reason: str = Form("", max_length=200),
    ) -> Response:
        check_csrf(session, csrf_token)
        actor = admin_only(session, "retire a device")
        enrollment.retire_device(ctx.db, device_id, reason, now=settings.now(), actor=actor)
        return to_devices()

    @router.post("/devices/{device_id}/unretire")
    @page
    def unretire(
        request: Request,
        session: auth.Session,
        device_id: str = Path(..., pattern=DEVICE_PATH),
        csrf_token: str = Form("", max_length=200),
    ) -> Response:
        check_csrf(session, csrf_token)
        actor = admin_only(session, "unretire a device")
        enrollment.unretire_device(ctx.db, device_id, now=settings.now(), actor=actor)
        return to_devices()

    @router.post("/devices/{device_id}/replace")
    @page
    def replace(
        request: Request,
        session: auth.Session,
        device_id: str = Path(..., pattern=DEVICE_PATH),
        csrf_token: str = Form("", max_length=200),
        label: str = Form("", max_length=200),
    ) -> Response:
        check_csrf(session, csrf_token)
        actor = admin_only(session, "issue a replacement code")
        with ctx.db.read() as tx:
            old = next((d for d in enrollment.list_devices(tx) if d.device_id == device_id), None)
        if old is None:
            raise PageError(404, "No such device.")
        label = label.strip() or old.label
        code = enrollment.issue_code(
            ctx.db,
            list(old.org_units),
            now=settings.now(),
            ttl_hours=72,
            actor=actor,
            label=label,
            replaces=device_id,
        )
        return render(request, "device_code.html", session=session, code=code, old=old, label=label)

    def audit_filter(request: Request) -> audit.AuditFilter:
        q = request.query_params
        return audit.AuditFilter(
            actor=q.get("actor", "")[:100].strip(),
            action=q.get("action", "")[:100].strip(),
            device=q.get("device", "")[:100].strip(),
            since=q.get("from", "")[:20].strip(),
            until=q.get("to", "")[:20].strip(),
        )

    @router.get("/audit")
    @page
    def audit_page(request: Request, session: auth.Session) -> Response:
        admin_only(session, "see the audit trail")
        f = audit_filter(request)
        raw_page = request.query_params.get("page", "1")
        if not raw_page.isdigit() or not 1 <= int(raw_page) <= 1_000_000:
            raise PageError(422, "page: a number from 1.")
        number = int(raw_page)
        with ctx.db.read() as tx:
            rows, total = audit.search(tx, f, page=number)
        pages = max(1, -(-total // audit.PAGE_SIZE))
        query = urlencode(
            {
                k: v
                for k, v in (
                    ("actor", f.actor),
                    ("action", f.action),
                    ("device", f.device),
                    ("from", f.since),
                    ("to", f.until),
                )
                if v
            }
        )
        return render(
            request,
            "audit.html",
            session=session,
            rows=rows,
            total=total,
            page=number,
            pages=pages,
            f=f,
            query=query,
        )

    @router.get("/audit.csv")
    @page
    def audit_csv(request: Request, session: auth.Session) -> Response:
        actor = admin_only(session, "export the audit trail")
        f = audit_filter(request)
        with ctx.db.read() as tx:
            body = audit.export_csv(tx, f)
        with ctx.db.transaction() as tx:
            audit.record(
                tx,
                settings.now(),
                actor,
                "audit_exported",
                {k: v for k, v in vars(f).items() if v},
            )
        stamp = settings.now().strftime("%Y%m%d")
        resp = Response(
            body,
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
        )
        return secure_headers(resp)

    @router.get("/users")
    @page
    def users(request: Request, session: auth.Session) -> Response:
        admin_only(session, "manage accounts")
        with ctx.db.read() as tx:
            rows = auth.list_users(tx)
        return render(request, "users.html", session=session, rows=rows)

    def user_action(session: auth.Session, username: str, csrf_token: str, action: str) -> str:
        check_csrf(session, csrf_token)
        actor = admin_only(session, "manage accounts")
        now = settings.now()
        if action == "disable":
            if username == session.user.username:
                raise PageError(422, "You cannot disable your own account.")
            auth.set_disabled(ctx.db, username, True, now=now, actor=actor)
        elif action == "enable":
            auth.set_disabled(ctx.db, username, False, now=now, actor=actor)
        elif action == "unlock":
            auth.unlock_user(ctx.db, username, now=now, actor=actor)
        else:
            return auth.reset_password(
                ctx.db,
                username,
                now=now,
                actor=actor,
                memory_kib=settings.argon2_memory_kib,
                iterations=settings.argon2_iterations,
            )
        return ""

    @router.post("/users/{username}/{action}")
    @page
    def user_post(
        request: Request,
        session: auth.Session,
        username: str = Path(..., pattern=USER_PATH),
        action: str = Path(..., pattern=r"^(disable|enable|unlock|reset-password)$"),
        csrf_token: str = Form("", max_length=200),
    ) -> Response:
        temporary = user_action(session, username, csrf_token, action)
        if not temporary:
            return secure_headers(RedirectResponse("/users", status_code=303))
        return render(
            request, "user_password.html", session=session, username=username, temporary=temporary
        )

    @router.get("/account/password")
    @page
    def password_form(request: Request, session: auth.Session) -> Response:
        return render(request, "account_password.html", session=session, message=None)

    @router.post("/account/password")
    @page
    def password_submit(
        request: Request,
        session: auth.Session,
        csrf_token: str = Form("", max_length=200),
        current: str = Form("", max_length=1000),
        new: str = Form("", max_length=1000),
        again: str = Form("", max_length=1000),
    ) -> Response:
        check_csrf(session, csrf_token)
        if new != again:
            message = "The two new passwords differ."
        else:
            try:
                auth.change_password(
                    ctx.db,
                    session.user.username,
                    current,
                    new,
                    now=settings.now(),
                    memory_kib=settings.argon2_memory_kib,
                    iterations=settings.argon2_iterations,
                )
            except ServerError as exc:
                message = exc.message
            else:
                return secure_headers(RedirectResponse("/", status_code=303))
        return render(request, "account_password.html", 422, session=session, message=message)
