"""The tamper harness: attacks on a real vault by someone who holds the passphrase.

Each attack is what an auditor with the passphrase can do: unlock the data key the documented
way (``unlock_vault`` on the key-slot file), open the database with a raw ``sqlcipher3``
connection and ``PRAGMA key``, and change the file behind the application's back. Afterwards
the vault is unlocked as the application does (``build_services``) and ``verify`` runs; the
attack counts as detected when one finding names it (``Attack.expect`` patterns, filled with the
attacked row's id).

Used by ``test_attacks.py`` (every attack once, fixed targets) and by the torture suite's
``tamper`` part (every attack many times, random targets). All data is fictional.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlcipher3

from clinician_desk.bootstrap import build_services, create_vault_and_open
from clinician_desk.clock import FakeClock
from clinician_desk.config import AppPaths, VaultPaths
from clinician_desk.domain.notes import content_hash
from clinician_desk.domain.sessions import SessionInput
from clinician_desk.domain.students import Guardian, StudentInput
from clinician_desk.storage import audit, headmark
from clinician_desk.vault import TEST_KDF, unlock_vault

PASSPHRASE = "tamper harness passphrase, fictional"
SCHOOL = "99999999999901"


@dataclass
class Scene:
    """A vault with a small, fully audited record, and what the attacks can aim at."""

    paths: VaultPaths
    clock: FakeClock
    students: list[int]
    signed_notes: list[int]  # signed through the service (one signing audit entry each)
    addenda: list[int]
    draft_notes: list[int]
    earlier_copy: Path  # a checkpointed copy of vault.db taken part-way (for rollbacks)
    earlier_missing: int  # audit entries written after that copy
    anchored: bool = False  # enrolled with a county server that holds this vault's anchors
    extra: dict[str, int] = field(default_factory=dict)


def _student(n: int) -> StudentInput:
    return StudentInput(
        legal_first_name="Testy",
        legal_last_name=f"Fakeperson{n}",
        date_of_birth=date(2013, 2, 3),
        grade="6",
        school_cds=SCHOOL,
        district_student_number=f"77{n:04d}",
        consent_basis="parent_consent",
        guardians=(Guardian("Pat Fictional", "parent", "555-0100", "", "en", True),),
    )


def _session(day: date, student_ids: tuple[int, ...]) -> SessionInput:
    return SessionInput(
        session_date=day,
        start_minute=600,
        end_minute=645,
        service_code="TX-IND",
        tier=2,
        modality="in_person",
        location="school",
        participant_kind="student",
        school_cds=SCHOOL,
        student_ids=student_ids,
    )


def build_scene(
    root: Path,
    *,
    students: int = 3,
    sessions_each: int = 3,
    county: tuple[str, str] | None = None,
) -> Scene:
    """A real profile (key slots + SQLCipher database) with signed notes, addenda, views.

    ``county`` = (server URL, enrollment code): the laptop enrolls and syncs twice — once after
    the notes are signed and once after the later work — so the county holds two anchors."""
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    paths = AppPaths.from_option(root / "data").vault("tamper-fictional")
    services, _recovery = create_vault_and_open(paths, PASSPHRASE, clock=clock, kdf=TEST_KDF)
    scene = Scene(paths, clock, [], [], [], [], root / "earlier-vault.db", 0, county is not None)
    try:
        if county is not None:
            services.sync.enroll(county[0], county[1])
        record = services.record
        for n in range(students):
            scene.students.append(record.create_student(_student(n)))
        for k in range(sessions_each):
            for sid in scene.students:
                day = date(2026, 9, 1) + timedelta(days=k * 7 + sid)
                note_id = record.document_session(_session(day, (sid,))).note_ids[sid]
                clock.advance(300)
                if k == sessions_each - 1 and sid == scene.students[-1]:
                    record.save_draft(note_id, {"subjective": "Draft, fictional."})
                    scene.draft_notes.append(note_id)
                    continue
                record.sign_note(
                    note_id,
                    {"subjective": f"Fictional note {k} for student {sid}.", "plan": "Continue."},
                )
                scene.signed_notes.append(note_id)
                record.open_note(note_id)
        scene.addenda.append(record.add_addendum(scene.signed_notes[0], "Fictional addendum."))
        if county is not None:
            _sync(services)
        services.db.checkpoint()
        before = _audit_count(services)
        shutil.copyfile(paths.database, scene.earlier_copy)
        # More work after the copy: a rollback to the copy loses these entries.
        for note_id in scene.signed_notes[-2:]:
            clock.advance(60)
            record.open_note(note_id)
        record.add_addendum(scene.signed_notes[-1], "Second fictional addendum.")
        if county is not None:  # a late signature, so the round has counts (and an anchor)
            record.sign_note(scene.draft_notes[0], {"subjective": "Signed late, fictional."})
            scene.signed_notes.append(scene.draft_notes.pop())
            _sync(services)
        scene.earlier_missing = _audit_count(services) - before
    finally:
        services.close()
    return scene


def _sync(services: object) -> None:
    result = services.sync.sync_once()  # type: ignore[attr-defined]
    if result.stopped is not None or result.anchor is None:
        raise RuntimeError(f"the harness sync round failed: {result.stopped} {result.problem}")


def _audit_count(services: object) -> int:
    db = services.db  # type: ignore[attr-defined]
    with db.read() as conn:
        return int(conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])


def data_key(paths: VaultPaths) -> bytes:
    """The raw data key, unwrapped the documented way (the passphrase key slot)."""
    key = unlock_vault(paths, PASSPHRASE)
    try:
        return bytes(key.raw)
    finally:
        key.wipe()


def raw_connection(paths: VaultPaths) -> sqlcipher3.Connection:
    """A plain sqlcipher3 connection with the real key: no triggers bypassed yet, no app code."""
    conn = sqlcipher3.connect(str(paths.database), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{data_key(paths).hex()}'\"")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


def findings(scene: Scene) -> list[str]:
    """Unlock like the application and run ``verify``: every finding, as text."""
    key = unlock_vault(scene.paths, PASSPHRASE, clock=scene.clock)
    services = build_services(scene.paths, key, scene.clock)
    try:
        found = [*services.warnings, *services.db.verify()]
        if scene.anchored:
            note, problems = services.sync.check_anchors()
            if note and "could not be fetched" in note:
                raise RuntimeError(note)  # the county must answer in these tests
            found += problems
        return found
    finally:
        services.close()


# -- the attacks ---------------------------------------------------------------------------


def _trigger_sql(conn: sqlcipher3.Connection, name: str) -> str:
    return str(
        conn.execute(
            "SELECT sql FROM sqlite_master WHERE type='trigger' AND name=?", (name,)
        ).fetchone()[0]
    )


def _edit_note_text(conn: sqlcipher3.Connection, note_id: int) -> None:
    sections = json.loads(
        conn.execute("SELECT sections FROM notes WHERE id = ?", (note_id,)).fetchone()[0]
    )
    sections["subjective"] = "Rewritten afterwards (fictional)."
    conn.execute("UPDATE notes SET sections = ? WHERE id = ?", (json.dumps(sections), note_id))


def drop_trigger_edit_recreate(scene: Scene, rng: random.Random) -> dict[str, int]:
    note = rng.choice(scene.signed_notes)
    conn = raw_connection(scene.paths)
    sql = _trigger_sql(conn, "notes_signed_no_update")
    conn.execute("DROP TRIGGER notes_signed_no_update")
    _edit_note_text(conn, note)
    conn.execute(sql)
    conn.close()
    return {"id": note}


def drop_trigger_edit_leave(scene: Scene, rng: random.Random) -> dict[str, int]:
    note = rng.choice(scene.signed_notes)
    conn = raw_connection(scene.paths)
    conn.execute("DROP TRIGGER notes_signed_no_update")
    _edit_note_text(conn, note)
    conn.close()
    return {"id": note}


def forged_backdated_note(scene: Scene, rng: random.Random) -> dict[str, int]:
    sid = rng.choice(scene.students)
    conn = raw_connection(scene.paths)
    at = "2025-03-04T15:00:00Z"
    cur = conn.execute(
        "INSERT INTO sessions (session_date, start_minute, end_minute, service_code, tier,"
        " modality, location, participant_kind, school_cds, created_at, updated_at)"
        " VALUES ('2025-03-04', 600, 645, 'TX-IND', 2, 'in_person', 'school', 'student', ?, ?, ?)",
        (SCHOOL, at, at),
    )
    session_id = int(cur.lastrowid)
    conn.execute(
        "INSERT INTO session_students (session_id, student_id, session_date)"
        " VALUES (?, ?, '2025-03-04')",
        (session_id, sid),
    )
    cur = conn.execute(
        "INSERT INTO notes (session_id, student_id, template, sections, status, signed_by,"
        " signed_at, content_hash, created_at, updated_at)"
        " VALUES (?, ?, 'free', ?, 'signed', 'clinician', ?, ?, ?, ?)",
        (session_id, sid, json.dumps({"text": "Forged (fictional)."}), at, "ab" * 32, at, at),
    )
    note = int(cur.lastrowid)
    conn.close()
    return {"id": note}


def delete_signed_note(scene: Scene, rng: random.Random) -> dict[str, int]:
    with_addenda = {scene.signed_notes[0], scene.signed_notes[-1]}
    note = rng.choice([n for n in scene.signed_notes if n not in with_addenda])
    conn = raw_connection(scene.paths)
    sql = _trigger_sql(conn, "notes_signed_no_delete")
    conn.execute("DROP TRIGGER notes_signed_no_delete")
    conn.execute("DELETE FROM notes WHERE id = ?", (note,))
    conn.execute(sql)
    conn.close()
    return {"id": note}


def retention_exception(scene: Scene, rng: random.Random) -> dict[str, int]:
    """No schema change: open a destruction with invented dates, edit, clear the end date."""
    note = rng.choice(scene.signed_notes)
    conn = raw_connection(scene.paths)
    sid = int(conn.execute("SELECT student_id FROM notes WHERE id = ?", (note,)).fetchone()[0])
    conn.execute("BEGIN")
    conn.execute("UPDATE students SET service_ended_on = '2001-06-01' WHERE id = ?", (sid,))
    conn.execute(
        "INSERT INTO retention_destructions (student_id, retain_until, destroyed_on, started_at,"
        " destroyed_by) VALUES (?, '2008-06-01', '2009-01-01', '2009-01-01T10:00:00Z',"
        " 'clinician')",
        (sid,),
    )
    _edit_note_text(conn, note)
    conn.execute("UPDATE students SET service_ended_on = NULL WHERE id = ?", (sid,))
    conn.execute("COMMIT")
    conn.close()
    return {"id": note, "student": sid}


def rehash_rechain_remac(scene: Scene, rng: random.Random) -> dict[str, int]:
    """Edit a note, recompute its hash and its audit entry, re-chain with the audit key, re-MAC
    the sidecar, remove the unlock marker and the kept anchors: everything local is redone."""
    note = rng.choice(scene.signed_notes)
    key = data_key(scene.paths)
    conn = raw_connection(scene.paths)
    conn.execute("BEGIN")
    row = conn.execute(
        "SELECT sections, signed_by, signed_at FROM notes WHERE id = ?", (note,)
    ).fetchone()
    sections = json.loads(row[0])
    sections["subjective"] = "Rewritten afterwards (fictional)."
    digest = content_hash(sections, row[1], row[2])
    for name in ("notes_signed_no_update", "audit_log_no_update"):
        sql = _trigger_sql(conn, name)
        conn.execute(f"DROP TRIGGER {name}")
        if name == "notes_signed_no_update":
            conn.execute(
                "UPDATE notes SET sections = ?, content_hash = ? WHERE id = ?",
                (json.dumps(sections), digest, note),
            )
        else:
            entry = conn.execute(
                "SELECT id, details FROM audit_log WHERE action = 'note.signed' AND entity_id = ?",
                (str(note),),
            ).fetchone()
            details = json.loads(entry[1])
            details["hash"] = digest
            conn.execute(
                "UPDATE audit_log SET details = ? WHERE id = ?",
                (audit.canonical_json(details), entry[0]),
            )
            head = rechain(conn, key, int(entry[0]))
            # ... and covers the local traces: the unlock check's marker, the kept anchors.
            conn.execute("DELETE FROM meta WHERE key = 'record_verified'")
            conn.execute("DELETE FROM audit_anchors")
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.close()
    headmark.write(headmark.sidecar_path(scene.paths.database), headmark.mac_key(key), head)
    return {"id": note}


def rechain(conn: sqlcipher3.Connection, key: bytes, start: int) -> headmark.Head:
    """Recompute every audit hash from row ``start`` on, with the product's own chain code."""
    prev = conn.execute("SELECT hash FROM audit_log WHERE id = ?", (start - 1,)).fetchone()
    prev_hash = audit.GENESIS_HASH if prev is None else str(prev[0])
    rows = conn.execute(
        "SELECT id, at, actor, action, entity, entity_id, details FROM audit_log"
        " WHERE id >= ? ORDER BY id",
        (start,),
    ).fetchall()
    first_keyed = audit.keyed_from(conn)  # the key holder re-MACs keyed rows with the audit key
    mac_key = audit.audit_key(key)
    last = headmark.Head(start - 1, prev_hash)
    for r in rows:
        keyed = first_keyed is not None and int(r[0]) >= first_keyed
        digest = audit.entry_hash(
            row_id=int(r[0]),
            at=r[1],
            actor=r[2],
            action=r[3],
            entity=r[4],
            entity_id=r[5],
            details=r[6],
            prev_hash=prev_hash,
            mac_key=mac_key if keyed else None,
        )
        conn.execute(
            "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev_hash, digest, r[0])
        )
        prev_hash = digest
        last = headmark.Head(int(r[0]), digest)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{last.seq}:{last.hash}",))
    return last


