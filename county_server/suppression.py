"""Formatting of published numbers and rates.

Every count on a page or in an export comes from the publication cube
(``county_server.publication``), which suppresses the whole publication at once; this module
only renders what the cube decided: ``*`` for a hidden cell, ``n/a`` for a rate on a zero base.
``rate(numerator, denominator)`` is itself hidden when either cell is hidden.
"""

from __future__ import annotations


def rate(numerator: int | None, denominator: int | None) -> float | None:
    """A proportion built on two shown cells; None when either is suppressed or the base is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def fmt(value: int | None) -> str:
    return "*" if value is None else f"{value:,}"


def fmt_rate(value: float | None, denominator: int | None = None) -> str:
    """``*`` for a suppressed rate; ``n/a`` when the (shown) base is zero."""
    if denominator == 0:
        return "n/a"
    return "*" if value is None else f"{100 * value:.1f}%"
