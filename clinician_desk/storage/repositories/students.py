"""SQL for schools, students and guardians.

``StudentRecord`` is the row as the services and read models need it. District student numbers
are unique per district; a re-imported roster matches on (district, number).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from clinician_desk.domain.students import Guardian, ParentContact, StudentInput, district_of
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories.rows import inserted_id

_COLUMNS = (
    "id, legal_first_name, legal_last_name, preferred_name, date_of_birth, grade, school_cds,"
    " district_cds, district_student_number, ssid, language, consent_basis,"
    " parent_contact_attempted_on, parent_contact_outcome, parent_contact_inappropriate_reason,"
    " handout_basis, handout_authorized_on, active, service_ended_on, created_at, updated_at"
)


@dataclass(frozen=True)
class StudentRecord:
    id: int
    data: StudentInput
    district_cds: str
    active: bool
    service_ended_on: date | None
    created_at: str
    updated_at: str


def _d(text: str | None) -> date | None:
    return None if not text else date.fromisoformat(text)


def ensure_school(conn: Connection, cds_code: str, name: str = "") -> None:
    """Insert the school if unknown; a non-empty name replaces a placeholder name."""
    label = name.strip() or f"School {cds_code}"
    conn.execute(
        "INSERT INTO schools (cds_code, name, district_cds) VALUES (?, ?, ?)"
        " ON CONFLICT (cds_code) DO UPDATE SET name = excluded.name"
        " WHERE ? <> '' AND schools.name <> excluded.name",
        (cds_code, label, district_of(cds_code), name.strip()),
    )


def _values(s: StudentInput) -> tuple[object, ...]:
    pc = s.parent_contact or ParentContact()
    return (
        s.legal_first_name,
        s.legal_last_name,
        s.preferred_name,
        s.date_of_birth.isoformat(),
        s.grade,
        s.school_cds,
        district_of(s.school_cds),
        s.district_student_number or None,
        s.ssid or None,
        s.language,
        s.consent_basis,
        pc.attempted_on.isoformat() if pc.attempted_on else None,
        pc.outcome,
        pc.inappropriate_reason,
        s.handout_basis,
        s.handout_authorized_on.isoformat() if s.handout_authorized_on else None,
    )


_FIELDS = (
    "legal_first_name, legal_last_name, preferred_name, date_of_birth, grade, school_cds,"
    " district_cds, district_student_number, ssid, language, consent_basis,"
    " parent_contact_attempted_on, parent_contact_outcome, parent_contact_inappropriate_reason,"
    " handout_basis, handout_authorized_on"
)


def insert(conn: Connection, s: StudentInput, now: str) -> int:
    cur = conn.execute(
        f"INSERT INTO students ({_FIELDS}, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*_values(s), now, now),
    )
    student_id = inserted_id(cur)
    replace_guardians(conn, student_id, s.guardians)
    return student_id


def update(conn: Connection, student_id: int, s: StudentInput, now: str) -> None:
    sets = ", ".join(f"{c.strip()} = ?" for c in _FIELDS.split(","))
    conn.execute(
        f"UPDATE students SET {sets}, updated_at = ? WHERE id = ?",
        (*_values(s), now, student_id),
    )
    replace_guardians(conn, student_id, s.guardians)


def replace_guardians(conn: Connection, student_id: int, guardians: tuple[Guardian, ...]) -> None:
    conn.execute("DELETE FROM guardians WHERE student_id = ?", (student_id,))
    conn.executemany(
        "INSERT INTO guardians (student_id, position, name, relationship, phone, email,"
        " preferred_language, is_primary) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                student_id,
                i,
                g.name,
                g.relationship,
                g.phone,
                g.email,
                g.preferred_language,
                int(g.is_primary),
            )
            for i, g in enumerate(guardians)
        ],
    )


def guardians_of(conn: Connection, student_id: int) -> tuple[Guardian, ...]:
    rows = conn.execute(
        "SELECT name, relationship, phone, email, preferred_language, is_primary FROM guardians"
        " WHERE student_id = ? ORDER BY position",
        (student_id,),
    ).fetchall()
    return tuple(Guardian(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows)


def get(conn: Connection, student_id: int) -> StudentRecord | None:
    r = conn.execute(f"SELECT {_COLUMNS} FROM students WHERE id = ?", (student_id,)).fetchone()
    if r is None:
        return None
    contact = None
    if r["consent_basis"] == "minor_consent":
        contact = ParentContact(
            _d(r["parent_contact_attempted_on"]),
            r["parent_contact_outcome"],
            r["parent_contact_inappropriate_reason"],
        )
    data = StudentInput(
        legal_first_name=r["legal_first_name"],
        legal_last_name=r["legal_last_name"],
        date_of_birth=date.fromisoformat(r["date_of_birth"]),
        grade=r["grade"],
        school_cds=r["school_cds"],
        preferred_name=r["preferred_name"],
        district_student_number=r["district_student_number"] or "",
        ssid=r["ssid"] or "",
        language=r["language"],
        consent_basis=r["consent_basis"],
        parent_contact=contact,
        handout_basis=r["handout_basis"],
        handout_authorized_on=_d(r["handout_authorized_on"]),
        guardians=guardians_of(conn, student_id),
    )
    return StudentRecord(
        id=int(r["id"]),
        data=data,
        district_cds=r["district_cds"],
        active=bool(r["active"]),
        service_ended_on=_d(r["service_ended_on"]),
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


def id_by_district_number(conn: Connection, district_cds: str, number: str) -> int | None:
    r = conn.execute(
        "SELECT id FROM students WHERE district_cds = ? AND district_student_number = ?",
        (district_cds, number),
    ).fetchone()
    return None if r is None else int(r[0])


def school_name(conn: Connection, cds_code: str) -> str:
    return find_school_name(conn, cds_code) or ""


def find_school_name(conn: Connection, cds_code: str) -> str | None:
    """The school's name, or None when the vault has no such school."""
    r = conn.execute("SELECT name FROM schools WHERE cds_code = ?", (cds_code,)).fetchone()
    return None if r is None else str(r[0])


