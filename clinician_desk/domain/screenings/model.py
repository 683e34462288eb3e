"""The screening-instrument model: items, options, scoring rules, skip logic, critical items.

These frozen dataclasses are built from the instrument files in ``resources/instruments/`` by
``loader.instrument_from_dict`` (which validates them) and are read by the scoring engine and
the question flows. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from clinician_desk.domain.screenings.conditions import Condition

# A response value as it appears in an answer map: an option value (``0``..``3``, ``"yes"``) or,
# for count items, a whole number.
Value = int | str

RESPONDENTS: tuple[str, ...] = ("self", "parent", "teacher")


@dataclass(frozen=True)
class Option:
    value: Value
    label: str
    points: int


@dataclass(frozen=True)
class Item:
    """One question. ``options`` is empty for count items (whole numbers in ``count_range``)."""

    id: str
    text: str
    options: tuple[Option, ...] = ()
    count_range: tuple[int, int] | None = None
    required: bool = True
    ask_if: Condition | None = None
    section: str = ""

    _lookup: Mapping[tuple[type, object], Option] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Keyed by (type, value) so that JSON ``true`` never passes for ``1``; built once.
        object.__setattr__(self, "_lookup", {(type(o.value), o.value): o for o in self.options})

    @property
    def is_count(self) -> bool:
        return self.count_range is not None

    def option_for(self, value: object) -> Option | None:
        try:
            return self._lookup.get((type(value), value))
        except TypeError:  # unhashable (a JSON list or object) is never an option
            return None

    def points_of(self, value: Value) -> int:
        if self.count_range is not None:
            return int(value)
        option = self._lookup.get((type(value), value))
        return option.points if option is not None else 0

    @property
    def max_points(self) -> int:
        if self.count_range is not None:
            return self.count_range[1]
        return max(o.points for o in self.options)

    @property
    def min_points(self) -> int:
        if self.count_range is not None:
            return self.count_range[0]
        return min(o.points for o in self.options)


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str


@dataclass(frozen=True)
class Threshold:
    population: str
    at: int


@dataclass(frozen=True)
class Subscale:
    id: str
    title: str
    items: tuple[str, ...]
    positive_at: int | None = None


@dataclass(frozen=True)
class ClassificationRule:
    """First matching rule gives the band of a rule-classified instrument (ASQ, C-SSRS)."""

    band: str
    positive: bool
    rank: int
    when: Condition


@dataclass(frozen=True)
class CriticalRule:
    """A response pattern that opens the safety workflow; ``item`` names the item shown."""

    item: str
    level: str
    reason: str
    when: Condition


@dataclass(frozen=True)
class MissingRule:
    """How unanswered required items are handled.

    * ``all_required``: any missing required item -> the form cannot be scored;
    * ``blank_as_zero``: blanks count 0 up to ``max_blank`` blanks, more -> cannot be scored;
    * ``rules_decide``: classification rules are written to be safe on partial answers (ASQ).
    """

    rule: str
    max_blank: int = 0


@dataclass(frozen=True)
class Scoring:
    rule_version: str
    total_items: tuple[str, ...]
    missing: MissingRule
    bands: tuple[Band, ...] = ()
    thresholds: tuple[Threshold, ...] = ()
    default_population: str | None = None
    subscales: tuple[Subscale, ...] = ()
    subscales_sum_to_total: bool = False
    classification: tuple[ClassificationRule, ...] = ()

    @property
    def has_total(self) -> bool:
        return bool(self.total_items)


@dataclass(frozen=True)
class Translation:
    """A validated translation's exact text (never machine-made): items and option labels."""

    language: str
    source: str
    title: str
    instructions: str
    items: Mapping[str, str]
    option_labels: Mapping[str, tuple[str, ...]]  # item id -> labels in option order


@dataclass(frozen=True)
class Instrument:
    id: str
    version: str
    title: str
    respondent: str
    age_range: tuple[int, int]
    languages: tuple[str, ...]
    instructions: str
    attribution: str
    text_source: str
    items: tuple[Item, ...]
    scoring: Scoring
    critical: tuple[CriticalRule, ...] = ()
    notes: tuple[str, ...] = ()
    translations: Mapping[str, Translation] = field(default_factory=dict)
    _by_id: Mapping[str, Item] = field(default_factory=dict, repr=False, compare=False)
    _total_range: tuple[int, int] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id = {item.id: item for item in self.items}
        object.__setattr__(self, "_by_id", by_id)
        if self.scoring.has_total and all(i in by_id for i in self.scoring.total_items):
            scored = [by_id[i] for i in self.scoring.total_items]
            low = sum(i.min_points for i in scored)
            object.__setattr__(self, "_total_range", (low, sum(i.max_points for i in scored)))

    def item(self, item_id: str) -> Item | None:
        return self._by_id.get(item_id)

    def item_text(self, item_id: str, language: str = "en") -> str:
        """The item's wording in ``language`` (English, or a bundled validated translation)."""
        item = self._by_id[item_id]
        if language == "en":
            return item.text
        try:
            return self.translations[language].items[item_id]
        except KeyError:
            raise KeyError(f"{self.id} has no validated {language!r} text") from None

    def points_of(self, item_id: str, value: Value) -> int:
        item = self._by_id.get(item_id)
        return item.points_of(value) if item is not None else 0

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    @property
    def total_range(self) -> tuple[int, int] | None:
        return self._total_range

    def band_for(self, total: int) -> Band | None:
        for band in self.scoring.bands:
            if band.low <= total <= band.high:
                return band
        return None

    def threshold_for(self, population: str | None) -> Threshold | None:
        wanted = population or self.scoring.default_population
        for threshold in self.scoring.thresholds:
            if threshold.population == wanted:
                return threshold
        return None

    @property
    def populations(self) -> tuple[str, ...]:
        return tuple(t.population for t in self.scoring.thresholds)
