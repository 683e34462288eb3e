"""Receiving one signed counts snapshot in one transaction.

The decision table is the one in docs/design/sync-protocol.md.

``receive_counts`` returns an :class:`Answer` (status, JSON body, headers) and never raises for
bad input. Order of checks (first failing one answers):

1. signature headers parse and the body matches ``Content-Digest``, else **401**;
2. ``created`` within ±10 minutes of the server clock, else **401** (body carries
   ``server_time`` so the client can show the skew);
3. the ``keyid`` is an enrolled device and the Ed25519 signature verifies, else **401**;
4. the device is not revoked (``revoked``) nor retired (``retired``), else **403**;
5. a request with an Idempotency-Key already seen from this device inside the replay window
   is answered with the stored answer (same digest) or **422** (different body) — nothing changes;
6. the body parses against the wire schema, its device/org unit/period match the signer and the
   URL, and, each with its own line in ``problems`` (the laptop shows them):

   * the org unit is in the county's directory **and** in the device's enrollment list (a
     district there means district-level cells only, not its schools; an enrolled school also
     allows its district's roll-up, where the laptop puts district-level cells);
   * the period lies between the device's enrollment month minus the history horizon
     (``history_years``, default 7) and the server's current month;
   * ``generated_at`` is a real UTC time no later than now + the allowed clock skew;
   * ``taxonomy_version`` is one the server knows;

   else **422** with ``problems``;
7. the period is not closed for the county or the district, else **423**;
8. revisions: higher than stored → **200 applied**; equal with the same content → **200
   duplicate**; equal with other content → **409 conflict**; lower → **409 stale**; both 409s
   carry ``stored_revision``.

A request that carries an ``Audit-Anchor`` header (covered by its signature, checked in steps
1 and 3) has the anchor appended to the device's anchors in the same transaction, whatever the
answer of steps 6–8, and the answer carries its ``anchor_position``
(``county_server.anchor_store``). Its replay check (step 5) compares the body digest and the anchor.

Rate limiting (429): per client address in the API layer before this; per device right after
step 4, through ``device_gate``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from clinician_desk.sync.signing import SignatureError, SignedRequest, parse_signed_request
from clinician_desk.sync.wire import Snapshot, WireError, district_of, parse_snapshot
from county_server import anchor_store, orgunits
from county_server.db import Database, Tx, now_iso
from county_server.taxonomy import load_server_taxonomy


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def error(status: int, code: str, detail: str, now: datetime, **extra: Any) -> Answer:
    body: dict[str, Any] = {"error": code, "detail": detail, "server_time": now_iso(now)}
    body.update(extra)
    return Answer(status, body)


def _signed(
    method: str, path: str, body: bytes, headers: Mapping[str, str], now: datetime, max_skew: int
) -> SignedRequest | Answer:
    """Checks 1–2 (no database): the signature headers parse, the digest matches, the clock."""
    try:
        req = parse_signed_request(method, path, body, headers)
    except SignatureError as exc:
        return error(401, "unauthorized", str(exc), now)
    if abs(now.timestamp() - req.created) > max_skew:
        return error(401, "clock_skew", "request time differs from the server's by > 10 min", now)
    return req


def _device_checks(
    tx: Tx, req: SignedRequest, row: tuple[Any, ...] | None, now: datetime
) -> Answer | None:
    """Checks 3–4 on the device's row (public_key, org_units, revoked_at, last_seen_at,
    retired_at, enrolled_at, ...): enrolled, the signature verifies, neither revoked nor
    retired. Marks the device seen (once a minute)."""
    if row is None:
        return error(401, "unknown_device", "this device is not enrolled", now)
    try:
        req.verify(base64.b64decode(row[0]))
    except SignatureError as exc:
        return error(401, "unauthorized", str(exc), now)
    if row[2] is not None:
        return error(
            403,
            "revoked",
            "this device was revoked by the county; call the county "
            "office's clinician-desk administrator",
            now,
        )
    if row[4] is not None:
        return error(
            403,
            "retired",
            "this device was retired by the county and its counts are set aside; call the "
            "county office's clinician-desk administrator",
            now,
        )
    if row[3] is None or str(row[3]) < now_iso(now - timedelta(seconds=60)):
        # "last seen" is shown to the minute; writing it once a minute spares a row update
        # on every request of a busy first sync.
        tx.execute(
            "UPDATE devices SET last_seen_at = ? WHERE device_id = ?", (now_iso(now), req.keyid)
        )
    return None


_DEVICE_COLUMNS = "public_key, org_units, revoked_at, last_seen_at, retired_at, enrolled_at"


def authenticate(
    tx: Tx,
    method: str,
    path: str,
    body: bytes,
    headers: Mapping[str, str],
    now: datetime,
    max_skew: int,
) -> tuple[SignedRequest, str, str] | Answer:
    """Signature checks 1–4; returns (request, device org units JSON, enrolled_at) or the error
    answer."""
    req = _signed(method, path, body, headers, now, max_skew)
    if isinstance(req, Answer):
        return req
    row = tx.one(f"SELECT {_DEVICE_COLUMNS} FROM devices WHERE device_id = ?", (req.keyid,))
    refused = _device_checks(tx, req, row, now)
    if refused is not None or row is None:
        return refused or error(401, "unknown_device", "this device is not enrolled", now)
    return req, str(row[1]), str(row[5])


@dataclass(frozen=True)
class Signed:
    """A device's request whose signature, clock, enrollment and standing checked out
    (``authenticate``), with the transaction it was checked in."""

    tx: Tx
    req: SignedRequest
    units_json: str
    enrolled_at: str
    body: bytes
    now: datetime


# ``(db, *, path, body=b"", headers, now, max_skew) -> Answer``: what ``signed_endpoint`` makes.
SignedEndpoint = Callable[..., Answer]


def signed_endpoint(method: str, handler: Callable[[Signed], Answer]) -> SignedEndpoint:
    """The preamble every signed device endpoint but the counts upload shares: one
    transaction, ``authenticate`` (its error answer returned as is), then ``handler``."""

    def run(
        db: Database,
        *,
        path: str,
        body: bytes = b"",
        headers: Mapping[str, str],
        now: datetime,
        max_skew: int,
    ) -> Answer:
        with db.transaction() as tx:
            auth = authenticate(tx, method, path, body, headers, now, max_skew)
            if isinstance(auth, Answer):
                return auth
            req, units_json, enrolled_at = auth
            return handler(Signed(tx, req, units_json, enrolled_at, body, now))

    return run


def allowed_org_unit(org_unit: str, units: Collection[str]) -> bool:
    """The unit itself, or the district roll-up of an enrolled school (where the laptop puts
    district-level cells). A district in ``units`` allows that district's own cells only, never
    its schools'."""
    if org_unit in units:
        return True
    return org_unit.endswith("0000000") and any(district_of(u) == org_unit for u in units)


