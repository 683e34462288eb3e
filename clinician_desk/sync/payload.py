"""Whitelist payload builder: count cells -> the exact bytes sent to the county server.

The only way a payload is made is from ``CountCell`` values through the declared wire schema
(``clinician_desk.sync.wire``): every dimension must be one the schema names, every measure one
it lists, and the finished document is re-parsed with the server's own strict parser before it
is returned. Anything outside the whitelist raises ``WireError`` — a programming error that fails
the build, never a field that is silently dropped. Only digits, schema words, band labels,
instrument and service codes, the device id, a month and a UTC second-precision timestamp can
appear in the bytes (the canary test scans them for seeded student text).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from clinician_desk.clock import utc_iso
from clinician_desk.domain.counts import CountCell
from clinician_desk.sync import wire

_DIM_CONVERT = {"service": str, "tier": int, "grade_band": str, "instrument": str}


@dataclass(frozen=True)
class BuiltPayload:
    """One snapshot ready to send: its canonical body and its content hash."""

    org_unit: str
    period: str
    revision: int
    body: bytes
    content_hash: str
    cell_count: int

    @property
    def path(self) -> str:
        return f"/api/v1/counts/{self.org_unit}/{self.period}"


def to_wire_cells(cells: Iterable[CountCell], org_unit: str, period: str) -> tuple[wire.Cell, ...]:
    """Convert cells of one (org_unit, period); anything outside the schema raises WireError."""
    out: list[wire.Cell] = []
    problems: list[str] = []
    for i, c in enumerate(cells):
        if c.org_unit != org_unit or c.period != period:
            problems.append(f"cells[{i}]: belongs to another org unit or period")
            continue
        kwargs: dict[str, object] = {}
        for name, value in c.dimensions:
            conv = _DIM_CONVERT.get(name)
            if conv is None:
                problems.append(f"cells[{i}].dimensions: {name[:20]!r} is not in the schema")
                continue
            try:
                kwargs[name] = conv(value)
            except ValueError:
                problems.append(f"cells[{i}].dimensions.{name}: not a valid value")
        out.append(wire.Cell(measure=c.measure, value=c.value, **kwargs))  # type: ignore[arg-type]
    if problems:
        raise wire.WireError(problems)
    return tuple(out)


def content_hash_of(
    cells: Iterable[CountCell], org_unit: str, period: str, taxonomy_version: str
) -> str:
    """The wire content hash of these cells (what decides whether a revision bump is needed)."""
    snap = _snapshot(
        cells, org_unit, period, 1, taxonomy_version, "dev_contenthash", "2000-01-01T00:00:00Z"
    )
    return snap.content_hash()


def _snapshot(
    cells: Iterable[CountCell],
    org_unit: str,
    period: str,
    revision: int,
    taxonomy_version: str,
    device_id: str,
    generated_at: str,
) -> wire.Snapshot:
    return wire.Snapshot(
        device_id=device_id,
        org_unit=org_unit,
        period=period,
        revision=revision,
        taxonomy_version=taxonomy_version,
        generated_at=generated_at,
        cells=to_wire_cells(cells, org_unit, period),
    )


def build_payload(
    cells: Iterable[CountCell],
    *,
    org_unit: str,
    period: str,
    revision: int,
    taxonomy_version: str,
    device_id: str,
    generated_at: datetime,
) -> BuiltPayload:
    """Build, serialize and re-validate one snapshot. Raises WireError on anything off-schema."""
    snap = _snapshot(
        cells, org_unit, period, revision, taxonomy_version, device_id, utc_iso(generated_at)
    )
    body = snap.to_json()
    check = wire.parse_snapshot(body)  # the server's strict parser: unknown fields, types, size
    if check.content_hash() != snap.content_hash():
        raise wire.WireError(["body: does not round-trip through the wire schema"])
    return BuiltPayload(
        org_unit=org_unit,
        period=period,
        revision=revision,
        body=body,
        content_hash=snap.content_hash(),
        cell_count=len(snap.cells),
    )
