"""SQL of the caseload handoff (migration 0009, docs/design/handoff.md): the vault's handoff
keys, colleagues' checked keys, packages sent and received, the rows a package carries (read for
export, inserted on import with their provenance) and students handed off from this vault.

Functions take the open connection and never open transactions (services decide boundaries).
Rows travel as plain ``{column: value}`` dicts read with ``SELECT *`` so a package carries every
column the sender's schema has; import writes the columns of the same schema version (the
package format is tied to it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories.rows import inserted_id

Row = dict[str, Any]

# -- identity and contacts ------------------------------------------------------------------


def read_identity(conn: Connection) -> tuple[bytes, bytes] | None:
    """(X25519 private key, Ed25519 private key) or None before the first use."""
    r = conn.execute(
        "SELECT x25519_private, ed25519_private FROM handoff_identity WHERE id = 1"
    ).fetchone()
    return None if r is None else (bytes(r[0]), bytes(r[1]))


def store_identity(conn: Connection, x25519: bytes, ed25519: bytes, at: str) -> None:
    conn.execute(
        "INSERT INTO handoff_identity (id, x25519_private, ed25519_private, created_at)"
        " VALUES (1, ?, ?, ?)",
        (x25519, ed25519, at),
    )


def find_contact(conn: Connection, fingerprint: str) -> tuple[str, str, str] | None:
    """(name, x25519 public, ed25519 public) of a checked colleague."""
    r = conn.execute(
        "SELECT name, x25519_public, ed25519_public FROM handoff_contacts WHERE fingerprint = ?",
        (fingerprint,),
    ).fetchone()
    return None if r is None else (str(r[0]), str(r[1]), str(r[2]))


def store_contact(
    conn: Connection, fingerprint: str, name: str, x25519: str, ed25519: str, at: str
) -> None:
    conn.execute(
        "INSERT INTO handoff_contacts (fingerprint, name, x25519_public, ed25519_public, added_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT(fingerprint) DO UPDATE SET name = excluded.name",
        (fingerprint, name, x25519, ed25519, at),
    )


def delete_contact(conn: Connection, fingerprint: str) -> None:
    conn.execute("DELETE FROM handoff_contacts WHERE fingerprint = ?", (fingerprint,))


def list_contacts(conn: Connection) -> list[tuple[str, str, str]]:
    """(fingerprint, name, added_at) of every colleague, by name."""
    rows = conn.execute(
        "SELECT fingerprint, name, added_at FROM handoff_contacts ORDER BY name, fingerprint"
    )
    return [(str(a), str(b), str(c)) for a, b, c in rows.fetchall()]


# -- packages -------------------------------------------------------------------------------


def find_handoff(conn: Connection, direction: str, package_id: str) -> tuple[int, str] | None:
    """(id, recorded_at) of a package already recorded in this direction."""
    r = conn.execute(
        "SELECT id, recorded_at FROM handoffs WHERE direction = ? AND package_id = ?",
        (direction, package_id),
    ).fetchone()
    return None if r is None else (int(r[0]), str(r[1]))


def sent_by_hash(conn: Connection, package_hash: str) -> tuple[int, str, str, str | None] | None:
    """(id, peer name, peer fingerprint, confirmed_at) of a package this vault sent."""
    r = conn.execute(
        "SELECT id, peer_name, peer_fingerprint, confirmed_at FROM handoffs"
        " WHERE direction = 'sent' AND package_hash = ?",
        (package_hash,),
    ).fetchone()
    return None if r is None else (int(r[0]), str(r[1]), str(r[2]), r[3])


def insert_handoff(
    conn: Connection,
    *,
    direction: str,
    package_id: str,
    package_hash: str,
    peer_name: str,
    peer_fingerprint: str,
    made_at: str,
    recorded_at: str,
    student_count: int,
) -> int:
    cur = conn.execute(
        "INSERT INTO handoffs (direction, package_id, package_hash, peer_name, peer_fingerprint,"
        " made_at, recorded_at, student_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            direction,
            package_id,
            package_hash,
            peer_name,
            peer_fingerprint,
            made_at,
            recorded_at,
            student_count,
        ),
    )
    return inserted_id(cur)


def link_students(conn: Connection, handoff_id: int, student_ids: Sequence[int]) -> None:
    conn.executemany(
        "INSERT INTO handoff_students (handoff_id, student_id) VALUES (?, ?)",
        [(handoff_id, sid) for sid in student_ids],
    )


def handoff_students(conn: Connection, handoff_id: int) -> list[int]:
    rows = conn.execute(
        "SELECT student_id FROM handoff_students WHERE handoff_id = ? ORDER BY student_id",
        (handoff_id,),
    )
    return [int(r[0]) for r in rows.fetchall()]


def confirm_sent(conn: Connection, handoff_id: int, at: str, day: str) -> list[int]:
    """Mark a sent package confirmed and its students transferred (services ended today where
    they had not ended); returns the students newly transferred."""
    conn.execute("UPDATE handoffs SET confirmed_at = ? WHERE id = ?", (at, handoff_id))
    students = [
        sid
        for sid in handoff_students(conn, handoff_id)
        if conn.execute("SELECT 1 FROM handoff_transfers WHERE student_id = ?", (sid,)).fetchone()
        is None
    ]
    for sid in students:
        conn.execute(
            "UPDATE students SET active = 0, service_ended_on = coalesce(service_ended_on, ?),"
            " updated_at = ? WHERE id = ?",
            (day, at, sid),
        )
        conn.execute(
            "INSERT INTO handoff_transfers (student_id, handoff_id, transferred_on)"
            " VALUES (?, ?, ?)",
            (sid, handoff_id, day),
        )
    return students


def transferred(conn: Connection, student_ids: Iterable[int]) -> set[int]:
    ids = list(student_ids)
    found: set[int] = set()
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        marks = ",".join("?" * len(part))
        found |= {
            int(r[0])
            for r in conn.execute(
                f"SELECT student_id FROM handoff_transfers WHERE student_id IN ({marks})", part
            )
        }
    return found


def provenance(conn: Connection, kind: str, row_id: int) -> tuple[str, str, str] | None:
    """(sender name, sender fingerprint, day received) of an imported row, else None."""
    r = conn.execute(
        "SELECT h.peer_name, h.peer_fingerprint, h.recorded_at FROM handoff_records r"
        " JOIN handoffs h ON h.id = r.handoff_id WHERE r.kind = ? AND r.row_id = ?",
        (kind, row_id),
    ).fetchone()
    return None if r is None else (str(r[0]), str(r[1]), str(r[2])[:10])


def imported_rows(conn: Connection, handoff_id: int) -> dict[str, int]:
    """How many rows of each kind a received package added."""
    rows = conn.execute(
        "SELECT kind, count(*) FROM handoff_records WHERE handoff_id = ? GROUP BY kind",
        (handoff_id,),
    )
    return {str(k): int(n) for k, n in rows.fetchall()}


# -- reading a caseload for export --------------------------------------------------------


def _dicts(conn: Connection, sql: str, params: Sequence[object]) -> list[Row]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _in(ids: Sequence[object]) -> str:
    return ",".join("?" * len(ids))


def existing_students(conn: Connection, ids: Sequence[int]) -> list[Row]:
    return _dicts(conn, f"SELECT * FROM students WHERE id IN ({_in(ids)}) ORDER BY id", ids)


def draft_count(conn: Connection, ids: Sequence[int]) -> int:
    """Unsigned notes and process notes of these students (a package does not carry them)."""
    q = _in(ids)
    row = conn.execute(
        f"SELECT (SELECT count(*) FROM notes WHERE student_id IN ({q}) AND status = 'draft')"
        f" + (SELECT count(*) FROM psychotherapy_notes WHERE student_id IN ({q})"
        " AND status = 'draft')",
        [*ids, *ids],
    ).fetchone()
    return int(row[0])


def destroyed_students(conn: Connection, ids: Sequence[int]) -> set[int]:
    rows = conn.execute(
        f"SELECT student_id FROM retention_destructions WHERE student_id IN ({_in(ids)})", ids
    )
    return {int(r[0]) for r in rows.fetchall()}


def export_rows(
    conn: Connection, ids: Sequence[int], psychotherapy: Sequence[int]
) -> dict[str, list[Row]]:
    """Every row a handoff of ``ids`` carries, per table (ids as the sender's row ids).
    Signed notes only (drafts stay); psychotherapy notes only for the students in
    ``psychotherapy``; open safety follow-ups only."""
    q = _in(ids)
    out: dict[str, list[Row]] = {}
    out["students"] = existing_students(conn, ids)
    out["guardians"] = _dicts(
        conn, f"SELECT * FROM guardians WHERE student_id IN ({q}) ORDER BY id", ids
    )
    out["notes"] = _dicts(
        conn,
        f"SELECT * FROM notes WHERE student_id IN ({q}) AND status = 'signed' ORDER BY id",
        ids,
    )
    psy = list(psychotherapy)
    out["psychotherapy_notes"] = (
        _dicts(
            conn,
            f"SELECT * FROM psychotherapy_notes WHERE student_id IN ({_in(psy)})"
            " AND status = 'signed' ORDER BY id",
            psy,
        )
        if psy
        else []
    )
    session_ids = sorted(
        {int(n["session_id"]) for n in out["notes"]}
        | {int(n["session_id"]) for n in out["psychotherapy_notes"]}
    )
    out["sessions"] = []
    out["session_students"] = []
    for chunk in range(0, len(session_ids), 500):
        part = session_ids[chunk : chunk + 500]
        out["sessions"] += _dicts(
            conn, f"SELECT * FROM sessions WHERE id IN ({_in(part)}) ORDER BY id", part
        )
        out["session_students"] += _dicts(
            conn,
            "SELECT session_id, student_id, session_date FROM session_students"
            f" WHERE session_id IN ({_in(part)}) AND student_id IN ({q})"
            " ORDER BY session_id, student_id",
            [*part, *ids],
        )
    note_ids = [int(n["id"]) for n in out["notes"]]
    out["note_addenda"] = []
    for chunk in range(0, len(note_ids), 500):
        part = note_ids[chunk : chunk + 500]
        out["note_addenda"] += _dicts(
            conn,
            "SELECT a.*, coalesce((SELECT origin_ref FROM handoff_records h"
            " WHERE h.kind = 'addendum' AND h.row_id = a.id), CAST(a.note_id AS TEXT))"
            f" AS hash_note_ref FROM note_addenda a WHERE a.note_id IN ({_in(part)}) ORDER BY a.id",
            part,
        )
    out["safety_plans"] = _dicts(
        conn, f"SELECT * FROM safety_plans WHERE student_id IN ({q}) ORDER BY id", ids
    )
    out["screenings"] = _dicts(
        conn, f"SELECT * FROM screenings WHERE student_id IN ({q}) ORDER BY id", ids
    )
    out["screening_results"] = _dicts(
        conn,
        "SELECT r.* FROM screening_results r JOIN screenings s ON s.id = r.screening_id"
        f" WHERE s.student_id IN ({q}) ORDER BY r.id",
        ids,
    )
    out["screening_follow_ups"] = _dicts(
        conn,
        "SELECT f.* FROM screening_follow_ups f JOIN screenings s ON s.id = f.screening_id"
        f" WHERE s.student_id IN ({q}) ORDER BY f.screening_id",
        ids,
    )
    out["referrals"] = _dicts(
        conn, f"SELECT * FROM referrals WHERE student_id IN ({q}) ORDER BY id", ids
    )
    out["referral_status_history"] = _dicts(
        conn,
        "SELECT h.* FROM referral_status_history h JOIN referrals r ON r.id = h.referral_id"
        f" WHERE r.student_id IN ({q}) ORDER BY h.id",
        ids,
    )
    out["mandated_reports"] = _dicts(
        conn, f"SELECT * FROM mandated_reports WHERE student_id IN ({q}) ORDER BY id", ids
    )
    out["safety_flags"] = _dicts(
        conn,
        f"SELECT * FROM safety_flags WHERE student_id IN ({q}) AND closed_at IS NULL ORDER BY id",
        ids,
    )
    return out


# -- writing an imported caseload ---------------------------------------------------------


def known_schools(conn: Connection, codes: Iterable[str]) -> set[str]:
    wanted = sorted(set(codes))
    if not wanted:
        return set()
    rows = conn.execute(f"SELECT cds_code FROM schools WHERE cds_code IN ({_in(wanted)})", wanted)
    return {str(r[0]) for r in rows.fetchall()}


def students_by_keys(
    conn: Connection, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """{(district, district number): student id} of the pairs already in this vault."""
    found: dict[tuple[str, str], int] = {}
    for district, number in keys:
        r = conn.execute(
            "SELECT id FROM students WHERE district_cds = ? AND district_student_number = ?",
            (district, number),
        ).fetchone()
        if r is not None:
            found[(district, number)] = int(r[0])
    return found


def reactivate_student(conn: Connection, student_id: int, row: Row) -> None:
    """A handed-off student comes back: lift the transfer mark (the earlier handoff's rows in
    ``handoffs``/``handoff_students`` stay as history) and take the package's details."""
    conn.execute("DELETE FROM handoff_transfers WHERE student_id = ?", (student_id,))
    cols = [c for c in row if c not in ("id", "created_at")]
    conn.execute(
        f"UPDATE students SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
        [*(row[c] for c in cols), student_id],
    )


def same_row(conn: Connection, table: str, row: Row, *, sessions_of: Sequence[int]) -> int | None:
    """The id of a row of ``table`` equal to ``row`` in every column given (NULLs equal; 0 for
    a table without ``id``), or None; sessions are looked for among those of the students
    ``sessions_of`` only. The table and columns were checked against the schema by the
    caller."""
    cols = sorted(row)
    where = " AND ".join(f"{c} IS ?" for c in cols) or "1"
    params: list[object] = [row[c] for c in cols]
    if table == "sessions":
        where += (
            " AND id IN (SELECT session_id FROM session_students WHERE student_id IN"
            f" ({_in(sessions_of)}))"
        )
        params += list(sessions_of)
    key = "id" if "id" in table_columns(conn, table) else "0"
    r = conn.execute(f"SELECT {key} FROM {table} WHERE {where} LIMIT 1", params).fetchone()
    return None if r is None else int(r[0])


def table_columns(conn: Connection, table: str) -> list[str]:
    return [str(r[1]) for r in conn.execute(f"PRAGMA table_info({table})").fetchall()]


def insert_row(conn: Connection, table: str, row: Row) -> int:
    """Insert one row (its columns as given) and return its new rowid."""
    cols = list(row)
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({_in(cols)})"
    return inserted_id(conn.execute(sql, [row[c] for c in cols]))


def close_screening(conn: Connection, screening_id: int, row: Row) -> None:
    """Set the status columns of an imported screening once its follow-up is in place."""
    conn.execute(
        "UPDATE screenings SET status = ?, positive = ?, closed_at = ?, closed_by = ? WHERE id = ?",
        (row["status"], row["positive"], row["closed_at"], row["closed_by"], screening_id),
    )


def record_provenance(
    conn: Connection, handoff_id: int, rows: Sequence[tuple[str, int, str | None]]
) -> None:
    conn.executemany(
        "INSERT INTO handoff_records (kind, row_id, handoff_id, origin_ref) VALUES (?, ?, ?, ?)",
        [(kind, row_id, handoff_id, origin) for kind, row_id, origin in rows],
    )
