"""The worker against faults the real server cannot produce on demand (fault-injecting server):
5xx, 429 with Retry-After, timeouts, truncated and non-JSON answers. None loses or acknowledges
anything it should not; the backoff honors Retry-After."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date
from pathlib import Path

import pytest

from clinician_desk.sync.backoff import Backoff
from clinician_desk.sync.client import SyncClient
from tests.support.county import DISTRICT, SCHOOLS
from tests.support.faultserver import Fault, FaultServer
from tests.support.vaultkit import Seeder, Vault, open_vault

ENROLLED = json.dumps(
    {
        "device_id": "dev_faultfault01",
        "org_units": [DISTRICT],
        "taxonomy_version": "2026.1",
        "escrow_public_key": None,
        "server_time": "2026-09-14T15:00:00Z",
    }
).encode()
APPLIED = b'{"status": "applied", "revision": 1, "server_time": "2026-09-14T15:00:00Z"}'


def enrolled_vault(tmp: Path, srv: FaultServer) -> Vault:
    v = open_vault(
        tmp,
        client_factory=lambda url: SyncClient(url, timeout=(1.0, 0.5)),
        backoff=Backoff(uniform=lambda: 0.5),
    )
    seeder = Seeder(v)
    kid = seeder.student("5", SCHOOLS[0])
    seeder.session(date(2026, 8, 3), "TX-IND", 2, SCHOOLS[0], (kid,), 45)
    seeder.session(date(2026, 7, 3), "TX-IND", 2, SCHOOLS[0], (kid,), 45)
    done = v.sync.enroll(srv.url, "CODE-CODE-CODE")
    assert not done.escrow_set
    return v


@pytest.mark.parametrize(
    ("fault", "stopped"),
    [
        (Fault(503, b'{"error": "unavailable"}', {"Retry-After": "120"}), "server_error"),
        (Fault(500, b"Internal Server Error"), "server_error"),
        (Fault(429, b'{"error": "rate_limited"}', {"Retry-After": "300"}), "server_busy"),
        (Fault(200, APPLIED, truncate=True), "bad_response"),
        (Fault(200, b"<html>captive portal</html>"), "bad_response"),
        (Fault(200, APPLIED, hang=1.2), "timeout"),
    ],
)
def test_faults_keep_everything_pending_and_back_off(
    tmp_path: Path, fault: Fault, stopped: str
) -> None:
    with FaultServer([Fault(200, ENROLLED), fault]) as srv:
        v = enrolled_vault(tmp_path, srv)
        try:
            result = v.sync.sync_once()
            assert result.stopped == stopped
            assert [x.status for x in result.verdicts] == [None]  # nothing acknowledged
            assert result.not_attempted == 1  # the round stopped at the first failure
            status = v.sync.status()
            assert status.pending_count == 2 and status.last_problem
            assert status.last_success_at is None
            if "Retry-After" in fault.headers:
                assert result.retry_after == float(fault.headers["Retry-After"])
            else:
                assert result.retry_after == 1.0  # full jitter: 0.5 * base 2 s
            # an automatic round before the delay is over does not touch the network
            sent = len(srv.requests)
            assert v.sync.sync_once(force=False).stopped == "waiting"
            assert len(srv.requests) == sent
        finally:
            v.close()


def test_a_lost_answer_is_resent_with_the_same_bytes_and_key(tmp_path: Path) -> None:
    script = [Fault(200, ENROLLED), Fault(200, APPLIED, truncate=True), Fault(200, APPLIED)]
    with FaultServer(script) as srv:
        v = enrolled_vault(tmp_path, srv)
        try:
            assert v.sync.sync_once().stopped == "bad_response"
            v.clock.advance(10)
            assert v.sync.sync_once().stopped is None
            puts = [r for r in srv.requests if r[0] == "PUT"]
            first, again = puts[0], puts[1]
            assert first[1] == again[1] and first[3] == again[3]
            assert first[2]["Idempotency-Key"] == again[2]["Idempotency-Key"]
            body = json.loads(first[3])
            assert body["device_id"] == "dev_faultfault01" and body["revision"] == 1
            digest = base64.b64encode(hashlib.sha256(first[3]).digest()).decode()
            assert first[2]["Content-Digest"] == f"sha-256=:{digest}:"
            assert v.sync.status().pending_count == 0
        finally:
            v.close()


def test_401_with_server_time_corrects_the_clock_once(tmp_path: Path) -> None:
    skewed = json.dumps(
        {"error": "unauthorized", "detail": "clock skew", "server_time": "2026-09-14T16:00:00Z"}
    ).encode()
    script = [Fault(200, ENROLLED), Fault(401, skewed), Fault(200, APPLIED)]
    with FaultServer(script) as srv:
        v = enrolled_vault(tmp_path, srv)
        try:
            result = v.sync.sync_once()
            assert result.clock_offset == 3600.0
            puts = [r for r in srv.requests if r[0] == "PUT"]
            created = [
                int(p[2]["Signature-Input"].split("created=")[1].split(";")[0]) for p in puts
            ]
            assert created[1] - created[0] == 3600
            with v.services.db.read() as conn:
                offset = conn.execute("SELECT clock_offset_seconds FROM sync_device").fetchone()[0]
            assert offset == 3600.0
        finally:
            v.close()


def test_enrollment_refusals_are_clear(tmp_path: Path) -> None:
    from clinician_desk.errors import SyncError

    for fault, words in (
        (Fault(401, b'{"error": "enrollment_refused"}'), "new code"),
        (Fault(200, b'{"device_id": 7}'), "not understood"),
        (Fault(429, b"{}", {"Retry-After": "5"}), "busy"),
    ):
        with FaultServer([fault]) as srv:
            v = open_vault(tmp_path / words.replace(" ", "_"))
            try:
                with pytest.raises(SyncError, match=words):
                    v.sync.enroll(srv.url, "ABCD-EFGH-JKLM")
                assert not v.sync.status().enrolled
            finally:
                v.close()