def rollback_delete_sidecar(scene: Scene, rng: random.Random) -> dict[str, int]:
    """Put the older copy back and delete vault.db-head (needs no key at all)."""
    _rollback(scene)
    headmark.sidecar_path(scene.paths.database).unlink()
    return {"n": scene.earlier_missing}


def rollback_keep_sidecar(scene: Scene, rng: random.Random) -> dict[str, int]:
    """Put the older copy back; the sidecar still records the newer state."""
    _rollback(scene)
    return {"n": scene.earlier_missing}


def _rollback(scene: Scene) -> None:
    db = scene.paths.database
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(scene.earlier_copy, db)


def truncate_audit(scene: Scene, rng: random.Random) -> dict[str, int]:
    """Delete the last audit rows, fix meta.audit_head, delete the sidecar."""
    count = rng.randint(1, 3)
    conn = raw_connection(scene.paths)
    sql = _trigger_sql(conn, "audit_log_no_delete")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    top = int(conn.execute("SELECT max(id) FROM audit_log").fetchone()[0])
    conn.execute("DELETE FROM audit_log WHERE id > ?", (top - count,))
    last = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{last[0]}:{last[1]}",))
    conn.execute(sql)
    conn.close()
    headmark.sidecar_path(scene.paths.database).unlink()
    return {"n": count}


