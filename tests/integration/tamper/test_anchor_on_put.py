"""The round's anchor rides on its last counts PUT (signed ``Audit-Anchor`` header), against a
real county server on loopback: stored with the counts, no separate request, and it verifies;
a round with nothing to PUT still anchors (alone) when the audit trail moved, and sends nothing
when it did not."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from tests.support.county import DISTRICT, SCHOOLS, CountyServer
from tests.support.vaultkit import Seeder, Vault, open_vault


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CountyServer]:
    server = CountyServer(tmp_path_factory.mktemp("county"))
    server.start()
    yield server
    server.stop()


def _county_anchors(county: CountyServer, v: Vault) -> list[tuple[int, str, bool]]:
    """(position, anchor, came on a counts PUT) per anchor the county stored for this laptop,
    in order. A PUT's Idempotency-Key is kept in ``seen_requests``; an anchor POST's is not."""
    device = v.sync.anchored_device()
    assert device is not None
    db = county._db()
    try:
        with db.read() as tx:
            rows = tx.all(
                "SELECT a.position, a.anchor, EXISTS (SELECT 1 FROM seen_requests s"
                " WHERE s.device_id = a.device_id AND s.idempotency_key = a.idempotency_key)"
                " FROM audit_anchors a WHERE a.device_id = ? ORDER BY a.position",
                (device.device_id,),
            )
    finally:
        db.close()
    return [(int(r[0]), str(r[1]), bool(r[2])) for r in rows]


def test_the_anchor_rides_on_the_last_put_and_a_round_without_puts_still_anchors(
    tmp_path: Path, county: CountyServer
) -> None:
    v = open_vault(tmp_path / "laptop", clock=FakeClock(datetime.now(UTC).replace(microsecond=0)))
    try:
        seeder = Seeder(v)
        kid = seeder.student("8", SCHOOLS[0])
        seeder.session(date(2026, 8, 3), "TX-IND", 2, SCHOOLS[0], (kid,), 45)
        seeder.session(date(2026, 9, 3), "TX-IND", 2, SCHOOLS[0], (kid,), 45)
        v.sync.enroll(county.url, county.issue_code((DISTRICT,)))
        rounds = v.sync.sync_until_idle(sleep=time.sleep)
        assert rounds[-1].stopped is None and len(rounds[-1].verdicts) >= 2
        stored = _county_anchors(county, v)
        assert [(p, on_put) for p, _a, on_put in stored] == [(1, True)]
        assert rounds[-1].anchor is not None and rounds[-1].anchor[2] == stored[0][1]
        assert v.sync.check_anchors() == ("1 county anchor(s) checked", [])

        # Nothing moved: a round sends nothing at all (no anchor either).
        assert v.sync.worker.run_once().anchor is None
        assert len(_county_anchors(county, v)) == 1

        # The audit trail moved without any count changing (a student added): the round has
        # nothing to PUT and sends the anchor alone.
        seeder.student("7", SCHOOLS[0])
        device, items = v.sync.worker.prepare()
        assert device is not None and items == [] and v.sync.worker.anchor_pending
        result = v.sync.worker.run_once()
        assert result.stopped is None and result.anchor is not None
        stored = _county_anchors(county, v)
        assert [(p, on_put) for p, _a, on_put in stored] == [(1, True), (2, False)]
        assert v.sync.check_anchors() == ("2 county anchor(s) checked", [])
    finally:
        v.close()


class _OlderCounty:
    """A county server from before the ``Audit-Anchor`` header, as seen by the laptop: a proxy
    on loopback in front of the real county server that answers a request carrying the header
    exactly as the older server's signature check did (401 ``unauthorized``, "Signature-Input
    is not the accepted form"), and forwards every other request unchanged."""

    def __init__(self, upstream: str) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        import requests

        refused: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if "Audit-Anchor" in self.headers:
                    refused.append(self.command)
                    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                    self._answer(
                        401,
                        json.dumps(
                            {
                                "error": "unauthorized",
                                "detail": "Signature-Input is not the accepted form "
                                "(see the protocol docs)",
                                "server_time": now,
                            }
                        ).encode(),
                    )
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                r = requests.request(
                    self.command, upstream + self.path, data=body, headers=headers, timeout=10
                )
                self._answer(r.status_code, r.content)

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_POST = _relay

            def log_message(self, *_args: object) -> None:
                pass

        self.refused = refused
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_laptop_newer_than_its_county_resends_without_the_header_and_posts_the_anchor(
    tmp_path: Path, county: CountyServer
) -> None:
    older = _OlderCounty(county.url)
    v = open_vault(tmp_path / "laptop", clock=FakeClock(datetime.now(UTC).replace(microsecond=0)))
    try:
        seeder = Seeder(v)
        kid = seeder.student("8", SCHOOLS[0])
        seeder.session(date(2026, 8, 3), "TX-IND", 2, SCHOOLS[0], (kid,), 45)
        v.sync.enroll(older.url, county.issue_code((DISTRICT,)))
        result = v.sync.worker.run_once(force=True)
        assert result.stopped is None, result.problem
        assert result.verdicts and all(x.status == "synced" for x in result.verdicts)
        assert older.refused == ["PUT"]  # the anchored PUT, once; the rest went through
        stored = _county_anchors(county, v)
        assert [(p, on_put) for p, _a, on_put in stored] == [(1, False)]  # posted alone
        assert result.anchor is not None and result.anchor[2] == stored[0][1]
        assert v.sync.check_anchors() == ("1 county anchor(s) checked", [])
        # The next round does not try the header again: one PUT, the anchor posted alone.
        seeder.session(date(2026, 8, 4), "TX-IND", 2, SCHOOLS[0], (kid,), 30)
        again = v.sync.worker.run_once(force=True)
        assert again.stopped is None and again.anchor is not None
        assert older.refused == ["PUT"]
        assert [(p, on_put) for p, _a, on_put in _county_anchors(county, v)] == [
            (1, False),
            (2, False),
        ]
    finally:
        v.close()
        older.close()
