"""Checks an answer map against an instrument: known items, allowed values, the flow's skips.

Used by the scoring engine and the question flows so that every way in refuses the same bad
input with the same ``ValidationError`` (unknown item, value outside the item's options, an
answer to an item the flow skips). Messages name the instrument and item, never a student.
"""

from __future__ import annotations

from collections.abc import Mapping

from clinician_desk.domain.screenings.conditions import PointsOf
from clinician_desk.domain.screenings.model import Instrument, Item, Value
from clinician_desk.errors import NotFoundError, ValidationError
from clinician_desk.messages import M


def check_value(instrument: Instrument, item: Item, value: object) -> Value:
    """Return ``value`` if the item accepts it, else raise ``ValidationError``."""
    option = item.option_for(value) if item.count_range is None else None
    if option is not None:
        return option.value
    where = f"{instrument.id} item {item.id!r}"
    if item.count_range is not None:
        low, high = item.count_range
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(
                M(
                    "{where}: the answer must be a whole number from {low} to {high}",
                    where=where,
                    low=low,
                    high=high,
                )
            )
        return value
    if not isinstance(value, bool) and isinstance(value, int | str) and item.option_for(value):
        return value
    allowed = ", ".join(
        repr(o.value) if isinstance(o.value, str) else str(o.value) for o in item.options
    )
    raise ValidationError(
        M("{where}: the answer must be one of {allowed}", where=where, allowed=allowed)
    )


def points_function(instrument: Instrument) -> PointsOf:
    return instrument.points_of


def is_asked(instrument: Instrument, item: Item, answers: Mapping[str, Value]) -> bool:
    """Whether the flow asks ``item`` given ``answers`` (skip logic names earlier items only)."""
    if item.ask_if is None:
        return True
    return item.ask_if.holds(answers, points_function(instrument))


def validate_responses(instrument: Instrument, responses: Mapping[str, object]) -> dict[str, Value]:
    """Check a whole answer map; return it typed. Nothing is guessed or dropped silently."""
    if not isinstance(responses, Mapping):
        raise ValidationError(M("{id}: responses must map item ids to answers", id=instrument.id))
    answers: dict[str, Value] = {}
    for key, value in responses.items():
        item = instrument.item(key) if isinstance(key, str) else None
        if item is None:
            raise NotFoundError(
                M(
                    "{id} has no item {key!r} (see: clinician-desk-admin instruments --items {id})",
                    id=instrument.id,
                    key=key,
                )
            )
        answers[key] = check_value(instrument, item, value)
    for item in instrument.items:
        if (
            item.ask_if is not None
            and item.id in answers
            and not is_asked(instrument, item, answers)
        ):
            raise ValidationError(
                M(
                    "{id} item {item!r} is skipped by the form given the other answers, so it "
                    "must not be answered",
                    id=instrument.id,
                    item=item.id,
                )
            )
    return answers
