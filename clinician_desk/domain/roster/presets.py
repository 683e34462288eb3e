"""Column mappings: the presets for common student information systems, and custom mappings.

A mapping names, for each roster field, the header(s) that may hold it (matched
case-insensitively, ignoring spaces, ``_`` and ``-``). A custom mapping file is JSON::

    {"columns": {"district_student_number": "Pupil No", "legal_last_name": "Surname", ...},
     "delimiter": "^", "encoding": "cp1252", "defaults": {"school_cds": "01234560123456"}}

The one preset, ``template``, is this application's own single-file layout; a custom mapping
covers any other single CSV, and OneRoster bundles have a fixed layout of their own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from clinician_desk.errors import ValidationError
from clinician_desk.messages import M

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


# The single-file layout the user guide documents (docs/rosters.md): one column per field, the
# header being the field's name or its plain English words (``Student Number``, ``Birth Date``;
# case, spaces, ``_`` and ``-`` are ignored). Districts export OneRoster bundles instead (read by
# ``oneroster.parse_oneroster``); any other single CSV needs a mapping file.
#
# There are deliberately no Aeries, PowerSchool or Infinite Campus presets: the vendors publish
# their APIs and database fields (e.g. Aeries STU.ID / STU.FN, PowerSchool STUDENTS.
# STUDENT_NUMBER), not the headers of a CSV export, which each district's report defines. The
# earlier presets were guesses; each of these systems exports OneRoster (docs/decisions/0085).
PRESETS: dict[str, ColumnMapping] = {
    "template": ColumnMapping(
        "template",
        {
            "district_student_number": ("district_student_number", "Student Number"),
            "legal_last_name": ("legal_last_name", "Last Name"),
            "legal_first_name": ("legal_first_name", "First Name"),
            "preferred_name": ("preferred_name", "Preferred Name"),
            "date_of_birth": ("date_of_birth", "Birth Date", "DOB"),
            "grade": ("grade", "Grade Level"),
            "school_cds": ("school_cds", "School CDS Code", "CDS Code"),
            "school_name": ("school_name",),
            "ssid": ("ssid", "State Student ID"),
            "language": ("language", "Home Language"),
            "guardian_name": ("guardian_name",),
            "guardian_phone": ("guardian_phone",),
            "guardian_email": ("guardian_email",),
            "guardian_language": ("guardian_language",),
        },
    ),
}
# Presets of earlier versions, refused with a pointer to what replaces them.
RETIRED_PRESETS: dict[str, str] = {
    "aeries": "Aeries",
    "powerschool": "PowerSchool",
    "infinite-campus": "Infinite Campus",
    "oneroster": "OneRoster",
}
PRESET_NAMES: tuple[str, ...] = tuple(PRESETS)


def mapping_from_dict(data: Any, source: str = "mapping file") -> ColumnMapping:
    """Validate a custom mapping (parsed JSON) and return it."""
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise ValidationError(
            M("{source}: needs an object with a 'columns' object.", source=source)
        )
    columns: dict[str, tuple[str, ...]] = {}
    for fld, header in data["columns"].items():
        if fld not in FIELDS:
            raise ValidationError(
                M(
                    "{source}: unknown field {fld!r}; fields are {FIELDS}.",
                    source=source,
                    fld=fld,
                    FIELDS=FIELDS,
                )
            )
        headers = (header,) if isinstance(header, str) else header
        if not isinstance(headers, list | tuple) or not all(isinstance(h, str) for h in headers):
            raise ValidationError(
                M("{source}: column for {fld!r} must be a header name.", source=source, fld=fld)
            )
        columns[fld] = tuple(headers)
    delimiter = data.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise ValidationError(M("{source}: delimiter must be one character.", source=source))
    encoding = data.get("encoding")
    if encoding is not None and not isinstance(encoding, str):
        raise ValidationError(M("{source}: encoding must be text.", source=source))
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict) or not all(
        k in FIELDS and isinstance(v, str) for k, v in defaults.items()
    ):
        raise ValidationError(M("{source}: defaults must map field names to text.", source=source))
    return ColumnMapping("custom", columns, delimiter, encoding, dict(defaults))