def _month_index(period: str) -> int:
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def _parse_utc(text: str) -> datetime | None:
    if len(text) != 20 or not text.endswith("Z"):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def content_problems(
    tx: Tx,
    snap: Snapshot,
    units: Collection[str],
    enrolled_at: str,
    now: datetime,
    *,
    max_skew: int,
    history_years: int,
    taxonomy_versions: Collection[str],
    unit_exists: bool | None = None,
) -> list[str]:
    """The checks of step 6 beyond the wire schema, one reason per line. ``unit_exists`` is
    whether ``snap.org_unit`` is in the directory when the caller already read it."""
    problems: list[str] = []
    if not allowed_org_unit(snap.org_unit, units):
        problems.append("org_unit: this device is not enrolled for this org unit")
    elif not (orgunits.exists(tx, snap.org_unit) if unit_exists is None else unit_exists):
        problems.append("org_unit: not in the county's directory of schools and districts")
    enrolled = _parse_utc(enrolled_at) or now
    first = _month_index(enrolled.strftime("%Y-%m")) - 12 * history_years
    month = _month_index(snap.period)
    if month > _month_index(now.strftime("%Y-%m")):
        problems.append(f"period: {snap.period} is in the future (server month {now:%Y-%m})")
    elif month < first:
        problems.append(
            f"period: {snap.period} is older than the county keeps ({history_years} years "
            "before the device's enrollment)"
        )
    generated = _parse_utc(snap.generated_at)
    if generated is None:
        problems.append("generated_at: not a real UTC time (YYYY-MM-DDTHH:MM:SSZ)")
    elif generated > now + timedelta(seconds=max_skew):
        problems.append("generated_at: later than the server's clock allows; check the clock")
    if snap.taxonomy_version not in taxonomy_versions:
        known = ", ".join(sorted(taxonomy_versions))[:60]
        problems.append(
            f"taxonomy_version: {snap.taxonomy_version[:32]!r} is unknown to the server "
            f"(known: {known}); update clinician-desk"
        )
    return problems


