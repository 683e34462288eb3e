"""A broken instrument file gives a ValidationError naming the file and the field."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clinician_desk.bundled.instruments import load_instrument_file, load_instruments_from
from clinician_desk.bundled.paths import resource_path
from clinician_desk.domain.screenings import instrument_from_dict
from clinician_desk.errors import ValidationError

RAW = {
    p.stem: json.loads(p.read_text(encoding="utf-8"))
    for p in resource_path("instruments").glob("*.json")
}


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return mutate


_DELETE = object()

BROKEN = [
    ("PHQ-9", _set(["id"], _DELETE), "id"),
    ("PHQ-9", _set(["respondent"], "neighbour"), "respondent"),
    ("PHQ-9", _set(["age_range", "min"], "twelve"), "age_range.min"),
    ("PHQ-9", _set(["languages"], ["es"]), "languages"),
    ("PHQ-9", _set(["items", 8, "options"], "nope"), "items[8].options"),
    ("PHQ-9", _set(["items", 1, "id"], "1"), "items[1].id"),
    ("PHQ-9", _set(["items", 0, "text"], ""), "items[0].text"),
    (
        "PHQ-9",
        _set(["option_sets", "frequency", 0, "value"], True),
        "option_sets.frequency[0].value",
    ),
    ("PHQ-9", _set(["option_sets", "frequency", 1, "value"], 0), "appears twice"),
    ("PHQ-9", _set(["scoring", "bands", 1, "min"], 6), "scoring.bands[1]"),
    ("PHQ-9", _set(["scoring", "bands", 4, "max"], 26), "maximum total 27"),
    ("PHQ-9", _set(["scoring", "positive", 0, "at"], 40), "scoring.positive[0].at"),
    ("PHQ-9", _set(["scoring", "total_items", 0], "99"), "scoring.total_items"),
    ("PHQ-9", _set(["scoring", "missing", "rule"], "guess"), "scoring.missing.rule"),
    ("PHQ-9", _set(["scoring", "default_population"], "martian"), "default_population"),
    ("PHQ-9", _set(["scoring", "rule_version"], _DELETE), "scoring.rule_version"),
    ("PHQ-9", _set(["critical", 0, "item"], "42"), "critical[0].item"),
    ("PHQ-9", _set(["critical", 0, "when"], {"item": "9", "eq": "maybe"}), "cannot take"),
    ("PHQ-9", _set(["attribution"], _DELETE), "attribution"),
    ("ASQ", _set(["items", 4, "ask_if"], {"item": "6", "eq": "yes"}), "items[4].ask_if"),
    ("ASQ", _set(["items", 4, "ask_if"], {"item": "1"}), "needs one of"),
    ("PSC-17", _set(["scoring", "subscales", 0, "items"], ["2", "6"]), "split the total"),
    ("PSC-17", _set(["scoring", "subscales", 0, "items", 0], "99"), "subscales[0].items"),
    ("CRAFFT", _set(["items", 0, "count"], {"min": 5, "max": 1}), "items[0].count"),
    (
        "C-SSRS",
        _set(["scoring", "classification", 0, "rank"], "high"),
        "classification[0].rank",
    ),
]


@pytest.mark.parametrize(("instrument_id", "mutate", "field"), BROKEN, ids=[b[2] for b in BROKEN])
def test_broken_field_is_named(instrument_id: str, mutate: Any, field: str) -> None:
    doc = copy.deepcopy(RAW[instrument_id])
    mutate(doc)
    with pytest.raises(ValidationError) as info:
        instrument_from_dict(doc, source=f"{instrument_id}.json")
    message = str(info.value)
    assert message.startswith(f"{instrument_id}.json: ")
    assert field in message


def test_every_bundled_file_validates() -> None:
    for instrument_id, doc in RAW.items():
        assert instrument_from_dict(doc, source=f"{instrument_id}.json").id == instrument_id


def test_unreadable_file_and_wrong_id_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text("{ not json", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"^broken\.json: cannot be read"):
        load_instrument_file(bad)
    bad.unlink()
    renamed = tmp_path / "other.json"
    renamed.write_text(json.dumps(RAW["GAD-2"]), encoding="utf-8")
    with pytest.raises(ValidationError, match=r"other\.json: id 'GAD-2' must match"):
        load_instruments_from(tmp_path)


def test_no_sdq_and_english_text_only() -> None:
    assert not any("sdq" in name for name in RAW)
    for doc in RAW.values():
        assert doc["languages"] == ["en"], "add a language only with a validated translation"


def _with_pseudo_translation() -> dict[str, Any]:
    """GAD-2 with a made-up pseudo-locale ('x-pseudo'): structure only, not a real translation."""
    doc = copy.deepcopy(RAW["GAD-2"])
    doc["languages"] = ["en", "x-pseudo"]
    doc["translations"] = {
        "x-pseudo": {
            "source": "test pseudo-locale",
            "title": "[GAD-2]",
            "instructions": "[instructions]",
            "items": {"1": "[one]", "2": "[two]"},
            "option_labels": {"1": ["a", "b", "c", "d"], "2": ["a", "b", "c", "d"]},
        }
    }
    return doc


def test_translation_is_complete_or_refused() -> None:
    doc = _with_pseudo_translation()
    gad2 = instrument_from_dict(doc, source="GAD-2.json")
    assert gad2.item_text("2", "x-pseudo") == "[two]"
    assert gad2.item_text("2") == RAW["GAD-2"]["items"][1]["text"]
    with pytest.raises(KeyError, match="no validated 'es' text"):
        gad2.item_text("1", "es")
    missing_item = copy.deepcopy(doc)
    del missing_item["translations"]["x-pseudo"]["items"]["2"]
    with pytest.raises(ValidationError, match=r"translations\.x-pseudo\.items\.2 is missing"):
        instrument_from_dict(missing_item, source="GAD-2.json")
    short_labels = copy.deepcopy(doc)
    short_labels["translations"]["x-pseudo"]["option_labels"]["1"] = ["a"]
    with pytest.raises(ValidationError, match="one label per option"):
        instrument_from_dict(short_labels, source="GAD-2.json")
    unlisted = copy.deepcopy(doc)
    unlisted["languages"] = ["en"]
    with pytest.raises(ValidationError, match="exactly the non-English"):
        instrument_from_dict(unlisted, source="GAD-2.json")
