"""Small-cell suppression with hand-checked tables (primary and complementary cases)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from county_server.suppression import fmt_rate, rate, suppress_table, suppress_value


def hidden(values: list[list[int]]) -> set[tuple[int, int]]:
    return set(suppress_table(values).suppressed)


def test_nothing_small_nothing_hidden() -> None:
    t = suppress_table([[0, 25], [40, 0]])
    assert t.suppressed == frozenset()
    assert t.shown_rows() == [[0, 25, 25], [40, 0, 40]]
    assert t.shown_totals() == [40, 25, 65]


def test_single_small_cell_gets_a_rectangle_of_complements() -> None:
    # Row 0: 25 5 30 | 60 ; row 1: 40 50 60 | 150 ; totals 65 55 90 | 210.
    # 5 is primary; row 0 needs one more (25), column 1 needs one more (50),
    # column 0 then has only 25 hidden, so 40 goes too. Every group then hides >= 2 cells
    # summing to >= 11 and not all <= 3.
    assert hidden([[25, 5, 30], [40, 50, 60]]) == {(0, 0), (0, 1), (1, 0), (1, 1)}


def test_all_hidden_values_at_most_three_needs_one_more() -> None:
    # Row 0: 2 3 40 50 | 95. 2 and 3 are primary and both <= 3 -> one more in the row (40).
    # Row 1 mirrors the columns: 20 20 45 60. Column 0 (2, 20 | 22) has one hidden -> 20;
    # column 1 (3, 20 | 23) -> 20; column 2 (40, 45) -> 45. Row 1 then hides 20, 20, 45.
    t = suppress_table([[2, 3, 40, 50], [20, 20, 45, 60]])
    assert set(t.suppressed) == {(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)}
    assert t.cell(0, 4) == 95 and t.cell(1, 4) == 145
    assert t.shown_totals() == [22, 23, 85, 110, 240]


def test_hidden_sum_below_eleven_needs_one_more() -> None:
    # 4 and 5 are primary, > 3 but sum 9 < 11 -> one more in the row: the smallest open, 100.
    t = suppress_table([[4, 5, 100, 200], [50, 50, 50, 50]])
    assert {(0, 0), (0, 1), (0, 2)} <= set(t.suppressed)
    row0 = [t.cell(0, c) for c in range(4)]
    assert row0 == [None, None, None, 200]


def test_small_total_is_suppressed_and_protected() -> None:
    # Row 0: 3 0 | 3 -> the 3 and the row total 3 are both primary (all <= 3) -> one more
    # in the row: the only open cell is the zero.
    t = suppress_table([[3, 0], [30, 40]])
    assert (0, 0) in t.suppressed and (0, 2) in t.suppressed
    assert t.row_total(0) is None
    assert (0, 1) in t.suppressed


def test_zeros_shown_and_totals_follow() -> None:
    t = suppress_table([[0, 0], [0, 0]])
    assert t.suppressed == frozenset()
    assert t.grand_total() == 0


def test_rates_built_on_suppressed_cells_are_suppressed() -> None:
    assert rate(None, 100) is None
    assert rate(30, None) is None
    assert rate(0, 0) is None
    assert rate(30, 120) == pytest.approx(0.25)
    assert fmt_rate(None) == "*" and fmt_rate(0.25) == "25.0%"
    assert suppress_value(7) is None and suppress_value(0) == 0 and suppress_value(11) == 11


def test_bad_tables() -> None:
    with pytest.raises(ValueError):
        suppress_table([[1, 2], [3]])
    with pytest.raises(ValueError):
        suppress_table([[-1]])


def _recoverable(t: object) -> bool:
    """True when some group has a hidden cell that shown cells and the total give away."""
    from county_server.suppression import SuppressedTable

    assert isinstance(t, SuppressedTable)
    for r in range(t.rows + 1):
        if sum(1 for c in range(t.cols + 1) if (r, c) in t.suppressed) == 1:
            return True
    for c in range(t.cols + 1):
        if sum(1 for r in range(t.rows + 1) if (r, c) in t.suppressed) == 1:
            return True
    return False


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 60), min_size=2, max_size=5), min_size=2, max_size=5).filter(
        lambda rows: len({len(r) for r in rows}) == 1
    )
)
def test_properties(values: list[list[int]]) -> None:
    t = suppress_table(values)
    for r, c in itertools.product(range(t.rows + 1), range(t.cols + 1)):
        v = t.exact[r][c]
        if 1 <= v <= 10:
            assert t.cell(r, c) is None
    if not _recoverable(t):
        return
    # A lone hidden cell in a group is only possible when the whole rest of the table could not
    # provide a complement (everything else in that group is hidden already is impossible then).
    raise AssertionError(f"a lone suppressed cell can be recovered: {values}")
