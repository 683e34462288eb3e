"""The per-table suppression the dashboard used before the publication cube (CalHHS §4.4 rules
applied to each table on its own), kept only so the attacker's audit can show what it leaked.

1. Primary: every cell, totals included, with a value from 1 to 10 is suppressed.
2. Complementary, until nothing changes: in each row or column with its total, if exactly one
   cell is suppressed, or every suppressed value is <= 3, or they sum to < 11, one more is
   suppressed (the smallest non-zero body cell, else the total, else a zero).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LOW, HIGH = 1, 10

Coord = tuple[int, int]


@dataclass(frozen=True)
class SuppressedTable:
    """Body, totals and the suppressed set of a table; ``None`` means "suppressed"."""

    rows: int
    cols: int
    exact: tuple[tuple[int, ...], ...]  # (rows + 1) × (cols + 1), last row/col are totals
    suppressed: frozenset[Coord]

    def cell(self, r: int, c: int) -> int | None:
        return None if (r, c) in self.suppressed else self.exact[r][c]

    def row_total(self, r: int) -> int | None:
        return self.cell(r, self.cols)

    def col_total(self, c: int) -> int | None:
        return self.cell(self.rows, c)

    def grand_total(self) -> int | None:
        return self.cell(self.rows, self.cols)

    def shown_rows(self) -> list[list[int | None]]:
        """Body rows with their total as the last element (for templates)."""
        return [[self.cell(r, c) for c in range(self.cols + 1)] for r in range(self.rows)]

    def shown_totals(self) -> list[int | None]:
        return [self.cell(self.rows, c) for c in range(self.cols + 1)]


def _groups(rows: int, cols: int) -> list[list[Coord]]:
    groups = [[(r, c) for c in range(cols + 1)] for r in range(rows + 1)]
    groups += [[(r, c) for r in range(rows + 1)] for c in range(cols + 1)]
    return groups


def _needs_more(values: list[int]) -> bool:
    if not values:
        return False
    if len(values) == 1:
        return True
    return all(v <= 3 for v in values) or sum(values) < 11


def suppress_table(values: Sequence[Sequence[int]]) -> SuppressedTable:
    rows = len(values)
    cols = len(values[0]) if rows else 0
    if any(len(r) != cols for r in values):
        raise ValueError("all rows of a table need the same number of columns")
    if any(v < 0 for r in values for v in r):
        raise ValueError("counts are never negative")
    grid = [[*r, sum(r)] for r in values]
    grid.append([sum(grid[r][c] for r in range(rows)) for c in range(cols + 1)])
    suppressed = {
        (r, c) for r in range(rows + 1) for c in range(cols + 1) if LOW <= grid[r][c] <= HIGH
    }
    groups = _groups(rows, cols)
    changed = bool(suppressed)
    while changed:
        changed = False
        for group in groups:
            hidden = [grid[r][c] for r, c in group if (r, c) in suppressed]
            if not _needs_more(hidden):
                continue
            pick = _complement(group, grid, suppressed, rows, cols)
            if pick is not None:
                suppressed.add(pick)
                changed = True
    return SuppressedTable(rows, cols, tuple(tuple(r) for r in grid), frozenset(suppressed))


def _complement(
    group: list[Coord], grid: list[list[int]], suppressed: set[Coord], rows: int, cols: int
) -> Coord | None:
    open_cells = [rc for rc in group if rc not in suppressed]
    if not open_cells:
        return None

    def rank(rc: Coord) -> tuple[int, int, int, int]:
        r, c = rc
        value = grid[r][c]
        is_total = r == rows or c == cols
        tier = 0 if (value > 0 and not is_total) else (1 if value > 0 else 2)
        return (tier, value, r, c)

    return min(open_cells, key=rank)
