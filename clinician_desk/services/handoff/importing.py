"""Importing a handoff package's records into this vault (docs/design/handoff.md, "Import"):
the checks made before anything is written (``check_payload``) and the writing itself
(``insert_all``), inside the service's one unit of work.

**A student handed back.** A student this vault once handed off (marked transferred after a
confirmed handoff, not destroyed) may come back in a package, from the colleague who took them
or from anyone after. Such a student is not "already in this vault": the existing student is
re-activated (the transfer mark is lifted; the ``handoffs`` rows of the earlier handoff stay as
its history) and takes the package's current details; every record of the package this vault
already holds unchanged — its own records, which travelled out and back — is recognised column
by column and not written twice; every other record (what the colleague added or changed) is
imported with its provenance, like any received record. A student active here (or destroyed)
with the same district student number is still refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from clinician_desk.domain.notes import content_hash, plain_text
from clinician_desk.messages import M
from clinician_desk.services.handoff.package import PackageRefused
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.database import UnitOfWork
from clinician_desk.storage.repositories import handoff as repo
from clinician_desk.storage.repositories import search_index

# Tables in the order they are imported, with the record kind their provenance is kept under.
KINDS = {
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
TABLES = (*KINDS, "session_students")


def counts(rows: Mapping[str, list[dict[str, Any]]]) -> dict[str, int]:
    return {t: len(rows.get(t, [])) for t in KINDS if rows.get(t)}


@dataclass
class Maps:
    ids: dict[str, dict[int, int]] = field(default_factory=dict)
    kept: dict[str, set[int]] = field(default_factory=dict)  # rows found here, not written

    def of(self, table: str) -> dict[int, int]:
        return self.ids.setdefault(table, {})

    def was_kept(self, table: str, new_id: int) -> bool:
        return new_id in self.kept.get(table, set())


def unreadable() -> PackageRefused:
    return PackageRefused(
        M("This handoff package's records are incomplete or malformed. Nothing was imported.")
    )


def check_payload(conn: Connection, tables: dict[str, list[dict[str, Any]]]) -> dict[int, int]:
    """Refuse, before writing anything, a package this vault cannot take whole. Returns the
    students handed back: {the package's student id: this vault's student id}."""
    for table, rows in tables.items():
        if table not in TABLES or not isinstance(rows, list):
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
    returning = _returning(conn, students)
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
    return returning


def _returning(conn: Connection, students: list[dict[str, Any]]) -> dict[int, int]:
    """Students this vault handed off and now gets back; any other student already here is
    refused (a true duplicate)."""
    keys = [
        (str(s["district_cds"]), str(s["district_student_number"]))
        for s in students
        if s.get("district_student_number") is not None
    ]
    here = repo.students_by_keys(conn, keys)
    if not here:
        return {}
    ids = sorted(set(here.values()))
    back = repo.transferred(conn, ids) - repo.destroyed_students(conn, ids)
    returning: dict[int, int] = {}
    for position, s in enumerate(students, start=1):
        key = (str(s["district_cds"]), str(s.get("district_student_number")))
        found = here.get(key)
        if found is None:
            continue
        if found not in back:
            raise PackageRefused(
                M(
                    "Student {position} of this package is already in this vault (same "
                    "district student number). Nothing was imported.",
                    position=position,
                )
            )
        returning[int(s["id"])] = found
    return returning


def _without_id(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "id"}


def insert_all(
    uow: UnitOfWork,
    hid: int,
    tables: dict[str, list[dict[str, Any]]],
    returning: Mapping[int, int],
) -> Maps:
    conn = uow.conn
    maps = Maps()
    prov: list[tuple[str, int, str | None]] = []
    signing: list[tuple[str, str, str | None, Mapping[str, object]]] = []
    home = sorted(set(returning.values()))

    def kept(table: str, values: dict[str, Any]) -> int | None:
        """The row this vault already holds unchanged (a handed-back student's own records)."""
        if not home:
            return None
        return repo.same_row(conn, table, values, sessions_of=home)

    def put(table: str, row: dict[str, Any], **mapped: int | None) -> int:
        values = _without_id(row)
        values.update(mapped)
        same = kept(table, values)
        if same is not None:
            maps.of(table)[int(row["id"])] = same
            maps.kept.setdefault(table, set()).add(same)
            return same
        new_id = repo.insert_row(conn, table, values)
        maps.of(table)[int(row["id"])] = new_id
        prov.append((KINDS[table], new_id, None))
        return new_id

    s_map = maps.of("students")
    for st in tables["students"]:
        back = returning.get(int(st["id"]))
        if back is not None:
            repo.reactivate_student(conn, back, _without_id(st))
            s_map[int(st["id"])] = back
            maps.kept.setdefault("students", set()).add(back)
            continue
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
        session_id = sess[int(link["session_id"])]
        if maps.was_kept("sessions", session_id):
            continue
        repo.insert_row(
            conn,
            "session_students",
            {
                "session_id": session_id,
                "student_id": s_map[int(link["student_id"])],
                "session_date": link["session_date"],
            },
        )
    note_student: dict[int, int] = {}
    for n in tables.get("notes", []):
        student = s_map[int(n["student_id"])]
        nid = put("notes", n, session_id=sess[int(n["session_id"])], student_id=student)
        note_student[nid] = student
        if maps.was_kept("notes", nid):
            continue
        signing.append(
            ("note.signed", "note", str(nid), {"hash": n["content_hash"], "received": hid})
        )
        search_index.index(conn, "note", nid, student, plain_text(json.loads(n["sections"])))
    notes_map = maps.of("notes")
    for a in tables.get("note_addenda", []):
        values = {k: v for k, v in a.items() if k not in ("id", "hash_note_ref")}
        values["note_id"] = notes_map[int(a["note_id"])]
        if kept("note_addenda", values) is not None:
            continue
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
        if maps.was_kept("psychotherapy_notes", pid):
            continue
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
        values["student_id"] = s_map[int(sc["student_id"])]
        same = kept("screenings", values)
        if same is not None:
            scr[int(sc["id"])] = same
            maps.kept.setdefault("screenings", set()).add(same)
            continue
        values.update(status="open", closed_at=None, closed_by=None)
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
        if kept("screening_follow_ups", values) is not None:
            continue
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
