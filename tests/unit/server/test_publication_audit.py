"""The attacker's audit (``county_server.publication.audit``) on hand-made publications and on
what the per-table suppression of the old dashboard published."""

from __future__ import annotations

import numpy as np

from county_server.publication.audit import Publication, audit
from tests.support.legacy_suppression import suppress_table


class Builder:
    """Collects published numbers as sums of base cells."""

    def __init__(self, base: dict[str, int]) -> None:
        self.names = list(base)
        self.index = {n: i for i, n in enumerate(self.names)}
        self.base = np.array([base[n] for n in self.names], dtype=np.int64)
        self.keys: list[object] = []
        self.support: list[np.ndarray] = []
        self.shown: list[bool] = []

    def add(self, key: object, cells: list[str], shown: bool) -> None:
        self.keys.append(key)
        self.support.append(np.array(sorted(self.index[c] for c in cells), dtype=np.int64))
        self.shown.append(shown)

    def publication(self) -> Publication:
        return Publication(self.base, self.keys, self.support, np.array(self.shown))


def test_a_hidden_cell_beside_a_shown_total_is_exposed() -> None:
    b = Builder({"a": 5, "b": 30})
    b.add("a", ["a"], False)
    b.add("b", ["b"], True)
    b.add("total", ["a", "b"], True)
    report = audit(b.publication())
    assert not report.passed
    (e,) = report.exposed
    assert e.key == "a" and e.value == 5 and abs(e.low - 5) < 1e-6 and abs(e.high - 5) < 1e-6


def test_a_rectangle_of_hidden_cells_protects_a_small_one() -> None:
    # 2 x 2 body with margins; 5 and its rectangle (25, 40, 50) hidden, margins shown.
    base = {"r0c0": 25, "r0c1": 5, "r1c0": 40, "r1c1": 50, "r0c2": 30, "r1c2": 60}
    b = Builder(base)
    for name in base:
        b.add(name, [name], name.endswith("c2"))
    b.add("row0", ["r0c0", "r0c1", "r0c2"], True)
    b.add("row1", ["r1c0", "r1c1", "r1c2"], True)
    b.add("col0", ["r0c0", "r1c0"], True)
    b.add("col1", ["r0c1", "r1c1"], True)
    b.add("col2", ["r0c2", "r1c2"], True)
    report = audit(b.publication())
    assert report.passed, report.exposed
    assert report.sensitive == 1
    # Show one complement (r1c1 = 50): the column pins 5 down.
    weakened = b.publication().with_shown(b.keys.index("r1c1"), True)
    assert not audit(weakened).passed


def test_hidden_zeros_and_unlinked_cells_are_fine() -> None:
    b = Builder({"a": 3, "z": 0})
    b.add("a", ["a"], False)
    b.add("z", ["z"], False)
    report = audit(b.publication())
    assert report.passed and report.sensitive == 1 and report.components == 2


def _legacy_range_views(months: list[int], start_from: range) -> Builder:
    """What the old service page showed: one district row, months from m to the end, each range
    suppressed as its own table (the row's months and its total)."""
    base = {f"m{i}": v for i, v in enumerate(months)}
    b = Builder(base)
    for first in start_from:
        names = [f"m{i}" for i in range(first, len(months))]
        table = suppress_table([[months[i] for i in range(first, len(months))]])
        for col, name in enumerate(names):
            b.add((first, name), [name], table.cell(0, col) is not None)
        b.add((first, "total"), names, table.row_total(0) is not None)
    return b


def test_the_old_date_range_views_leak_by_differencing() -> None:
    # Twelve months of a small district service; every month 1-10 except two larger ones,
    # the whole-range totals are large and shown. Totals "from m on" differ by month m.
    months = [4, 7, 2, 9, 30, 5, 3, 8, 6, 25, 1, 10]
    b = _legacy_range_views(months, range(0, 11))
    report = audit(b.publication())
    assert not report.passed
    pinned = {e.key[1] for e in report.exposed if isinstance(e.key, tuple)}
    assert len(pinned) >= 5, report.summary()
    for e in report.exposed:
        assert abs(e.low - e.high) < 1e-6  # pinned exactly, as the issue describes


def test_the_old_two_table_suppression_leaks() -> None:
    # An export suppresses tier 2 and tier 3 tables on their own; the page shows their sum.
    t2 = [[12, 5], [20, 30]]  # rows: schools, cols: months
    t3 = [[40, 35], [30, 50]]
    base = {
        f"t{t}s{r}m{c}": tab[r][c] for t, tab in ((2, t2), (3, t3)) for r in (0, 1) for c in (0, 1)
    }
    b = Builder(base)
    for t, tab in ((2, t2), (3, t3)):
        sup = suppress_table(tab)
        for r in (0, 1):
            for c in (0, 1):
                b.add(("export", t, r, c), [f"t{t}s{r}m{c}"], sup.cell(r, c) is not None)
    page = suppress_table([[t2[r][c] + t3[r][c] for c in (0, 1)] for r in (0, 1)])
    for r in (0, 1):
        for c in (0, 1):
            b.add(("page", r, c), [f"t2s{r}m{c}", f"t3s{r}m{c}"], page.cell(r, c) is not None)
    report = audit(b.publication())
    assert not report.passed
