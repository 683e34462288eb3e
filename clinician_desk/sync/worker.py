"""The sync worker: rebuild dirty snapshots, sign and send pending revisions, record answers.

Three phases so the UI can run each where it belongs (``prepare`` and ``record`` touch the
database and run on the DB worker; ``send`` touches only the network):

1. ``prepare`` — one unit of work: rebuild the dirty periods, list the pending revisions.
2. ``send`` — sign each body with the device's Ed25519 key and PUT it; interpret the answer.
   The round's audit anchor (``storage.anchors``: the audit head sealed under the device's
   anchoring key, taken in ``prepare``) travels in the signed ``Audit-Anchor`` header of the
   round's last PUT, and the answer says where the county stored it. A round with nothing to
   PUT sends it alone (``POST /api/v1/anchors``) when the audit trail moved since the last
   anchor, as does a round whose county server refuses the header (a server from before it:
   the PUT is resent without it).
   Network trouble, 5xx and 429 stop the round and arm the full-jitter backoff (honoring
   Retry-After); 401 with the server's time corrects the clock offset and retries once; 403
   marks the device revoked and stops for good.
3. ``record`` — one unit of work: store every verdict (acknowledged revision, the server's
   reason per period, the new clock offset, revocation) and keep the anchor the county stored.

Guarantees: nothing here raises for network trouble (offline is normal); a revision is marked
acknowledged only after a 200 for exactly that revision; resending is safe because the server
treats the same revision with the same content as a duplicate.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from clinician_desk.clock import Clock, utc_iso
from clinician_desk.messages import M
from clinician_desk.storage import anchors
from clinician_desk.storage.repositories import sync_state
from clinician_desk.sync import outbox
from clinician_desk.sync.backoff import Backoff
from clinician_desk.sync.client import Reply, SyncClient
from clinician_desk.sync.signing import sign_request
from clinician_desk.sync.wire import canonical_json

REVOKED_MESSAGE = M(
    "The county has withdrawn this laptop's permission to send counts. Nothing was lost. "
    "Call your county mental-health program supervisor (county office of education) to "
    "re-enroll this laptop."
)
ClientFactory = Callable[[str], SyncClient]


@dataclass(frozen=True)
class Verdict:
    item: outbox.Outgoing
    status: str | None  # a sync_period status, or None when no usable answer arrived
    message: str
    problem: str | None = None
    server_revision: int | None = None


@dataclass
class RoundResult:
    """What one round did; ``stopped`` says why it ended early (offline, revoked, ...)."""

    verdicts: list[Verdict] = field(default_factory=list)
    stopped: str | None = None
    problem: str | None = None
    retry_after: float | None = None
    clock_offset: float | None = None
    revoked: bool = False
    not_attempted: int = 0
    #: (county position, local audit entry id, sealed text) of the anchor the county stored.
    anchor: tuple[int, int, str] | None = None


def _idempotency_key(path: str, body: bytes) -> str:
    """Same request bytes -> same key, so a retry of a lost answer is recognized as a replay."""
    digest = hashlib.sha256(path.encode() + b"\n" + body).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def _restamp(item: outbox.Outgoing, server_now: datetime) -> outbox.Outgoing:
    """``item`` with ``generated_at`` set to ``server_now`` (same cells and revision)."""
    try:
        data = json.loads(item.body)
    except ValueError:
        return item
    if not isinstance(data, dict) or "generated_at" not in data:
        return item
    data["generated_at"] = utc_iso(server_now)
    return replace(item, body=canonical_json(data))


def _refused_signature(reply: Reply) -> bool:
    """A 401 for the request's signature profile (what a county server from before the
    Audit-Anchor header answers to the five-component list), not for the clock, an unknown
    device or a signature that does not verify."""
    detail = reply.data.get("detail")
    return (
        reply.data.get("error") == "unauthorized"
        and isinstance(detail, str)
        and detail.startswith("Signature-Input is not the accepted form")
    )


def _reason(reply: Reply) -> str:
    data = reply.data
    for key in ("problems", "detail", "reason", "error", "message"):
        value = data.get(key)
        if isinstance(value, list) and value:
            return "; ".join(str(v) for v in value)[:500]
        if isinstance(value, str) and value:
            return value[:500]
    return f"the server answered {reply.status}"


def _stored_revision(reply: Reply) -> int | None:
    for key in ("stored_revision", "server_revision", "current_revision"):
        value = reply.data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


class SyncWorker:
    def __init__(
        self,
        db: Any,
        clock: Clock,
        cells_for_period: outbox.CellsForPeriod,
        *,
        client_factory: ClientFactory | None = None,
        backoff: Backoff | None = None,
        ca_bundle: str | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.cells_for_period = cells_for_period
        self.client_factory = client_factory or (
            lambda url: SyncClient(url, ca_bundle=ca_bundle, clock=clock)
        )
        self.backoff = backoff or Backoff()
        self.build_problems: list[str] = []
        self._anchor: tuple[int, str] | None = None  # (audit id, sealed text) of this round
        self._last_anchored = 0  # audit id of the newest anchor the county stored
        self._header_refused = False  # the county refused the Audit-Anchor header once

    # -- phase 1 (database) ------------------------------------------------------------------
    def prepare(self) -> tuple[outbox.Device | None, list[outbox.Outgoing]]:
        """Rebuild dirty months and list what waits. Build problems land in
        ``self.build_problems`` and on the period rows; they never stop the other months."""
        with self.db.unit_of_work() as uow:
            device = outbox.load_device(uow.conn)
            if device is None:
                return None, []
            dirty = outbox.dirty_periods(uow.conn)
            if dirty:
                # generated_at in the server's time as last learned (the server refuses a
                # generated_at in its future).
                server_now = self.clock.now() + timedelta(seconds=device.clock_offset_seconds)
                self.build_problems = outbox.rebuild(
                    uow.conn, dirty, self.cells_for_period, device, server_now
                )
            make = getattr(self.db, "make_anchor", None)
            self._anchor = make(device.device_id) if make is not None else None
            self._last_anchored = anchors.last_anchored_id(uow.conn)
            return device, outbox.outgoing(uow.conn)

    @property
    def anchor_pending(self) -> bool:
        """The audit trail moved since the last anchor the county stored (after ``prepare``):
        a round with nothing to PUT still sends the anchor, alone. When nothing moved there is
        nothing new to commit to and such a round sends nothing."""
        return self._anchor is not None and self._anchor[0] != self._last_anchored

    # -- phase 2 (network only) --------------------------------------------------------------
    def send(self, device: outbox.Device, items: list[outbox.Outgoing]) -> RoundResult:
        result = RoundResult()
        if device.revoked:
            result.stopped, result.problem = "revoked", REVOKED_MESSAGE
            result.not_attempted = len(items)
            return result
        key = Ed25519PrivateKey.from_private_bytes(device.private_key)
        offset = device.clock_offset_seconds
        client = self.client_factory(device.server_url)
        post_anchor = self._anchor is not None
        try:
            for index, item in enumerate(items):
                # The anchor rides on the last PUT (one request fewer per round).
                last = index == len(items) - 1
                anchor = self._anchor if last and not self._header_refused else None
                sent = item
                reply = self._put(client, device, key, sent, offset, anchor)
                if anchor is not None and reply.status == 401 and _refused_signature(reply):
                    # A county server from before the Audit-Anchor header refuses its
                    # signature profile: resend without it, POST the anchor on its own, and
                    # send no header to this server again while the app runs.
                    self._header_refused = True
                    anchor = None
                    reply = self._put(client, device, key, sent, offset, None)
                if reply.status == 401 and reply.server_time is not None:
                    offset = (reply.server_time - self.clock.now()).total_seconds()
                    result.clock_offset = offset
                    # The body was stamped with the wrong clock too: restamp generated_at (not
                    # part of the content hash, so the server still sees the same snapshot).
                    sent = _restamp(item, self.clock.now() + timedelta(seconds=offset))
                    reply = self._put(client, device, key, sent, offset, anchor)
                if anchor is not None:
                    position = reply.data.get("anchor_position")
                    if isinstance(position, int) and not isinstance(position, bool):
                        result.anchor = (position, anchor[0], anchor[1])
                        post_anchor = False
                verdict, stop = self._interpret(item, reply, result)
                if verdict is not None:
                    result.verdicts.append(verdict)
                if stop:
                    result.not_attempted = len(items) - index - 1
                    break
            if result.stopped is None and post_anchor:
                self._post_anchor(client, device, key, offset, result)
        finally:
            client.close()
        return result

    def _post_anchor(
        self,
        client: SyncClient,
        device: outbox.Device,
        key: Ed25519PrivateKey,
        offset: float,
        result: RoundResult,
    ) -> None:
        """Send the round's anchor; a failure only means this round has none (never a stop)."""
        assert self._anchor is not None
        audit_id, text = self._anchor
        path = "/api/v1/anchors"
        body = json.dumps({"anchor": text}, separators=(",", ":")).encode()
        created = int((self.clock.now() + timedelta(seconds=offset)).timestamp())
        headers = sign_request(
            "POST",
            path,
            body,
            device_id=device.device_id,
            private_key=key,
            created=created,
            idempotency_key=_idempotency_key(path, body),
        )
        reply = client.request("POST", path, body=body, headers=headers)
        position = reply.data.get("position") if reply.ok else None
        if isinstance(position, int) and not isinstance(position, bool):
            result.anchor = (position, audit_id, text)

    def _put(
        self,
        client: SyncClient,
        device: outbox.Device,
        key: Ed25519PrivateKey,
        item: outbox.Outgoing,
        offset: float,
        anchor: tuple[int, str] | None = None,
    ) -> Reply:
        """PUT one snapshot; with ``anchor`` (audit id, sealed text) in its signed
        ``Audit-Anchor`` header (the Idempotency-Key then covers the anchor too, so a resent
        body with a new anchor is a new request)."""
        path = f"/api/v1/counts/{item.org_unit}/{item.period}"
        created = int((self.clock.now() + timedelta(seconds=offset)).timestamp())
        text = None if anchor is None else anchor[1]
        ident = item.body if text is None else item.body + b"\n" + text.encode("ascii")
        headers = sign_request(
            "PUT",
            path,
            item.body,
            device_id=device.device_id,
            private_key=key,
            created=created,
            idempotency_key=_idempotency_key(path, ident),
            anchor=text,
        )
        return client.request("PUT", path, body=item.body, headers=headers)

    def _interpret(
        self, item: outbox.Outgoing, reply: Reply, result: RoundResult
    ) -> tuple[Verdict | None, bool]:
        """The verdict for ``item`` and whether the round must stop."""
        st = reply.status
        if reply.transport is not None and not (st is not None and st >= 500):
            result.stopped, result.problem = reply.transport, reply.problem
            return Verdict(item, None, reply.problem), True
        if st is not None and (st >= 500 or st == 429):
            result.stopped = "server_busy" if st == 429 else "server_error"
            result.problem = f"the county server answered {st}; will retry later"
            result.retry_after = reply.retry_after
            return Verdict(item, None, result.problem), True
        if st == 200:
            outcome = str(reply.data.get("result") or reply.data.get("status") or "applied")
            return Verdict(item, "synced", outcome), False
        if st == 403:
            result.stopped, result.problem, result.revoked = "revoked", REVOKED_MESSAGE, True
            return Verdict(item, None, REVOKED_MESSAGE), True
        if st == 401:
            result.stopped = "unauthorized"
            result.problem = "The county server did not accept this laptop's signature: " + (
                _reason(reply)
            )
            return Verdict(item, None, result.problem), True
        if st == 409:
            stored = _stored_revision(reply)
            reason = _reason(reply)
            code = str(reply.data.get("error") or "")
            stale = code == "stale" or (code != "conflict" and (stored or 0) > item.revision)
            status = "stale" if stale else "conflict"
            msg = (
                "The county holds a newer version of this month's counts than this laptop "
                "(restored from an old backup?). Kept here; review and resend."
                if stale
                else "The county holds different counts under the same revision. Kept here; "
                "review and resend."
            )
            return Verdict(item, status, msg, reason, stored), False
        if st == 423:
            return Verdict(item, "locked", "The county closed this month.", _reason(reply)), False
        if st in (413, 422) or (st is not None and 400 <= st < 500):
            reason = _reason(reply)
            return Verdict(item, "rejected", f"Rejected by the county: {reason}", reason), False
        result.stopped, result.problem = "bad_response", f"unexpected answer {st}"
        return Verdict(item, None, result.problem), True

    def fetch_anchors(self, device: outbox.Device) -> list[anchors.Anchor] | str:
        """This device's anchors as the county keeps them, in order; a problem text when they
        cannot be fetched (offline, refused, a malformed answer)."""
        key = Ed25519PrivateKey.from_private_bytes(device.private_key)
        path = "/api/v1/anchors"
        client = self.client_factory(device.server_url)
        try:
            offset = device.clock_offset_seconds
            for _attempt in range(2):
                created = int((self.clock.now() + timedelta(seconds=offset)).timestamp())
                headers = sign_request(
                    "GET", path, b"", device_id=device.device_id, private_key=key, created=created
                )
                reply = client.request("GET", path, headers=headers)
                if reply.status == 401 and reply.server_time is not None:
                    offset = (reply.server_time - self.clock.now()).total_seconds()
                    continue
                break
        finally:
            client.close()
        if not reply.ok:
            return reply.problem or f"the county server answered {reply.status}: {_reason(reply)}"
        found = reply.data.get("anchors")
        if not isinstance(found, list):
            return "the county server's answer holds no anchors list"
        out: list[anchors.Anchor] = []
        for item in found:
            if not isinstance(item, dict):
                return "the county server's answer holds a malformed anchor"
            pos, text, day = item.get("position"), item.get("anchor"), item.get("received_on")
            if not (isinstance(pos, int) and isinstance(text, str) and isinstance(day, str)):
                return "the county server's answer holds a malformed anchor"
            out.append(anchors.Anchor(pos, text, day[:10]))
        return out

    # -- phase 3 (database) ------------------------------------------------------------------
    def record(self, result: RoundResult) -> None:
        now = self.clock.now()
        with self.db.unit_of_work() as uow:
            for v in result.verdicts:
                if v.status is None:
                    outbox.note_attempt(uow.conn, v.item, now)
                else:
                    outbox.record_outcome(
                        uow.conn,
                        v.item,
                        status=v.status,
                        now=now,
                        problem=v.problem,
                        server_revision=v.server_revision,
                    )
            sync_state.record_round(
                uow.conn,
                attempt_at=utc_iso(now),
                problem=result.problem,
                success_at=utc_iso(now) if result.stopped is None and result.verdicts else None,
                clock_offset=result.clock_offset,
                revoked_at=utc_iso(now) if result.revoked else None,
            )
            if result.anchor is not None:
                position, audit_id, text = result.anchor
                anchors.keep(uow.conn, position, audit_id, text, now.date().isoformat())

    # -- all three ---------------------------------------------------------------------------
    def run_once(self, *, force: bool = False) -> RoundResult:
        """One round. Waits out the backoff unless ``force`` (an explicit user request)."""
        device, items = self.prepare()
        if device is None:
            return RoundResult(stopped="not_enrolled", problem="This laptop is not enrolled.")
        if not items and not device.revoked and not self.anchor_pending:
            return RoundResult()
        mono = self.clock.monotonic()
        if not force and not self.backoff.ready(mono):
            return RoundResult(
                stopped="waiting",
                retry_after=self.backoff.wait_seconds(mono),
                not_attempted=len(items),
            )
        result = self.send(device, items)
        self.record(result)
        progressed = any(v.status is not None for v in result.verdicts)
        if result.stopped in (None, "revoked") or progressed:
            self.backoff.succeeded()  # the server answers: start the backoff from the base again
        if result.stopped not in (None, "revoked"):
            delay = self.backoff.failed(mono, result.retry_after)
            result = replace(result, retry_after=delay)
        return result

    def run_until_idle(
        self, *, max_rounds: int = 50, sleep: Callable[[float], None] = time.sleep
    ) -> list[RoundResult]:
        """Rounds until nothing is pending or a permanent stop (revoked, not enrolled,
        signature refused), sleeping the backoff delay between failed rounds."""
        rounds: list[RoundResult] = []
        for _ in range(max_rounds):
            r = self.run_once(force=True)
            rounds.append(r)
            if r.stopped in ("revoked", "not_enrolled", "unauthorized"):
                break
            if r.stopped is None:
                if self._nothing_pending():
                    break
                continue
            sleep(r.retry_after or 0.0)
        return rounds

    def _nothing_pending(self) -> bool:
        _, items = self.prepare()
        return not items
