"""Hypothesis properties of the scoring engine on every summed instrument."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from clinician_desk.bundled.instruments import load_instruments
from clinician_desk.domain.screenings import Instrument, score

INSTRUMENTS = load_instruments()
SUMMED = sorted(i for i, inst in INSTRUMENTS.items() if inst.scoring.has_total and i != "CRAFFT")


def _full_answers(instrument: Instrument, draw: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for item in instrument.items:
        if item.required:
            answers[item.id] = draw(st.sampled_from([o.value for o in item.options]))
    return answers


@st.composite
def filled(draw: Any) -> tuple[Instrument, dict[str, Any]]:
    instrument = INSTRUMENTS[draw(st.sampled_from(SUMMED))]
    return instrument, _full_answers(instrument, draw)


@settings(max_examples=300, deadline=None)
@given(filled())
def test_score_within_range_and_band_and_subscales_sum(case: Any) -> None:
    instrument, answers = case
    result = score(instrument, answers)
    low, high = instrument.total_range or (0, 0)
    assert result.scorable and result.total is not None
    assert low <= result.total <= high
    band = instrument.band_for(result.total)
    assert band is not None and result.band == band.label
    if instrument.scoring.subscales_sum_to_total:
        assert sum(s.score or 0 for s in result.subscales) == result.total


@settings(max_examples=300, deadline=None)
@given(filled(), st.data())
def test_monotone_in_each_item(case: Any, data: Any) -> None:
    instrument, answers = case
    item_id = data.draw(st.sampled_from(list(instrument.scoring.total_items)))
    item = instrument.item(item_id)
    assert item is not None
    higher = [o.value for o in item.options if o.points > item.points_of(answers[item_id])]
    if not higher:
        return
    before = score(instrument, answers)
    after = score(instrument, {**answers, item_id: data.draw(st.sampled_from(higher))})
    assert after.total is not None and before.total is not None
    assert after.total > before.total
    assert (after.band_rank or 0) >= (before.band_rank or 0)
    assert not (before.positive and not after.positive)
    assert len(after.critical) >= len(before.critical)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_crafft_total_counts_part_b_yes(data: Any) -> None:
    crafft = INSTRUMENTS["CRAFFT"]
    days = {
        k: data.draw(st.integers(0, 366)) for k in ("alcohol_days", "cannabis_days", "other_days")
    }
    part_b = ["car", "relax", "alone", "forget", "friends", "trouble"]
    asked = part_b if any(days.values()) else ["car"]
    answers = {k: data.draw(st.sampled_from(["yes", "no"])) for k in asked}
    result = score(crafft, days | answers)
    yes = sum(1 for v in answers.values() if v == "yes")
    assert result.total == yes and result.complete
    assert result.positive is (yes >= 2)
    assert bool(result.critical) is (answers["car"] == "yes")


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_asq_positive_iff_any_yes_or_refusal(data: Any) -> None:
    asq = INSTRUMENTS["ASQ"]
    answers: dict[str, Any] = {
        str(i): data.draw(st.sampled_from(["yes", "no", "refused"])) for i in range(1, 5)
    }
    flagged = any(v != "no" for v in answers.values())
    if flagged:
        answers["5"] = data.draw(st.sampled_from(["yes", "no"]))
    result = score(asq, answers)
    assert result.positive is flagged
    assert result.requires_follow_up is flagged
    assert (result.band == "acute positive") is (answers.get("5") == "yes")
