"""OneRoster 1.1 and 1.2 CSV bundles: the files a district's information system really exports.

A bundle is a set of CSV files (zipped or in a folder; reading them is the import service's job,
``clinician_desk.services.roster``). The layout follows the IMS Global (1EdTech) OneRoster CSV
binding, versions 1.1 and 1.2:

* ``users.csv``: ``sourcedId``, ``status``, ``givenName``, ``familyName``, ``identifier`` (the
  district student number), ``grades``, ``agentSourcedIds``; in 1.1 also ``role`` and
  ``orgSourcedIds``; in 1.2 ``preferredGivenName`` and ``primaryOrgSourcedId``, the roles being
  in ``roles.csv`` (``userSourcedId``, ``role``, ``orgSourcedId``, ``status``).
* ``demographics.csv``: ``sourcedId`` (the user's) and ``birthDate`` (YYYY-MM-DD).
* ``orgs.csv``: ``sourcedId``, ``name``, ``type``, ``identifier`` — for a school, its 14-digit
  CDS code.
* ``enrollments.csv`` (optional): ``userSourcedId``, ``schoolSourcedId``, ``role``, ``status``;
  used to find the school of a student whose orgs name none (or several).
* ``manifest.csv`` (optional): ``oneroster.version``.
* Extension columns, named ``metadata.<name>`` as the CSV binding adds them, in ``users.csv`` or
  ``demographics.csv``: read where the core has a field — the student's language
  (``metadata.language``, ``homeLanguage``, ``primaryLanguage``, ``studentLanguage``) and the
  state student ID (``metadata.ssid``, ``stateId``, ``stateStudentId``, ``stateStudentIdentifier``);
  an ``ext.`` after ``metadata.``, case and separators do not matter. ``users.csv`` wins when both
  files carry one; other extensions are ignored.

Rows whose ``status`` is ``tobedeleted`` are skipped (in bulk files the status is empty, which
means active), and so is every user without the ``student`` role; guardians are taken from the
student's ``agentSourcedIds`` (users with the role ``parent``, ``guardian`` or ``relative``).

A broken bundle (a required file or column missing, a file that is not UTF-8 or not CSV) raises
``ValidationError`` naming the file (and the column); row problems are collected with the file,
line and column, like every other roster problem, and nothing is imported while there is one.
Values are never quoted in messages (they may be student data); org ids are (they are not).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from clinician_desk.domain.roster.parse import RosterParseResult, RosterProblem, RosterRow
from clinician_desk.domain.roster.presets import header_key
from clinician_desk.domain.students import (
    Guardian,
    birth_date_problem,
    normalize_grade,
    validate_cds_code,
)
from clinician_desk.domain.text_hygiene import FIELD_MAX, NAME_MAX, problem_in
from clinician_desk.errors import ValidationError
from clinician_desk.messages import M

USERS, DEMOGRAPHICS, ORGS = "users.csv", "demographics.csv", "orgs.csv"
ENROLLMENTS, ROLES, MANIFEST = "enrollments.csv", "roles.csv", "manifest.csv"
REQUIRED_FILES: tuple[str, ...] = (USERS, DEMOGRAPHICS, ORGS)
BUNDLE_FILES: tuple[str, ...] = (USERS, DEMOGRAPHICS, ORGS, ENROLLMENTS, ROLES, MANIFEST)
GUARDIAN_ROLES = ("parent", "guardian", "relative")
MAX_ROWS = 500_000
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_SSID = re.compile(r"^\d{10}$")
# Extension columns (``metadata.<name>``, ``header_key`` form without the prefix) -> our field.
METADATA_FIELDS: Mapping[str, str] = {
    **{k: "language" for k in ("language", "homelanguage", "primarylanguage", "studentlanguage")},
    **{k: "ssid" for k in ("ssid", "stateid", "statestudentid", "statestudentidentifier")},
}


@dataclass(frozen=True)
class RosterBundle:
    """The CSV files of a bundle by lower-case file name (only those in ``BUNDLE_FILES``)."""

    files: Mapping[str, bytes]
    source: str  # the zip's or folder's name, for messages


@dataclass
class _Table:
    name: str
    rows: list[tuple[int, dict[str, str]]]
    columns: set[str]

    def has(self, column: str) -> bool:
        return column in self.columns


def _decode(name: str, data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            M(
                "{name}: not UTF-8 text (bad byte at offset {start}); OneRoster files are UTF-8 — "
                "export the bundle again.",
                name=name,
                start=exc.start,
            )
        ) from None


def _table(name: str, data: bytes, required: tuple[str, ...]) -> _Table:
    text = _decode(name, data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        raw_headers = next(reader)
    except StopIteration:
        raise ValidationError(M("{name}: the file is empty (no header line).", name=name)) from None
    except csv.Error:
        raise ValidationError(
            M("{name} line 1: the header line cannot be read.", name=name)
        ) from None
    # OneRoster column names are camelCase; match them case-insensitively (exports vary).
    canonical = {header_key(c): c for c in (*required, *_KNOWN_COLUMNS)}
    headers = [canonical.get(header_key(h), h.strip()) for h in raw_headers]
    missing = [c for c in required if c not in headers]
    if missing:
        raise ValidationError(
            M(
                "{name} line 1: required column(s) missing: {value}.",
                name=name,
                value=", ".join(missing),
            )
        )
    rows: list[tuple[int, dict[str, str]]] = []
    prev_end = reader.line_num
    while True:
        line = prev_end + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ValidationError(
                M(
                    "{name} line {line}: cannot be read as CSV ({exc}).",
                    name=name,
                    line=line,
                    exc=exc,
                )
            ) from None
        prev_end = reader.line_num
        if not record or all(not c.strip() for c in record):
            continue
        if len(record) != len(headers):
            raise ValidationError(
                M(
                    "{name} line {line}: has {count} fields, the header has {count2}.",
                    name=name,
                    line=line,
                    count=len(record),
                    count2=len(headers),
                )
            )
        if len(rows) >= MAX_ROWS:
            raise ValidationError(
                M("{name}: more than {MAX_ROWS} rows.", name=name, MAX_ROWS=MAX_ROWS)
            )
        rows.append((line, {h: v.strip() for h, v in zip(headers, record, strict=True)}))
    return _Table(name, rows, set(headers))


_KNOWN_COLUMNS = (
    "sourcedId",
    "status",
    "role",
    "orgSourcedIds",
    "givenName",
    "familyName",
    "identifier",
    "grades",
    "agentSourcedIds",
    "preferredGivenName",
    "primaryOrgSourcedId",
    "phone",
    "sms",
    "email",
    "birthDate",
    "name",
    "type",
    "userSourcedId",
    "schoolSourcedId",
    "orgSourcedId",
    "propertyName",
    "value",
)


def _active(row: dict[str, str]) -> bool:
    return row.get("status", "").lower() != "tobedeleted"


def _ids(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def _version(bundle: RosterBundle, users: _Table) -> str:
    manifest = bundle.files.get(MANIFEST)
    if manifest is not None:
        table = _table(MANIFEST, manifest, ("propertyName", "value"))
        for _line, row in table.rows:
            if row["propertyName"] == "oneroster.version" and row["value"] in ("1.1", "1.2"):
                return row["value"]
    if users.has("role") and ROLES not in bundle.files:
        return "1.1"
    return "1.2"


@dataclass(frozen=True)
class _School:
    line: int
    cds: str | None  # None: its identifier is not a CDS code (reported once, when used)
    name: str


def parse_oneroster(
    bundle: RosterBundle, today: date, default_school_cds: str | None = None
) -> RosterParseResult:
    if default_school_cds:
        default_school_cds = validate_cds_code(default_school_cds)
    missing = [f for f in REQUIRED_FILES if f not in bundle.files]
    if missing:
        raise ValidationError(
            M(
                "{source}: {value} missing; a OneRoster bundle needs {value2}"
                " (and enrollments.csv or roles.csv when exported).",
                source=bundle.source,
                value=", ".join(missing),
                value2=", ".join(REQUIRED_FILES),
            )
        )
    users = _table(
        USERS, bundle.files[USERS], ("sourcedId", "givenName", "familyName", "identifier")
    )
    version = _version(bundle, users)
    if version == "1.1" and not users.has("role"):
        raise ValidationError(M("{USERS} line 1: required column(s) missing: role.", USERS=USERS))
    demographics = _table(DEMOGRAPHICS, bundle.files[DEMOGRAPHICS], ("sourcedId", "birthDate"))
    orgs = _table(ORGS, bundle.files[ORGS], ("sourcedId", "type", "identifier"))
    problems: list[RosterProblem] = []

    schools: dict[str, _School] = {}
    org_ids: set[str] = set()
    for line, row in orgs.rows:
        if not _active(row):
            continue
        org_ids.add(row["sourcedId"])
        if row["type"].lower() != "school":
            continue
        try:
            cds: str | None = validate_cds_code(row["identifier"])
        except ValidationError:
            cds = None
        schools[row["sourcedId"]] = _School(line, cds, row.get("name", ""))
    reported_orgs: set[str] = set()

    roles: dict[str, list[tuple[int, str, str]]] = {}  # user -> [(line, role, org)]
    if ROLES in bundle.files:
        roles_table = _table(ROLES, bundle.files[ROLES], ("userSourcedId", "role"))
        for line, row in roles_table.rows:
            if _active(row):
                roles.setdefault(row["userSourcedId"], []).append(
                    (line, row["role"].lower(), row.get("orgSourcedId", ""))
                )
    enrolled: dict[str, list[tuple[int, str]]] = {}  # student -> [(line, school)]
    if ENROLLMENTS in bundle.files:
        enrollments = _table(
            ENROLLMENTS, bundle.files[ENROLLMENTS], ("userSourcedId", "schoolSourcedId", "role")
        )
        for line, row in enrollments.rows:
            if _active(row) and row["role"].lower() == "student":
                enrolled.setdefault(row["userSourcedId"], []).append((line, row["schoolSourcedId"]))

    births: dict[str, tuple[int, str]] = {}
    demographic_rows: dict[str, tuple[int, dict[str, str]]] = {}
    for line, row in demographics.rows:
        if _active(row):
            births[row["sourcedId"]] = (line, row["birthDate"])
            demographic_rows[row["sourcedId"]] = (line, row)
    users_meta, demographics_meta = _metadata_columns(users), _metadata_columns(demographics)

    def user_roles(row: dict[str, str]) -> set[str]:
        found = {r for _line, r, _org in roles.get(row["sourcedId"], [])}
        if row.get("role"):
            found.add(row["role"].lower())
        return found

    by_id = {row["sourcedId"]: row for _line, row in users.rows if _active(row)}
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    skipped = deleted = 0
    for line, row in users.rows:
        if not _active(row):
            deleted += 1
            continue
        if "student" not in user_roles(row):
            skipped += 1
            continue
        here: list[str] = []

        def problem(column: str, message: str, line: int = line, here: list[str] = here) -> None:
            here.append(message)
            problems.append(
                RosterProblem(
                    line, M("column {column} {message}", column=column, message=message), USERS
                )
            )

        number = row["identifier"]
        if not number:
            problem("identifier", M("is empty (the district student number)"))
        elif number in seen:
            problem(
                "identifier", M("repeats the student number on line {value}", value=seen[number])
            )
        else:
            seen[number] = line
        for column in ("givenName", "familyName"):
            if not row[column]:
                problem(column, M("is empty"))
        for column in ("givenName", "familyName", "preferredGivenName", "identifier"):
            text_problem = problem_in(
                row.get(column, ""), NAME_MAX if "Name" in column else FIELD_MAX
            )
            if text_problem is not None:
                problem(column, text_problem)
        grade = ""
        grades = _ids(row.get("grades", ""))
        if not grades:
            problem("grades", M("is empty"))
        else:
            try:
                grade = normalize_grade(grades[0])
            except ValidationError:
                problem("grades", M("is not one of TK, KG, 01-12"))
        dob: date | None = None
        birth = births.get(row["sourcedId"])
        if birth is None:
            problem(
                "sourcedId",
                M(
                    "has no row in {DEMOGRAPHICS} (the birth date is there)",
                    DEMOGRAPHICS=DEMOGRAPHICS,
                ),
            )
        else:
            dob = _birth_date(birth, today, problems)
            if dob is None:
                here.append("birthDate")
        where = _school_of(
            (USERS, line, row),
            roles.get(row["sourcedId"], []),
            enrolled.get(row["sourcedId"], []),
            schools,
            org_ids,
        )
        cds, school_name = "", ""
        if isinstance(where, RosterProblem):
            problems.append(where)
            here.append("school")
        elif where is None:
            if default_school_cds:
                cds = default_school_cds
            else:
                problem(
                    "orgSourcedIds" if version == "1.1" else "primaryOrgSourcedId",
                    M("names no school in {ORGS} (and no enrollment names one)", ORGS=ORGS),
                )
        else:
            found = schools[where]
            if found.cds is None:
                if where not in reported_orgs:
                    reported_orgs.add(where)
                    problems.append(
                        RosterProblem(
                            found.line,
                            M("column identifier is not a 14-digit CDS code (the school's code)"),
                            ORGS,
                        )
                    )
                here.append("school")
            else:
                cds, school_name = found.cds, found.name
        demographic_line, demographic = demographic_rows.get(row["sourcedId"], (0, {}))
        extra = _metadata(
            (
                (USERS, line, row, users_meta),
                (DEMOGRAPHICS, demographic_line, demographic, demographics_meta),
            ),
            problems,
            here,
        )
        if here:
            continue
        assert dob is not None
        rows.append(
            RosterRow(
                line=line,
                district_student_number=number,
                legal_last_name=row["familyName"],
                legal_first_name=row["givenName"],
                preferred_name=row.get("preferredGivenName", ""),
                date_of_birth=dob,
                grade=grade,
                school_cds=cds,
                school_name=school_name,
                ssid=extra.get("ssid", ""),
                language=extra.get("language", ""),
                guardian=_guardian(row, by_id, user_roles),
            )
        )
    if not rows and not problems:
        problems.append(RosterProblem(0, M("has no active student rows"), USERS))
    return RosterParseResult(
        "utf-8",
        ",",
        f"oneroster-{version}",
        tuple(rows),
        tuple(problems),
        skipped,
        deleted,
    )


def _metadata_columns(table: _Table) -> dict[str, str]:
    """The table's extension columns the core has a field for: column -> field."""
    found: dict[str, str] = {}
    for column in sorted(table.columns):
        head, dot, rest = column.partition(".")
        if not dot or head.lower() != "metadata":
            continue
        key = header_key(rest)
        if rest.lower().startswith("ext."):
            key = header_key(rest[4:])
        if key in METADATA_FIELDS:
            found.setdefault(column, METADATA_FIELDS[key])
    return found


