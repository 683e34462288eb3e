"""Column mappings: the presets for common student information systems, and custom mappings.

A mapping names, for each roster field, the header(s) that may hold it (matched
case-insensitively, ignoring spaces, ``_`` and ``-``). A custom mapping file is JSON::

    {"columns": {"district_student_number": "Pupil No", "legal_last_name": "Surname", ...},
     "delimiter": "^", "encoding": "cp1252", "defaults": {"school_cds": "01234560123456"}}

Header names of the presets follow the vendors' public export documentation (*verify* against a
district's real export; a custom mapping overrides any of them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from clinician_desk.errors import ValidationError

FIELDS: tuple[str, ...] = (
    "district_student_number",
    "legal_last_name",
    "legal_first_name",
    "preferred_name",
    "date_of_birth",
    "grade",
    "school_cds",
    "school_name",
    "ssid",
    "language",
    "guardian_name",
    "guardian_phone",
    "guardian_email",
    "guardian_language",
    "role",
)
REQUIRED: tuple[str, ...] = (
    "district_student_number",
    "legal_last_name",
    "legal_first_name",
    "date_of_birth",
    "grade",
    "school_cds",
)


def header_key(name: str) -> str:
    return re.sub(r"[\s_\-./]+", "", name.strip().lstrip("\ufeff")).lower()


@dataclass(frozen=True)
class ColumnMapping:
    name: str
    columns: Mapping[str, tuple[str, ...]]
    delimiter: str | None = None
    encoding: str | None = None
    defaults: Mapping[str, str] = field(default_factory=dict)
    student_roles: tuple[str, ...] = ()


PRESETS: dict[str, ColumnMapping] = {
    "aeries": ColumnMapping(
        "aeries",
        {
            "district_student_number": ("Perm ID", "PermID", "Permanent ID"),
            "legal_last_name": ("Last Name", "LastName"),
            "legal_first_name": ("First Name", "FirstName"),
            "preferred_name": ("Nickname", "Preferred Name"),
            "date_of_birth": ("Birthdate", "Birth Date"),
            "grade": ("Grade",),
            "school_cds": ("School CDS Code", "CDS Code"),
            "school_name": ("School Name",),
            "ssid": ("State Student ID", "StateStudentID", "SSID"),
            "language": ("Home Language", "Language"),
            "guardian_name": ("Parent/Guardian Name", "Parent Name", "Guardian"),
            "guardian_phone": ("Telephone", "Home Phone", "Tel"),
            "guardian_email": ("Parent Email", "Parent Email Address"),
            "guardian_language": ("Correspondence Language", "Parent Language"),
        },
    ),
    "powerschool": ColumnMapping(
        "powerschool",
        {
            "district_student_number": ("Student_Number", "StudentNumber"),
            "legal_last_name": ("Last_Name",),
            "legal_first_name": ("First_Name",),
            "preferred_name": ("Pref_First_Name", "Preferred_Name"),
            "date_of_birth": ("DOB", "Birthdate"),
            "grade": ("Grade_Level",),
            "school_cds": ("School_CDS", "CDS_Code", "SchoolCDS"),
            "school_name": ("School_Name",),
            "ssid": ("State_StudentNumber", "SSID"),
            "language": ("Home_Language", "Primary_Language"),
            "guardian_name": ("Guardian_Name", "Mother", "Father"),
            "guardian_phone": ("Home_Phone",),
            "guardian_email": ("Guardian_Email",),
            "guardian_language": ("Guardian_Language",),
        },
    ),
    "infinite-campus": ColumnMapping(
        "infinite-campus",
        {
            "district_student_number": ("studentNumber", "Student Number"),
            "legal_last_name": ("lastName", "Last Name"),
            "legal_first_name": ("firstName", "First Name"),
            "preferred_name": ("alias", "Preferred Name"),
            "date_of_birth": ("birthDate", "Birth Date"),
            "grade": ("grade",),
            "school_cds": ("schoolCDS", "School CDS", "cdsCode"),
            "school_name": ("schoolName",),
            "ssid": ("stateID", "State ID"),
            "language": ("homePrimaryLanguage", "language"),
            "guardian_name": ("guardianName", "Guardian Name"),
            "guardian_phone": ("guardianPhone", "homePhone"),
            "guardian_email": ("guardianEmail",),
            "guardian_language": ("guardianLanguage",),
        },
    ),
    "oneroster": ColumnMapping(
        "oneroster",
        {
            "district_student_number": ("identifier",),
            "legal_last_name": ("familyName",),
            "legal_first_name": ("givenName",),
            "preferred_name": ("preferredFirstName",),
            "date_of_birth": ("birthDate",),
            "grade": ("grades",),
            "school_cds": ("orgSourcedIds",),
            "ssid": ("stateId", "metadata.stateId"),
            "language": ("metadata.language",),
            "role": ("role",),
        },
        delimiter=",",
        student_roles=("student",),
    ),
}
PRESET_NAMES: tuple[str, ...] = tuple(PRESETS)


def mapping_from_dict(data: Any, source: str = "mapping file") -> ColumnMapping:
    """Validate a custom mapping (parsed JSON) and return it."""
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise ValidationError(f"{source}: needs an object with a 'columns' object.")
    columns: dict[str, tuple[str, ...]] = {}
    for fld, header in data["columns"].items():
        if fld not in FIELDS:
            raise ValidationError(f"{source}: unknown field {fld!r}; fields are {FIELDS}.")
        headers = (header,) if isinstance(header, str) else header
        if not isinstance(headers, list | tuple) or not all(isinstance(h, str) for h in headers):
            raise ValidationError(f"{source}: column for {fld!r} must be a header name.")
        columns[fld] = tuple(headers)
    delimiter = data.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise ValidationError(f"{source}: delimiter must be one character.")
    encoding = data.get("encoding")
    if encoding is not None and not isinstance(encoding, str):
        raise ValidationError(f"{source}: encoding must be text.")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict) or not all(
        k in FIELDS and isinstance(v, str) for k, v in defaults.items()
    ):
        raise ValidationError(f"{source}: defaults must map field names to text.")
    return ColumnMapping("custom", columns, delimiter, encoding, dict(defaults))
