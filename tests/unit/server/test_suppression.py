"""Rendering of published numbers: hidden cells as ``*``, rates hidden with either cell, ``n/a``
on a zero base. (What is hidden is the cube's decision: tests/unit/server/test_publication_cube.)"""

from __future__ import annotations

import pytest

from county_server.suppression import fmt, fmt_rate, rate


def test_rates_built_on_suppressed_cells_are_suppressed() -> None:
    assert rate(None, 100) is None
    assert rate(30, None) is None
    assert rate(0, 0) is None
    assert rate(30, 120) == pytest.approx(0.25)
    assert fmt_rate(None) == "*" and fmt_rate(0.25) == "25.0%"
    assert fmt_rate(None, 0) == "n/a"


def test_hidden_cells_render_as_a_star() -> None:
    assert fmt(None) == "*" and fmt(0) == "0" and fmt(12345) == "12,345"