def _validate(
    body: bytes,
    req: SignedRequest,
    org_unit: str,
    period: str,
    units: list[str],
    service_codes: Collection[str],
    now: datetime,
    tx: Tx,
    enrolled_at: str,
    *,
    max_skew: int,
    history_years: int,
    taxonomy_versions: Collection[str],
    unit_exists: bool | None = None,
) -> Snapshot | Answer:
    try:
        snap = parse_snapshot(body, service_codes=service_codes)
    except WireError as exc:
        return error(422, "invalid", "the counts payload is invalid", now, problems=exc.problems)
    problems = []
    if snap.device_id != req.keyid:
        problems.append("device_id: does not match the signing device")
    if snap.org_unit != org_unit:
        problems.append("org_unit: does not match the URL")
    if snap.period != period:
        problems.append("period: does not match the URL")
    if not problems:
        problems = content_problems(
            tx,
            snap,
            units,
            enrolled_at,
            now,
            max_skew=max_skew,
            history_years=history_years,
            taxonomy_versions=taxonomy_versions,
            unit_exists=unit_exists,
        )
    if problems:
        return error(422, "invalid", "the counts payload is invalid", now, problems=problems)
    return snap


_UPSERT_SNAPSHOT = (
    "INSERT INTO snapshots (device_id, org_unit, period, revision, content_hash, "
    "taxonomy_version, generated_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (device_id, org_unit, period) DO UPDATE SET revision = excluded.revision, "
    "content_hash = excluded.content_hash, taxonomy_version = excluded.taxonomy_version, "
    "generated_at = excluded.generated_at, received_at = excluded.received_at"
)
_INSERT_HISTORY = (
    "INSERT INTO snapshot_history (device_id, org_unit, period, revision, content_hash, "
    "body, received_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_DELETE_CELLS = "DELETE FROM cells WHERE device_id = ? AND org_unit = ? AND period = ?"
_CELL_COLUMNS = (
    "device_id, org_unit, district_code, period, measure, service, tier, grade_band, "
    "instrument, value"
)
_CELLS_PER_INSERT = 500  # 5,000 parameters: far below either engine's limit


def _apply(
    tx: Tx, snap: Snapshot, body: bytes, now: datetime, content_hash: str | None = None
) -> None:
    """Store ``snap`` as the latest revision (history keeps the body exactly as signed).

    Few statements, since each one is a round trip and a parse-bind-execute in the server: on
    PostgreSQL the snapshot, its history row and the removal of the previous cells go in one
    statement (data-modifying CTEs, on three different tables), and the new cells in one
    multi-row INSERT."""
    stamp = now_iso(now)
    h = content_hash or snap.content_hash()
    key = (snap.device_id, snap.org_unit, snap.period)
    snapshot = (*key, snap.revision, h, snap.taxonomy_version, snap.generated_at, stamp)
    history = (*key, snap.revision, h, body.decode() if body else snap.to_json().decode(), stamp)
    if tx.dialect == "postgresql":
        tx.execute(
            f"WITH s AS ({_UPSERT_SNAPSHOT}), h AS ({_INSERT_HISTORY}) {_DELETE_CELLS}",
            (*snapshot, *history, *key),
        )
    else:
        tx.execute(_UPSERT_SNAPSHOT, snapshot)
        tx.execute(_INSERT_HISTORY, history)
        tx.execute(_DELETE_CELLS, key)
    district = district_of(snap.org_unit)
    rows = [(*key[:2], district, snap.period, *c.key(), c.value) for c in snap.cells]
    for start in range(0, len(rows), _CELLS_PER_INSERT):
        chunk = rows[start : start + _CELLS_PER_INSERT]
        marks = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
        tx.execute(
            f"INSERT INTO cells ({_CELL_COLUMNS}) VALUES {marks}",
            [v for row in chunk for v in row],
        )


def _decide(
    tx: Tx, snap: Snapshot, body: bytes, now: datetime, closed: bool | None = None
) -> Answer:
    """Steps 7–8. ``closed`` is whether the snapshot's period is closed for its district when
    the caller already read it."""
    if closed is None:
        closed = (
            tx.one(
                "SELECT scope FROM closed_periods WHERE period = ? AND (scope = '*' OR scope = ?)",
                (snap.period, district_of(snap.org_unit)),
            )
            is not None
        )
    if closed:
        return error(423, "locked", f"period {snap.period} was closed by the county", now)
    if tx.dialect == "postgresql":
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext(?))",
            (f"{snap.device_id}/{snap.org_unit}/{snap.period}",),
        )
    row = tx.one(
        "SELECT revision, content_hash FROM snapshots "
        "WHERE device_id = ? AND org_unit = ? AND period = ?",
        (snap.device_id, snap.org_unit, snap.period),
    )
    digest = snap.content_hash()
    if row is not None:
        stored, stored_hash = int(row[0]), str(row[1])
        if snap.revision == stored:
            if digest == stored_hash:
                return Answer(
                    200, {"status": "duplicate", "revision": stored, "server_time": now_iso(now)}
                )
            return error(
                409, "conflict", "same revision with different content", now, stored_revision=stored
            )
        if snap.revision < stored:
            return error(
                409,
                "stale",
                "the server has a newer revision of this period",
                now,
                stored_revision=stored,
            )
    _apply(tx, snap, body, now, digest)
    return Answer(
        200, {"status": "applied", "revision": snap.revision, "server_time": now_iso(now)}
    )


