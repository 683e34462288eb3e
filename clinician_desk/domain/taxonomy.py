"""The service taxonomy (a versioned data file the county can extend) and grade bands.

``Taxonomy.from_dict`` validates the structure and raises ``ValidationError`` naming the field;
the file itself is read by ``load_taxonomy`` in ``clinician_desk.bundled.taxonomy`` callers via
``resources``. This module stays pure: it receives the parsed JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clinician_desk.errors import ValidationError
from clinician_desk.messages import M

GRADE_BANDS: tuple[str, ...] = ("TK-5", "6-8", "9-12")


@dataclass(frozen=True)
class ServiceType:
    code: str
    name: str
    tiers: tuple[int, ...]
    counts_participants: bool
    district_only: bool
    direct_clinical: bool
    family: bool = False
    no_student: bool = False


@dataclass(frozen=True)
class Taxonomy:
    version: str
    services: dict[str, ServiceType]
    grade_band_of_grade: dict[str, str]

    def service(self, code: str) -> ServiceType:
        try:
            return self.services[code]
        except KeyError:
            raise ValidationError(M("Unknown service code {code!r}.", code=code)) from None

    def grade_band(self, grade: str) -> str | None:
        """Band for a grade given as text (TK, K, 1..12); None for anything else."""
        return self.grade_band_of_grade.get(grade.strip().upper())

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "taxonomy") -> Taxonomy:
        def need(obj: dict[str, Any], key: str, typ: type, where: str) -> Any:
            if key not in obj or not isinstance(obj[key], typ):
                raise ValidationError(f"{source}: {where}.{key} is missing or not {typ.__name__}")
            return obj[key]

        version = need(data, "version", str, "")
        services: dict[str, ServiceType] = {}
        for i, raw in enumerate(need(data, "services", list, "")):
            where = f"services[{i}]"
            if not isinstance(raw, dict):
                raise ValidationError(f"{source}: {where} is not an object")
            code = need(raw, "code", str, where)
            if code in services:
                raise ValidationError(f"{source}: {where}.code {code!r} appears twice")
            tiers = tuple(need(raw, "tiers", list, where))
            if any(t not in (1, 2, 3) for t in tiers):
                raise ValidationError(f"{source}: {where}.tiers must be 1, 2 or 3")
            services[code] = ServiceType(
                code=code,
                name=need(raw, "name", str, where),
                tiers=tiers,
                counts_participants=bool(raw.get("counts_participants", False)),
                district_only=bool(raw.get("district_only", False)),
                direct_clinical=bool(raw.get("direct_clinical", False)),
                family=bool(raw.get("family", False)),
                no_student=bool(raw.get("no_student", False)),
            )
        bands: dict[str, str] = {}
        for band, grades in need(data, "grade_bands", dict, "").items():
            if band not in GRADE_BANDS:
                raise ValidationError(f"{source}: unknown grade band {band!r}")
            for g in grades:
                bands[str(g).upper()] = band
        return cls(version=version, services=services, grade_band_of_grade=bands)
