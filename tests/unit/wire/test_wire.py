"""The counts wire schema: canonical form, strict parsing, every kind of bad input."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinician_desk.sync.wire import (
    SCHEMA,
    Cell,
    Snapshot,
    WireError,
    parse_snapshot,
)

SCHOOL = "01611920130229"
DISTRICT = "01611920000000"
CODES = {"TX-IND", "CRISIS", "SCR-UNIV"}


def body(**over: object) -> dict[str, object]:
    data: dict[str, object] = {
        "schema": SCHEMA,
        "device_id": "dev_abcdefgh12",
        "org_unit": SCHOOL,
        "period": "2026-09",
        "revision": 1,
        "taxonomy_version": "2026.1",
        "generated_at": "2026-09-14T15:00:00Z",
        "cells": [
            {"measure": "services", "dimensions": {"service": "TX-IND", "tier": 2}, "value": 12}
        ],
    }
    data.update(over)
    return data


def raw(data: object) -> bytes:
    return json.dumps(data).encode()


def test_round_trip_is_canonical_and_hash_ignores_generated_at() -> None:
    snap = parse_snapshot(raw(body()), service_codes=CODES)
    assert snap.cells == (Cell("services", 12, service="TX-IND", tier=2),)
    again = parse_snapshot(snap.to_json(), service_codes=CODES)
    assert again == snap
    assert again.to_json() == snap.to_json()
    later = parse_snapshot(raw(body(generated_at="2026-09-15T15:00:00Z")))
    assert later.content_hash() == snap.content_hash()
    changed = parse_snapshot(
        raw(body(cells=[{"measure": "services", "dimensions": {}, "value": 13}]))
    )
    assert changed.content_hash() != snap.content_hash()


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (body(revision=False), "revision"),
        (body(revision=1.0), "revision"),
        (body(extra=1), "unknown field"),
        (body(period="2026-13"), "period"),
        (body(org_unit="0161192013022'"), "org_unit"),
        (body(schema="clinician-desk/counts/2"), "schema"),
        (body(device_id="x'; DROP TABLE devices;--"), "device_id"),
        (body(cells=[{"measure": "services", "dimensions": {}, "value": False}]), "value"),
        (body(cells=[{"measure": "services", "dimensions": {}, "value": -1}]), "value"),
        (body(cells=[{"measure": "hugs", "dimensions": {}, "value": 1}]), "unknown measure"),
        (
            body(cells=[{"measure": "services", "dimensions": {"clinician": "x"}, "value": 1}]),
            "unknown dimension",
        ),
        (
            body(cells=[{"measure": "services", "dimensions": {"service": "NOPE"}, "value": 1}]),
            "unknown service",
        ),
        (body(cells=[{"measure": "services", "dimensions": {"tier": 4}, "value": 1}]), "tier"),
        (body(cells=[{"measure": "services", "dimensions": {"tier": True}, "value": 1}]), "tier"),
        (
            body(cells=[{"measure": "services", "dimensions": {"service": "CRISIS"}, "value": 1}]),
            "district level",
        ),
        (
            body(
                cells=[{"measure": "services", "dimensions": {"instrument": "PHQ-9"}, "value": 1}]
            ),
            "screening",
        ),
        (
            body(
                cells=[
                    {
                        "measure": "screenings_positive",
                        "dimensions": {"instrument": "ASQ"},
                        "value": 1,
                    }
                ]
            ),
            "district level",
        ),
        (
            body(cells=[{"measure": "services", "dimensions": {}, "value": 1, "name": "Jo"}]),
            "unknown field",
        ),
        (body(cells=[{"measure": "services", "dimensions": {}, "value": 1}] * 2), "twice"),
        ([1, 2], "JSON object"),
    ],
)
def test_bad_payloads_are_rejected_with_the_reason(data: object, fragment: str) -> None:
    with pytest.raises(WireError) as info:
        parse_snapshot(raw(data), service_codes=CODES)
    assert any(fragment in p for p in info.value.problems), info.value.problems


def test_district_only_is_fine_at_district_level() -> None:
    cells = [{"measure": "services", "dimensions": {"service": "CRISIS"}, "value": 3}]
    snap = parse_snapshot(raw(body(org_unit=DISTRICT, cells=cells)), service_codes=CODES)
    assert snap.cells[0].service == "CRISIS"


@pytest.mark.parametrize(
    "text",
    [b"{", b'{"a":1,"a":2}', b'{"revision": NaN}', b"\xff\xfe", b"[" * 5000 + b"]" * 5000],
)
def test_malformed_json(text: bytes) -> None:
    with pytest.raises(WireError):
        parse_snapshot(text)


def test_body_too_large() -> None:
    with pytest.raises(WireError, match="larger"):
        parse_snapshot(b" " * (64 * 1024 + 1))


def test_building_outside_the_whitelist_fails() -> None:
    with pytest.raises(WireError):
        Snapshot(
            device_id="dev_abcdefgh12",
            org_unit=SCHOOL,
            period="2026-09",
            revision=1,
            taxonomy_version="2026.1",
            generated_at="2026-09-14T15:00:00Z",
            cells=(Cell("students_named", 1),),
        )


@settings(max_examples=60, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
        max_leaves=10,
    )
)
def test_arbitrary_json_never_crashes(data: object) -> None:
    try:
        parse_snapshot(raw(data))
    except WireError:
        pass
