"""The counts payload shared by the sync client and the county server (schema version 1).

A payload is one **full snapshot** of a device's count cells for one ``(org_unit, period)``.
The schema is a whitelist: building a :class:`Snapshot` or :class:`Cell` with anything outside
it raises :class:`WireError` (on the client that is a programming error), and parsing a body
with any unknown field, a wrong type (``false`` is not ``0``, ``1.0`` is not ``1``), a duplicate
key, an unknown measure, service, dimension or instrument raises :class:`WireError` listing
every problem found (the server answers 422 with that list).

Wire format (canonical JSON: UTF-8, keys sorted, no whitespace, cells sorted)::

    {"cells": [{"dimensions": {"grade_band": "6-8", "service": "TX-IND", "tier": 2},
                "measure": "services", "value": 12}, ...],
     "device_id": "dev_…", "generated_at": "2026-09-14T15:00:00Z",
     "org_unit": "01611920130229", "period": "2026-09", "revision": 3,
     "schema": "clinician-desk/counts/1", "taxonomy_version": "2026.1"}

* ``org_unit``: a school's 14-digit CDS code or its district's (7 digits + ``0000000``).
* ``period``: ``YYYY-MM``. ``revision``: integer >= 1, increases whenever the snapshot changes.
* ``dimensions`` keys: ``service`` (taxonomy code), ``tier`` (1–3), ``grade_band``
  (``TK-5``/``6-8``/``9-12``), ``instrument`` (screening measures only, one of
  :data:`INSTRUMENTS`). A missing key means "not broken down by it". ``value`` integer >= 0.
* District-level-only services (:data:`DISTRICT_ONLY_SERVICES`) and positive screenings on
  suicide-risk instruments (:data:`SUICIDE_RISK_INSTRUMENTS`) may only be sent for a district
  org unit.
* The *content* of a snapshot (what "same content" means for a duplicate) is
  :meth:`Snapshot.content_hash`: SHA-256 over the canonical cells and taxonomy version —
  ``generated_at`` is not part of it, so re-sending an unchanged snapshot is a duplicate.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from clinician_desk.errors import ValidationError

SCHEMA = "clinician-desk/counts/1"
MAX_BODY_BYTES = 64 * 1024
MAX_CELLS = 4000
MAX_VALUE = 10_000_000

MEASURES: tuple[str, ...] = tuple(
    "services minutes students_served participants screenings_administered "
    "screenings_positive referrals_made referrals_completed".split()
)
SCREENING_MEASURES: frozenset[str] = frozenset({"screenings_administered", "screenings_positive"})
DIMENSIONS: tuple[str, ...] = ("service", "tier", "grade_band", "instrument")
GRADE_BANDS: tuple[str, ...] = ("TK-5", "6-8", "9-12")
TIERS: tuple[int, ...] = (1, 2, 3)
INSTRUMENTS: tuple[str, ...] = tuple(
    "PHQ-A PHQ-9 PHQ-2 GAD-2 GAD-7 PSC-17 ASQ C-SSRS CRAFFT".split()
)
SUICIDE_RISK_INSTRUMENTS: frozenset[str] = frozenset({"ASQ", "C-SSRS"})
DISTRICT_ONLY_SERVICES: frozenset[str] = frozenset({"CRISIS", "SAFETY-PLAN", "MAND-REPORT"})

SNAPSHOT_FIELDS: frozenset[str] = frozenset(
    "schema device_id org_unit period revision taxonomy_version generated_at cells".split()
)
CELL_FIELDS: frozenset[str] = frozenset({"measure", "dimensions", "value"})

_ORG_UNIT = re.compile(r"^[0-9]{14}$")
_PERIOD = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")
_DEVICE_ID = re.compile(r"^dev_[A-Za-z0-9_-]{8,64}$")
_TAXONOMY_VERSION = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
_GENERATED_AT = re.compile(r"^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z$")
_SERVICE_CODE = re.compile(r"^[A-Z0-9-]{1,32}$")


class WireError(ValidationError):
    """A payload violates the schema; ``problems`` lists each violation (``path: what``)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:5]) + (
            f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        )
        super().__init__(f"Counts payload is invalid: {shown}")


def is_district_code(org_unit: str) -> bool:
    """A district's CDS code ends in seven zeros."""
    return bool(_ORG_UNIT.match(org_unit)) and org_unit.endswith("0000000")


def district_of(org_unit: str) -> str:
    """The district CDS code an org unit belongs to."""
    return org_unit[:7] + "0000000"


