"""The county's handoff-keys registry from the laptop: publish this vault's card, find a
colleague's (docs/design/handoff.md, "Finding a colleague").

* ``publish_card`` — after ``enroll``, after a ``sync`` round the county answered and on
  opening Caseload handoff in the app, when the card changed (name, credential, schools or
  keys), in three phases (``prepare_publication`` / ``send_publication`` /
  ``record_publication``) so the app builds and remembers it on the database worker and sends
  it on the network pool: a signed ``PUT /api/v1/handoff-keys`` with the card and its proof
  (``clinician_desk.sync.handoff_wire``). The hash of the last card the county accepted is kept
  in the vault's settings, so an unchanged card is not sent again.
* ``lookup`` — a signed ``POST /api/v1/handoff-keys/search`` by name and/or school; each card
  comes back with its fingerprint **computed here** from its keys. The registry is a phone book,
  not a trust anchor: a found card is kept (``HandoffService.add_contact``) only after its owner
  read the fingerprint aloud and it matched.

Only public keys, the display name, the credential and school codes travel; never student data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from clinician_desk.clock import Clock, utc_iso
from clinician_desk.errors import SyncError, UsageError, ValidationError
from clinician_desk.messages import M
from clinician_desk.services.handoff.keys import PublicIdentity, b64, unb64
from clinician_desk.services.handoff.service import _identity
from clinician_desk.services.profile import read_profile
from clinician_desk.storage import Database
from clinician_desk.storage.repositories import settings, students
from clinician_desk.sync import outbox
from clinician_desk.sync.client import Reply, SyncClient
from clinician_desk.sync.handoff_wire import FIELDS, PATH, SEARCH_PATH, proof_message
from clinician_desk.sync.signing import sign_request
from clinician_desk.sync.worker import ClientFactory

PUBLISHED = "handoff_card_published"  # settings key: SHA-256 of the last card the county took


@dataclass(frozen=True)
class FoundCard:
    """A colleague's card as the county returned it; ``fingerprint`` is computed locally."""

    name: str
    credential: str
    schools: tuple[str, ...]
    identity: PublicIdentity
    published_on: str

    @property
    def fingerprint(self) -> str:
        return self.identity.fingerprint

    @property
    def card(self) -> str:
        return self.identity.card


def _schools(conn: Any) -> list[str]:
    """The vault's schools the device is enrolled for (directly or by district); else the
    enrolled schools themselves."""
    units = outbox.allowed_org_units(conn)
    mine = [
        code
        for code, _name in students.known_schools(conn)
        if code in units or f"{code[:7]}0000000" in units
    ]
    if not mine:
        mine = [u for u in units if not u.endswith("0000000")]
    return sorted(set(mine))[:50]


def card_body(db: Database) -> tuple[outbox.Device, dict[str, Any], str] | None:
    """(device, the body to PUT, its hash); None when this vault is not enrolled."""
    with db.unit_of_work() as uow:
        device = outbox.load_device(uow.conn)
        if device is None or device.revoked:
            return None
        identity = _identity(uow)
        profile = read_profile(uow.conn)
        name = " ".join((profile.display_name or db.actor).split())[:120]
        pub = identity.public(name)
        card: dict[str, Any] = {
            "name": name,
            "credential": " ".join(profile.credential.split())[:40],
            "schools": _schools(uow.conn),
            "x25519": b64(pub.x25519),
            "ed25519": b64(pub.ed25519),
        }
        card["proof"] = b64(identity.ed25519.sign(proof_message(device.device_id, card)))
    digest = hashlib.sha256(
        (device.device_id + json.dumps({k: card[k] for k in FIELDS}, sort_keys=True)).encode()
    ).hexdigest()
    return device, card, digest


def _signed(
    client: SyncClient, device: outbox.Device, clock: Clock, method: str, path: str, body: bytes
) -> Reply:
    key = Ed25519PrivateKey.from_private_bytes(device.private_key)
    offset = device.clock_offset_seconds
    reply = Reply(None, transport="offline", problem="not sent")
    for _attempt in range(2):
        created = int((clock.now() + timedelta(seconds=offset)).timestamp())
        headers = sign_request(
            method, path, body, device_id=device.device_id, private_key=key, created=created
        )
        reply = client.request(method, path, body=body, headers=headers)
        if (
            reply.status == 401
            and reply.server_time is not None
            and reply.data.get("error") == "clock_skew"
        ):
            offset = (reply.server_time - clock.now()).total_seconds()
            continue
        break
    return reply


def _problem(reply: Reply) -> str:
    if reply.transport is not None:
        return reply.problem
    detail = str(reply.data.get("detail") or "")[:200]
    problems = reply.data.get("problems")
    if isinstance(problems, list) and problems:
        detail += " (" + "; ".join(str(p)[:120] for p in problems[:5]) + ")"
    return M("the county server answered {status}: {detail}", status=reply.status, detail=detail)


@dataclass(frozen=True)
class Publication:
    """A card ready to send (built on the database worker, sent on the network one)."""

    device: outbox.Device
    card: dict[str, Any]
    digest: str


