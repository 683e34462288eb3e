"""A tiny condition language for the instrument files: skip logic, classification, critical items.

JSON forms (parsed by ``parse_condition``):

* ``{"item": ID, "eq": V}`` / ``{"item": ID, "in": [V, ...]}`` / ``{"item": ID, "gte": N}``
  (``gte`` compares the item's points) / ``{"item": ID, "answered": true|false}``;
* ``{"all": [C, ...]}``, ``{"any": [C, ...]}``, ``{"not": C}``, ``{"always": true}``.

A condition on an unanswered item is false (except ``answered: false``), so a rule never fires on
an answer that was not given. Pure: evaluation takes the answers and a points function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from clinician_desk.errors import ValidationError

Answers = Mapping[str, int | str]
PointsOf = Callable[[str, int | str], int]


@dataclass(frozen=True)
class Condition:
    op: str
    item: str = ""
    values: tuple[int | str, ...] = ()
    number: int = 0
    children: tuple[Condition, ...] = ()

    def holds(self, answers: Answers, points_of: PointsOf) -> bool:
        op = self.op
        if op == "always":
            return True
        if op == "all":
            return all(c.holds(answers, points_of) for c in self.children)
        if op == "any":
            return any(c.holds(answers, points_of) for c in self.children)
        if op == "not":
            return not self.children[0].holds(answers, points_of)
        if op == "answered":
            return (self.item in answers) == bool(self.number)
        if self.item not in answers:
            return False
        value = answers[self.item]
        if op == "in":
            return any(type(v) is type(value) and v == value for v in self.values)
        # op == "gte"
        return points_of(self.item, value) >= self.number

    def item_refs(self) -> set[str]:
        refs = {self.item} if self.item else set()
        for child in self.children:
            refs |= child.item_refs()
        return refs

    def value_refs(self) -> list[tuple[str, int | str]]:
        out = [(self.item, v) for v in self.values]
        for child in self.children:
            out.extend(child.value_refs())
        return out


def parse_condition(raw: Any, where: str) -> Condition:
    """Build a ``Condition`` from its JSON form; ``where`` names the place for error messages."""
    if not isinstance(raw, dict) or not raw:
        raise ValidationError(f"{where} must be a condition object")
    if "always" in raw:
        return Condition("always")
    for key in ("all", "any"):
        if key in raw:
            parts = raw[key]
            if not isinstance(parts, list) or not parts:
                raise ValidationError(f"{where}.{key} must be a non-empty list")
            children = tuple(parse_condition(p, f"{where}.{key}[{i}]") for i, p in enumerate(parts))
            return Condition(key, children=children)
    if "not" in raw:
        return Condition("not", children=(parse_condition(raw["not"], f"{where}.not"),))
    item = raw.get("item")
    if not isinstance(item, str) or not item:
        raise ValidationError(f"{where}.item is missing or not a string")
    if "eq" in raw:
        return Condition("in", item=item, values=(_value(raw["eq"], f"{where}.eq"),))
    if "in" in raw:
        values = raw["in"]
        if not isinstance(values, list) or not values:
            raise ValidationError(f"{where}.in must be a non-empty list")
        return Condition("in", item=item, values=tuple(_value(v, f"{where}.in") for v in values))
    if "gte" in raw:
        number = raw["gte"]
        if not isinstance(number, int) or isinstance(number, bool):
            raise ValidationError(f"{where}.gte must be a whole number")
        return Condition("gte", item=item, number=number)
    if "answered" in raw:
        if not isinstance(raw["answered"], bool):
            raise ValidationError(f"{where}.answered must be true or false")
        return Condition("answered", item=item, number=int(raw["answered"]))
    raise ValidationError(f"{where} needs one of eq, in, gte, answered")


def _value(raw: Any, where: str) -> int | str:
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValidationError(f"{where} values must be whole numbers or strings")
    return raw
