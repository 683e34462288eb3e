"""Roster import use case: parse (pure), report, then commit all rows or none.

``import_roster(uow_or_conn, data, ...)``: with ``dry_run=True`` nothing is written and the
result says what would happen; otherwise any problem raises ``ValidationError`` carrying the
full report (every problem with its line), and the caller's unit of work rolls back, so a
roster is imported entirely or not at all. Students are matched by (district, district student
number): a re-import updates them (names, birth date, grade, school, SSID, languages, guardian)
and keeps everything clinical; new numbers create students. Each create/change is audited.

Progress and cancel: ``progress(done, total)`` (optional, plain Python — the core stays Qt-free)
is called once the file is parsed (``done == 0``), then every ``PROGRESS_EVERY`` rows, and once
with ``done == total`` before the import is audited. Returning ``False`` raises
:class:`RosterImportCancelled`; any exception raised by the callback (e.g. the UI's task
cancellation) propagates unchanged. Either way the exception leaves the caller's unit of work,
which rolls back every row written so far and their audit entries: a cancelled import adds and
changes nothing.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from clinician_desk.clock import utc_iso
from clinician_desk.domain.roster import (
    PRESETS,
    ColumnMapping,
    RosterParseResult,
    RosterRow,
    mapping_from_dict,
    parse_roster,
)
from clinician_desk.domain.students import StudentInput, district_of
from clinician_desk.errors import ClinicianDeskError, UsageError, ValidationError
from clinician_desk.services.students import changed_fields, today_of
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.database import UnitOfWork
from clinician_desk.storage.repositories import search_index
from clinician_desk.storage.repositories import students as repo

MAX_FILE_BYTES = 64 * 1024 * 1024
PROGRESS_EVERY = 200
ProgressCallback = Callable[[int, int], bool | None]


class RosterImportCancelled(ClinicianDeskError):
    """The clinician cancelled the import; nothing was imported (the transaction rolled back)."""

    def __init__(self) -> None:
        super().__init__("The roster import was cancelled. Nothing was imported.")


def _report(progress: ProgressCallback | None, done: int, total: int) -> None:
    if progress is not None and progress(done, total) is False:
        raise RosterImportCancelled()


@dataclass(frozen=True)
class RosterImportResult:
    parsed: RosterParseResult
    created: int
    updated: int
    unchanged: int
    dry_run: bool

    def report(self) -> str:
        verb = "would be" if self.dry_run else "were"
        return (
            f"{self.parsed.report()}\n{self.created} student(s) {verb} created, "
            f"{self.updated} updated, {self.unchanged} unchanged."
        )


def read_roster_file(path: Path) -> bytes:
    """The file's bytes; only a regular file is read (a FIFO would hang the import, a device
    such as /dev/zero never ends), and never more than ``MAX_FILE_BYTES``."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise UsageError(f"{path.name} is not a regular file; export the roster to a file.")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ValidationError(f"{path.name} is larger than {MAX_FILE_BYTES // 2**20} MB.")
        return data
    except OSError as exc:
        raise UsageError(f"Cannot read {path.name} ({exc.strerror or exc}).") from None


def load_mapping_file(path: Path) -> ColumnMapping:
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise UsageError(f"{path.name} is not a regular file.")
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        data = json.loads(raw.decode("utf-8-sig"))
    except OSError as exc:
        raise UsageError(f"Cannot read {path.name} ({exc.strerror or exc}).") from None
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise ValidationError(f"{path.name} is not valid JSON (or is nested too deeply).") from None
    return mapping_from_dict(data, source=path.name)


def mapping_for(preset: str | None, mapping: ColumnMapping | None) -> ColumnMapping | None:
    if mapping is not None:
        return mapping
    if preset is None:
        return None
    if preset not in PRESETS:
        raise UsageError(f"Unknown roster preset {preset!r}; use one of {', '.join(PRESETS)}.")
    return PRESETS[preset]


def _student_from_row(row: RosterRow, base: StudentInput | None) -> StudentInput:
    guardians = (row.guardian,) if row.guardian else ()
    if base is None:
        return StudentInput(
            legal_first_name=row.legal_first_name,
            legal_last_name=row.legal_last_name,
            date_of_birth=row.date_of_birth,
            grade=row.grade,
            school_cds=row.school_cds,
            preferred_name=row.preferred_name,
            district_student_number=row.district_student_number,
            ssid=row.ssid,
            language=row.language,
            guardians=guardians,
        )
    return replace(
        base,
        legal_first_name=row.legal_first_name,
        legal_last_name=row.legal_last_name,
        date_of_birth=row.date_of_birth,
        grade=row.grade,
        school_cds=row.school_cds,
        preferred_name=row.preferred_name or base.preferred_name,
        ssid=row.ssid or base.ssid,
        language=row.language or base.language,
        guardians=guardians or base.guardians,
    )


def import_roster(
    uow: UnitOfWork,
    data: bytes,
    *,
    preset: str | None = None,
    mapping: ColumnMapping | None = None,
    default_school_cds: str | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> RosterImportResult:
    """Parse and (unless ``dry_run``) commit a roster; see the module docstring."""
    parsed = parse_roster(data, today_of(uow), mapping_for(preset, mapping), default_school_cds)
    if not parsed.ok and not dry_run:
        raise ValidationError("The roster was not imported.\n" + parsed.report())
    conn = uow.conn
    now = utc_iso(uow.clock.now())
    created = updated = unchanged = 0
    total = len(parsed.rows)
    _report(progress, 0, total)
    for done, row in enumerate(parsed.rows):
        if done and done % PROGRESS_EVERY == 0:
            _report(progress, done, total)
        existing_id = repo.id_by_district_number(
            conn, district_of(row.school_cds), row.district_student_number
        )
        existing = repo.get(conn, existing_id) if existing_id is not None else None
        new = _student_from_row(row, existing.data if existing else None)
        if existing is None:
            created += 1
            if not dry_run:
                repo.ensure_school(conn, row.school_cds, row.school_name)
                sid = repo.insert(conn, new, now)
                _index(conn, sid, new)
                uow.audit("student.created", "student", str(sid), {"source": "roster"})
            continue
        changed = changed_fields(existing.data, new)
        if not changed:
            unchanged += 1
            continue
        updated += 1
        if not dry_run:
            repo.ensure_school(conn, row.school_cds, row.school_name)
            repo.update(conn, existing.id, new, now)
            _index(conn, existing.id, new)
            uow.audit(
                "student.changed",
                "student",
                str(existing.id),
                {"source": "roster", "fields": changed},
            )
    _report(progress, total, total)
    if not dry_run:
        uow.audit(
            "roster.imported",
            "roster",
            None,
            {"preset": parsed.preset, "created": created, "updated": updated},
        )
    return RosterImportResult(parsed, created, updated, unchanged, dry_run)


def _index(conn: Connection, student_id: int, s: StudentInput) -> None:
    body = " ".join(p for p in (s.legal_first_name, s.legal_last_name, s.preferred_name) if p)
    search_index.index(conn, "student", student_id, student_id, body)
