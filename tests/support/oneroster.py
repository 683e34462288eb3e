"""OneRoster CSV bundles for the roster tests, in the standard's own column layout.

The header lines are the column lists of the IMS Global OneRoster CSV binding (v1.1 section
"users.csv", "demographics.csv", "orgs.csv", "enrollments.csv", "manifest.csv"; v1.2 moves the
role to "roles.csv" and adds the preferred names and ``primaryOrgSourcedId``). In 1.1 bulk files
``status`` and ``dateLastModified`` are left empty. Every person is fictional.

Sources: the 1EdTech (IMS) OneRoster CSV binding, https://www.imsglobal.org/oneroster-v11-final-csv-tables
(1.1) and https://www.imsglobal.org/spec/oneroster/v1p2/bind/csv (1.2); the 1.1 ``users.csv``
column order is also the one vendors' import guides list (e.g. Great Minds, "OneRoster File
Specifications: users.csv").
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

USERS_11 = (
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
    "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password"
)
USERS_12 = (
    "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,"
    "middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,"
    "resourceSourcedIds,preferredGivenName,preferredMiddleName,preferredFamilyName,"
    "primaryOrgSourcedId,pronouns"
)
ROLES_12 = (
    "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,"
    "orgSourcedId,userProfileSourcedId"
)
DEMOGRAPHICS = (
    "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,"
    "blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,"
    "demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,"
    "stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus"
)
ORGS = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId"
ENROLLMENTS = (
    "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,"
    "primary,beginDate,endDate"
)
SCHOOL_CDS = "99999990000011"
OTHER_CDS = "99999990000022"


def _csv(header: str, rows: list[dict[str, str]]) -> bytes:
    columns = header.split(",")
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        unknown = set(row) - set(columns)
        assert not unknown, unknown
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue().encode("utf-8")


def orgs_rows() -> list[dict[str, str]]:
    return [
        {"sourcedId": "org-d1", "name": "Fictional Unified", "type": "district"},
        {
            "sourcedId": "org-s1",
            "name": "Imaginary Elementary",
            "type": "school",
            "identifier": SCHOOL_CDS,
            "parentSourcedId": "org-d1",
        },
        {
            "sourcedId": "org-s2",
            "name": "Pretend Middle",
            "type": "school",
            "identifier": OTHER_CDS,
            "parentSourcedId": "org-d1",
        },
    ]


def bundle_11() -> dict[str, bytes]:
    """A 1.1 bulk bundle: two students (one found through enrollments), a guardian, a
    teacher, and a student marked ``tobedeleted``."""
    users = [
        {
            "sourcedId": "u-1",
            "enabledUser": "true",
            "orgSourcedIds": "org-s1",
            "role": "student",
            "username": "tmcfakeface",
            "givenName": "Testy",
            "familyName": "McFakeface",
            "identifier": "000101",
            "agentSourcedIds": "u-9",
            "grades": "KG",
        },
        {
            "sourcedId": "u-2",
            "enabledUser": "true",
            "orgSourcedIds": "org-d1",
            "role": "student",
            "givenName": "Sample",
            "familyName": "Examplesson",
            "identifier": "000102",
            "grades": "07",
        },
        {
            "sourcedId": "u-3",
            "status": "tobedeleted",
            "orgSourcedIds": "org-s1",
            "role": "student",
            "givenName": "Gone",
            "familyName": "Nobodyson",
            "identifier": "000103",
            "grades": "03",
        },
        {
            "sourcedId": "u-8",
            "enabledUser": "true",
            "orgSourcedIds": "org-s1",
            "role": "teacher",
            "givenName": "Ima",
            "familyName": "Teacherly",
            "identifier": "T-8",
        },
        {
            "sourcedId": "u-9",
            "enabledUser": "true",
            "orgSourcedIds": "org-s1",
            "role": "parent",
            "givenName": "Pat",
            "familyName": "McFakeface",
            "phone": "555-0100",
            "email": "pat@example.invalid",
        },
    ]
    demographics = [
        {"sourcedId": "u-1", "birthDate": "2019-03-04"},
        {"sourcedId": "u-2", "birthDate": "2013-05-06"},
        {"sourcedId": "u-3", "birthDate": "2016-01-01"},
    ]
    enrollments = [
        {
            "sourcedId": "e-1",
            "classSourcedId": "c-1",
            "schoolSourcedId": "org-s2",
            "userSourcedId": "u-2",
            "role": "student",
            "primary": "false",
        },
        {
            "sourcedId": "e-2",
            "classSourcedId": "c-1",
            "schoolSourcedId": "org-s2",
            "userSourcedId": "u-8",
            "role": "teacher",
            "primary": "true",
        },
    ]
    manifest = (
        b"propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.1\r\n"
        b"file.users,bulk\r\nfile.orgs,bulk\r\nfile.demographics,bulk\r\nfile.enrollments,bulk\r\n"
    )
    return {
        "manifest.csv": manifest,
        "users.csv": _csv(USERS_11, users),
        "demographics.csv": _csv(DEMOGRAPHICS, demographics),
        "orgs.csv": _csv(ORGS, orgs_rows()),
        "enrollments.csv": _csv(ENROLLMENTS, enrollments),
    }


def bundle_12() -> dict[str, bytes]:
    """A 1.2 bundle: roles in roles.csv, a preferred name, the school from primaryOrg."""
    users = [
        {
            "sourcedId": "v-1",
            "enabledUser": "true",
            "givenName": "Fakey",
            "familyName": "Notreal",
            "identifier": "000201",
            "grades": "TK",
            "preferredGivenName": "Fay",
            "primaryOrgSourcedId": "org-s2",
        },
        {
            "sourcedId": "v-2",
            "enabledUser": "true",
            "givenName": "Ima",
            "familyName": "Counselorish",
            "identifier": "T-2",
        },
    ]
    roles = [
        {
            "sourcedId": "r-1",
            "userSourcedId": "v-1",
            "roleType": "primary",
            "role": "student",
            "orgSourcedId": "org-s2",
        },
        {
            "sourcedId": "r-2",
            "userSourcedId": "v-2",
            "roleType": "primary",
            "role": "counselor",
            "orgSourcedId": "org-s2",
        },
    ]
    manifest = b"propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.2\r\n"
    return {
        "manifest.csv": manifest,
        "users.csv": _csv(USERS_12, users),
        "roles.csv": _csv(ROLES_12, roles),
        "demographics.csv": _csv(DEMOGRAPHICS, [{"sourcedId": "v-1", "birthDate": "2021-02-03"}]),
        "orgs.csv": _csv(ORGS, orgs_rows()),
    }


def bundle_12_metadata(
    users_meta: dict[str, str] | None = None, demographics_meta: dict[str, str] | None = None
) -> dict[str, bytes]:
    """``bundle_12`` with extension columns, the way the CSV binding adds them: a column named
    ``metadata.<name>`` after the standard ones (``users_meta`` / ``demographics_meta``: column
    name -> the student's value)."""
    files = bundle_12()
    users_meta = users_meta or {}
    demographics_meta = demographics_meta or {}
    for name, meta in (("users.csv", users_meta), ("demographics.csv", demographics_meta)):
        if not meta:
            continue
        lines = files[name].decode("utf-8").split("\r\n")
        lines[0] += "".join("," + column for column in meta)
        for i in range(1, len(lines)):
            if lines[i]:
                student = lines[i].startswith("v-1,")
                lines[i] += "".join("," + (v if student else "") for v in meta.values())
        files[name] = "\r\n".join(lines).encode("utf-8")
    return files


def write_zip(path: Path, files: dict[str, bytes], folder: str = "") -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(folder + name, data)
    return path


def write_folder(path: Path, files: dict[str, bytes]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (path / name).write_bytes(data)
    return path


def replace_line(data: bytes, line: int, new: str) -> bytes:
    """``data`` with its 1-based ``line`` replaced (CSV rows end with CRLF)."""
    lines = data.decode("utf-8").split("\r\n")
    lines[line - 1] = new
    return "\r\n".join(lines).encode("utf-8")
