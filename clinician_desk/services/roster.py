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

import io
import json
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from clinician_desk.clock import utc_iso
from clinician_desk.domain.roster import (
    BUNDLE_FILES,
    PRESETS,
    ColumnMapping,
    RosterBundle,
    RosterParseResult,
    RosterRow,
    mapping_from_dict,
    parse_oneroster,
    parse_roster,
)
from clinician_desk.domain.roster.presets import RETIRED_PRESETS
from clinician_desk.domain.students import StudentInput, district_of
from clinician_desk.errors import ClinicianDeskError, UsageError, ValidationError
from clinician_desk.messages import M
from clinician_desk.services.students import changed_fields, today_of
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.database import UnitOfWork
from clinician_desk.storage.repositories import search_index
from clinician_desk.storage.repositories import students as repo

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ZIP_MEMBERS = 200
MAX_ZIP_TOTAL_BYTES = 4 * MAX_FILE_BYTES  # the CSVs read from one zip, uncompressed
MAX_ZIP_RATIO = 200  # uncompressed / compressed, above which a member is a zip bomb
PROGRESS_EVERY = 200
ProgressCallback = Callable[[int, int], bool | None]


class RosterImportCancelled(ClinicianDeskError):
    """The clinician cancelled the import; nothing was imported (the transaction rolled back)."""

    def __init__(self) -> None:
        super().__init__(M("The roster import was cancelled. Nothing was imported."))


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
            raise UsageError(
                M("{name} is not a regular file; export the roster to a file.", name=path.name)
            )
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ValidationError(
                M(
                    "{name} is larger than {value} MB.",
                    name=path.name,
                    value=MAX_FILE_BYTES // 2**20,
                )
            )
        return data
    except OSError as exc:
        raise UsageError(
            M("Cannot read {name} ({value}).", name=path.name, value=exc.strerror or exc)
        ) from None


def read_roster_source(path: Path) -> bytes | RosterBundle:
    """A roster as the import reads it: the bytes of one CSV file, or a OneRoster bundle read
    from a zip file (whatever its name ends with), from a folder, or from the folder of a
    ``users.csv`` named directly when its ``demographics.csv`` and ``orgs.csv`` sit beside it."""
    try:
        if path.is_dir():
            return read_bundle_folder(path)
        if path.name.lower() == "users.csv" and all(
            (path.parent / f).is_file() for f in ("demographics.csv", "orgs.csv")
        ):
            return read_bundle_folder(path.parent)
    except OSError as exc:
        raise UsageError(
            M("Cannot read {name} ({value}).", name=path.name, value=exc.strerror or exc)
        ) from None
    data = read_roster_file(path)
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return read_bundle_zip(path.name, data)
    return data


def read_bundle_folder(folder: Path) -> RosterBundle:
    """The bundle's CSV files from a folder (names matched case-insensitively)."""
    try:
        entries = {p.name.lower(): p for p in folder.iterdir()}
    except OSError as exc:
        raise UsageError(
            M(
                "Cannot read the folder {name} ({value}).",
                name=folder.name,
                value=exc.strerror or exc,
            )
        ) from None
    files = {name: read_roster_file(entries[name]) for name in BUNDLE_FILES if name in entries}
    if "users.csv" not in files:
        raise ValidationError(
            M(
                "{name}: no users.csv in this folder; choose the folder of "
                "the OneRoster export (users.csv, demographics.csv, orgs.csv)"
                " or a CSV file.",
                name=folder.name,
            )
        )
    return RosterBundle(files, folder.name)


def _unsafe_member_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return (
        name.startswith(("/", "\\"))
        or (len(name) > 1 and name[1] == ":")
        or ".." in parts
        or "\x00" in name
    )