def is_int(value: object) -> bool:
    """True for a real JSON integer (``bool`` is not an integer here)."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, order=True)
class Cell:
    """One count: ``measure`` broken down by the given dimensions -> ``value``."""

    measure: str
    value: int
    service: str | None = None
    tier: int | None = None
    grade_band: str | None = None
    instrument: str | None = None

    def dimensions(self) -> dict[str, object]:
        dims: dict[str, object] = {}
        for name in DIMENSIONS:
            v = getattr(self, name)
            if v is not None:
                dims[name] = v
        return dims

    def key(self) -> tuple[str, str, int, str, str]:
        """Identity of the cell inside a snapshot (everything but the value)."""
        return (
            self.measure,
            self.service or "",
            self.tier or 0,
            self.grade_band or "",
            self.instrument or "",
        )

    def to_dict(self) -> dict[str, object]:
        return {"measure": self.measure, "dimensions": self.dimensions(), "value": self.value}


@dataclass(frozen=True)
class Snapshot:
    """A validated full snapshot of one device's cells for one (org_unit, period)."""

    device_id: str
    org_unit: str
    period: str
    revision: int
    taxonomy_version: str
    generated_at: str
    cells: tuple[Cell, ...] = field(default_factory=tuple)
    schema: str = SCHEMA

    def __post_init__(self) -> None:
        problems = _check_header(self.to_header_dict())
        problems += _check_cells_semantics(self.cells, self.org_unit, None)
        if problems:
            raise WireError(problems)

    def to_header_dict(self) -> dict[str, object]:
        return {
            "schema": self.schema,
            "device_id": self.device_id,
            "org_unit": self.org_unit,
            "period": self.period,
            "revision": self.revision,
            "taxonomy_version": self.taxonomy_version,
            "generated_at": self.generated_at,
        }

    def to_dict(self) -> dict[str, object]:
        data = self.to_header_dict()
        data["cells"] = [c.to_dict() for c in sorted(self.cells, key=Cell.key)]
        return data

    def to_json(self) -> bytes:
        """Canonical JSON bytes: the exact body to send."""
        return canonical_json(self.to_dict())

    def content_hash(self) -> str:
        """SHA-256 hex of the canonical cells and taxonomy version (not ``generated_at``)."""
        content = {
            "taxonomy_version": self.taxonomy_version,
            "cells": [c.to_dict() for c in sorted(self.cells, key=Cell.key)],
        }
        return hashlib.sha256(canonical_json(content)).hexdigest()


def canonical_json(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k[:40]!r}")
        out[k] = v
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads_strict(body: bytes) -> Any:
    """Parse JSON refusing duplicate keys, NaN/Infinity and invalid UTF-8."""
    try:
        text = body.decode("utf-8")
        return json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant
        )
    except UnicodeDecodeError:
        raise WireError(["body: not UTF-8"]) from None
    except RecursionError:
        raise WireError(["body: nested too deeply"]) from None
    except ValueError as exc:
        raise WireError([f"body: malformed JSON ({str(exc)[:120]})"]) from None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_header(data: Mapping[str, object]) -> list[str]:
    p: list[str] = []
    if data.get("schema") != SCHEMA:
        p.append(f"schema: must be {SCHEMA!r}")
    dev = data.get("device_id")
    if not isinstance(dev, str) or not _DEVICE_ID.match(dev):
        p.append("device_id: must be a device id like 'dev_…'")
    ou = data.get("org_unit")
    if not isinstance(ou, str) or not _ORG_UNIT.match(ou):
        p.append("org_unit: must be a 14-digit CDS code")
    per = data.get("period")
    if not isinstance(per, str) or not _PERIOD.match(per):
        p.append("period: must be YYYY-MM")
    rev = data.get("revision")
    if not is_int(rev) or not 1 <= rev <= 2**53:  # type: ignore[operator]
        p.append("revision: must be an integer >= 1")
    tv = data.get("taxonomy_version")
    if not isinstance(tv, str) or not _TAXONOMY_VERSION.match(tv):
        p.append("taxonomy_version: must be a short version string")
    ga = data.get("generated_at")
    if not isinstance(ga, str) or not _GENERATED_AT.match(ga):
        p.append("generated_at: must be UTC 'YYYY-MM-DDTHH:MM:SSZ'")
    return p


def _check_cells_semantics(
    cells: Collection[Cell], org_unit: object, service_codes: Collection[str] | None
) -> list[str]:
    p: list[str] = []
    if len(cells) > MAX_CELLS:
        return [f"cells: more than {MAX_CELLS} cells"]
    district = isinstance(org_unit, str) and is_district_code(org_unit)
    seen: set[tuple[str, str, int, str, str]] = set()
    for i, c in enumerate(cells):
        where = f"cells[{i}]"
        if c.measure not in MEASURES:
            p.append(f"{where}.measure: unknown measure {_short(c.measure)}")
        if not is_int(c.value) or not 0 <= c.value <= MAX_VALUE:
            p.append(f"{where}.value: must be an integer from 0 to {MAX_VALUE}")
        if c.service is not None:
            if not isinstance(c.service, str) or not _SERVICE_CODE.match(c.service):
                p.append(f"{where}.dimensions.service: malformed service code")
            elif service_codes is not None and c.service not in service_codes:
                p.append(f"{where}.dimensions.service: unknown service code {c.service!r}")
            elif c.service in DISTRICT_ONLY_SERVICES and not district:
                p.append(
                    f"{where}.dimensions.service: {c.service} is reported at district level only"
                )
        if c.tier is not None and (not is_int(c.tier) or c.tier not in TIERS):
            p.append(f"{where}.dimensions.tier: must be 1, 2 or 3")
        if c.grade_band is not None and c.grade_band not in GRADE_BANDS:
            p.append(f"{where}.dimensions.grade_band: must be one of {', '.join(GRADE_BANDS)}")
        if c.instrument is not None:
            if c.instrument not in INSTRUMENTS:
                p.append(
                    f"{where}.dimensions.instrument: unknown instrument {_short(c.instrument)}"
                )
            elif c.measure not in SCREENING_MEASURES:
                p.append(f"{where}.dimensions.instrument: only for screening measures")
            elif (
                c.measure == "screenings_positive"
                and c.instrument in SUICIDE_RISK_INSTRUMENTS
                and not district
            ):
                p.append(f"{where}: positive {c.instrument} screenings are district level only")
        if c.key() in seen:
            p.append(f"{where}: the same measure and dimensions appear twice")
        seen.add(c.key())
    return p


