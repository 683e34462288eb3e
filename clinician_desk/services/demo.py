"""Demo data: obviously fictional students and realistic sessions over several school years.

``generate_demo(db, students=N, sessions=M, seed=S)`` fills an (empty or not) vault in one
transaction with bulk inserts (``executemany``): fictional schools in a non-existent county
(CDS codes starting ``99``), students named from a made-up list ("Testy McFakeface"),
sessions across the taxonomy and tiers on school days of the last three school years with
signed notes (a few drafts and addenda), referrals with status histories (some follow-ups
overdue), safety plans, mandated-report events and open safety flags. Everything it writes is
recorded by ONE audit entry (``demo.generated`` with the counts) rather than one per row, and
every touched (org unit, month) is marked dirty for sync. ``extra`` callables (e.g. the
screenings demo) run in the same transaction with ``(uow, rng, student_ids, today)``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from clinician_desk.clock import utc_iso
from clinician_desk.domain.notes import TEMPLATES, content_hash, plain_text
from clinician_desk.domain.sessions import period_of
from clinician_desk.domain.students import district_of
from clinician_desk.errors import UsageError
from clinician_desk.services import demo_records
from clinician_desk.services.demo_text import section_text, sentence
from clinician_desk.services.students import today_of
from clinician_desk.storage import Database
from clinician_desk.storage.repositories.search_index import rowid_for
from clinician_desk.taxonomy_file import load_taxonomy

DISTRICT = "99999990000000"
SCHOOLS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("99999990000011", "Fictional Oak Elementary (demo)", ("TK", "K", "1", "2", "3", "4", "5")),
    ("99999990000022", "Imaginary Ridge Middle (demo)", ("6", "7", "8")),
    ("99999990000033", "Pretend Valley High (demo)", ("9", "10", "11", "12")),
)
FIRST = (
    "Testy",
    "Sample",
    "Demo",
    "Fakey",
    "Mocky",
    "Placeholder",
    "Dummy",
    "Examplia",
    "Fictiona",
    "Pretendo",
    "Stubby",
    "Madeup",
    "Sandboxia",
    "Lorem",
    "Notarealia",
)
LAST = (
    "McFakeface",
    "Testington",
    "Examplesson",
    "Notreal",
    "Dummyworth",
    "Sampleton",
    "Fakerly",
    "Mockwell",
    "Placeholdt",
    "Fictionberg",
    "Imaginario",
    "Pretendez",
    "Ipsum",
)
LANGS = (
    "English",
    "English",
    "English",
    "Spanish",
    "Spanish",
    "Hmong",
    "Vietnamese",
    "Cantonese",
    "Russian",
    "Ukrainian",
    "Punjabi",
    "Arabic",
    "Dari",
)
SERVICE_WEIGHTS = {
    "TX-IND": 40,
    "TX-GRP": 10,
    "TX-FAM": 5,
    "ASMT-INTAKE": 5,
    "CM-COORD": 10,
    "CONSULT": 8,
    "PSY-EDU-GRP": 5,
    "PSY-EDU-CLASS": 3,
    "SCR-UNIV": 4,
    "SCR-SUD": 2,
    "CRISIS": 3,
    "SAFETY-PLAN": 2,
    "REFERRAL": 3,
}


@dataclass(frozen=True)
class DemoSummary:
    students: int
    sessions: int
    notes: int
    referrals: int

    def __str__(self) -> str:
        return (
            f"demo data: {self.students} students, {self.sessions} sessions, "
            f"{self.notes} notes, {self.referrals} referrals (all fictional)"
        )


def _school_days(start: date, end: date) -> list[date]:
    days, d = [], start
    while d <= end:
        in_year = not (date(d.year, 6, 12) <= d <= date(d.year, 8, 14))
        if d.weekday() < 5 and in_year:
            days.append(d)
        d += timedelta(days=1)
    return days


def generate_demo(
    db: Database,
    *,
    students: int,
    sessions: int,
    seed: int = 7,
    extra: Iterable[Callable[[Any, random.Random, list[int], date], None]] = (),
) -> DemoSummary:
    if not (1 <= students <= 100_000) or not (0 <= sessions <= 1_000_000):
        raise UsageError("demo needs 1-100000 students and 0-1000000 sessions.")
    rng = random.Random(seed)
    tax = load_taxonomy()
    with db.unit_of_work() as uow:
        conn, today, now = uow.conn, today_of(uow), utc_iso(uow.clock.now())
        conn.executemany(
            "INSERT OR IGNORE INTO schools (cds_code, name, district_cds) VALUES (?, ?, ?)",
            [(cds, name, DISTRICT) for cds, name, _ in SCHOOLS],
        )
        base = int(conn.execute("SELECT coalesce(max(id), 0) FROM students").fetchone()[0])
        student_rows: list[tuple[object, ...]] = []
        guardians: list[tuple[object, ...]] = []
        fts: list[tuple[int, str, str, int | None]] = []
        info: dict[int, str] = {}
        for i in range(students):
            sid = base + i + 1
            cds, _, grades = rng.choice(SCHOOLS)
            grade = rng.choice(grades)
            age = {"TK": 4, "K": 5}.get(grade, 5 + int(grade) if grade.isdigit() else 10)
            dob = date(today.year - age - 1, rng.randint(1, 12), rng.randint(1, 28))
            first, last = rng.choice(FIRST), rng.choice(LAST)
            roll = rng.random()
            basis = "parent_consent" if roll < 0.8 else "minor_consent" if roll < 0.93 else None
            if basis == "minor_consent" and grade in ("TK", "K", "1", "2", "3", "4", "5", "6"):
                basis = "parent_consent"
            reason = "Fictional demo: contact would be inappropriate." if basis else ""
            student_rows.append(
                (
                    sid,
                    first,
                    last,
                    "",
                    dob.isoformat(),
                    grade,
                    cds,
                    DISTRICT,
                    f"{sid:07d}",
                    None,
                    rng.choice(LANGS),
                    basis,
                    "" if basis != "minor_consent" else reason,
                    "parent_consent" if basis == "parent_consent" else None,
                    now,
                    now,
                )
            )
            guardians.append(
                (
                    sid,
                    0,
                    f"{rng.choice(FIRST)} {last}",
                    "parent",
                    "555-0100",
                    "",
                    rng.choice(LANGS),
                    1,
                )
            )
            fts.append((rowid_for("student", sid), f"{first} {last}", "student", sid))
            info[sid] = cds
        conn.executemany(
            "INSERT INTO students (id, legal_first_name, legal_last_name, preferred_name,"
            " date_of_birth, grade, school_cds, district_cds, district_student_number, ssid,"
            " language, consent_basis, parent_contact_inappropriate_reason, handout_basis,"
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            student_rows,
        )
        conn.executemany(
            "INSERT INTO guardians (student_id, position, name, relationship, phone, email,"
            " preferred_language, is_primary) VALUES (?,?,?,?,?,?,?,?)",
            guardians,
        )
        ids = list(info)
        days = _school_days(date(today.year - 3, 8, 15), today)
        codes, weights = list(SERVICE_WEIGHTS), list(SERVICE_WEIGHTS.values())
        s_base = int(conn.execute("SELECT coalesce(max(id), 0) FROM sessions").fetchone()[0])
        n_base = int(conn.execute("SELECT coalesce(max(id), 0) FROM notes").fetchone()[0])
        sess, present, notes, addenda, dirty = [], [], [], [], set()
        note_id = n_base
        for j in range(sessions):
            session_id = s_base + j + 1
            code = rng.choices(codes, weights)[0]
            service = tax.service(code)
            tier = rng.choice(service.tiers) if service.tiers else None
            day = rng.choice(days)
            start = rng.randrange(8 * 60, 15 * 60, 5)
            minutes = rng.choice((20, 30, 40, 45, 50, 55)) if code != "PSY-EDU-CLASS" else 50
            anchor = rng.choice(ids)
            cds = info[anchor]
            kind, size, who = "student", None, [anchor]
            if code in ("TX-GRP", "PSY-EDU-GRP"):
                same = [s for s in rng.sample(ids, min(len(ids), 12)) if info[s] == cds]
                who = list(dict.fromkeys([anchor, *same]))[: rng.randint(2, 5)]
                kind, size = "group", max(len(who), rng.randint(3, 8))
            elif code == "PSY-EDU-CLASS":
                kind, size, who = "group", rng.randint(18, 32), []
            elif code == "TX-FAM":
                kind = "family"
            elif code == "CONSULT":
                who = []
            modality = rng.choices(("in_person", "telehealth", "phone"), (85, 10, 5))[0]
            sess.append(
                (
                    session_id,
                    day.isoformat(),
                    start,
                    start + minutes,
                    code,
                    tier,
                    modality,
                    "school" if modality == "in_person" else "telehealth",
                    kind,
                    size,
                    cds,
                    now,
                    now,
                )
            )
            present += [(session_id, s, day.isoformat()) for s in who]
            recent = (today - day).days < 4
            targets: list[int | None] = list(who) or [None]
            for s in targets:
                note_id += 1
                template = rng.choices(("SOAP", "DAP", "BIRP", "free"), (45, 30, 15, 10))[0]
                sections = {k: section_text(rng, k) for k in TEMPLATES[template]}
                signed = not (recent and rng.random() < 0.5)
                at = f"{day.isoformat()}T{(start + minutes) // 60 + 1:02d}:00:00Z"
                digest = content_hash(sections, "clinician", at) if signed else None
                notes.append(
                    (
                        note_id,
                        session_id,
                        s,
                        template,
                        json.dumps(sections),
                        "signed" if signed else "draft",
                        "clinician" if signed else None,
                        at if signed else None,
                        digest,
                        now,
                        now,
                    )
                )
                fts.append((rowid_for("note", note_id), plain_text(sections), "note", s))
                if signed and rng.random() < 0.01:
                    addenda.append(
                        (note_id, "Addendum (fictional): " + sentence(rng), "clinician", at, digest)
                    )
            dirty.update({(cds, period_of(day)), (district_of(cds), period_of(day))})
        conn.executemany(
            "INSERT INTO sessions (id, session_date, start_minute, end_minute, service_code, tier,"
            " modality, location, participant_kind, group_size, school_cds, created_at,"
            " updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            sess,
        )
        conn.executemany(
            "INSERT INTO session_students (session_id, student_id, session_date) VALUES (?,?,?)",
            present,
        )
        conn.executemany(
            "INSERT INTO notes (id, session_id, student_id, template, sections, status,"
            " signed_by, signed_at, content_hash, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            notes,
        )
        conn.executemany(
            "INSERT INTO note_addenda (note_id, body, signed_by, signed_at, content_hash)"
            " VALUES (?,?,?,?,?)",
            addenda,
        )
        conn.executemany(
            "INSERT INTO record_search (rowid, body, kind, student_id) VALUES (?,?,?,?)", fts
        )
        conn.executemany(
            "INSERT INTO record_search (rowid, body, kind, student_id)"
            " VALUES (?, ?, 'addendum', ?)",
            [
                (rowid_for("addendum", int(r[0])), r[1], r[2])
                for r in conn.execute(
                    "SELECT a.id, a.body, n.student_id FROM note_addenda a"
                    " JOIN notes n ON n.id = a.note_id WHERE a.note_id > ?",
                    (n_base,),
                ).fetchall()
            ],
        )
        referrals = demo_records.referrals(conn, rng, ids, info, today, now, dirty)
        demo_records.safety_and_reports(conn, rng, ids, info, today, now)
        conn.executemany(
            "INSERT INTO count_dirty (org_unit, period, marked_at) VALUES (?, ?, ?)"
            " ON CONFLICT (org_unit, period) DO UPDATE SET marked_at = excluded.marked_at",
            [(ou, p, now) for ou, p in sorted(dirty)],
        )
        for populate in extra:
            populate(uow, rng, ids, today)
        summary = DemoSummary(students, sessions, len(notes), referrals)
        uow.audit(
            "demo.generated",
            "demo",
            None,
            {
                "students": students,
                "sessions": sessions,
                "notes": len(notes),
                "referrals": referrals,
                "seed": seed,
            },
        )
    return summary
