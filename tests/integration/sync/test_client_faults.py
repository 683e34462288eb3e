"""The HTTP client against a fault-injecting loopback server: every fault becomes a Reply."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.errors import UsageError
from clinician_desk.sync.client import SyncClient
from tests.support.faultserver import Fault, FaultServer, refused_url


def test_json_answer_and_server_time() -> None:
    body = b'{"server_time": "2026-09-14T15:03:00Z", "taxonomy_version": "2026.1"}'
    with FaultServer([Fault(200, body)]) as srv:
        reply = SyncClient(srv.url).request("GET", "/api/v1/status")
    assert reply.ok and reply.data["taxonomy_version"] == "2026.1"
    assert reply.server_time is not None and reply.server_time.minute == 3


def test_dns_failure_and_refused_connection_are_offline_not_errors() -> None:
    assert SyncClient("https://no-such-host.invalid").request("GET", "/x").transport == "dns"
    assert SyncClient(refused_url()).request("GET", "/x").transport == "offline"


def test_timeout_is_explicit() -> None:
    with FaultServer([Fault(200, b"{}", hang=1.5)]) as srv:
        reply = SyncClient(srv.url, timeout=(1.0, 0.3)).request("GET", "/x")
    assert reply.transport == "timeout"


@pytest.mark.parametrize(
    ("fault", "transport"),
    [
        (
            Fault(200, b'{"result": "applied", "padding": "xxxxxxxxxxxx"}', truncate=True),
            "bad_response",
        ),
        (Fault(200, b"<html>proxy login</html>"), "bad_response"),
        (Fault(502, b"Bad gateway"), "bad_response"),
    ],
)
def test_truncated_and_non_json_answers(fault: Fault, transport: str) -> None:
    with FaultServer([fault]) as srv:
        reply = SyncClient(srv.url).request("PUT", "/x", body=b"{}")
    assert reply.transport == transport and not reply.ok


def test_retry_after_is_read_on_429() -> None:
    with FaultServer([Fault(429, b'{"detail": "slow down"}', {"Retry-After": "42"})]) as srv:
        reply = SyncClient(srv.url, clock=FakeClock()).request("PUT", "/x", body=b"{}")
    assert reply.status == 429 and reply.retry_after == 42.0


def test_tls_is_verified_against_the_system_store_and_a_configured_bundle(tmp_path: Path) -> None:
    with FaultServer([Fault(200, b'{"ok": true}')], tls_dir=tmp_path) as srv:
        untrusted = SyncClient(srv.url).request("GET", "/x")
        assert untrusted.transport == "tls"
        trusted = SyncClient(srv.url, ca_bundle=str(srv.cert_path)).request("GET", "/x")
        assert trusted.ok and trusted.data == {"ok": True}


def test_bad_configuration_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        SyncClient("http://counts.example.org")  # plain http off loopback
    with pytest.raises(UsageError):
        SyncClient("ftp://x")
    bad = tmp_path / "bundle.pem"
    bad.write_text("not a certificate")
    with pytest.raises(UsageError):
        SyncClient("https://localhost", ca_bundle=str(bad))


def test_proxies_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with FaultServer([Fault(200, b'{"via": "proxy"}')]) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        reply = SyncClient("http://localhost:9").request("GET", "/api/v1/status")
        assert reply.data == {"via": "proxy"}
        assert proxy.requests[0][1].startswith("http://localhost:9/")