def _parse_cell(raw: object, where: str, problems: list[str]) -> Cell | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be an object")
        return None
    unknown = set(raw) - CELL_FIELDS
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(sorted(map(_short, unknown)))}")
    missing = CELL_FIELDS - set(raw)
    if missing:
        problems.append(f"{where}: missing field(s) {', '.join(sorted(missing))}")
        return None
    measure, dims, value = raw["measure"], raw["dimensions"], raw["value"]
    ok = True
    if not isinstance(measure, str):
        problems.append(f"{where}.measure: must be a string")
        ok = False
    if not is_int(value):
        problems.append(f"{where}.value: must be an integer (not {type(value).__name__})")
        ok = False
    if not isinstance(dims, dict):
        problems.append(f"{where}.dimensions: must be an object")
        return None
    bad_dims = set(dims) - set(DIMENSIONS)
    if bad_dims:
        problems.append(
            f"{where}.dimensions: unknown dimension(s) {', '.join(map(_short, bad_dims))}"
        )
        ok = False
    for name in ("service", "grade_band", "instrument"):
        if name in dims and not isinstance(dims[name], str):
            problems.append(f"{where}.dimensions.{name}: must be a string")
            ok = False
    if "tier" in dims and not is_int(dims["tier"]):
        problems.append(f"{where}.dimensions.tier: must be an integer (1, 2 or 3)")
        ok = False
    if not ok:
        return None
    return Cell(
        measure=measure,
        value=value,
        service=dims.get("service"),
        tier=dims.get("tier"),
        grade_band=dims.get("grade_band"),
        instrument=dims.get("instrument"),
    )


def parse_snapshot(
    body: bytes | Mapping[str, Any], *, service_codes: Collection[str] | None = None
) -> Snapshot:
    """Validate a request body (bytes or parsed JSON) into a :class:`Snapshot`.

    ``service_codes``: when given, service codes outside it are rejected (the server passes the
    taxonomy's codes). Raises :class:`WireError` listing every problem.
    """
    if isinstance(body, (bytes, bytearray)):
        if len(body) > MAX_BODY_BYTES:
            raise WireError([f"body: larger than {MAX_BODY_BYTES} bytes"])
        data = loads_strict(bytes(body))
    else:
        data = body
    if not isinstance(data, dict):
        raise WireError(["body: must be a JSON object"])
    problems: list[str] = []
    unknown = set(data) - SNAPSHOT_FIELDS
    if unknown:
        problems.append(f"body: unknown field(s) {', '.join(sorted(map(_short, unknown)))}")
    missing = SNAPSHOT_FIELDS - set(data)
    if missing:
        problems.append(f"body: missing field(s) {', '.join(sorted(missing))}")
    problems += _check_header(data) if not missing else []
    raw_cells = data.get("cells")
    cells: list[Cell] = []
    if "cells" in data:
        if not isinstance(raw_cells, list):
            problems.append("cells: must be a list")
        elif len(raw_cells) > MAX_CELLS:
            problems.append(f"cells: more than {MAX_CELLS} cells")
        else:
            for i, raw in enumerate(raw_cells):
                cell = _parse_cell(raw, f"cells[{i}]", problems)
                if cell is not None:
                    cells.append(cell)
            if len(cells) == len(raw_cells):
                problems += _check_cells_semantics(cells, data.get("org_unit"), service_codes)
    if problems:
        raise WireError(problems)
    # Everything was checked above; build without running the same checks a second time.
    snap = object.__new__(Snapshot)
    for name, value in (
        ("device_id", data["device_id"]),
        ("org_unit", data["org_unit"]),
        ("period", data["period"]),
        ("revision", data["revision"]),
        ("taxonomy_version", data["taxonomy_version"]),
        ("generated_at", data["generated_at"]),
        ("cells", tuple(cells)),
        ("schema", SCHEMA),
    ):
        object.__setattr__(snap, name, value)
    return snap
