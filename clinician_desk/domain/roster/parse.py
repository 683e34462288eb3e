"""Parse a roster export into validated rows plus a list of problems with their line numbers.

Every field is read as text (leading zeros in ids survive; TK and K stay text). Dates may be
MM/DD/YYYY, YYYYMMDD or YYYY-MM-DD. Nothing is written here: the import service commits the
rows only when the problem list is empty (all-or-nothing); a dry run shows the same report.
Problem messages name the line and the field, never the value (it may be student data).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from clinician_desk.domain.roster.decoding import decode_bytes, delimiter_name, detect_delimiter
from clinician_desk.domain.roster.presets import (
    PRESETS,
    REQUIRED,
    ColumnMapping,
    header_key,
)
from clinician_desk.domain.students import (
    Guardian,
    birth_date_problem,
    normalize_grade,
    validate_cds_code,
)
from clinician_desk.domain.text_hygiene import FIELD_MAX, NAME_MAX, problem_in
from clinician_desk.errors import ValidationError
from clinician_desk.messages import M

_MDY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_YMD = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_SSID = re.compile(r"^\d{10}$")
MAX_ROWS = 200_000


@dataclass(frozen=True)
class RosterProblem:
    line: int
    message: str
    file: str = ""  # set for the files of a bundle (``users.csv`` ...)

    def __str__(self) -> str:
        where = " ".join(p for p in (self.file, f"line {self.line}" if self.line else "") if p)
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class RosterRow:
    line: int
    district_student_number: str
    legal_last_name: str
    legal_first_name: str
    preferred_name: str
    date_of_birth: date
    grade: str
    school_cds: str
    school_name: str
    ssid: str
    language: str
    guardian: Guardian | None


@dataclass(frozen=True)
class RosterParseResult:
    encoding: str
    delimiter: str
    preset: str
    rows: tuple[RosterRow, ...]
    problems: tuple[RosterProblem, ...]
    skipped_non_students: int = 0
    skipped_deleted: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def report(self, limit: int = 200) -> str:
        head = (
            f"{len(self.rows)} student row(s); preset {self.preset}; encoding {self.encoding}; "
            f"separator {delimiter_name(self.delimiter)}"
        )
        if self.skipped_non_students:
            head += f"; {self.skipped_non_students} non-student row(s) skipped"
        if self.skipped_deleted:
            head += f"; {self.skipped_deleted} row(s) marked tobedeleted skipped"
        lines = [head]
        if self.problems:
            lines.append(f"{len(self.problems)} problem(s); nothing will be imported:")
            lines += [f"  {p}" for p in self.problems[:limit]]
            if len(self.problems) > limit:
                lines.append(f"  ... and {len(self.problems) - limit} more")
        return "\n".join(lines)


def parse_date(text: str) -> date:
    t = text.strip()
    for rx, order in ((_MDY, "mdy"), (_YMD, "ymd"), (_ISO, "ymd")):
        m = rx.match(t)
        if m:
            a, b, c = (int(g) for g in m.groups())
            y, mo, d = (c, a, b) if order == "mdy" else (a, b, c)
            try:
                return date(y, mo, d)
            except ValueError:
                raise ValidationError(M("is not a real calendar date")) from None
    raise ValidationError(M("is not a date (MM/DD/YYYY or YYYYMMDD)"))


def _resolve(headers: list[str], mapping: ColumnMapping) -> dict[str, int]:
    keys = {header_key(h): i for i, h in reversed(list(enumerate(headers)))}
    found: dict[str, int] = {}
    for fld, candidates in mapping.columns.items():
        for c in candidates:
            if header_key(c) in keys:
                found[fld] = keys[header_key(c)]
                break
    return found


def choose_mapping(headers: list[str]) -> ColumnMapping:
    """The preset whose columns best match ``headers`` (most required fields, then most)."""

    def score(m: ColumnMapping) -> tuple[int, int]:
        found = _resolve(headers, m)
        return sum(1 for f in REQUIRED if f in found), len(found)

    return max(PRESETS.values(), key=score)


def parse_roster(
    data: bytes,
    today: date,
    mapping: ColumnMapping | None = None,
    default_school_cds: str | None = None,
) -> RosterParseResult:
    text, encoding = decode_bytes(data, mapping.encoding if mapping else None)
    delimiter = (mapping.delimiter if mapping else None) or detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    problems: list[RosterProblem] = []
    try:
        headers = next(reader)
    except (csv.Error, StopIteration):
        raise ValidationError(M("line 1: the header line cannot be read.")) from None
    chosen = mapping or choose_mapping(headers)
    columns = _resolve(headers, chosen)
    defaults = dict(chosen.defaults)
    if default_school_cds:
        defaults.setdefault("school_cds", default_school_cds)
    missing = [f for f in REQUIRED if f not in columns and f not in defaults]
    if missing:
        raise ValidationError(
            M(
                "line 1: required column(s) missing for the {layout} layout: {columns}",
                layout=chosen.name,
                columns=", ".join(missing),
            )
        )
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    skipped = 0
    prev_end = reader.line_num
    while True:
        line = prev_end + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(RosterProblem(line, M("cannot be read as CSV ({exc})", exc=exc)))
            break
        prev_end = reader.line_num
        if not record or all(not c.strip() for c in record):
            continue
        if len(rows) + len(problems) > MAX_ROWS:
            problems.append(RosterProblem(line, M("more than {MAX_ROWS} rows", MAX_ROWS=MAX_ROWS)))
            break
        if len(record) != len(headers):
            problems.append(
                RosterProblem(
                    line,
                    M(
                        "has {count} fields, the header has {count2}",
                        count=len(record),
                        count2=len(headers),
                    ),
                )
            )
            continue

        def get(fld: str, rec: list[str] = record) -> str:
            if fld in columns and rec[columns[fld]].strip():
                return rec[columns[fld]].strip()
            return defaults.get(fld, "").strip()

        if chosen.student_roles and "role" in columns:
            if get("role").lower() not in chosen.student_roles:
                skipped += 1
                continue
        row_problems: list[str] = []
        for fld in REQUIRED:
            if not get(fld):
                row_problems.append(M("{fld} is empty", fld=fld))
        for fld in sorted(set(columns) | set(defaults)):
            limit = NAME_MAX if fld.endswith("_name") else FIELD_MAX
            text_problem = problem_in(get(fld), limit)
            if text_problem is not None:
                row_problems.append(M("{fld} {text_problem}", fld=fld, text_problem=text_problem))
        dob: date | None = None
        if get("date_of_birth"):
            try:
                dob = parse_date(get("date_of_birth"))
                implausible = birth_date_problem(dob, today)
                if implausible is not None:
                    row_problems.append(M("date_of_birth {implausible}", implausible=implausible))
            except ValidationError as exc:
                row_problems.append(M("date_of_birth {message}", message=exc.message))
        grade = get("grade")
        if grade:
            try:
                grade = normalize_grade(grade.split(",")[0])
            except ValidationError:
                row_problems.append(M("grade is not one of TK, K, 1-12"))
        cds = get("school_cds")
        if cds:
            try:
                cds = validate_cds_code(cds)
            except ValidationError:
                row_problems.append(M("school_cds is not a 14-digit CDS code"))
        ssid = get("ssid")
        if ssid and not _SSID.match(ssid):
            row_problems.append(M("ssid is not 10 digits"))
        number = get("district_student_number")
        if number:
            if number in seen:
                row_problems.append(
                    M("district student number repeats the one on line {value}", value=seen[number])
                )
            else:
                seen[number] = line
        if row_problems:
            problems.extend(RosterProblem(line, p) for p in row_problems)
            continue
        assert dob is not None
        guardian = None
        if get("guardian_name"):
            guardian = Guardian(
                name=get("guardian_name"),
                phone=get("guardian_phone"),
                email=get("guardian_email"),
                preferred_language=get("guardian_language"),
                is_primary=True,
            )
        rows.append(
            RosterRow(
                line=line,
                district_student_number=number,
                legal_last_name=get("legal_last_name"),
                legal_first_name=get("legal_first_name"),
                preferred_name=get("preferred_name"),
                date_of_birth=dob,
                grade=grade,
                school_cds=cds,
                school_name=get("school_name"),
                ssid=ssid,
                language=get("language"),
                guardian=guardian,
            )
        )
    if not rows and not problems:
        problems.append(RosterProblem(0, M("the roster has a header but no student rows")))
    return RosterParseResult(
        encoding, delimiter, chosen.name, tuple(rows), tuple(problems), skipped
    )
