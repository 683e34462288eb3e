"""Linked complementary suppression over a whole publication, by linear programming.

Input: base cells (true counts) and published cells as sums of base cells, exactly as the audit
sees them (:class:`county_server.publication.audit.Publication`). Output: which published cells
are hidden.

1. **Primary**: every published cell with a value from 1 to 10 is hidden.
2. **Complementary**, LPs per linked table (the protection LP of Fischetti & Salazar's
   cell-suppression model, which tau-Argus and sdcTable solve for hierarchical linked tables):
   the table's primary cells are split into fixed batches, and for each batch find counts
   ``y >= 0`` that make every cell of the batch 0 (downward) or at least 11 (upward) while every
   shown cell keeps its value — except that a shown cell may change at a price, its *slack*.
   The objective is the total price, ``(1 + value)`` per unit of slack, so cheap (small) cells
   are chosen first. Every shown cell whose value had to change is hidden. The LPs are solved
   over the primaries' neighbourhood with every other base cell held at its true value, in one
   HiGHS model per table (:class:`_TableLP`; decision 0064).
3. **Targeted widening** (``LARGE``, 1,000 by default; decisions 0063 and 0064): the LPs of a
   table that hid a complement of at least ``LARGE`` are solved again with the base cells under
   those totals (their siblings) free to move and the totals shown. Every other LP's witness
   kept the totals' values, so it stays a witness; a re-solve that finds no point hides the
   totals again and its old witness holds.

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

import os
from typing import Any

import highspy
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
# Targeted widening (decisions 0063, 0064): a complement of at least this value makes the LPs
# that hid it try again with the base cells under it (its siblings) free to move; None turns it
# off. On the demo county it leaves 8 of the 146 hidden cells >= 1,000.
LARGE: int | None = 1000
BASELINE_ENV = "COUNTY_SUPPRESSION_BASELINE"


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


class _TableLP:
    """The protection LPs of one linked table as one HiGHS model, re-solved warm.

    Columns: a deviation ``d_j = y_j - b_j`` per base cell of ``base_idx`` (bounds ``[-b_j, ∞)``
    when free, ``[0, 0]`` when held at its true value, ``[-b_j, -b_j]`` when forced to 0), then
    two slacks per row. Rows: one per published cell touching ``base_idx`` (``A_i d - s⁺ + s⁻
    = 0``; hidden cells keep their row with slacks of cost 0, which frees them exactly as
    dropping the row would, so the matrix never changes), then one per primary cell of the
    table (``A_i d >= 11 - v_i`` when it is a target of an upward LP, free otherwise). Every LP
    of the table changes only bounds and costs, and HiGHS starts from the last basis.
    """

    def __init__(
        self, helper: _Protector, base_idx: NDArray[np.int64], targets: NDArray[np.int64]
    ) -> None:
        self.helper = helper
        self.base_idx = base_idx
        self.rows = helper.cells_touching(base_idx)
        self.targets = targets
        n, m, k = len(base_idx), len(self.rows), len(targets)
        self.n, self.m = n, m
        self.position = {int(c): i for i, c in enumerate(targets)}
        sub = helper.a[np.concatenate([self.rows, targets])][:, base_idx].tocsc()
        sub.sort_indices()
        self.sub_rows = helper.a[self.rows][:, base_idx].tocsr()
        self.b = helper.base[base_idx]
        self.free_lower = -self.b
        self.row_cost = helper.cost[self.rows]
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_ = n + 2 * m
        lp.num_row_ = m + k
        lp.col_cost_ = np.concatenate([np.zeros(n), self.row_cost, self.row_cost])
        self.lower = np.concatenate([self.free_lower, np.zeros(2 * m)])
        self.upper = np.full(n + 2 * m, inf)
        lp.col_lower_ = self.lower
        lp.col_upper_ = self.upper
        self.row_lower = np.concatenate([np.zeros(m), np.full(k, -inf)])
        lp.row_lower_ = self.row_lower
        lp.row_upper_ = np.concatenate([np.zeros(m), np.full(k, inf)])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.concatenate(
            [sub.indptr, sub.nnz + np.arange(1, 2 * m + 1)]
        ).astype(np.int32)
        lp.a_matrix_.index_ = np.concatenate([sub.indices, np.arange(m), np.arange(m)]).astype(
            np.int32
        )
        lp.a_matrix_.value_ = np.concatenate([sub.data, -np.ones(m), np.ones(m)])
        self.target_value = helper.values[targets].astype(float)
        # highspy's type hints miss part of its C++ API (changeRowsBounds): typed as Any.
        h: Any = highspy.Highs()  # type: ignore[no-untyped-call]
        h.setOptionValue("output_flag", False)
        h.passModel(lp)
        self.h = h
        self.cost_now = lp.col_cost_.copy()
        self.col = np.arange(n + 2 * m, dtype=np.int32)
        self.rowk = np.arange(m, m + k, dtype=np.int32)

    def solve(
        self,
        part: NDArray[np.int64],
        hidden: NDArray[np.bool_],
        down: bool,
        free: NDArray[np.bool_] | None = None,
        start: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64] | None:
        """One LP: ``part`` at 0 (down) or each >= 11 (up), base cells outside ``free`` (a mask
        over ``base_idx``, default all) held at their true values. Hides the shown cells whose
        slack is used; returns the witness ``y`` on ``base_idx`` (None when infeasible)."""
        h, n, m = self.h, self.n, self.m
        self.helper.lps += 1
        cost = np.where(hidden[self.rows], 0.0, self.row_cost)
        full_cost = np.concatenate([np.zeros(n), cost, cost])
        if (full_cost != self.cost_now).any():
            h.changeColsCost(len(self.col), self.col, full_cost)
            self.cost_now = full_cost
        if free is None:
            lower, upper = self.free_lower.copy(), np.full(n, highspy.kHighsInf)
        else:
            lower = np.where(free, self.free_lower, 0.0)
            upper = np.where(free, highspy.kHighsInf, 0.0)
        at = np.array([self.position[int(c)] for c in part], dtype=np.int64)
        if down:
            zero = np.unique(self.helper.a[part][:, self.base_idx].indices)
            upper[zero] = lower[zero] = self.free_lower[zero]
        h.changeColsBounds(n, self.col[:n], lower, upper)
        row_lower = np.full(len(self.targets), -highspy.kHighsInf)
        if not down:
            row_lower[at] = NEED - self.target_value[at]
        h.changeRowsBounds(
            len(self.rowk), self.rowk, row_lower, np.full(len(self.targets), highspy.kHighsInf)
        )
        if start is not None:  # the same LP's first-pass point, extended by true values
            d = start - self.b
            r = self.sub_rows @ d
            sol = highspy.HighsSolution()
            sol.col_value = np.concatenate([d, np.maximum(r, 0), np.maximum(-r, 0)])
            sol.value_valid = True
            h.clearSolver()
            h.setSolution(sol)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        x = np.asarray(h.getSolution().col_value)
        slack = x[n : n + m] + x[n + m :]
        used = self.rows[(slack > SLACK_TOL) & ~hidden[self.rows]]
        hidden[used] = True
        witness: NDArray[np.float64] = self.b + x[:n]
        return witness


def primary(pub: Publication) -> NDArray[np.bool_]:
    values = pub.values
    flags: NDArray[np.bool_] = (values >= LOW) & (values <= HIGH)
    return flags


def _widen(
    helper: _Protector,
    hidden: NDArray[np.bool_],
    before: NDArray[np.bool_],
    around: NDArray[np.int64],
    group: NDArray[np.int64],
    solved: list[tuple[NDArray[np.int64], bool, NDArray[np.float64]]],
) -> None:
    """Show again the large totals the table's LPs hid, if their siblings can stand in.

    A large total is hidden when the cheap complements (its siblings: the other services,
    schools or months under it) lie outside the LP's neighbourhood. Each LP whose witness moved
    such a total is solved again, in one model of the table widened by the base cells under
    every such total, with the base cells under the totals *it* moved free as well as its
    neighbourhood's (the rest held at their true values) and those totals shown; it starts from
    its first-pass point. Every other LP's witness keeps the totals' values, so it stays a
    witness once they are shown. A re-solve without a point hides the totals it moved again,
    and its old witness holds.
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
            redo.append((part, down, moved, witness))
    hidden[large] = False
    if not redo:
        return
    # Each re-solve's free base cells: its batch's neighbourhood, grown through what is hidden
    # now, and the base cells under the totals it moved.
    frees = [
        np.concatenate(
            [helper.group_neighbourhood(part, hidden, GROUP_HOPS), helper.a[moved].indices]
        )
        for part, _, moved, _ in redo
    ]
    wider = np.unique(np.concatenate([around, *frees])).astype(np.int64)
    model = _TableLP(helper, wider, group)
    for (part, down, moved, witness), own in zip(redo, frees, strict=True):
        free = np.isin(wider, np.concatenate([around, own]))
        start = helper.base[wider].copy()
        start[np.searchsorted(wider, around)] = witness
        if model.solve(part, hidden, down, free, start) is None:
            hidden[moved] = True  # the old witness holds again


def protect(pub: Publication, *, verify: bool = False) -> NDArray[np.bool_]:
    """The hidden flags of every published cell (primary and complementary)."""
    # The pre-0064 protector (one scipy ``linprog`` call per LP, no widening), kept only so
    # that the bench can measure against it in the same run (bench/bench_publication.py).
    baseline = os.environ.get(BASELINE_ENV) == "1"
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
        if baseline:
            for b in range(BATCHES):
                part = group[batch == b]
                if len(part):
                    for down in (True, False):
                        helper.repair_table(part, hidden, down, around)
            continue
        model = _TableLP(helper, around, group)
        for b in range(BATCHES):
            part = group[batch == b]
            if len(part):
                for down in (True, False):
                    witness = model.solve(part, hidden, down)
                    if witness is None:
                        raise RuntimeError("suppression LP failed")
                    solved.append((part, down, witness))
        _widen(helper, hidden, before, around, group, solved)
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
