"""Linked complementary suppression over a whole publication, by linear programming.

Input: base cells (true counts) and published cells as sums of base cells, exactly as the audit
sees them (:class:`county_server.publication.audit.Publication`). Output: which published cells
are hidden.

1. **Primary**: every published cell with a value from 1 to 10 is hidden.
2. **Complementary**, one LP per primary cell and direction (the protection LP of Fischetti &
   Salazar's cell-suppression model, which tau-Argus and sdcTable solve for hierarchical linked
   tables): find counts ``y >= 0`` that make the cell 0 (downward) or at least 11 (upward) while
   every shown cell keeps its value — except that a shown cell may change at a price, its
   *slack*. The objective is the total price, ``(1 + value)`` per unit of slack, so cheap (small)
   cells are chosen first. Every shown cell whose value had to change is hidden. The LP is solved
   over the cell's neighbourhood with every other base cell held at its true value, widened to its
   whole linked table if the neighbourhood cannot move the cell at all.
3. **Targeted widening** (only when :data:`LARGE` is set; decision 0063): the LPs of a table
   that hid a complement of at least ``LARGE`` are solved again with the base cells under those
   totals (their siblings) free to move and the totals shown. Every other LP's witness kept the
   totals' values, so it stays a witness; a re-solve that finds no point hides the totals again
   and its old witness holds.

**Guarantee.** After step 2 for cell ``x``, the LP's solution ``y`` is a set of counts that agrees
with every shown number and puts ``x`` at 0 (or at >= 11). Hiding more cells later only removes
equations, so ``y`` stays a valid witness to the end: every primary cell's feasible interval
reaches 0 and 11 in the final publication. The attacker's audit
(:mod:`county_server.publication.audit`) checks exactly this, independently, and ``protect(...,
verify=True)`` repeats step 2 over whole linked tables for anything it would still report (it
never has in the tests, but a floating-point tolerance is not a proof).

A published cell is one number however many pages show it: cells with the same support are the
same cell, hidden or shown together. Zeros have no base cells (all their base cells are 0), are
shown as 0 and are never needed as complements.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, eye, hstack

from county_server.publication.audit import (
    BATCHES,
    HIGH,
    LOW,
    NEED,
    Publication,
    _Solver,
    audit,
    batch_of,
)

SLACK_TOL = 1e-6
GROUP_HOPS = 1
# Targeted widening (decision 0063): when set, a complement of at least this value makes the
# LPs that hid it try again with the base cells under it (its siblings) free to move. Off by
# default: on the demo county it removes 134 of the 146 hidden cells >= 1,000 but triples the
# rebuild's CPU.
LARGE: int | None = None


class _Protector(_Solver):
    def __init__(self, pub: Publication) -> None:
        super().__init__(pub)
        self.values = pub.values
        self.cost = 1.0 + self.values.astype(float)

    def repair(
        self, cell: int, hidden: NDArray[np.bool_], base_idx: NDArray[np.int64], down: bool
    ) -> bool:
        """Hide what the cell needs in one direction; False if no witness exists on base_idx."""
        self.lps += 1
        rows = self.cells_touching(base_idx)
        rows = rows[~hidden[rows]]
        n, m = len(base_idx), len(rows)
        sub = self.a[rows][:, base_idx]
        rhs = sub @ self.base[base_idx]
        target = self.a[cell][:, base_idx].toarray().ravel()
        now = float(target @ self.base[base_idx])
        value = float(self.values[cell])
        c = np.concatenate([np.zeros(n), self.cost[rows], self.cost[rows]])
        a_eq = hstack([sub, -eye(m), eye(m)], format="csr") if m else None
        row = np.concatenate([target, np.zeros(2 * m)])
        if down:  # cell <= 0: local part must drop by the cell's whole value
            a_ub, b_ub = row[None, :], np.array([now - value])
        else:  # cell >= 11
            a_ub, b_ub = -row[None, :], np.array([-(now + (NEED - value))])
        res = linprog(
            c,
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=a_eq,
            b_eq=rhs if m else None,
            bounds=(0, None),
            method="highs",
        )
        if res.status != 0:
            return False
        slack = res.x[n : n + m] + res.x[n + m :]
        hidden[rows[slack > SLACK_TOL]] = True
        return True

    def repair_table(
        self,
        cells: NDArray[np.int64],
        hidden: NDArray[np.bool_],
        down: bool,
        base_idx: NDArray[np.int64],
        *,
        may_fail: bool = False,
    ) -> NDArray[np.float64] | None:
        """One LP for all primary cells of a linked table: a single point putting all of them
        at 0 (down) or all at >= 11, shown cells changing only at a price; hide those that do."""
        self.lps += 1
        # Around the primaries only; every other base cell keeps its true value (a point found
        # this way still satisfies every shown number of the whole table).
        rows = self.cells_touching(base_idx)
        rows = rows[~hidden[rows]]
        n, m = len(base_idx), len(rows)
        sub = self.a[rows][:, base_idx]
        rhs = sub @ self.base[base_idx]
        targets = self.a[cells][:, base_idx]
        c = np.concatenate([np.zeros(n), self.cost[rows], self.cost[rows]])
        a_eq = hstack([sub, -eye(m), eye(m)], format="csr") if m else None
        if down:
            zero = np.zeros(n, dtype=bool)
            zero[np.unique(targets.indices)] = True
            bounds = [(0.0, 0.0) if z else (0.0, None) for z in zero] + [(0.0, None)] * (2 * m)
            res = linprog(c, A_eq=a_eq, b_eq=rhs if m else None, bounds=bounds, method="highs")
        else:
            a_ub = hstack([-targets, csr_matrix((len(cells), 2 * m))], format="csr")
            res = linprog(
                c,
                A_ub=a_ub,
                b_ub=-np.full(len(cells), float(NEED)),
                A_eq=a_eq,
                b_eq=rhs if m else None,
                bounds=(0, None),
                method="highs",
            )
        if res.status != 0:
            if may_fail:
                return None
            raise RuntimeError(f"suppression LP failed ({res.message})")
        slack = res.x[n : n + m] + res.x[n + m :]
        hidden[rows[slack > SLACK_TOL]] = True
        witness: NDArray[np.float64] = res.x[:n]
        return witness

    def moves(
        self, cells: NDArray[np.int64], base_idx: NDArray[np.int64], witness: NDArray[np.float64]
    ) -> NDArray[np.int64]:
        """Those of ``cells`` whose value the witness (counts on ``base_idx``) changes."""
        sub = self.a[cells][:, base_idx]
        change = np.abs(sub @ (witness - self.base[base_idx]))
        moved: NDArray[np.int64] = cells[change > SLACK_TOL]
        return moved


def primary(pub: Publication) -> NDArray[np.bool_]:
    values = pub.values
    flags: NDArray[np.bool_] = (values >= LOW) & (values <= HIGH)
    return flags


def _widen(
    helper: _Protector,
    hidden: NDArray[np.bool_],
    before: NDArray[np.bool_],
    around: NDArray[np.int64],
    solved: list[tuple[NDArray[np.int64], bool, NDArray[np.float64]]],
) -> None:
    """Show again the large totals the table's LPs hid, if their siblings can stand in.

    A large total is hidden when the cheap complements (its siblings: the other services,
    schools or months under it) lie outside the LP's neighbourhood. Each LP whose witness moved
    such a total is solved again with the base cells under the totals it moved added to its
    neighbourhood and those totals shown; every other LP's witness keeps the totals' values, so
    it stays a witness once they are shown. A total an LP still needs is hidden again by it.
    """
    if LARGE is None:
        return
    large = np.nonzero(hidden & ~before & (helper.values >= LARGE))[0]
    if len(large) == 0:
        return
    redo = []
    for part, down, witness in solved:
        moved = helper.moves(large, around, witness)
        if len(moved):
            redo.append((part, down, moved))
    hidden[large] = False
    for part, down, moved in redo:
        own = helper.group_neighbourhood(part, hidden, GROUP_HOPS)
        wider = np.unique(np.concatenate([own, helper.a[moved].indices])).astype(np.int64)
        if helper.repair_table(part, hidden, down, wider, may_fail=True) is None:
            hidden[moved] = True  # the old witness holds again


def protect(pub: Publication, *, verify: bool = False) -> NDArray[np.bool_]:
    """The hidden flags of every published cell (primary and complementary)."""
    helper = _Protector(pub)
    hidden = primary(pub)
    by_table: dict[int, list[int]] = {}
    for cell in np.nonzero(hidden)[0]:
        by_table.setdefault(int(helper.comp[cell]), []).append(int(cell))
    with_shown = helper.tables_with_shown(~hidden)
    for table, cells in by_table.items():
        if table not in with_shown:
            continue
        group = np.array(cells, dtype=np.int64)
        around = helper.group_neighbourhood(group, hidden, GROUP_HOPS)
        # Batches (a fixed pseudo-random split): cells of one batch move together, so a
        # sibling in another batch can move the other way instead of a large total being hidden.
        batch = batch_of(pub.keys, group)
        before = hidden.copy()
        solved: list[tuple[NDArray[np.int64], bool, NDArray[np.float64]]] = []
        for b in range(BATCHES):
            part = group[batch == b]
            if len(part):
                for down in (True, False):
                    witness = helper.repair_table(part, hidden, down, around)
                    assert witness is not None
                    solved.append((part, down, witness))
        _widen(helper, hidden, before, around, solved)
    if verify:
        for _ in range(3):
            report = audit(Publication(pub.base, pub.keys, pub.support, ~hidden))
            if report.passed:
                break
            index = {k: i for i, k in enumerate(pub.keys)}
            for e in report.exposed:
                at = index[e.key]
                for down in (True, False):
                    helper.repair(at, hidden, helper.component_base(at), down)
    return hidden
