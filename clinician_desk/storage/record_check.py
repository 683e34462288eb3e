"""Checks of the signed record itself: content against hash, hash against audit entry,
one entry per signed row and one row per entry, retention destructions only when legitimate.

The audit chain proves that the *trail* was not altered; these checks prove that the rows the
trail speaks about still say what was signed:

* every signed note, addendum and signed psychotherapy note is re-hashed from its text
  (``domain.notes.content_hash``, the function that signed it) and compared with its stored
  ``content_hash``;
* every such row has exactly one signing audit entry (``note.signed``,
  ``note.addendum_added``, ``psychotherapy_note.signed``) whose ``hash`` is the stored one, and
  every signing entry has its row — except rows signed before every signature was audited
  (demo data and test fixtures of schema < 8): migration 0008 recorded those in
  ``record_baseline`` with the hash of their text at that moment, sealed by the digest in the
  ``audit.chain_keyed`` entry;
* a record destroyed at the end of retention (its signed notes emptied to ``content_hash =
  'destroyed'``, addenda and process notes removed) is accepted only when its
  ``retention_destructions`` row is closed, the student's services had ended with a retention
  date at least seven years later and before the destruction date, and exactly one
  ``student.record_destroyed`` entry names that student and retention date.

``check_record(conn, since=...)`` limits the per-row work to what audit entries after ``since``
speak about plus rows newer than the ``RecordMarks`` of the last clean check (the unlock check);
``since=0`` checks everything (``verify``). Findings name kinds and row ids, never content.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from clinician_desk.domain.notes import content_hash
from clinician_desk.domain.retention import YEARS_AFTER_SERVICE, add_years
from clinician_desk.messages import M
from clinician_desk.storage.connection import Connection

SIGNING_ACTIONS = ("note.signed", "note.addendum_added", "psychotherapy_note.signed")
DESTROYED_ACTION = "student.record_destroyed"
DESTROYED_HASH = "destroyed"
_LABEL = {
    "note": M("signed note"),
    "addendum": M("addendum"),
    "psychotherapy_note": M("psychotherapy note"),
}


def _label(kind: str, row_id: int) -> M:
    return M("{kind} {row_id}", kind=_LABEL[kind], row_id=row_id)


MAX_FINDINGS = 40


@dataclass(frozen=True)
class RecordMarks:
    """The highest row ids a clean check has seen (rows above them are new since)."""

    note: int = 0
    addendum: int = 0
    psychotherapy_note: int = 0

    @classmethod
    def current(cls, conn: Connection) -> RecordMarks:
        def top(table: str) -> int:
            return int(conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0])

        return cls(top("notes"), top("note_addenda"), top("psychotherapy_notes"))


@dataclass
class _Row:
    kind: str
    row_id: int
    student_id: int | None
    stored: str | None
    recomputed: str | None  # None for an emptied stub of a destroyed record


def _note_rows(conn: Connection, where: str, params: tuple[object, ...]) -> Iterable[_Row]:
    sql = (
        "SELECT id, student_id, sections, signed_by, signed_at, content_hash FROM notes"
        f" WHERE status = 'signed' AND {where}"
    )
    for r in conn.execute(sql, params):
        if r[5] == DESTROYED_HASH and r[2] == "{}":
            yield _Row("note", int(r[0]), r[1], DESTROYED_HASH, None)
            continue
        try:
            sections = json.loads(r[2])
            digest: str | None = content_hash(sections, str(r[3]), str(r[4]))
        except (TypeError, ValueError, AttributeError):
            digest = "unreadable"
        yield _Row("note", int(r[0]), r[1], r[5], digest)


def _addendum_rows(conn: Connection, where: str, params: tuple[object, ...]) -> Iterable[_Row]:
    # An addendum received in a caseload handoff (migration 0009) was hashed with the id its
    # note had in the vault that signed it, kept as its provenance's origin_ref.
    origin = (
        "(SELECT h.origin_ref FROM handoff_records h WHERE h.kind = 'addendum' AND h.row_id = a.id)"
        if _has_table(conn, "handoff_records")
        else "NULL"
    )
    sql = (
        "SELECT a.id, n.student_id, a.note_id, a.body, a.signed_by, a.signed_at, a.content_hash,"
        f" {origin} FROM note_addenda a LEFT JOIN notes n ON n.id = a.note_id WHERE {where}"
    )
    for r in conn.execute(sql, params):
        body = {"addendum": r[3], "note": str(r[7] if r[7] is not None else r[2])}
        yield _Row("addendum", int(r[0]), r[1], r[6], content_hash(body, str(r[4]), str(r[5])))


def _psy_rows(conn: Connection, where: str, params: tuple[object, ...]) -> Iterable[_Row]:
    sql = (
        "SELECT id, student_id, body, signed_by, signed_at, content_hash FROM psychotherapy_notes"
        f" WHERE status = 'signed' AND {where}"
    )
    for r in conn.execute(sql, params):
        yield _Row(
            "psychotherapy_note", int(r[0]), r[1], r[5], content_hash({"text": r[2]}, r[3], r[4])
        )


_READERS = {"note": _note_rows, "addendum": _addendum_rows, "psychotherapy_note": _psy_rows}
_ID_COLUMN = {"note": "id", "addendum": "a.id", "psychotherapy_note": "id"}
_TABLE = {"note": "notes", "addendum": "note_addenda", "psychotherapy_note": "psychotherapy_notes"}


def _entry_target(action: str, entity_id: str | None, details: str) -> tuple[str, int, str] | None:
    """(kind, row id, hash) a signing audit entry speaks about; None when unreadable."""
    try:
        facts = json.loads(details)
        if action == "note.addendum_added":
            return "addendum", int(facts["addendum"]), str(facts["hash"])
        kind = "note" if action == "note.signed" else "psychotherapy_note"
        return kind, int(str(entity_id)), str(facts["hash"])
    except (TypeError, ValueError, KeyError):
        return None


def baseline_digest(rows: Iterable[tuple[str, int, str]]) -> str:
    """The seal over the baseline rows: SHA-256 of their sorted ``kind:id:hash`` lines."""
    h = hashlib.sha256()
    for kind, row_id, digest in sorted(rows):
        h.update(f"{kind}:{row_id}:{digest}\n".encode())
    return h.hexdigest()


def build_baseline(conn: Connection) -> list[tuple[str, int, str]]:
    """Signed rows without a signing audit entry, with the hash of their text now (0008)."""
    audited: set[tuple[str, int]] = set()
    for action, entity_id, details in conn.execute(
        "SELECT action, entity_id, details FROM audit_log WHERE action IN (?, ?, ?)",
        SIGNING_ACTIONS,
    ):
        target = _entry_target(action, entity_id, details)
        if target is not None:
            audited.add(target[:2])
    found: list[tuple[str, int, str]] = []
    for kind, reader in _READERS.items():
        for row in reader(conn, "1", ()):
            if (kind, row.row_id) not in audited and row.recomputed not in (None, "unreadable"):
                found.append((kind, row.row_id, str(row.recomputed)))
    destroyed = {
        str(r[0])
        for r in conn.execute(
            "SELECT entity_id FROM audit_log WHERE entity = 'student' AND action = ?",
            (DESTROYED_ACTION,),
        )
    }
    for r in conn.execute(
        "SELECT student_id, retain_until, destroyed_on, completed_at FROM retention_destructions"
    ):
        if str(r[0]) not in destroyed:
            found.append(("destruction", int(r[0]), destruction_digest(r[1], r[2], r[3])))
    return found


def destruction_digest(retain: object, destroyed_on: object, completed: object) -> str:
    """What the baseline keeps of a destruction row written without an audit entry."""
    text = json.dumps([retain, destroyed_on, completed])
    return hashlib.sha256(text.encode()).hexdigest()


class _Destructions:
    """Legitimate and illegitimate retention destructions (with findings)."""

    def __init__(self, conn: Connection, findings: list[str]) -> None:
        self.legit: set[int] = set()
        self.removed_psy = 0
        entries: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for aid, entity_id, details in conn.execute(
            "SELECT id, entity_id, details FROM audit_log WHERE entity = 'student' AND action = ?",
            (DESTROYED_ACTION,),
        ):
            try:
                facts = json.loads(details)
                entries[int(str(entity_id))].append((int(aid), str(facts.get("retain_until"))))
                self.removed_psy += int(facts.get("removed", {}).get("psychotherapy_notes", 0))
            except (TypeError, ValueError, AttributeError):
                findings.append(
                    M("retention: audit entry {entry} of a destruction is unreadable", entry=aid)
                )
        baseline = (
            {
                int(r[0]): str(r[1])
                for r in conn.execute(
                    "SELECT row_id, content_hash FROM record_baseline WHERE kind = 'destruction'"
                )
            }
            if _has_table(conn, "record_baseline")
            else {}
        )
        rows = conn.execute(
            "SELECT d.student_id, d.retain_until, d.destroyed_on, d.completed_at,"
            " s.service_ended_on FROM retention_destructions d"
            " LEFT JOIN students s ON s.id = d.student_id"
        ).fetchall()
        for sid, retain, destroyed_on, completed, ended in rows:
            found = entries.get(int(sid), [])
            if not found and baseline.get(int(sid)) == destruction_digest(
                retain, destroyed_on, completed
            ):
                found = [(0, retain)]  # recorded before destructions were audited (0008)
            why = _illegitimate(retain, destroyed_on, completed, ended, found)
            if why:
                findings.append(
                    M(
                        "retention: the destruction of student {student}'s record {why}",
                        student=sid,
                        why=why,
                    )
                )
            else:
                self.legit.add(int(sid))
        seen = {int(r[0]) for r in rows}
        for sid, found in sorted(entries.items()):
            if sid not in seen:
                findings.append(
                    M(
                        "retention: audit entry {entry} records destroying student {student}'s "
                        "record, but there is no destruction row",
                        entry=found[0][0],
                        student=sid,
                    )
                )


def _illegitimate(
    retain: str,
    destroyed_on: str,
    completed: str | None,
    ended: str | None,
    entries: list[tuple[int, str]],
) -> str:
    if completed is None:
        return M("was opened and never completed (a destruction is completed in one step)")
    if not ended:
        return M("has no recorded end of services")
    try:
        earliest = add_years(date.fromisoformat(ended), YEARS_AFTER_SERVICE)
        if date.fromisoformat(retain) < earliest:
            return M(
                "names a retention date before {date} (end of services + 7 years)",
                date=earliest.isoformat(),
            )
        if not date.fromisoformat(retain) < date.fromisoformat(destroyed_on):
            return M("happened before its retention date")
    except ValueError:
        return M("has unreadable dates")
    if len(entries) != 1:
        return M(
            "has {count} destruction audit entries (exactly one is written)", count=len(entries)
        )
    if entries[0][1] != retain:
        return M("does not match its audit entry {entry}", entry=entries[0][0])
    return ""


def check_record(
    conn: Connection, *, since: int = 0, marks: RecordMarks | None = None
) -> list[str]:
    """Findings about the signed record (empty when it holds). ``since``/``marks``: only the
    rows that audit entries after ``since`` speak about and rows above ``marks``."""
    findings: list[str] = []
    destructions = _Destructions(conn, findings)
    incremental = since > 0 and marks is not None
    entries: dict[tuple[str, int], list[tuple[int, str]]] = defaultdict(list)
    for aid, action, entity_id, details in conn.execute(
        "SELECT id, action, entity_id, details FROM audit_log WHERE id > ? AND action IN (?, ?, ?)",
        (since if incremental else 0, *SIGNING_ACTIONS),
    ):
        target = _entry_target(action, entity_id, details)
        if target is None:
            findings.append(
                M("audit entry {entry} ({action}) cannot be read", entry=aid, action=action)
            )
            continue
        entries[target[:2]].append((int(aid), target[2]))
    baseline = (
        {
            (str(k), int(i)): str(h)
            for k, i, h in conn.execute("SELECT kind, row_id, content_hash FROM record_baseline")
        }
        if _has_table(conn, "record_baseline")
        else {}
    )
    rows: list[_Row] = []
    if incremental:
        assert marks is not None
        wanted: dict[str, set[int]] = defaultdict(set)
        for kind, row_id in entries:
            wanted[kind].add(row_id)
        for kind, reader in _READERS.items():
            col = _ID_COLUMN[kind]
            top = getattr(marks, kind)
            rows += list(reader(conn, f"{col} > ?", (top,)))
            ids = sorted(i for i in wanted[kind] if i <= top)
            for chunk in range(0, len(ids), 500):
                part = ids[chunk : chunk + 500]
                marks_sql = ",".join("?" * len(part))
                rows += list(reader(conn, f"{col} IN ({marks_sql})", tuple(part)))
        # Exactly-one and entry-without-row need every entry of the rows looked at. A row above
        # the marks is new since the last clean check, so its entries are all in ``entries``
        # already; an older row that a new entry speaks about is looked up in full.
        for row in rows:
            if row.row_id <= getattr(marks, row.kind):
                entries[(row.kind, row.row_id)] = _all_entries(conn, row.kind, row.row_id)
    else:
        for reader in _READERS.values():
            rows += list(reader(conn, "1", ()))
    present: set[tuple[str, int]] = set()
    for row in rows:
        key = (row.kind, row.row_id)
        present.add(key)
        found = entries.get(key, [])
        label = _label(row.kind, row.row_id)
        if row.recomputed is None:  # the emptied stub of a destroyed record
            if row.student_id not in destructions.legit:
                findings.append(
                    M(
                        "{label} was emptied as destroyed, but its student's record has no "
                        "legitimate destruction",
                        label=label,
                    )
                )
            continue
        if key in baseline:
            if row.recomputed != baseline[key]:
                findings.append(
                    M("{label}: its text no longer matches what was signed", label=label)
                )
            if found:
                findings.append(
                    M("{label}: has signing audit entries besides its baseline", label=label)
                )
            continue
        if row.recomputed != row.stored:
            findings.append(M("{label}: its text no longer matches its content hash", label=label))
        if not found:
            findings.append(
                M("{label} has no signing audit entry (it was not signed here)", label=label)
            )
        elif len(found) > 1:
            listed = ", ".join(str(a) for a, _ in found)
            findings.append(
                M(
                    "{label} has {count} signing audit entries ({listed})",
                    label=label,
                    count=len(found),
                    listed=listed,
                )
            )
        elif found[0][1] != row.stored:
            findings.append(
                M(
                    "{label}: its content hash differs from the one in its signing audit entry "
                    "{entry}",
                    label=label,
                    entry=found[0][0],
                )
            )
        if len(findings) >= MAX_FINDINGS:
            break
    findings += _entries_without_rows(conn, entries, present, destructions)
    if len(findings) > MAX_FINDINGS:
        findings = [*findings[:MAX_FINDINGS], M("record: further findings not listed")]
    return findings


def _all_entries(conn: Connection, kind: str, row_id: int) -> list[tuple[int, str]]:
    if kind == "addendum":
        sql = (
            "SELECT id, action, entity_id, details FROM audit_log WHERE entity = 'note'"
            " AND action = 'note.addendum_added' AND json_extract(details, '$.addendum') = ?"
        )
        params: tuple[object, ...] = (row_id,)
    else:
        action = "note.signed" if kind == "note" else "psychotherapy_note.signed"
        sql = (
            "SELECT id, action, entity_id, details FROM audit_log"
            " WHERE entity = ? AND entity_id = ? AND action = ?"
        )
        params = (kind, str(row_id), action)
    out: list[tuple[int, str]] = []
    for aid, action_, entity_id, details in conn.execute(sql, params):
        target = _entry_target(action_, entity_id, details)
        if target is not None:
            out.append((int(aid), target[2]))
    return out


def _entries_without_rows(
    conn: Connection,
    entries: dict[tuple[str, int], list[tuple[int, str]]],
    present: set[tuple[str, int]],
    destructions: _Destructions,
) -> list[str]:
    missing = sorted(key for key in entries if key not in present and entries[key])
    findings: list[str] = []
    psy_gone = 0
    for kind, row_id in missing:
        table = {
            "note": "notes",
            "addendum": "note_addenda",
            "psychotherapy_note": "psychotherapy_notes",
        }[kind]
        if conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone() is not None:
            # The row exists but is not signed any more (checked rows only look at signed ones).
            findings.append(
                M(
                    "{label} is no longer signed, but it was signed",
                    label=_label(kind, row_id),
                )
            )
            continue
        if kind == "addendum":
            note = conn.execute(
                "SELECT n.student_id FROM audit_log e JOIN notes n ON n.id = CAST(e.entity_id"
                " AS INTEGER) WHERE e.id = ?",
                (entries[(kind, row_id)][0][0],),
            ).fetchone()
            if note is not None and note[0] in destructions.legit:
                continue
        if kind == "psychotherapy_note" and psy_gone < destructions.removed_psy:
            psy_gone += 1
            continue
        aid = entries[(kind, row_id)][0][0]
        findings.append(
            M(
                "{label} is missing: its signing audit entry {entry} has no row",
                label=_label(kind, row_id),
                entry=aid,
            )
        )
    return findings


def _has_table(conn: Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None
