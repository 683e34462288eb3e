"""The payload builder only emits what the wire schema whitelists; anything else fails."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from clinician_desk.domain.counts import CountCell
from clinician_desk.sync.payload import build_payload, content_hash_of
from clinician_desk.sync.wire import SNAPSHOT_FIELDS, WireError

SCHOOL = "01611190130229"
DISTRICT = "01611190000000"
NOW = datetime(2026, 9, 14, 15, 0, tzinfo=UTC)
DIMS = (("grade_band", "6-8"), ("service", "TX-IND"), ("tier", "2"))


def build(cells: list[CountCell], org: str = SCHOOL, revision: int = 1) -> bytes:
    return build_payload(
        cells,
        org_unit=org,
        period="2026-09",
        revision=revision,
        taxonomy_version="2026.1",
        device_id="dev_abcdefgh12",
        generated_at=NOW,
    ).body


def test_body_is_canonical_and_holds_only_whitelisted_fields() -> None:
    body = build([CountCell(SCHOOL, "2026-09", "services", DIMS, 3)])
    doc = json.loads(body)
    assert set(doc) == SNAPSHOT_FIELDS
    assert doc["cells"] == [
        {
            "dimensions": {"grade_band": "6-8", "service": "TX-IND", "tier": 2},
            "measure": "services",
            "value": 3,
        }
    ]
    assert body == json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


@pytest.mark.parametrize(
    "cell",
    [
        CountCell(SCHOOL, "2026-09", "services", (("student", "Jane"),), 1),
        CountCell(SCHOOL, "2026-09", "names", DIMS, 1),
        CountCell(SCHOOL, "2026-09", "services", (("service", "free text here"),), 1),
        CountCell(SCHOOL, "2026-09", "services", (("tier", "two"),), 1),
        CountCell(SCHOOL, "2026-09", "services", (("grade_band", "K-2"),), 1),
        CountCell(SCHOOL, "2026-09", "services", DIMS, -1),
        CountCell(SCHOOL, "2026-09", "screenings_positive", (("instrument", "ASQ"),), 1),
        CountCell(SCHOOL, "2026-09", "services", (("service", "CRISIS"),), 1),
        CountCell(SCHOOL, "2026-10", "services", DIMS, 1),
    ],
)
def test_anything_off_schema_fails_the_build(cell: CountCell) -> None:
    with pytest.raises(WireError):
        build([cell])


def test_district_only_cells_build_for_a_district() -> None:
    cells = [
        CountCell(DISTRICT, "2026-09", "services", (("service", "CRISIS"), ("tier", "3")), 2),
        CountCell(DISTRICT, "2026-09", "screenings_positive", (("instrument", "ASQ"),), 1),
    ]
    assert json.loads(build(cells, org=DISTRICT))["org_unit"] == DISTRICT


def test_content_hash_ignores_revision_and_time_but_not_values() -> None:
    a = [CountCell(SCHOOL, "2026-09", "services", DIMS, 3)]
    b = [CountCell(SCHOOL, "2026-09", "services", DIMS, 4)]
    h = content_hash_of(a, SCHOOL, "2026-09", "2026.1")
    assert h == content_hash_of(list(a), SCHOOL, "2026-09", "2026.1")
    assert h != content_hash_of(b, SCHOOL, "2026-09", "2026.1")
    assert build(a, revision=1) != build(a, revision=2)


def test_empty_snapshot_is_valid() -> None:
    assert json.loads(build([]))["cells"] == []
