"""The HTTP transport to the county server (requests), with no exceptions for network trouble.

Guarantees:

* every request has an explicit ``(connect, read)`` timeout;
* TLS is always verified: against the operating system's trust store (``truststore``) or, when
  district IT configured one, an admin-supplied CA bundle for an inspecting school proxy. There
  is no switch to turn verification off;
* proxies come from the environment (``HTTPS_PROXY``/``NO_PROXY``; requests' ``trust_env``);
* a network failure (DNS, refused, TLS, timeout, truncated or non-JSON body) is returned as a
  ``Reply`` with ``transport`` set, never raised: offline is normal. Only a programming error
  (a relative URL, say) raises;
* the server's clock is read from the JSON ``server_time`` or the ``Date`` header so the caller
  can correct clock skew.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
import truststore
from requests.adapters import HTTPAdapter

from clinician_desk.clock import Clock, SystemClock
from clinician_desk.errors import UsageError
from clinician_desk.messages import M
from clinician_desk.sync.backoff import parse_retry_after

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
MAX_REPLY_BYTES = 1 << 20


@dataclass(frozen=True)
class Reply:
    """What came back. ``transport`` is None when an HTTP answer with a JSON body arrived."""

    status: int | None
    data: Mapping[str, Any] = field(default_factory=dict)
    transport: str | None = None  # offline | dns | tls | timeout | bad_response
    problem: str = ""
    retry_after: float | None = None
    server_time: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.transport is None and self.status is not None and 200 <= self.status < 300


class _ContextAdapter(HTTPAdapter):
    """Uses one SSLContext for every connection, direct or through a proxy tunnel."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__(max_retries=0)

    def build_connection_pool_key_attributes(  # type: ignore[no-untyped-def]
        self, request, verify, cert=None
    ):
        host, pool = super().build_connection_pool_key_attributes(request, verify, cert)
        pool.pop("ca_certs", None)
        pool.pop("ca_cert_dir", None)
        pool["cert_reqs"] = "CERT_REQUIRED"
        pool["ssl_context"] = self._context
        return host, pool


def tls_context(ca_bundle: str | None) -> ssl.SSLContext:
    """System trust store, or the configured bundle (verified, hostname checked)."""
    if ca_bundle:
        try:
            ctx = ssl.create_default_context(cafile=ca_bundle)
        except (OSError, ssl.SSLError):
            raise UsageError(
                M("The CA bundle {path} cannot be read as PEM.", path=ca_bundle)
            ) from None
        return ctx
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def normalize_base_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UsageError(M("The server address must look like https://counts.example.org"))
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        raise UsageError(M("The county server must be reached over https (http only on loopback)."))
    return url.strip().rstrip("/")


class SyncClient:
    """One county server. Thread-compatible: use from the single network worker."""

    def __init__(
        self,
        base_url: str,
        *,
        ca_bundle: str | None = None,
        timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
        clock: Clock | None = None,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self.timeout = timeout
        self.clock = clock or SystemClock()
        self.session = requests.Session()
        self.session.trust_env = True
        self.session.mount("https://", _ContextAdapter(tls_context(ca_bundle)))

    def close(self) -> None:
        self.session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        if not path.startswith("/"):
            raise ValueError("path must start with '/'")
        hdrs = {"Accept": "application/json", **(headers or {})}
        if body is not None:
            hdrs.setdefault("Content-Type", "application/json")
        try:
            resp = self.session.request(
                method,
                self.base_url + path,
                data=body,
                headers=hdrs,
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            )
            try:
                raw = _read_capped(resp)
            except BaseException:
                resp.close()
                raise
            if len(raw) > MAX_REPLY_BYTES:
                resp.close()  # not read to the end: drop the connection
            # read to the end: urllib3 has returned the connection to the pool (keep-alive)
        except requests.exceptions.SSLError:
            return Reply(
                None, transport="tls", problem=M("the server's certificate is not trusted")
            )
        except requests.exceptions.Timeout:
            return Reply(None, transport="timeout", problem=M("the server did not answer in time"))
        except requests.exceptions.ConnectionError as exc:
            if _looks_like_dns(exc):
                return Reply(None, transport="dns", problem=M("the server's name was not found"))
            return Reply(None, transport="offline", problem=M("the server cannot be reached"))
        except (requests.exceptions.RequestException, OSError, ValueError):
            return Reply(None, transport="bad_response", problem=M("the answer was cut off"))
        return self._reply(resp, raw)

    def _reply(self, resp: requests.Response, raw: bytes) -> Reply:
        server_time = _parse_http_date(resp.headers.get("Date"))
        retry_after = parse_retry_after(resp.headers.get("Retry-After"), self.clock.now())
        if len(raw) > MAX_REPLY_BYTES:
            return Reply(
                resp.status_code, transport="bad_response", problem=M("the answer is too big")
            )
        data: Any = {}
        if raw.strip():
            try:
                data = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                return Reply(
                    resp.status_code,
                    transport="bad_response",
                    problem=M(
                        "the server answered {status} without readable JSON",
                        status=resp.status_code,
                    ),
                    retry_after=retry_after,
                    server_time=server_time,
                )
        if not isinstance(data, dict):
            data = {"detail": data}
        st = data.get("server_time")
        if isinstance(st, str):
            server_time = _parse_iso(st) or server_time
        return Reply(resp.status_code, data, None, "", retry_after, server_time)


def _read_capped(resp: requests.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in resp.iter_content(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_REPLY_BYTES:
            break
    return b"".join(chunks)


def _looks_like_dns(exc: BaseException) -> bool:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        text = f"{type(cur).__name__} {cur}"
        if "NameResolution" in text or "getaddrinfo" in text or "Name or service" in text:
            return True
        cur = cur.__cause__ or cur.__context__ or (cur.args[0] if _exc_arg(cur) else None)
    return False


def _exc_arg(exc: BaseException) -> bool:
    return bool(exc.args) and isinstance(exc.args[0], BaseException)


def _parse_iso(text: str) -> datetime | None:
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _parse_http_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        dt = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return dt if dt.tzinfo is not None else None