def read_bundle_zip(source: str, data: bytes) -> RosterBundle:
    """The bundle's CSV files from a zip held in memory, refusing what a roster export never
    contains: names that climb out of the folder (``../``, absolute, drive letters), links,
    encrypted members, archives inside the archive, more than ``MAX_ZIP_MEMBERS`` members,
    members that decompress beyond ``MAX_FILE_BYTES`` (counted while reading, not taken from
    the zip's own header) or at a ratio above ``MAX_ZIP_RATIO``."""

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError(
            M(
                "{source}: a binary file that is not a readable zip (a "
                "spreadsheet, PDF or damaged archive?); export the roster as "
                "CSV or as a OneRoster bundle.",
                source=source,
            )
        ) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise ValidationError(
                M(
                    "{source}: {count} files in the zip; a roster bundle has at "
                    "most {MAX_ZIP_MEMBERS}.",
                    source=source,
                    count=len(members),
                    MAX_ZIP_MEMBERS=MAX_ZIP_MEMBERS,
                )
            )
        chosen: dict[str, zipfile.ZipInfo] = {}
        for info in members:
            name = info.filename
            if _unsafe_member_name(name):
                raise ValidationError(
                    M(
                        "{source}: the zip holds a file named outside its folder "
                        "({value!r}); refused.",
                        source=source,
                        value=name[:80],
                    )
                )
            if stat.S_ISLNK(info.external_attr >> 16):
                raise ValidationError(
                    M(
                        "{source}: the zip holds a link ({value!r}); refused.",
                        source=source,
                        value=name[:80],
                    )
                )
            if info.is_dir():
                continue
            if name == "[Content_Types].xml":
                raise ValidationError(
                    M(
                        "{source}: a spreadsheet (Excel or similar), which is binary;"
                        " export the roster as CSV or as a OneRoster bundle.",
                        source=source,
                    )
                )
            base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
            if base.endswith((".zip", ".jar", ".7z", ".gz", ".tar", ".rar")):
                raise ValidationError(
                    M(
                        "{source}: the zip holds another archive ({value!r}); unzip "
                        "it and import the bundle inside.",
                        source=source,
                        value=name[:80],
                    )
                )
            if base not in BUNDLE_FILES:
                continue
            if base in chosen:
                raise ValidationError(
                    M(
                        "{source}: the zip holds {base} twice ({value!r} and "
                        "{value2!r}); export one bundle per zip.",
                        source=source,
                        base=base,
                        value=chosen[base].filename[:80],
                        value2=name[:80],
                    )
                )
            if info.flag_bits & 0x1:
                raise ValidationError(
                    M(
                        "{source}: {base} is encrypted in the zip; refused.",
                        source=source,
                        base=base,
                    )
                )
            chosen[base] = info
        files: dict[str, bytes] = {}
        total = 0
        for base, info in chosen.items():
            if info.file_size > MAX_FILE_BYTES or (
                info.file_size > 1_000_000
                and info.file_size > MAX_ZIP_RATIO * max(1, info.compress_size)
            ):
                raise ValidationError(
                    M(
                        "{source}: {base} would unpack to {value:,} KB from "
                        "{value2:,} KB (a zip bomb?); refused.",
                        source=source,
                        base=base,
                        value=info.file_size // 1024,
                        value2=max(1, info.compress_size // 1024),
                    )
                )
            files[base] = _read_member(source, archive, info, base)
            total += len(files[base])
            if total > MAX_ZIP_TOTAL_BYTES:
                raise ValidationError(
                    M(
                        "{source}: the roster files unpack to more than {value} MB; refused.",
                        source=source,
                        value=MAX_ZIP_TOTAL_BYTES // 2**20,
                    )
                )
            if files[base].startswith(b"PK\x03\x04"):
                raise ValidationError(
                    M(
                        "{source}: {base} is itself a zip file; unzip it and import "
                        "the bundle inside.",
                        source=source,
                        base=base,
                    )
                )
    if "users.csv" not in files:
        raise ValidationError(
            M(
                "{source}: users.csv missing; a OneRoster bundle needs "
                "users.csv, demographics.csv and orgs.csv.",
                source=source,
            )
        )
    return RosterBundle(files, source)


def _read_member(source: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, base: str) -> bytes:
    """At most ``MAX_FILE_BYTES`` of a member, whatever its header claims."""
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(1 << 20):
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    raise ValidationError(
                        M(
                            "{source}: {base} unpacks to more than {value} MB; refused.",
                            source=source,
                            base=base,
                            value=MAX_FILE_BYTES // 2**20,
                        )
                    )
                chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError):
        raise ValidationError(
            M("{source}: {base} cannot be unpacked (damaged zip).", source=source, base=base)
        ) from None
    return b"".join(chunks)


def load_mapping_file(path: Path) -> ColumnMapping:
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise UsageError(M("{name} is not a regular file.", name=path.name))
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        data = json.loads(raw.decode("utf-8-sig"))
    except OSError as exc:
        raise UsageError(
            M("Cannot read {name} ({value}).", name=path.name, value=exc.strerror or exc)
        ) from None
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise ValidationError(
            M("{name} is not valid JSON (or is nested too deeply).", name=path.name)
        ) from None
    return mapping_from_dict(data, source=path.name)


def mapping_for(preset: str | None, mapping: ColumnMapping | None) -> ColumnMapping | None:
    if mapping is not None:
        return mapping
    if preset is None:
        return None
    if preset in RETIRED_PRESETS:
        raise UsageError(
            M(
                "The {preset} preset is retired: its column names were never "
                "confirmed by {value}. Export a OneRoster bundle (a zip or "
                "folder) from the student information system and import that,"
                " or use a mapping file.",
                preset=preset,
                value=RETIRED_PRESETS[preset],
            )
        )
    if preset not in PRESETS:
        raise UsageError(
            M(
                "Unknown roster preset {preset!r}; use one of {value}.",
                preset=preset,
                value=", ".join(PRESETS),
            )
        )
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
    data: bytes | RosterBundle,
    *,
    preset: str | None = None,
    mapping: ColumnMapping | None = None,
    default_school_cds: str | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> RosterImportResult:
    """Parse and (unless ``dry_run``) commit a roster; see the module docstring."""
    if isinstance(data, RosterBundle):
        if mapping is not None or preset not in (None, "oneroster"):
            raise UsageError(
                M(
                    "A OneRoster bundle has its own layout; a preset or mapping "
                    "file applies only to a single CSV file."
                )
            )
        parsed = parse_oneroster(data, today_of(uow), default_school_cds)
    else:
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
