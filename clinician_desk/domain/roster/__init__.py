"""Roster import, the pure part: decode, detect the layout, validate every row.

``parse_roster(data, today, mapping=None)`` returns a ``RosterParseResult`` (rows, problems with
line numbers, encoding, separator, preset). Reading the file and writing the database is the
job of ``clinician_desk.services.roster``.
"""

from clinician_desk.domain.roster.oneroster import BUNDLE_FILES, RosterBundle, parse_oneroster
from clinician_desk.domain.roster.parse import (
    RosterParseResult,
    RosterProblem,
    RosterRow,
    parse_date,
    parse_roster,
)
from clinician_desk.domain.roster.presets import (
    FIELDS,
    PRESET_NAMES,
    PRESETS,
    REQUIRED,
    ColumnMapping,
    mapping_from_dict,
)

__all__ = [
    "BUNDLE_FILES",
    "FIELDS",
    "PRESETS",
    "PRESET_NAMES",
    "REQUIRED",
    "ColumnMapping",
    "RosterBundle",
    "RosterParseResult",
    "RosterProblem",
    "RosterRow",
    "mapping_from_dict",
    "parse_date",
    "parse_oneroster",
    "parse_roster",
]
