"""Question flows: the state machine asks only what the branching instruments ask."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinician_desk.bundled.instruments import get_instrument, load_instruments
from clinician_desk.domain.screenings import ScreeningFlow, score
from clinician_desk.errors import ValidationError


def _run(instrument_id: str, answers: list[object]) -> tuple[ScreeningFlow, list[str]]:
    flow = ScreeningFlow.start(get_instrument(instrument_id))
    shown: list[str] = []
    for value in answers:
        current = flow.current
        assert current is not None, f"flow finished early after {shown}"
        shown.append(current.id)
        flow = flow.answer(value)
    return flow, shown


def test_asq_all_no_never_asks_item_5() -> None:
    flow, shown = _run("ASQ", ["no", "no", "no", "no"])
    assert shown == ["1", "2", "3", "4"] and flow.finished
    assert flow.result().band == "negative"


@pytest.mark.parametrize("trigger", ["yes", "refused"])
def test_asq_yes_or_refusal_asks_item_5(trigger: str) -> None:
    flow, shown = _run("ASQ", ["no", trigger, "no", "no", "yes"])
    assert shown == ["1", "2", "3", "4", "5"] and flow.finished
    result = flow.result()
    assert result.band == "acute positive" and [c.item for c in result.critical] == ["2", "5"]


def test_cssrs_skips_3_to_5_when_2_is_no() -> None:
    flow, shown = _run("C-SSRS", ["yes", "no", "no"])
    assert shown == ["1", "2", "6"] and flow.finished
    assert flow.result().band == "low risk"


def test_cssrs_asks_3_to_5_and_recency_when_called_for() -> None:
    flow, shown = _run("C-SSRS", ["yes", "yes", "no", "no", "no", "yes", "no"])
    assert shown == ["1", "2", "3", "4", "5", "6", "6_recent"] and flow.finished
    assert flow.result().band == "moderate risk"


def test_crafft_all_zero_asks_only_car() -> None:
    crafft = get_instrument("CRAFFT")
    flow = ScreeningFlow.start(crafft).answer(0).answer(0).answer(0)
    assert flow.current is not None and flow.current.id == "nicotine_days"
    flow = flow.skip()
    assert flow.current is not None and flow.current.id == "car"
    flow = flow.answer("yes")
    assert flow.finished
    assert flow.result().total == 1 and flow.result().requires_follow_up


def test_crafft_any_use_asks_all_six() -> None:
    flow, shown = _run("CRAFFT", [2, 0, 0, 0] + ["no"] * 6)
    assert shown[4:] == ["car", "relax", "alone", "forget", "friends", "trouble"]
    assert flow.finished and flow.result().total == 0


def test_changing_a_gate_drops_answers_that_no_longer_apply() -> None:
    flow, _ = _run("C-SSRS", ["yes", "yes", "yes", "no", "no", "no"])
    assert "3" in flow.answer_map
    changed = flow.answer("no", item_id="2")
    assert "3" not in changed.answer_map and "4" not in changed.answer_map
    assert changed.finished and changed.result().band == "low risk"


def test_back_reopens_the_previous_item() -> None:
    flow, _ = _run("ASQ", ["yes", "no", "no", "no"])
    assert flow.current is not None and flow.current.id == "5"
    back = flow.back()
    assert back.current is not None and back.current.id == "4" and "4" not in back.answer_map
    assert ScreeningFlow.start(get_instrument("ASQ")).back().current is not None


def test_flow_refuses_bad_moves() -> None:
    asq = ScreeningFlow.start(get_instrument("ASQ"))
    with pytest.raises(ValidationError, match="one of"):
        asq.answer("maybe")
    with pytest.raises(ValidationError, match="needs an answer"):
        asq.skip()
    with pytest.raises(ValidationError, match="skipped"):
        asq.answer("yes", item_id="5")
    with pytest.raises(ValidationError, match="answer item '1' first"):
        asq.answer("no", item_id="3")
    done, _ = _run("GAD-2", [1, 1])
    with pytest.raises(ValidationError, match="already finished"):
        done.answer(1)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_walk_through_a_flow_gives_valid_complete_answers(data: st.DataObject) -> None:
    instruments = load_instruments()
    instrument = instruments[data.draw(st.sampled_from(sorted(instruments)))]
    flow = ScreeningFlow.start(instrument)
    steps = 0
    while (item := flow.current) is not None:
        steps += 1
        assert steps <= len(instrument.items)
        if not item.required and data.draw(st.booleans()):
            flow = flow.skip()
        elif item.count_range is not None:
            flow = flow.answer(data.draw(st.integers(*item.count_range)))
        else:
            flow = flow.answer(data.draw(st.sampled_from([o.value for o in item.options])))
    result = score(instrument, flow.answer_map)  # the stricter whole-map check agrees
    assert result.complete and result.scorable
    assert result == flow.result()
