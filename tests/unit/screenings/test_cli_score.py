"""CLI `instruments` and `score`: JSON out; exit 2 with one line on bad input."""

from __future__ import annotations

import json

import pytest

from clinician_desk.cli import main


def test_instruments_lists_all_with_versions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["instruments"]) == 0
    out = capsys.readouterr().out
    for instrument_id in ("PHQ-A", "PHQ-9", "PHQ-2", "GAD-7", "GAD-2", "PSC-17", "ASQ",
                          "C-SSRS", "CRAFFT"):  # fmt: skip
        assert instrument_id in out
    assert "2026.1" in out


def test_instruments_items_shows_ids_and_answers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["instruments", "--items", "CRAFFT"]) == 0
    out = capsys.readouterr().out
    assert "alcohol_days: whole number 0-366" in out
    assert 'car: "yes"=Yes | "no"=No' in out
    assert "Knight" in out


def test_score_prints_the_result_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    answers = {"1": 2, "2": 2, "3": 1, "4": 1, "5": 1, "6": 1, "7": 1, "8": 1, "9": 1}
    code = main(
        ["score", "PHQ-9", "--responses", json.dumps(answers), "--population", "adolescent"]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert {k: out[k] for k in ("instrument", "total", "band", "positive", "complete")} == {
        "instrument": "PHQ-9",
        "total": 11,
        "band": "moderate",
        "positive": True,
        "complete": True,
    }
    assert out["version"] == "PHQ-9 (1999)" and out["subscales"] == {}
    assert out["critical"][0]["item"] == "9"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["score", "sdq", "--responses", "{}"], "Unknown instrument 'sdq'"),
        (["score", "GAD-2", "--responses", '{"3": 1}'], "has no item '3'"),
        (["score", "GAD-2", "--responses", '{"1": 7, "2": 0}'], "must be one of 0, 1, 2, 3"),
        (
            ["score", "ASQ", "--responses", '{"1":"no","2":"no","3":"no","4":"no","5":"no"}'],
            "skipped",
        ),
        (["score", "GAD-2", "--responses", "{1: 2"], "not valid JSON"),
        (["score", "GAD-2", "--responses", "[1, 2]"], "must be a JSON object"),
        (["instruments", "--items", "nope"], "Unknown instrument"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