def prepare_publication(db: Database, *, force: bool = False) -> Publication | None:
    """The card to publish; None when not enrolled or the county already has this very card.
    Raises ``SyncError`` when the laptop is enrolled for no school (nothing to publish under)."""
    built = card_body(db)
    if built is None:
        return None
    device, card, digest = built
    with db.read() as conn:
        if not force and settings.read_one(conn, PUBLISHED) == digest:
            return None
    if not card["schools"]:
        raise SyncError(
            M("The handoff card was not published: this laptop is enrolled for no school.")
        )
    return Publication(device, card, digest)


def send_publication(pub: Publication, clock: Clock, client_factory: ClientFactory) -> str:
    """PUT the card (network only); "stored" or "unchanged", else ``SyncError``."""
    body = json.dumps(pub.card, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    client = client_factory(pub.device.server_url)
    try:
        reply = _signed(client, pub.device, clock, "PUT", PATH, body)
    finally:
        client.close()
    if not reply.ok:
        raise SyncError(
            M("The handoff card was not published: {problem}.", problem=_problem(reply))
        )
    return str(reply.data.get("result") or "stored")


def record_publication(db: Database, pub: Publication, clock: Clock) -> None:
    """Remember (audited) that the county holds this card, so it is not sent again."""
    with db.unit_of_work() as uow:
        settings.store(uow.conn, PUBLISHED, pub.digest, utc_iso(clock.now()))
        uow.audit(
            "handoff.card_published",
            "handoff",
            None,
            {"device_id": pub.device.device_id, "schools": pub.card["schools"]},
        )


def publish_card(
    db: Database, clock: Clock, client_factory: ClientFactory, *, force: bool = False
) -> str:
    """Publish this vault's card when it changed (or ``force``), all three phases in a row.
    Returns "stored", "unchanged" or "not enrolled"; raises ``SyncError`` when the county
    refused or could not be reached (nothing is recorded as published then)."""
    with db.read() as conn:
        device = outbox.load_device(conn)
    if device is None or device.revoked:
        return "not enrolled"
    pub = prepare_publication(db, force=force)
    if pub is None:
        return "unchanged"
    result = send_publication(pub, clock, client_factory)
    record_publication(db, pub, clock)
    return result


def _found(item: Any) -> FoundCard | None:
    try:
        name, x, ed = item["name"], item["x25519"], item["ed25519"]
        if not (isinstance(name, str) and isinstance(x, str) and isinstance(ed, str)):
            return None
        identity = PublicIdentity(name, unb64(x), unb64(ed))
        if len(identity.x25519) != 32 or len(identity.ed25519) != 32:
            return None
        identity.x25519_key()
        identity.ed25519_key()
        schools = tuple(str(s) for s in item.get("schools") or ())
        return FoundCard(
            name,
            str(item.get("credential") or ""),
            schools,
            identity,
            str(item.get("published_on") or ""),
        )
    except (KeyError, TypeError, ValueError, ValidationError):
        return None


def lookup_device(db: Database) -> outbox.Device:
    """This laptop's enrollment, for a lookup (database only)."""
    with db.read() as conn:
        device = outbox.load_device(conn)
    if device is None or device.revoked:
        raise UsageError(
            M(
                "This laptop is not enrolled with the county yet: enroll it on the Sync page "
                "first, then search again."
            )
        )
    return device


def search(
    device: outbox.Device,
    clock: Clock,
    client_factory: ClientFactory,
    *,
    name: str | None = None,
    school: str | None = None,
) -> list[FoundCard]:
    """Colleagues' cards the county holds matching ``name`` (part of it) and/or ``school``
    (network only)."""
    name = " ".join((name or "").split()) or None
    school = (school or "").strip() or None
    if name is None and school is None:
        raise UsageError(M("Give a name, a school's 14-digit CDS code or both."))
    if school is not None and not (len(school) == 14 and school.isdigit() and school.isascii()):
        raise UsageError(M("A school is its 14-digit CDS code."))
    query: dict[str, str] = {}
    if name is not None:
        query["name"] = name
    if school is not None:
        query["school"] = school
    body = json.dumps(query, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    client = client_factory(device.server_url)
    try:
        reply = _signed(client, device, clock, "POST", SEARCH_PATH, body)
    finally:
        client.close()
    if not reply.ok:
        raise SyncError(M("The lookup failed: {problem}.", problem=_problem(reply)))
    items = reply.data.get("cards")
    if not isinstance(items, list):
        raise SyncError(M("The county server's answer holds no cards list."))
    return [c for c in (_found(i) for i in items) if c is not None]


def lookup(
    db: Database,
    clock: Clock,
    client_factory: ClientFactory,
    *,
    name: str | None = None,
    school: str | None = None,
) -> list[FoundCard]:
    """``lookup_device`` then ``search``, in a row (the CLI words its own refusals first)."""
    return search(lookup_device(db), clock, client_factory, name=name, school=school)