def set_service_end(conn: Connection, student_id: int, ended_on: date | None, now: str) -> None:
    conn.execute(
        "UPDATE students SET service_ended_on = ?, active = ?, updated_at = ? WHERE id = ?",
        (ended_on.isoformat() if ended_on else None, int(ended_on is None), now, student_id),
    )


def last_session_date(conn: Connection, student_id: int) -> date | None:
    r = conn.execute(
        "SELECT max(session_date) FROM session_students WHERE student_id = ?", (student_id,)
    ).fetchone()
    return _d(r[0])


def exists(conn: Connection, student_id: int) -> bool:
    return conn.execute("SELECT 1 FROM students WHERE id = ?", (student_id,)).fetchone() is not None


def school_exists(conn: Connection, cds_code: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM schools WHERE cds_code = ?", (cds_code,)).fetchone() is not None
    )


def name_parts(conn: Connection, student_ids: Sequence[int]) -> dict[int, tuple[str, str, str]]:
    """{id: (legal first, legal last, preferred)} for the students that exist."""
    if not student_ids:
        return {}
    marks = ",".join("?" * len(student_ids))
    return {
        int(r[0]): (str(r[1]), str(r[2]), r[3] or "")
        for r in conn.execute(
            "SELECT id, legal_first_name, legal_last_name, preferred_name FROM students"
            f" WHERE id IN ({marks})",
            list(student_ids),
        )
    }


def grade_and_school(conn: Connection, student_id: int) -> tuple[str, str] | None:
    row = conn.execute(
        "SELECT grade, school_cds FROM students WHERE id = ?", (student_id,)
    ).fetchone()
    return None if row is None else (str(row[0]), str(row[1]))


def known_schools(conn: Connection) -> list[tuple[str, str]]:
    """(CDS code, name) of every school in the vault, by name."""
    rows = conn.execute("SELECT cds_code, name FROM schools ORDER BY name, cds_code").fetchall()
    return [(str(r[0]), str(r[1] or "")) for r in rows]