def _metadata(
    sources: tuple[tuple[str, int, dict[str, str], dict[str, str]], ...],
    problems: list[RosterProblem],
    here: list[str],
) -> dict[str, str]:
    """The student's values of the extension fields (``sources``: file, line, row, its
    extension columns), first file first (``users.csv``); a bad value is a problem naming the
    file, line and column, never the value."""
    values: dict[str, str] = {}
    for file, line, row, columns in sources:
        for column, field in columns.items():
            value = row.get(column, "")
            if not value or field in values:
                continue
            message = problem_in(value, FIELD_MAX)
            if message is None and field == "ssid" and not _SSID.match(value):
                message = M("is not 10 digits (the state student ID)")
            if message is not None:
                here.append(message)
                problems.append(
                    RosterProblem(
                        line,
                        M("column {column} {message}", column=column, message=message),
                        file,
                    )
                )
                continue
            values[field] = value
    return values


def _birth_date(birth: tuple[int, str], today: date, problems: list[RosterProblem]) -> date | None:
    line, text = birth
    m = _ISO.match(text)
    if not m:
        problems.append(
            RosterProblem(
                line, M("column birthDate is not a date in the form YYYY-MM-DD"), DEMOGRAPHICS
            )
        )
        return None
    try:
        dob = date(*(int(g) for g in m.groups()))
    except ValueError:
        problems.append(
            RosterProblem(line, M("column birthDate is not a real calendar date"), DEMOGRAPHICS)
        )
        return None
    implausible = birth_date_problem(dob, today)
    if implausible is not None:
        problems.append(
            RosterProblem(
                line, M("column birthDate {implausible}", implausible=implausible), DEMOGRAPHICS
            )
        )
        return None
    return dob


