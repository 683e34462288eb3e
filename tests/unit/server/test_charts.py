"""Charts: round tick steps from 0, labelled axes, suppressed bars drawn as such with a legend,
and the previous fiscal year beside the current one."""

from __future__ import annotations

import re

import pytest

from county_server.charts import bar_chart, nice_step, ticks


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        (10, [0, 2, 4, 6, 8, 10]),
        (7, [0, 2, 4, 6, 8]),
        (3, [0, 1, 2, 3]),
        (0, [0, 1]),
        (96, [0, 20, 40, 60, 80, 100]),
        (1234, [0, 500, 1000, 1500]),
        (48_000, [0, 10_000, 20_000, 30_000, 40_000, 50_000]),
    ],
)
def test_ticks_are_round_steps_from_zero(top: int, expected: list[int]) -> None:
    assert ticks(top) == expected


def test_every_step_is_one_two_or_five_times_a_power_of_ten() -> None:
    for top in range(5, 5000, 7):
        step = nice_step(top)
        assert str(int(step)).rstrip("0") in ("1", "2", "5") and step == int(step), (top, step)
        assert ticks(top)[-1] >= top and len(ticks(top)) <= 6


def tick_labels(svg: str) -> list[str]:
    return re.findall(r'text-anchor="end" fill="#444">([^<]+)<', svg)


def test_a_zero_to_ten_axis_reads_round_numbers_not_2_5_8() -> None:
    svg = str(bar_chart("Services", ["Jul", "Aug"], [10, 4], y_label="Services (services)"))
    assert tick_labels(svg) == ["0", "2", "4", "6", "8", "10"]
    assert "Services (services)" in svg and "rotate(-90" in svg


def test_percent_axis_and_labels() -> None:
    svg = str(bar_chart("Rate", ["PHQ-A"], [0.34], percent=True, y_label="Positive (%)"))
    assert tick_labels(svg) == ["0%", "10%", "20%", "30%", "40%"]
    assert "34.0%" in svg


def test_suppressed_bars_are_drawn_dashed_with_a_legend_and_previous_year_beside() -> None:
    svg = str(
        bar_chart(
            "Services",
            ["Jul", "Aug", "Sep"],
            [120, None, 80],
            previous=[100, 90, None],
            series=("FY2026-27", "FY2025-26"),
            x_label="Month",
        )
    )
    assert svg.count('stroke-dasharray="3,3"') == 2  # one hidden bar in each year
    assert "FY2026-27" in svg and "FY2025-26" in svg and "* suppressed" in svg
    assert "Aug (FY2026-27): suppressed" in svg and "Sep (FY2025-26): suppressed" in svg
    assert ">Month<" in svg
