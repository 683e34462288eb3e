"""Question flows as an immutable state machine: which item comes next given the answers so far.

The UI renders ``flow.current`` only and calls ``answer`` / ``skip`` / ``back``; each returns a
new ``ScreeningFlow``. The branching comes from the instrument file's ``ask_if`` rules, so the
same machine runs ASQ (item 5 only after a yes or refusal on 1-4), the C-SSRS screener (3-5
skipped when 2 is no) and CRAFFT 2.1 (only CAR when Part A is all zero). Changing an earlier
answer drops later answers that the new answer makes inapplicable, so the flow never holds an
answer to a skipped item.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from clinician_desk.domain.screenings.model import Instrument, Item, Value
from clinician_desk.domain.screenings.responses import check_value, is_asked
from clinician_desk.domain.screenings.scoring import ScreeningResult, score_valid
from clinician_desk.errors import ValidationError
from clinician_desk.messages import M


@dataclass(frozen=True)
class ScreeningFlow:
    instrument: Instrument
    answers: tuple[tuple[str, Value], ...] = ()
    passed: frozenset[str] = frozenset()

    @classmethod
    def start(cls, instrument: Instrument) -> ScreeningFlow:
        return cls(instrument)

    @property
    def answer_map(self) -> dict[str, Value]:
        return dict(self.answers)

    def asked_items(self) -> tuple[Item, ...]:
        """Items the form asks given the answers so far (later gates may still add or drop)."""
        answers = self.answer_map
        return tuple(i for i in self.instrument.items if is_asked(self.instrument, i, answers))

    @property
    def current(self) -> Item | None:
        """The item to show now, or None when the form is finished."""
        answers = self.answer_map
        for item in self.instrument.items:
            if item.id in answers or item.id in self.passed:
                continue
            if is_asked(self.instrument, item, answers):
                return item
        return None

    @property
    def finished(self) -> bool:
        return self.current is None

    def answer(self, value: object, item_id: str | None = None) -> ScreeningFlow:
        """Answer the current item (or an earlier asked item, to change it)."""
        item = self._target(item_id)
        checked = check_value(self.instrument, item, value)
        answers = self.answer_map
        answers[item.id] = checked
        return self._pruned(answers, self.passed - {item.id})

    def skip(self) -> ScreeningFlow:
        """Leave the current optional item unanswered; required items cannot be skipped."""
        item = self.current
        if item is None:
            raise ValidationError(M("{id}: the form is already finished", id=self.instrument.id))
        if item.required:
            raise ValidationError(
                M("{id} item {item!r} needs an answer", id=self.instrument.id, item=item.id)
            )
        return ScreeningFlow(self.instrument, self.answers, self.passed | {item.id})

    def back(self) -> ScreeningFlow:
        """Reopen the previous asked item (its answer is removed)."""
        current = self.current
        asked = self.asked_items()
        stop = asked.index(current) if current is not None else len(asked)
        for item in reversed(asked[:stop]):
            if item.id in self.answer_map or item.id in self.passed:
                answers = {k: v for k, v in self.answers if k != item.id}
                return self._pruned(answers, self.passed - {item.id})
        return self

    def result(self, population: str | None = None) -> ScreeningResult:
        return score_valid(self.instrument, self.answer_map, population=population)

    def _target(self, item_id: str | None) -> Item:
        if item_id is None:
            current = self.current
            if current is None:
                raise ValidationError(
                    M("{id}: the form is already finished", id=self.instrument.id)
                )
            return current
        item = self.instrument.item(item_id)
        if item is None:
            raise ValidationError(
                M("{id} has no item {item_id!r}", id=self.instrument.id, item_id=item_id)
            )
        if not is_asked(self.instrument, item, self.answer_map):
            raise ValidationError(
                M(
                    "{id} item {item_id!r} is skipped given the answers so far",
                    id=self.instrument.id,
                    item_id=item_id,
                )
            )
        current = self.current
        order = self.instrument.item_ids
        if current is not None and order.index(item_id) > order.index(current.id):
            raise ValidationError(
                M("{id}: answer item {item!r} first", id=self.instrument.id, item=current.id)
            )
        return item

    def _pruned(self, answers: Mapping[str, Value], passed: frozenset[str]) -> ScreeningFlow:
        kept: dict[str, Value] = {}
        kept_passed: set[str] = set()
        for item in self.instrument.items:  # in order, so gates are decided before dependants
            if not is_asked(self.instrument, item, kept):
                continue
            if item.id in answers:
                kept[item.id] = answers[item.id]
            elif item.id in passed:
                kept_passed.add(item.id)
        return ScreeningFlow(self.instrument, tuple(kept.items()), frozenset(kept_passed))
