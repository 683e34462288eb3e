"""Builds an ``Instrument`` from a parsed instrument file and validates every field.

Pure: it receives the parsed JSON (a dict) and the file name used in messages. A broken file
raises ``ValidationError`` naming the file and the field (``phq9.json: items[8].options ...``).
Cross-checks: unique item ids, option sets exist, skip logic refers only to earlier items and to
values those items can take, bands tile the total range without gaps or overlaps, subscales that
should add up to the total partition it, thresholds lie inside the range.
"""

from __future__ import annotations

from typing import Any

from clinician_desk.domain.screenings.conditions import Condition, parse_condition
from clinician_desk.domain.screenings.model import (
    RESPONDENTS,
    Band,
    ClassificationRule,
    CriticalRule,
    Instrument,
    Item,
    MissingRule,
    Option,
    Scoring,
    Subscale,
    Threshold,
    Translation,
)
from clinician_desk.errors import ValidationError

MISSING_RULES = ("all_required", "blank_as_zero", "rules_decide")


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> ValidationError:
        return ValidationError(f"{self.source}: {where} {problem}")

    def need(self, obj: dict[str, Any], key: str, typ: type, where: str) -> Any:
        value = obj.get(key)
        if value is None or not isinstance(value, typ) or isinstance(value, bool) != (typ is bool):
            raise self.fail(f"{where}{key}", f"is missing or not {typ.__name__}")
        return value

    def whole(self, obj: dict[str, Any], key: str, where: str) -> int:
        value: int = self.need(obj, key, int, where)
        return value

    def text(self, obj: dict[str, Any], key: str, where: str) -> str:
        value: str = self.need(obj, key, str, where)
        if not value.strip():
            raise self.fail(f"{where}{key}", "is empty")
        return value

    def obj(self, raw: Any, where: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail(where, "is not an object")
        return raw

    def cond(self, raw: Any, where: str) -> Condition:
        try:
            return parse_condition(raw, where)
        except ValidationError as exc:
            raise ValidationError(f"{self.source}: {exc.message}") from None


def instrument_from_dict(data: Any, source: str) -> Instrument:
    """Validate a parsed instrument file and build the ``Instrument``."""
    r = _Reader(source)
    data = r.obj(data, "top level")
    respondent = r.text(data, "respondent", "")
    if respondent not in RESPONDENTS:
        raise r.fail("respondent", f"must be one of {', '.join(RESPONDENTS)}")
    ages = r.obj(data.get("age_range"), "age_range")
    age_range = (r.whole(ages, "min", "age_range."), r.whole(ages, "max", "age_range."))
    if age_range[0] > age_range[1]:
        raise r.fail("age_range", "has min above max")
    languages = tuple(r.need(data, "languages", list, ""))
    if "en" not in languages or not all(isinstance(x, str) for x in languages):
        raise r.fail("languages", "must be a list of language codes including 'en'")
    option_sets = _option_sets(r, r.obj(data.get("option_sets"), "option_sets"))
    items = _items(r, r.need(data, "items", list, ""), option_sets)
    by_id = {item.id: item for item in items}
    scoring = _scoring(r, r.obj(data.get("scoring"), "scoring"), by_id)
    critical = tuple(
        _critical(r, r.obj(raw, f"critical[{i}]"), f"critical[{i}]", by_id)
        for i, raw in enumerate(data.get("critical", []))
    )
    notes = data.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise r.fail("notes", "must be a list of strings")
    instrument = Instrument(
        id=r.text(data, "id", ""),
        version=r.text(data, "version", ""),
        title=r.text(data, "title", ""),
        respondent=respondent,
        age_range=age_range,
        languages=languages,
        instructions=r.text(data, "instructions", ""),
        attribution=r.text(data, "attribution", ""),
        text_source=r.text(data, "text_source", ""),
        items=items,
        scoring=scoring,
        critical=critical,
        notes=tuple(notes),
        translations=_translations(r, data.get("translations", {}), languages, items),
    )
    _check_ranges(r, instrument)
    return instrument


def _option_sets(r: _Reader, raw: dict[str, Any]) -> dict[str, tuple[Option, ...]]:
    sets: dict[str, tuple[Option, ...]] = {}
    for name, options in raw.items():
        where = f"option_sets.{name}"
        if not isinstance(options, list) or not options:
            raise r.fail(where, "must be a non-empty list")
        built: list[Option] = []
        for i, o in enumerate(options):
            o = r.obj(o, f"{where}[{i}]")
            value = o.get("value")
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise r.fail(f"{where}[{i}].value", "must be a whole number or a string")
            points = o.get("points", value)
            if isinstance(points, bool) or not isinstance(points, int):
                raise r.fail(f"{where}[{i}].points", "must be a whole number")
            if any(type(b.value) is type(value) and b.value == value for b in built):
                raise r.fail(f"{where}[{i}].value", "appears twice")
            built.append(
                Option(value=value, label=r.text(o, "label", f"{where}[{i}]."), points=points)
            )
        sets[name] = tuple(built)
    return sets


def _items(
    r: _Reader, raw_items: list[Any], sets: dict[str, tuple[Option, ...]]
) -> tuple[Item, ...]:
    if not raw_items:
        raise r.fail("items", "is empty")
    items: list[Item] = []
    seen: dict[str, Item] = {}
    for i, raw in enumerate(raw_items):
        where = f"items[{i}]"
        raw = r.obj(raw, where)
        item_id = r.text(raw, "id", f"{where}.")
        if item_id in seen:
            raise r.fail(f"{where}.id", f"{item_id!r} appears twice")
        options: tuple[Option, ...] = ()
        count_range: tuple[int, int] | None = None
        if "count" in raw:
            count = r.obj(raw["count"], f"{where}.count")
            count_range = (
                r.whole(count, "min", f"{where}.count."),
                r.whole(count, "max", f"{where}.count."),
            )
            if not 0 <= count_range[0] < count_range[1]:
                raise r.fail(f"{where}.count", "must have 0 <= min < max")
        else:
            set_name = r.text(raw, "options", f"{where}.")
            if set_name not in sets:
                raise r.fail(f"{where}.options", f"names an unknown option set {set_name!r}")
            options = sets[set_name]
        ask_if = None
        if "ask_if" in raw:
            ask_if = r.cond(raw["ask_if"], f"{where}.ask_if")
            _check_refs(r, ask_if, f"{where}.ask_if", seen)
        required = raw.get("required", True)
        if not isinstance(required, bool):
            raise r.fail(f"{where}.required", "must be true or false")
        item = Item(
            id=item_id,
            text=r.text(raw, "text", f"{where}."),
            options=options,
            count_range=count_range,
            required=required,
            ask_if=ask_if,
            section=str(raw.get("section", "")),
        )
        items.append(item)
        seen[item_id] = item
    return tuple(items)


def _check_refs(r: _Reader, cond: Condition, where: str, known: dict[str, Item]) -> None:
    for ref in cond.item_refs():
        if ref not in known:
            raise r.fail(where, f"refers to item {ref!r}, which is not an earlier item")
    for ref, value in cond.value_refs():
        item = known[ref]
        if item.is_count:
            if not isinstance(value, int):
                raise r.fail(where, f"compares count item {ref!r} with a non-number")
        elif item.option_for(value) is None:
            raise r.fail(where, f"uses value {value!r}, which item {ref!r} cannot take")


def _scoring(r: _Reader, raw: dict[str, Any], items: dict[str, Item]) -> Scoring:
    total_items = tuple(raw.get("total_items", []))
    for ref in total_items:
        if ref not in items:
            raise r.fail("scoring.total_items", f"names unknown item {ref!r}")
    if len(set(total_items)) != len(total_items):
        raise r.fail("scoring.total_items", "lists an item twice")
    missing_raw = r.obj(raw.get("missing"), "scoring.missing")
    rule = r.text(missing_raw, "rule", "scoring.missing.")
    if rule not in MISSING_RULES:
        raise r.fail("scoring.missing.rule", f"must be one of {', '.join(MISSING_RULES)}")
    missing = MissingRule(rule=rule, max_blank=int(missing_raw.get("max_blank", 0)))
    bands = tuple(
        Band(
            low=r.whole(b, "min", f"scoring.bands[{i}]."),
            high=r.whole(b, "max", f"scoring.bands[{i}]."),
            label=r.text(b, "label", f"scoring.bands[{i}]."),
        )
        for i, b in enumerate(
            r.obj(x, f"scoring.bands[{j}]") for j, x in enumerate(raw.get("bands", []))
        )
    )
    thresholds = tuple(
        Threshold(
            population=r.text(t, "population", f"scoring.positive[{i}]."),
            at=r.whole(t, "at", f"scoring.positive[{i}]."),
        )
        for i, t in enumerate(
            r.obj(x, f"scoring.positive[{j}]") for j, x in enumerate(raw.get("positive", []))
        )
    )
    subscales: list[Subscale] = []
    for i, s in enumerate(raw.get("subscales", [])):
        s = r.obj(s, f"scoring.subscales[{i}]")
        refs = tuple(r.need(s, "items", list, f"scoring.subscales[{i}]."))
        for ref in refs:
            if ref not in total_items:
                raise r.fail(f"scoring.subscales[{i}].items", f"names {ref!r}, not a total item")
        at = s.get("positive_at")
        if at is not None and (isinstance(at, bool) or not isinstance(at, int)):
            raise r.fail(f"scoring.subscales[{i}].positive_at", "must be a whole number")
        subscales.append(
            Subscale(
                id=r.text(s, "id", f"scoring.subscales[{i}]."),
                title=r.text(s, "title", f"scoring.subscales[{i}]."),
                items=refs,
                positive_at=at,
            )
        )
    sum_to_total = bool(raw.get("subscales_sum_to_total", False))
    if sum_to_total:
        covered = [ref for s in subscales for ref in s.items]
        if sorted(covered) != sorted(total_items):
            raise r.fail("scoring.subscales", "must split the total items exactly once each")
    classification = tuple(
        ClassificationRule(
            band=r.text(c, "band", f"scoring.classification[{i}]."),
            positive=r.need(c, "positive", bool, f"scoring.classification[{i}]."),
            rank=r.whole(c, "rank", f"scoring.classification[{i}]."),
            when=_checked(r, c.get("when"), f"scoring.classification[{i}].when", items),
        )
        for i, c in enumerate(
            r.obj(x, f"scoring.classification[{j}]")
            for j, x in enumerate(raw.get("classification", []))
        )
    )
    if not total_items and not classification:
        raise r.fail("scoring", "needs total_items or classification rules")
    default_population = raw.get("default_population")
    if thresholds and default_population not in {t.population for t in thresholds}:
        raise r.fail("scoring.default_population", "must name one of the positive thresholds")
    return Scoring(
        rule_version=r.text(raw, "rule_version", "scoring."),
        total_items=total_items,
        missing=missing,
        bands=bands,
        thresholds=thresholds,
        default_population=default_population,
        subscales=tuple(subscales),
        subscales_sum_to_total=sum_to_total,
        classification=classification,
    )


def _checked(r: _Reader, raw: Any, where: str, items: dict[str, Item]) -> Condition:
    cond = r.cond(raw, where)
    _check_refs(r, cond, where, items)
    return cond


def _critical(r: _Reader, raw: dict[str, Any], where: str, items: dict[str, Item]) -> CriticalRule:
    item = r.text(raw, "item", f"{where}.")
    if item not in items:
        raise r.fail(f"{where}.item", f"names unknown item {item!r}")
    return CriticalRule(
        item=item,
        level=r.text(raw, "level", f"{where}."),
        reason=r.text(raw, "reason", f"{where}."),
        when=_checked(r, raw.get("when"), f"{where}.when", items),
    )


def _check_ranges(r: _Reader, instrument: Instrument) -> None:
    total_range = instrument.total_range
    bands = instrument.scoring.bands
    if bands:
        if total_range is None:
            raise r.fail("scoring.bands", "need total_items")
        expected = total_range[0]
        for i, band in enumerate(bands):
            if band.low != expected or band.high < band.low:
                raise r.fail(f"scoring.bands[{i}]", f"must start at {expected} (no gap or overlap)")
            expected = band.high + 1
        if expected != total_range[1] + 1:
            raise r.fail("scoring.bands", f"must end at the maximum total {total_range[1]}")
    for i, threshold in enumerate(instrument.scoring.thresholds):
        if total_range is None or not total_range[0] < threshold.at <= total_range[1]:
            raise r.fail(f"scoring.positive[{i}].at", "lies outside the total range")
    for item in instrument.items:
        if item.is_count and item.id in instrument.scoring.total_items:
            raise r.fail("scoring.total_items", f"cannot sum count item {item.id!r}")


def _translations(
    r: _Reader, raw: Any, languages: tuple[str, ...], items: tuple[Item, ...]
) -> dict[str, Translation]:
    """Every non-English language listed needs a complete translation, and vice versa."""
    raw = r.obj(raw, "translations")
    listed = {lang for lang in languages if lang != "en"}
    if set(raw) != listed:
        raise r.fail("translations", "must cover exactly the non-English entries of languages")
    out: dict[str, Translation] = {}
    for lang, doc in raw.items():
        where = f"translations.{lang}"
        doc = r.obj(doc, where)
        texts = r.obj(doc.get("items"), f"{where}.items")
        labels = r.obj(doc.get("option_labels", {}), f"{where}.option_labels")
        for item in items:
            if not isinstance(texts.get(item.id), str) or not texts[item.id].strip():
                raise r.fail(f"{where}.items.{item.id}", "is missing")
            if item.options:
                got = labels.get(item.id)
                if not isinstance(got, list) or len(got) != len(item.options):
                    raise r.fail(f"{where}.option_labels.{item.id}", "needs one label per option")
        if set(texts) - {item.id for item in items}:
            raise r.fail(f"{where}.items", "names an unknown item")
        out[lang] = Translation(
            language=lang,
            source=r.text(doc, "source", f"{where}."),
            title=r.text(doc, "title", f"{where}."),
            instructions=r.text(doc, "instructions", f"{where}."),
            items=dict(texts),
            option_labels={k: tuple(v) for k, v in labels.items()},
        )
    return out