@dataclass(frozen=True)
class Attack:
    name: str
    perform: Callable[[Scene, random.Random], dict[str, int]]
    expect: tuple[str, ...]  # regexes, formatted with perform()'s result; each must match
    needs_anchors: bool = False
    expect_anchored: tuple[str, ...] = ()  # also expected when the county holds anchors


_NOTE = r"\bnote {id}\b"
_MISSING_HEAD = r"vault\.db-head.*missing|missing.*vault\.db-head"
_OLDER = r"older than its last recorded state \({n} changes missing\)"
ATTACKS: tuple[Attack, ...] = (
    Attack("drop_trigger_edit_recreate", drop_trigger_edit_recreate, (_NOTE,)),
    Attack(
        "drop_trigger_edit_leave",
        drop_trigger_edit_leave,
        (_NOTE, r"schema.*trigger notes_signed_no_update"),
    ),
    Attack("forged_backdated_note", forged_backdated_note, (_NOTE,)),
    Attack("delete_signed_note", delete_signed_note, (_NOTE,)),
    Attack("retention_exception", retention_exception, (_NOTE, r"destruction.*student {student}")),
    Attack(
        "rehash_rechain_remac",
        rehash_rechain_remac,
        (r"county anchors: the audit trail was rewritten.*" + _NOTE,),
        needs_anchors=True,
    ),
    Attack(
        "rollback_delete_sidecar",
        rollback_delete_sidecar,
        (_MISSING_HEAD,),
        expect_anchored=(r"county anchors: .*" + _OLDER,),
    ),
    Attack("rollback_keep_sidecar", rollback_keep_sidecar, (_OLDER,)),
    Attack(
        "truncate_audit",
        truncate_audit,
        (_MISSING_HEAD,),
        expect_anchored=(r"county anchors: .*" + _OLDER,),
    ),
)


def detected(
    attack: Attack, facts: dict[str, int], found: list[str], *, anchored: bool = False
) -> list[str]:
    """The expectations of ``attack`` that no finding meets (empty: detected)."""
    patterns = attack.expect + (attack.expect_anchored if anchored else ())
    return [
        pattern
        for pattern in (p.format(**facts) for p in patterns)
        if not any(re.search(pattern, line) for line in found)
    ]