def _school_of(
    user: tuple[str, int, dict[str, str]],
    roles: list[tuple[int, str, str]],
    enrolled: list[tuple[int, str]],
    schools: Mapping[str, _School],
    org_ids: set[str],
) -> str | RosterProblem | None:
    """The student's school org id: the one school among the user's orgs (``orgSourcedIds``,
    ``primaryOrgSourcedId``, the student roles), else the one school of the student's
    enrollments; None when nothing names one; a problem for an unknown org or several schools."""
    file, line, row = user
    named: list[tuple[str, int, str, str]] = []  # (org, line, file, column)
    for org in _ids(row.get("orgSourcedIds", "")):
        named.append((org, line, file, "orgSourcedIds"))
    if row.get("primaryOrgSourcedId"):
        named.append((row["primaryOrgSourcedId"], line, file, "primaryOrgSourcedId"))
    for role_line, role, org in roles:
        if role == "student" and org:
            named.append((org, role_line, ROLES, "orgSourcedId"))
    for org, at, in_file, column in named:
        if org not in org_ids:
            return RosterProblem(
                at,
                M(
                    "column {column} names org {org!r}, not found in {ORGS}",
                    column=column,
                    org=org,
                    ORGS=ORGS,
                ),
                in_file,
            )
    own = sorted({org for org, *_rest in named if org in schools})
    if len(own) == 1:
        return own[0]
    from_enrollments: set[str] = set()
    for at, org in enrolled:
        if org not in org_ids:
            return RosterProblem(
                at,
                M(
                    "column schoolSourcedId names org {org!r}, not found in {ORGS}",
                    org=org,
                    ORGS=ORGS,
                ),
                ENROLLMENTS,
            )
        if org in schools and (not own or org in own):
            from_enrollments.add(org)
    if len(from_enrollments) == 1:
        return from_enrollments.pop()
    if len(from_enrollments) > 1 or len(own) > 1:
        return RosterProblem(
            line,
            M("the student belongs to more than one school; export one school per student"),
            file,
        )
    return None


def _guardian(
    row: dict[str, str],
    by_id: Mapping[str, dict[str, str]],
    roles_of: Callable[[dict[str, str]], set[str]],
) -> Guardian | None:
    """The first of the student's agents with a guardian role, as the primary guardian."""
    for agent_id in _ids(row.get("agentSourcedIds", "")):
        agent = by_id.get(agent_id)
        if agent is None or not roles_of(agent) & set(GUARDIAN_ROLES):
            continue
        name = " ".join(p for p in (agent["givenName"], agent["familyName"]) if p)
        if not name or problem_in(name, NAME_MAX) is not None:
            continue
        return Guardian(
            name=name,
            phone=agent.get("phone", "") or agent.get("sms", ""),
            email=agent.get("email", ""),
            preferred_language="",
            is_primary=True,
        )
    return None