def receive_counts(
    db: Database,
    *,
    method: str,
    path: str,
    org_unit: str,
    period: str,
    body: bytes,
    headers: Mapping[str, str],
    now: datetime,
    max_skew: int,
    replay_window: int,
    service_codes: Collection[str],
    device_gate: Callable[[str], Answer | None] | None = None,
    taxonomy_versions: Collection[str] | None = None,
    history_years: int = 7,
) -> Answer:
    """Decide and store one PUT. ``device_gate(device_id)`` runs after authentication (the
    per-device rate limit, so nobody can spend another device's budget by naming it).
    ``taxonomy_versions`` defaults to the version of the server's taxonomy file."""
    if taxonomy_versions is None:
        taxonomy_versions = (load_server_taxonomy().version,)
    req = _signed(method, path, body, headers, now, max_skew)
    if isinstance(req, Answer):
        return req
    stamp = int(now.timestamp())
    with db.transaction() as tx:
        # One round trip for everything the checks read: the device (steps 3–4), an earlier
        # answer to this Idempotency-Key (step 5), whether the URL's org unit is in the
        # directory (step 6) and whether its period is closed (step 7). The body must name the
        # URL's org unit and period, so these answer for the snapshot too.
        unit = org_unit if orgunits.is_code(org_unit) else ""
        is_district = unit.endswith("0000000")
        row = tx.one(
            f"SELECT {', '.join('d.' + c for c in _DEVICE_COLUMNS.split(', '))}, "
            "s.digest, s.status_code, s.response, "
            "(SELECT 1 FROM districts WHERE code = ?), (SELECT 1 FROM schools WHERE code = ?), "
            "(SELECT COUNT(*) FROM closed_periods WHERE period = ? AND (scope = '*' OR scope = ?)) "
            "FROM devices d LEFT JOIN seen_requests s ON s.device_id = d.device_id "
            "AND s.idempotency_key = ? AND s.created_unix >= ? WHERE d.device_id = ?",
            (
                unit if is_district else "",
                "" if is_district else unit,
                period,
                district_of(org_unit),
                req.idempotency_key,
                stamp - replay_window,
                req.keyid,
            ),
        )
        refused = _device_checks(tx, req, row, now)
        if refused is not None or row is None:
            return refused or error(401, "unknown_device", "this device is not enrolled", now)
        units_json, enrolled_at = str(row[1]), str(row[5])
        if device_gate is not None and (refused := device_gate(req.keyid)) is not None:
            return refused
        # An anchored request's replay identity is its body and its anchor.
        seen_digest = req.digest
        if req.anchor is not None:
            seen_digest += ";anchor=" + hashlib.sha256(req.anchor.encode()).hexdigest()[:32]
        if row[6] is not None:
            if row[6] != seen_digest:
                return error(
                    422,
                    "idempotency_key_reused",
                    "Idempotency-Key was already used for a different body or anchor",
                    now,
                    problems=["Idempotency-Key: reused for a different body"],
                )
            answer = Answer(int(row[7]), json.loads(row[8]))
            answer.headers["Idempotent-Replayed"] = "true"
            return answer
        units = json.loads(units_json)
        checked = _validate(
            body,
            req,
            org_unit,
            period,
            units,
            service_codes,
            now,
            tx,
            enrolled_at,
            max_skew=max_skew,
            history_years=history_years,
            taxonomy_versions=taxonomy_versions,
            unit_exists=row[9] is not None or row[10] is not None,
        )
        if isinstance(checked, Answer):
            answer = checked
        else:
            answer = _decide(tx, checked, body, now, closed=int(row[11]) > 0)
        if req.anchor is not None:
            position, _new = anchor_store.append(
                tx, req.keyid, req.anchor, req.idempotency_key, now
            )
            answer.body["anchor_position"] = position
        if stamp % 16 == 0:  # prune now and then; lookups ignore old rows anyway
            tx.execute("DELETE FROM seen_requests WHERE created_unix < ?", (stamp - replay_window,))
        tx.execute(
            "INSERT INTO seen_requests (device_id, idempotency_key, digest, created_unix, "
            "status_code, response) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (device_id, idempotency_key) DO UPDATE SET digest = excluded.digest, "
            "created_unix = excluded.created_unix, status_code = excluded.status_code, "
            "response = excluded.response",
            (
                req.keyid,
                req.idempotency_key,
                seen_digest,
                stamp,
                answer.status,
                json.dumps(answer.body),
            ),
        )
        return answer
