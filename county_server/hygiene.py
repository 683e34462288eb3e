"""Refuse control characters at the door: no request whose path, query string or form body
holds NUL or another control character (C0 other than tab, line feed and carriage return; DEL;
C1) reaches a handler or the database. PostgreSQL cannot store NUL in text at all, and none of
these characters belongs in a CDS code, a device id, a username, a label or a date.

The answer is a 422 in the API's error form (``{error: "invalid", detail, server_time,
problems}``). Form bodies (``application/x-www-form-urlencoded``) are read whole to be checked
(at most ``MAX_FORM_BYTES``; a larger one is a 413) and handed on unchanged; JSON bodies are left
to the device API, whose strict parser and patterns refuse such characters themselves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus, unquote_to_bytes

from county_server.db import now_iso

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_FORM_BYTES = 512 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control(text: str) -> bool:
    return _CONTROL.search(text) is not None


def _decoded(raw: bytes) -> str:
    return unquote_plus(raw.decode("latin-1"), encoding="utf-8", errors="replace")


class ControlCharacterGuard:
    def __init__(self, app: ASGIApp, now: Callable[[], datetime]) -> None:
        self.app = app
        self.now = now

    async def _refuse(self, send: Send, status: int, where: str) -> None:
        body = json.dumps(
            {
                "error": "invalid" if status == 422 else "too_large",
                "detail": f"the request's {where} is not acceptable",
                "server_time": now_iso(self.now()),
                "problems": [
                    f"{where}: control characters (such as NUL) are not accepted"
                    if status == 422
                    else f"{where}: larger than {MAX_FORM_BYTES} bytes"
                ],
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or str(scope.get("path", "")).encode()
        path = unquote_to_bytes(bytes(raw_path)).decode("utf-8", "replace")
        if has_control(path) or has_control(str(scope.get("path", ""))):
            await self._refuse(send, 422, "path")
            return
        if has_control(_decoded(bytes(scope.get("query_string") or b""))):
            await self._refuse(send, 422, "query string")
            return
        headers = {k.lower(): v for k, v in scope.get("headers") or []}
        ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if ctype != b"application/x-www-form-urlencoded":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)  # a disconnect: let the app see it
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_FORM_BYTES:
                await self._refuse(send, 413, "form")
                return
            chunks.append(chunk)
            more = bool(message.get("more_body"))
        body = b"".join(chunks)
        if has_control(_decoded(body)):
            await self._refuse(send, 422, "form")
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
