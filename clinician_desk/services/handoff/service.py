"""Caseload handoff use cases (docs/design/handoff.md): this vault's identity, colleagues' keys,
exporting a package, importing one, confirming a sent one.

Each write is one unit of work with its audit entries: nothing half imported, nothing half
transferred. Audit details name people (clinicians), fingerprints, row ids and the package hash;
never student content.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from clinician_desk.clock import utc_iso
from clinician_desk.errors import NotFoundError, ValidationError
from clinician_desk.messages import M
from clinician_desk.services.handoff.importing import (
    check_payload,
    counts,
    insert_all,
    unreadable,
)
from clinician_desk.services.handoff.keys import (
    Identity,
    PublicIdentity,
    b64,
    normalize_fingerprint,
    parse_card,
    unb64,
)
from clinician_desk.services.handoff.package import (
    PackageRefused,
    open_package,
    package_hash,
    read_header,
    seal_package,
)
from clinician_desk.services.profile import read_profile
from clinician_desk.storage import Database
from clinician_desk.storage.connection import Connection, DatabaseError
from clinician_desk.storage.database import UnitOfWork
from clinician_desk.storage.repositories import handoff as repo


@dataclass(frozen=True)
class Whoami:
    name: str
    fingerprint: str
    card: str
    x25519: str
    ed25519: str


@dataclass(frozen=True)
class Exported:
    data: bytes
    package_hash: str
    recipient: str
    recipient_fingerprint: str
    students: int
    counts: dict[str, int]
    drafts_left: int = 0  # unsigned notes of these students: not carried


@dataclass(frozen=True)
class Imported:
    package_hash: str
    sender: str
    sender_fingerprint: str
    made_at: str
    student_ids: list[int]
    counts: dict[str, int]
    already: bool = False
    recorded_at: str = ""


def _name(conn: Connection, db: Database) -> str:
    return read_profile(conn).signature(db.actor) or db.actor


def _identity(uow: UnitOfWork) -> Identity:
    raw = repo.read_identity(uow.conn)
    if raw is not None:
        return Identity.from_raw(*raw)
    identity = Identity.generate()
    repo.store_identity(uow.conn, *identity.raw(), utc_iso(uow.clock.now()))
    pub = identity.public("")
    uow.audit("handoff.keys_created", "handoff", None, {"fingerprint": pub.fingerprint})
    return identity


class HandoffService:
    """The handoff façade over one open vault."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- identity and colleagues ------------------------------------------------------------

    def whoami(self) -> Whoami:
        with self.db.unit_of_work() as uow:
            identity = _identity(uow)
            pub = identity.public(_name(uow.conn, self.db))
        return Whoami(pub.name, pub.fingerprint, pub.card, b64(pub.x25519), b64(pub.ed25519))

    def add_contact(self, card: str) -> PublicIdentity:
        """Keep a colleague's card (after its fingerprint was checked with them)."""
        colleague = parse_card(card)
        with self.db.unit_of_work() as uow:
            own = _identity(uow).public("")
            if colleague.fingerprint == own.fingerprint:
                raise ValidationError(M("This is this vault's own handoff card."))
            repo.store_contact(
                uow.conn,
                colleague.fingerprint,
                colleague.name,
                b64(colleague.x25519),
                b64(colleague.ed25519),
                utc_iso(uow.clock.now()),
            )
            uow.audit(
                "handoff.contact_added",
                "handoff",
                None,
                {"name": colleague.name, "fingerprint": colleague.fingerprint},
            )
        return colleague

    def forget_contact(self, fingerprint: str) -> tuple[str, str]:
        """Revoke a kept colleague's card: it is no longer a recipient, and a package it sends
        is refused as from a clinician not known here (until the card is added again after
        checking its fingerprint). Audited with the name and fingerprint; the handoffs already
        made keep theirs. Returns (fingerprint, name)."""
        fp = normalize_fingerprint(fingerprint)
        with self.db.unit_of_work() as uow:
            found = repo.find_contact(uow.conn, fp)
            if found is None:
                raise NotFoundError(
                    M("No colleague with the handoff fingerprint {fp} is kept here.", fp=fp)
                )
            repo.delete_contact(uow.conn, fp)
            uow.audit(
                "handoff.contact_revoked", "handoff", None, {"name": found[0], "fingerprint": fp}
            )
        return fp, found[0]

    def contacts(self) -> list[tuple[str, str, str]]:
        with self.db.read() as conn:
            return repo.list_contacts(conn)

    def _contact(self, conn: Connection, fingerprint: str) -> PublicIdentity | None:
        found = repo.find_contact(conn, fingerprint)
        if found is None:
            return None
        return PublicIdentity(found[0], unb64(found[1]), unb64(found[2]))

    # -- export -----------------------------------------------------------------------------

    def export(
        self,
        student_ids: Sequence[int],
        to_fingerprint: str,
        *,
        psychotherapy_for: Sequence[int] = (),
    ) -> Exported:
        """Seal the students' records to a checked colleague; the package is returned in
        memory (the caller writes it where the clinician chose). Audited as sent; the students
        stay active until the handoff is confirmed."""
        ids = sorted(set(student_ids))
        psy = sorted(set(psychotherapy_for))
        if not ids:
            raise ValidationError(M("Choose at least one student to hand off."))
        if not set(psy) <= set(ids):
            raise ValidationError(
                M("Psychotherapy notes can only be included for students in the handoff.")
            )
        fp = normalize_fingerprint(to_fingerprint)
        with self.db.unit_of_work() as uow:
            conn = uow.conn
            recipient = self._contact(conn, fp)
            if recipient is None:
                raise NotFoundError(
                    M(
                        "No colleague with the handoff fingerprint {fp} is known here. Add their "
                        "card first (Caseload handoff: Add colleague, or Find a colleague) and "
                        "check the fingerprint with them.",
                        fp=fp,
                    )
                )
            found = {int(r["id"]) for r in repo.existing_students(conn, ids)}
            missing = [i for i in ids if i not in found]
            if missing:
                raise NotFoundError(M("No student with id {id} in this vault.", id=missing[0]))
            gone = repo.destroyed_students(conn, ids) | repo.transferred(conn, ids)
            if gone:
                raise ValidationError(
                    M(
                        "Student {id} was already handed off or its record destroyed; it "
                        "cannot be handed off again.",
                        id=min(gone),
                    )
                )
            identity = _identity(uow)
            sender = identity.public(_name(conn, self.db))
            rows = repo.export_rows(conn, ids, psy)
            drafts = repo.draft_count(conn, ids)
            made_at = utc_iso(uow.clock.now())
            payload = {"sender_name": sender.name, "made_at": made_at, "tables": rows}
            data, package_id = seal_package(identity, sender, recipient, payload, made_at)
            digest = package_hash(data)
            hid = repo.insert_handoff(
                conn,
                direction="sent",
                package_id=package_id,
                package_hash=digest,
                peer_name=recipient.name,
                peer_fingerprint=recipient.fingerprint,
                made_at=made_at,
                recorded_at=made_at,
                student_count=len(ids),
            )
            repo.link_students(conn, hid, ids)
            uow.audit(
                "handoff.exported",
                "handoff",
                package_id,
                {
                    "to": recipient.name,
                    "to_fingerprint": recipient.fingerprint,
                    "students": ids,
                    "psychotherapy_notes_for": psy,
                    "package_hash": digest,
                },
            )
        return Exported(
            data, digest, recipient.name, recipient.fingerprint, len(ids), counts(rows), drafts
        )

    def confirm(self, package_hash_hex: str) -> list[int]:
        """The colleague confirmed the import: mark the package's students transferred
        (read-only here, kept until their retention date). Idempotent."""
        with self.db.unit_of_work() as uow:
            sent = repo.sent_by_hash(uow.conn, package_hash_hex.strip().lower())
            if sent is None:
                raise NotFoundError(M("This vault did not send a handoff package with that hash."))
            hid, peer, peer_fp, confirmed = sent
            if confirmed is not None:
                return []
            now = uow.clock.now()
            students = repo.confirm_sent(uow.conn, hid, utc_iso(now), now.date().isoformat())
            uow.audit(
                "handoff.confirmed",
                "handoff",
                str(hid),
                {
                    "to": peer,
                    "to_fingerprint": peer_fp,
                    "students": students,
                    "package_hash": package_hash_hex.strip().lower(),
                },
            )
        return students

    # -- import -----------------------------------------------------------------------------

    def inspect(self, data: bytes) -> Imported:
        """Check a package and say what it holds, without importing it."""
        with self.db.unit_of_work() as uow:
            opened, sender = self._open(uow, data)
            tables = opened.payload["tables"]
        return Imported(
            package_hash(data),
            sender.name,
            sender.fingerprint,
            opened.header.made_at,
            [int(s["id"]) for s in tables.get("students", [])],
            counts(tables),
        )

    def _open(self, uow: UnitOfWork, data: bytes) -> tuple[Any, PublicIdentity]:
        header, _ = read_header(data)
        identity = _identity(uow)
        own = identity.public("")
        opened = open_package(data, identity, own)
        sender = self._contact(uow.conn, header.sender_fingerprint)
        if sender is None or (sender.x25519, sender.ed25519) != (
            header.sender_x25519,
            header.sender_ed25519,
        ):
            raise PackageRefused(
                M(
                    "This handoff package comes from a clinician not known here (fingerprint "
                    "{sender}). Add their card (handoff add-contact) after "
                    "checking that fingerprint with them in person or by phone. Nothing was "
                    "imported.",
                    sender=header.sender_fingerprint,
                )
            )
        tables = opened.payload.get("tables")
        if not isinstance(tables, dict) or not tables.get("students"):
            raise PackageRefused(M("This handoff package holds no students. Nothing was imported."))
        return opened, sender

    def import_package(self, data: bytes) -> Imported:
        """Verify and import a package in one transaction; a package already imported changes
        nothing (``already`` is set)."""
        digest = package_hash(data)
        with self.db.unit_of_work() as uow:
            opened, sender = self._open(uow, data)  # a copy altered in any way is refused
            header = opened.header
            seen = repo.find_handoff(uow.conn, "received", header.package_id)
            if seen is not None:
                return Imported(
                    digest, sender.name, sender.fingerprint, header.made_at, [], {}, True, seen[1]
                )
            tables: dict[str, list[dict[str, Any]]] = opened.payload["tables"]
            try:
                returning = check_payload(uow.conn, tables)
            except (KeyError, TypeError, ValueError, AttributeError):
                raise unreadable() from None
            now = utc_iso(uow.clock.now())
            student_refs = [int(s["id"]) for s in tables["students"]]
            hid = repo.insert_handoff(
                uow.conn,
                direction="received",
                package_id=header.package_id,
                package_hash=digest,
                peer_name=sender.name,
                peer_fingerprint=sender.fingerprint,
                made_at=header.made_at,
                recorded_at=now,
                student_count=len(student_refs),
            )
            try:
                maps = insert_all(uow, hid, tables, returning)
            except (KeyError, TypeError, ValueError, AttributeError):
                raise unreadable() from None
            except DatabaseError:
                raise PackageRefused(
                    M(
                        "The records in this handoff package do not fit this vault (a database "
                        "rule refused them). Nothing was imported."
                    )
                ) from None
            new_ids = [maps.of("students")[ref] for ref in student_refs]
            repo.link_students(uow.conn, hid, new_ids)
            uow.audit(
                "handoff.imported",
                "handoff",
                header.package_id,
                {
                    "from": sender.name,
                    "from_fingerprint": sender.fingerprint,
                    "students": new_ids,
                    "package_hash": digest,
                    "rows": counts(tables),
                    "returned": sorted(returning.values()),
                },
            )
        return Imported(
            digest, sender.name, sender.fingerprint, header.made_at, new_ids, counts(tables)
        )
