"""Enrollment: register this laptop with the county server and keep its key in the vault.

``enroll`` generates an Ed25519 device key, posts the one-time code with the public key, and in
one unit of work stores the device id, the private key (inside the encrypted vault database),
the org units the device may report for and the county's escrow public key. Before that
transaction commits it fills the vault's county escrow slot (``set_escrow_slot``), so a vault
is never left enrolled without its escrow slot when the county provided a key. Every failure is a
``SyncError`` or ``UsageError`` with a message a clinician can act on; nothing is half-stored.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from clinician_desk import __version__
from clinician_desk.clock import Clock, utc_iso
from clinician_desk.config import VaultPaths
from clinician_desk.errors import SyncError, UsageError
from clinician_desk.messages import M
from clinician_desk.storage.repositories import sync_state
from clinician_desk.sync import outbox
from clinician_desk.sync.client import Reply, SyncClient
from clinician_desk.sync.signing import generate_device_key, public_key_b64
from clinician_desk.vault import DataKey, set_escrow_slot

_ORG = re.compile(r"^[0-9]{14}$")


@dataclass(frozen=True)
class Enrollment:
    device_id: str
    org_units: tuple[str, ...]
    taxonomy_version: str
    escrow_set: bool


def _refusal(reply: Reply) -> SyncError:
    if reply.transport is not None:
        return SyncError(
            M(
                "Could not enroll: {problem}. Check the address and try again.",
                problem=reply.problem,
            )
        )
    detail = str(reply.data.get("detail") or "")[:200]
    if reply.status == 401:
        return SyncError(
            M(
                "The enrollment code was not accepted (unknown, already used or expired). "
                "Ask the county for a new code."
            )
        )
    if reply.status == 429:
        return SyncError(M("The county server is busy; try enrolling again in a few minutes."))
    if reply.status == 422:
        return SyncError(
            M("The county server refused the enrollment request: {detail}", detail=detail)
        )
    return SyncError(
        M("The county server answered {status} to the enrollment request.", status=reply.status)
    )


def _parse(data: Any) -> tuple[str, tuple[str, ...], str, bytes | None, str | None]:
    try:
        device_id = data["device_id"]
        units = tuple(data["org_units"])
        taxonomy_version = data["taxonomy_version"]
        escrow_text = data.get("escrow_public_key")
        ok = (
            isinstance(device_id, str)
            and device_id.startswith("dev_")
            and units
            and all(isinstance(u, str) and _ORG.match(u) for u in units)
            and isinstance(taxonomy_version, str)
            and (escrow_text is None or isinstance(escrow_text, str))
        )
        if not ok:
            raise ValueError
        escrow = base64.b64decode(escrow_text, validate=True) if escrow_text else None
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise SyncError(M("The county server's enrollment answer is not understood.")) from None
    return device_id, units, taxonomy_version, escrow, escrow_text


def enroll(
    db: Any,
    paths: VaultPaths,
    key: DataKey,
    server_url: str,
    code: str,
    *,
    clock: Clock,
    client: SyncClient | None = None,
) -> Enrollment:
    code = code.strip()
    if not code:
        raise UsageError(M("Give the enrollment code the county issued."))
    with db.read() as conn:
        existing = outbox.load_device(conn)
    if existing is not None and not existing.revoked:
        raise UsageError(
            M(
                "This vault is already enrolled as {device}. A revoked laptop can be "
                "enrolled again with a new code.",
                device=existing.device_id,
            )
        )
    own = client is None
    http = client or SyncClient(server_url, clock=clock)
    device_key = generate_device_key()
    body = json.dumps(
        {"code": code, "device_public_key": public_key_b64(device_key), "app_version": __version__}
    ).encode()
    try:
        reply = http.request("POST", "/api/v1/enroll", body=body)
    finally:
        if own:
            http.close()
    if not reply.ok:
        raise _refusal(reply)
    device_id, units, taxonomy_version, escrow, escrow_text = _parse(reply.data)
    now = clock.now()
    offset = (reply.server_time - now).total_seconds() if reply.server_time else 0.0
    private_raw = device_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    with db.unit_of_work() as uow:
        sync_state.enroll_device(
            uow.conn,
            server_url=http.base_url,
            device_id=device_id,
            private_key=private_raw,
            public_key=public_key_b64(device_key),
            escrow_public_key=escrow_text,
            taxonomy_version=taxonomy_version,
            enrolled_at=utc_iso(now),
            clock_offset_seconds=offset if abs(offset) > 5 else 0.0,
            org_units=units,
        )
        # A (re-)enrolled laptop is a new device on the server: rebuild and send everything.
        sync_state.reset_periods(uow.conn)
        outbox.mark_all_periods_dirty(uow.conn, now)
        uow.audit("device_enrolled", "sync_device", device_id, {"org_units": list(units)})
        if escrow is not None:
            set_escrow_slot(paths, key, escrow, clock=clock)
    return Enrollment(device_id, units, taxonomy_version, escrow is not None)
