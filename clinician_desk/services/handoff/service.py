"""Caseload handoff use cases (docs/design/handoff.md): this vault's identity, colleagues' keys,
exporting a package, importing one, confirming a sent one.

Each write is one unit of work with its audit entries: nothing half imported, nothing half
transferred. Audit details name people (clinicians), fingerprints, row ids and the package hash;
never student content.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from clinician_desk.clock import utc_iso
from clinician_desk.domain.notes import content_hash, plain_text
from clinician_desk.errors import NotFoundError, ValidationError
from clinician_desk.messages import M
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
from clinician_desk.storage.repositories import search_index

# Tables in the order they are imported, with the record kind their provenance is kept under.
_KINDS = {
    "students": "student",
    "guardians": "guardian",
    "sessions": "session",
    "notes": "note",
    "note_addenda": "addendum",
    "psychotherapy_notes": "psychotherapy_note",
    "safety_plans": "safety_plan",
    "screenings": "screening",
    "screening_results": "screening_result",
    "screening_follow_ups": "screening_follow_up",
    "referrals": "referral",
    "referral_status_history": "referral_status",
    "mandated_reports": "mandated_report",
    "safety_flags": "safety_flag",
}
_TABLES = (*_KINDS, "session_students")


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


@dataclass
class _Maps:
    ids: dict[str, dict[int, int]] = field(default_factory=dict)

    def of(self, table: str) -> dict[int, int]:
        return self.ids.setdefault(table, {})


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


def _counts(rows: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    return {t: len(rows.get(t, [])) for t in _KINDS if rows.get(t)}


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
                        "card first (clinician-desk-admin handoff add-contact) and check the "
                        "fingerprint with them.",
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
            data, digest, recipient.name, recipient.fingerprint, len(ids), _counts(rows), drafts
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
            _counts(tables),
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
                _check_payload(uow.conn, tables)
            except (KeyError, TypeError, ValueError, AttributeError):
                raise _unreadable() from None
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
                maps = _insert_all(uow, hid, tables)
            except (KeyError, TypeError, ValueError, AttributeError):
                raise _unreadable() from None
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
                    "rows": _counts(tables),
                },
            )
        return Imported(
            digest, sender.name, sender.fingerprint, header.made_at, new_ids, _counts(tables)
        )


def _unreadable() -> PackageRefused:
    return PackageRefused(
        M("This handoff package's records are incomplete or malformed. Nothing was imported.")
    )


def _check_payload(conn: Connection, tables: dict[str, list[dict[str, Any]]]) -> None:
    """Refuse, before writing anything, a package this vault cannot take whole."""
    for table, rows in tables.items():
        if table not in _TABLES or not isinstance(rows, list):
            raise PackageRefused(
                M(
                    "This handoff package holds records this version does not know. Nothing "
                    "was imported."
                )
            )
        known = set(repo.table_columns(conn, table)) | {"hash_note_ref"}
        for row in rows:
            if not isinstance(row, dict) or not set(row) <= known:
                raise PackageRefused(
                    M(
                        "This handoff package was written for a different database layout. "
                        "Nothing was imported."
                    )
                )
    students = tables["students"]
    schools = {str(s["school_cds"]) for s in students}
    missing = sorted(schools - repo.known_schools(conn, schools))
    if missing:
        raise PackageRefused(
            M(
                "This vault does not serve the schools {schools} of these students. Add"
                " the schools (import the roster that has them) and import the package"
                " again. Nothing was imported.",
                schools=", ".join(missing),
            )
            if len(missing) > 1
            else M(
                "This vault does not serve the school {schools} of {whom}. Add the school"
                " (import the roster that has it) and import the package again. Nothing"
                " was imported.",
                schools=", ".join(missing),
                whom=M("these students") if len(students) > 1 else M("this student"),
            )
        )
    keys = [
        (str(s["district_cds"]), str(s["district_student_number"]))
        for s in students
        if s.get("district_student_number") is not None
    ]
    if repo.student_conflicts(conn, keys):
        position = next(
            i + 1
            for i, s in enumerate(students)
            if (str(s["district_cds"]), str(s.get("district_student_number")))
            in repo.student_conflicts(conn, keys)
        )
        raise PackageRefused(
            M(
                "Student {position} of this package is already in this vault (same "
                "district student number). Nothing was imported.",
                position=position,
            )
        )
    for note in tables.get("notes", []):
        sections = json.loads(str(note["sections"]))
        if (
            content_hash(sections, str(note["signed_by"]), str(note["signed_at"]))
            != note["content_hash"]
        ):
            raise PackageRefused(
                M(
                    "Signed note {id} in this package does not match its content hash. "
                    "Nothing was imported.",
                    id=note["id"],
                )
            )
    for add in tables.get("note_addenda", []):
        body = {"addendum": add["body"], "note": str(add["hash_note_ref"])}
        if content_hash(body, str(add["signed_by"]), str(add["signed_at"])) != add["content_hash"]:
            raise PackageRefused(
                M(
                    "Addendum {id} in this package does not match its content hash. Nothing "
                    "was imported.",
                    id=add["id"],
                )
            )
    for psy in tables.get("psychotherapy_notes", []):
        body = {"text": psy["body"]}
        if content_hash(body, str(psy["signed_by"]), str(psy["signed_at"])) != psy["content_hash"]:
            raise PackageRefused(
                M(
                    "Psychotherapy note {id} in this package does not match its content "
                    "hash. Nothing was imported.",
                    id=psy["id"],
                )
            )


def _without_id(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "id"}


def _insert_all(uow: UnitOfWork, hid: int, tables: dict[str, list[dict[str, Any]]]) -> _Maps:
    conn = uow.conn
    maps = _Maps()
    prov: list[tuple[str, int, str | None]] = []
    signing: list[tuple[str, str, str | None, Mapping[str, object]]] = []

    def put(table: str, row: dict[str, Any], **mapped: int | None) -> int:
        values = _without_id(row)
        values.update(mapped)
        new_id = repo.insert_row(conn, table, values)
        maps.of(table)[int(row["id"])] = new_id
        prov.append((_KINDS[table], new_id, None))
        return new_id

    s_map = maps.of("students")
    for st in tables["students"]:
        sid = put("students", st)
        name = " ".join(
            str(p)
            for p in (st["legal_first_name"], st["legal_last_name"], st["preferred_name"])
            if p
        )
        search_index.index(conn, "student", sid, sid, name)
    for g in tables.get("guardians", []):
        put("guardians", g, student_id=s_map[int(g["student_id"])])
    sess = maps.of("sessions")
    for se in tables.get("sessions", []):
        put("sessions", se)
    for link in tables.get("session_students", []):
        repo.insert_row(
            conn,
            "session_students",
            {
                "session_id": sess[int(link["session_id"])],
                "student_id": s_map[int(link["student_id"])],
                "session_date": link["session_date"],
            },
        )
    note_student: dict[int, int] = {}
    for n in tables.get("notes", []):
        student = s_map[int(n["student_id"])]
        nid = put("notes", n, session_id=sess[int(n["session_id"])], student_id=student)
        signing.append(
            ("note.signed", "note", str(nid), {"hash": n["content_hash"], "received": hid})
        )
        search_index.index(conn, "note", nid, student, plain_text(json.loads(n["sections"])))
        note_student[nid] = student
    notes_map = maps.of("notes")
    for a in tables.get("note_addenda", []):
        values = {k: v for k, v in a.items() if k not in ("id", "hash_note_ref")}
        values["note_id"] = notes_map[int(a["note_id"])]
        aid = repo.insert_row(conn, "note_addenda", values)
        prov.append(("addendum", aid, str(a["hash_note_ref"])))
        search_index.index(
            conn, "addendum", aid, note_student.get(int(values["note_id"])), str(a["body"])
        )
        signing.append(
            (
                "note.addendum_added",
                "note",
                str(values["note_id"]),
                {"addendum": aid, "hash": a["content_hash"], "received": hid},
            )
        )
    for p in tables.get("psychotherapy_notes", []):
        pid = put(
            "psychotherapy_notes",
            p,
            session_id=sess[int(p["session_id"])],
            student_id=s_map[int(p["student_id"])],
        )
        signing.append(
            (
                "psychotherapy_note.signed",
                "psychotherapy_note",
                str(pid),
                {"hash": p["content_hash"], "received": hid},
            )
        )
    plans = maps.of("safety_plans")
    for sp in tables.get("safety_plans", []):
        put("safety_plans", sp, student_id=s_map[int(sp["student_id"])])
    scr = maps.of("screenings")
    closing: list[tuple[int, dict[str, Any]]] = []
    for sc in tables.get("screenings", []):
        values = _without_id(sc)
        values.update(
            student_id=s_map[int(sc["student_id"])], status="open", closed_at=None, closed_by=None
        )
        new_id = repo.insert_row(conn, "screenings", values)
        scr[int(sc["id"])] = new_id
        prov.append(("screening", new_id, None))
        if sc["status"] != "open":
            closing.append((new_id, sc))
    for r in tables.get("screening_results", []):
        put("screening_results", r, screening_id=scr[int(r["screening_id"])])
    for f in tables.get("screening_follow_ups", []):
        values = dict(f)
        values["screening_id"] = scr[int(f["screening_id"])]
        if f.get("safety_plan_id") is not None:
            values["safety_plan_id"] = plans[int(f["safety_plan_id"])]
        repo.insert_row(conn, "screening_follow_ups", values)
        prov.append(("screening_follow_up", int(values["screening_id"]), None))
    for new_id, sc in closing:
        repo.close_screening(conn, new_id, sc)
    for rf in tables.get("referrals", []):
        put("referrals", rf, student_id=s_map[int(rf["student_id"])])
    refs = maps.of("referrals")
    for h in tables.get("referral_status_history", []):
        put("referral_status_history", h, referral_id=refs[int(h["referral_id"])])
    for m in tables.get("mandated_reports", []):
        put("mandated_reports", m, student_id=s_map[int(m["student_id"])])
    for fl in tables.get("safety_flags", []):
        ref = fl.get("source_ref")
        if fl.get("source") == "screening" and ref is not None and str(ref).isdigit():
            ref = str(scr.get(int(str(ref)), ref))
        put("safety_flags", fl, student_id=s_map[int(fl["student_id"])], source_ref=ref)
    repo.record_provenance(conn, hid, prov)
    uow.audit_many(signing)
    return maps
