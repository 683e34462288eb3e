"""Runs every scoring vector and checks that the vectors cover each instrument's rules."""

from __future__ import annotations

import pytest

from clinician_desk.bundled.instruments import load_instruments
from clinician_desk.domain.screenings import Instrument, score
from clinician_desk.domain.screenings.responses import is_asked
from clinician_desk.errors import ClinicianDeskError
from tests.support.screening_vectors import VECTORS, Vector

INSTRUMENTS = load_instruments()
CASES = [(iid, v) for iid, vectors in VECTORS.items() for v in vectors]


@pytest.mark.parametrize(
    ("instrument_id", "vector"), CASES, ids=[f"{i}:{v.name}" for i, v in CASES]
)
def test_vector(instrument_id: str, vector: Vector) -> None:
    instrument = INSTRUMENTS[instrument_id]
    if vector.error is not None:
        with pytest.raises(ClinicianDeskError) as info:
            score(instrument, vector.responses, population=vector.population)
        assert vector.error in str(info.value)
        assert info.value.exit_code == 2
        return
    result = score(instrument, vector.responses, population=vector.population)
    expect = dict(vector.expect)
    if "critical" in expect:
        assert [c.item for c in result.critical] == expect.pop("critical")
        assert result.requires_follow_up == bool(result.critical)
    if "critical_levels" in expect:
        assert [c.level for c in result.critical] == expect.pop("critical_levels")
    if "subscales" in expect:
        assert {s.id: s.score for s in result.subscales} == expect.pop("subscales")
    if "subscale_positive" in expect:
        positives = {s.id: s.positive for s in result.subscales}
        for sid, value in expect.pop("subscale_positive").items():
            assert positives[sid] is value, sid
    if "missing" in expect:
        assert list(result.missing) == expect.pop("missing")
    for key, value in expect.items():
        assert getattr(result, key) == value, key
    if result.scorable:
        assert result.reason is None
    else:
        assert result.reason and result.reason.startswith("cannot be scored")
        assert result.band is None and result.positive is None


def test_every_instrument_file_loads_and_has_vectors() -> None:
    assert set(INSTRUMENTS) == set(VECTORS)
    assert len(INSTRUMENTS) == 9
    for instrument_id, instrument in INSTRUMENTS.items():
        assert len(VECTORS[instrument_id]) >= 5, instrument_id
        assert instrument.attribution and instrument.text_source


def _scored(instrument: Instrument, population: str | None = None) -> set[int]:
    totals = set()
    for v in VECTORS[instrument.id]:
        if v.error is None and v.population == population:
            result = score(instrument, v.responses, population=population)
            if result.total is not None and result.scorable:
                totals.add(result.total)
    return totals


@pytest.mark.parametrize("instrument_id", sorted(VECTORS))
def test_vectors_cover_both_sides_of_every_cut_off(instrument_id: str) -> None:
    instrument = INSTRUMENTS[instrument_id]
    for band in instrument.scoring.bands[1:]:
        totals = _scored(instrument)
        assert {band.low - 1, band.low} <= totals, f"band {band.label} boundary not covered"
    for threshold in instrument.scoring.thresholds:
        population = (
            None
            if threshold.population == instrument.scoring.default_population
            else (threshold.population)
        )
        totals = _scored(instrument, population)
        assert {threshold.at - 1, threshold.at} <= totals, threshold
    for sub in instrument.scoring.subscales:
        if sub.positive_at is None:
            continue
        seen = set()
        for v in VECTORS[instrument_id]:
            if v.error is None:
                result = score(instrument, v.responses)
                seen |= {s.score for s in result.subscales if s.id == sub.id}
        assert {sub.positive_at - 1, sub.positive_at} <= seen, sub.id


@pytest.mark.parametrize("instrument_id", sorted(VECTORS))
def test_vectors_cover_every_critical_rule_and_skip_path(instrument_id: str) -> None:
    instrument = INSTRUMENTS[instrument_id]
    fired: set[tuple[str, str]] = set()
    asked: set[str] = set()
    skipped: set[str] = set()
    for v in VECTORS[instrument_id]:
        if v.error is not None:
            continue
        result = score(instrument, v.responses, population=v.population)
        fired |= {(c.item, c.level) for c in result.critical}
        for item in instrument.items:
            if item.ask_if is None:
                continue
            if item.id in v.responses:
                asked.add(item.id)
            elif not is_asked(instrument, item, v.responses):
                skipped.add(item.id)
    assert {(r.item, r.level) for r in instrument.critical} <= fired
    gated = {item.id for item in instrument.items if item.ask_if is not None}
    assert gated <= asked, "an item behind skip logic is never answered in the vectors"
    assert gated <= skipped, "an item behind skip logic is never skipped in the vectors"
    assert any(v.error and "skipped" in v.error for v in VECTORS[instrument_id]) or not gated


def test_instrument_ids_are_the_county_count_codes() -> None:
    from clinician_desk.sync.wire import INSTRUMENTS as WIRE_INSTRUMENTS

    assert set(INSTRUMENTS) == set(WIRE_INSTRUMENTS)
