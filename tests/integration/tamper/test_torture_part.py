"""The torture suite's ``tamper`` part in a minimal run: random attacks, every one named."""

from __future__ import annotations

from pathlib import Path

from bench.torture import tamper


def test_tamper_part_names_every_random_attack(tmp_path: Path) -> None:
    outcome = tamper.run(tmp_path, 4, seed=3)
    figures = {name: value for name, value, _unit, _ratio in outcome.rows}
    assert outcome.breaches == []
    assert figures["tamper_tried"] == 4
    assert figures["tamper_detected"] == figures["tamper_tried"]
    assert figures["tamper_false_alarms"] == 0
