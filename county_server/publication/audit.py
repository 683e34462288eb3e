"""The attacker's audit: can any combination of published numbers pin a hidden small count down?

A publication is described as linear algebra. Its *base cells* are the finest cells the server
knows (org unit × month × finest category of one measure), with their true counts ``b``; every
*published cell* (a page figure, a chart bar, a CSV row, a DHIS2 value) is the sum of a set of
base cells (its *support*) and is either shown or hidden. An attacker who sees every shown
number of every page, role, export format and level knows::

    A_shown · y = shown values,    y >= 0

and nothing else (hidden zeros and hidden small counts look alike). For every hidden cell ``x``
whose true value is 1–10 the audit computes, by linear programming (HiGHS through
``scipy.optimize.linprog``), how low and how high ``x`` can be among all ``y`` consistent with
what is shown. The publication passes only if every such interval reaches down to 0 and up to at
least 11.

**Splitting.** Base cells and published cells form a bipartite graph (a published cell is linked
to the base cells it sums). Its connected components are the independent linked tables of the
publication: no published number belongs to two of them and no equation crosses them, so each
interval is computed inside one component. The cube never publishes a total across fiscal years
or measures, so each (measure, fiscal year) is at most one component.

**Speed without losing exactness.** Before solving a cell's LP over its whole component, the audit
solves it over a neighbourhood of the cell (the base cells of published cells that share base
cells with it, a few steps out) with every other base cell held at its true value. A point found
there satisfies every shown equation of the whole component, so when the neighbourhood already
reaches 0 (or 11) that bound is proven; only when it does not is the whole component solved. The
verdict is therefore exactly that of the full LP.

Base cells whose true count is 0 may be left out of a publication's base (held at 0). That only
shrinks what the attacker could imagine, so the audit stays conservative: a publication that
passes with them left out passes with them in.
"""

from __future__ import annotations

import zlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog
from scipy.sparse import csc_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

LOW, HIGH = 1, 10
NEED = HIGH + 1
TOL = 1e-6
# How far the neighbourhood reaches out, and how many base cells it may hold, before the
# audit falls back to the whole component.
HOPS = 2
LOCAL_CAP = 600


@dataclass(frozen=True)
class Publication:
    """Base cells with their true values and published cells as sums of base cells.

    ``support[i]`` lists the base-cell indices summed by published cell ``i``; ``shown[i]`` says
    whether it is shown. The value of a published cell is always ``base[support].sum()``.
    """

    base: NDArray[np.int64]
    keys: Sequence[Hashable]
    support: Sequence[NDArray[np.int64]]
    shown: NDArray[np.bool_]

    def __post_init__(self) -> None:
        if len(self.keys) != len(self.support) or len(self.keys) != len(self.shown):
            raise ValueError("keys, support and shown must have the same length")
        if len(self.base) and int(self.base.min()) < 0:
            raise ValueError("counts are never negative")

    @cached_property
    def values(self) -> NDArray[np.int64]:
        if not self.support:
            return np.zeros(0, dtype=np.int64)
        sizes = np.fromiter((len(s) for s in self.support), np.int64, len(self.support))
        flat = np.concatenate([np.asarray(s, dtype=np.int64) for s in self.support])
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        sums = np.add.reduceat(self.base[flat], starts) if len(flat) else np.zeros(len(sizes))
        out: NDArray[np.int64] = np.where(sizes > 0, sums, 0).astype(np.int64)
        return out

    def matrix(self) -> csr_matrix:
        rows = np.repeat(np.arange(len(self.support)), [len(s) for s in self.support])
        cols = (
            np.concatenate([np.asarray(s, dtype=np.int64) for s in self.support])
            if self.support
            else np.zeros(0, dtype=np.int64)
        )
        data = np.ones(len(cols))
        return csr_matrix((data, (rows, cols)), shape=(len(self.support), len(self.base)))

    def with_shown(self, index: int, shown: bool) -> Publication:
        """The same publication with one cell's visibility changed (tests weaken with it)."""
        flags = self.shown.copy()
        flags[index] = shown
        return Publication(self.base, self.keys, self.support, flags)


@dataclass(frozen=True)
class Exposure:
    key: Hashable
    value: int
    low: float
    high: float


@dataclass
class AuditReport:
    published: int
    hidden: int
    sensitive: int
    components: int
    lps: int = 0
    full_lps: int = 0
    exposed: list[Exposure] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.exposed

    def summary(self) -> str:
        verdict = "PASS" if self.passed else f"FAIL: {len(self.exposed)} hidden cell(s) pinned"
        return (
            f"{verdict} — {self.published} published cells, {self.hidden} hidden, "
            f"{self.sensitive} hidden with a true value 1–{HIGH}, {self.components} linked "
            f"table(s), {self.lps} LPs ({self.full_lps} over a whole table)"
        )


def components(pub: Publication, a: csr_matrix | None = None) -> NDArray[np.int64]:
    """Component label of every published cell (cells linked through shared base cells)."""
    if a is None:
        a = pub.matrix()
    n_cells, n_base = a.shape
    # The bipartite graph cells -> base cells, one direction only (connected_components with
    # directed=False follows every edge both ways), straight from a's CSR arrays.
    indptr = np.concatenate([a.indptr, np.full(n_base, a.indptr[-1])])
    size = n_cells + n_base
    graph = csr_matrix((np.ones(len(a.indices)), a.indices + n_cells, indptr), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    out: NDArray[np.int64] = labels[:n_cells].astype(np.int64)
    return out


class _Solver:
    """LPs over one publication: local neighbourhoods first, the whole component when needed."""

    def __init__(self, pub: Publication) -> None:
        self.pub = pub
        self.a = pub.matrix()
        self.at = csc_matrix(self.a)  # column access: which cells hold a base cell
        self.base = pub.base.astype(float)
        self.sizes = np.diff(self.a.indptr)
        self.comp = components(pub, self.a)
        self.lps = 0
        self.full_lps = 0

    def tables_with_shown(self, shown: NDArray[np.bool_]) -> set[int]:
        """Labels of the linked tables that have at least one shown cell."""
        return {int(c) for c in np.unique(self.comp[shown])}

    def cells_touching(self, base_idx: NDArray[np.int64]) -> NDArray[np.int64]:
        if len(base_idx) == 0:
            return np.zeros(0, dtype=np.int64)
        sub = self.at[:, base_idx]
        return np.unique(sub.indices).astype(np.int64)

    def neighbourhood(self, cell: int, hidden: NDArray[np.bool_], hops: int) -> NDArray[np.int64]:
        base = np.asarray(self.pub.support[cell], dtype=np.int64)
        for _ in range(hops):
            touching = self.cells_touching(base)
            # grow through hidden cells (where mass can move unseen) and small shown cells
            grow = touching[hidden[touching] | (self.sizes[touching] <= 64)]
            parts = [base, *(np.asarray(self.pub.support[int(c)]) for c in grow)]
            new = np.unique(np.concatenate(parts)).astype(np.int64)
            if len(new) > LOCAL_CAP or len(new) == len(base):
                return new if len(new) <= LOCAL_CAP else base
            base = new
        return base

    def group_neighbourhood(
        self, cells: NDArray[np.int64], hidden: NDArray[np.bool_], hops: int
    ) -> NDArray[np.int64]:
        """Base cells around many cells at once, grown like :meth:`neighbourhood` (no cap)."""
        base = np.unique(self.a[cells].indices).astype(np.int64)
        for _ in range(hops):
            touching = self.cells_touching(base)
            grow = touching[hidden[touching] | (self.sizes[touching] <= 64)]
            new = np.unique(np.concatenate([base, self.a[grow].indices])).astype(np.int64)
            if len(new) == len(base):
                break
            base = new
        return base

    def component_base(self, cell: int) -> NDArray[np.int64]:
        members = np.nonzero(self.comp == self.comp[cell])[0]
        return np.unique(self.a[members].indices).astype(np.int64)

    def bound(
        self, cell: int, shown: NDArray[np.bool_], base_idx: NDArray[np.int64], sense: int
    ) -> float:
        """min (sense=+1) or max (sense=-1) of the cell over y >= 0 on base_idx, others fixed."""
        self.lps += 1
        rows = self.cells_touching(base_idx)
        rows = rows[shown[rows]]
        sub = self.a[rows][:, base_idx]
        rhs = sub @ self.base[base_idx]
        target = self.a[cell][:, base_idx].toarray().ravel()
        outside = float((self.a[cell] @ self.base)[0]) - float(target @ self.base[base_idx])
        res = linprog(
            sense * target,
            A_eq=sub if len(rows) else None,
            b_eq=rhs if len(rows) else None,
            bounds=(0, None),
            method="highs",
        )
        if res.status == 3:  # unbounded: only possible when maximizing
            return float("inf")
        if res.status != 0:
            raise RuntimeError(f"audit LP failed ({res.message})")
        return sense * float(res.fun) + outside

    def interval(self, cell: int, shown: NDArray[np.bool_]) -> tuple[float, float]:
        local = self.neighbourhood(cell, ~shown, HOPS)
        low = self.bound(cell, shown, local, +1)
        if low > TOL:
            self.full_lps += 1
            low = self.bound(cell, shown, self.component_base(cell), +1)
        high = self.bound(cell, shown, local, -1)
        if high < NEED - TOL:
            self.full_lps += 1
            high = self.bound(cell, shown, self.component_base(cell), -1)
        return low, high


def joint_witness(
    solver: _Solver,
    shown: NDArray[np.bool_],
    cells: NDArray[np.int64],
    down: bool,
    base_idx: NDArray[np.int64] | None = None,
) -> bool:
    """One point for many cells at once: all of them at 0 (down) or all >= 11, every shown
    number kept, base cells outside ``base_idx`` (default: none) held at their true values.
    Such a point proves each cell's bound on its own; False when none exists."""
    if len(cells) == 0:
        return True
    solver.lps += 1
    if base_idx is None:
        members = np.nonzero(np.isin(solver.comp, np.unique(solver.comp[cells])))[0]
        base_idx = np.unique(solver.a[members].indices).astype(np.int64)
    rows = solver.cells_touching(base_idx)
    rows = rows[shown[rows]]
    sub = solver.a[rows][:, base_idx]
    rhs = sub @ solver.base[base_idx]
    targets = solver.a[cells][:, base_idx]
    outside = solver.a[cells] @ solver.base - targets @ solver.base[base_idx]
    n = len(base_idx)
    if down:
        if (outside > TOL).any():
            return False
        # every base cell of a target is 0
        zero = np.zeros(n, dtype=bool)
        zero[np.unique(targets.indices)] = True
        bounds = [(0.0, 0.0) if z else (0.0, None) for z in zero]
        res = linprog(
            np.zeros(n),
            A_eq=sub if len(rows) else None,
            b_eq=rhs if len(rows) else None,
            bounds=bounds,
            method="highs",
        )
    else:
        res = linprog(
            np.zeros(n),
            A_ub=-targets,
            b_ub=-(np.full(len(cells), float(NEED)) - outside),
            A_eq=sub if len(rows) else None,
            b_eq=rhs if len(rows) else None,
            bounds=(0, None),
            method="highs",
        )
    return bool(res.status == 0)


BATCHES = 4


def batch_of(keys: Sequence[Hashable], cells: NDArray[np.int64]) -> NDArray[np.int64]:
    """A fixed pseudo-random split of cells into :data:`BATCHES` batches, by each cell's key
    (so a cell falls in the same batch whatever else is built with it)."""
    out: NDArray[np.int64] = np.fromiter(
        (zlib.crc32(repr(keys[int(c)]).encode()) % BATCHES for c in cells), np.int64, len(cells)
    )
    return out


def _table_proven(solver: _Solver, shown: NDArray[np.bool_], group: NDArray[np.int64]) -> bool:
    """Both joint witnesses, around the cells first and over the whole table if needed."""
    sensitive = np.zeros(len(shown), dtype=bool)
    sensitive[group] = True
    around = solver.group_neighbourhood(group, sensitive, 1)
    for down in (True, False):
        if joint_witness(solver, shown, group, down, around):
            continue
        solver.full_lps += 1
        if not joint_witness(solver, shown, group, down):
            return False
    return True


def audit(pub: Publication, *, limit: int | None = None) -> AuditReport:
    """Feasible interval of every hidden cell with a true value 1–10; see the module doc.

    Per linked table, one LP first looks for a single point putting every such cell at 0 and one
    putting every such cell at >= 11; when found, every interval of that table is proven at once.
    Otherwise each cell's own LPs decide (exactly as the attacker would compute them).
    """
    values = pub.values
    hidden = ~pub.shown
    sensitive = np.nonzero(hidden & (values >= LOW) & (values <= HIGH))[0]
    solver = _Solver(pub)
    report = AuditReport(
        published=len(pub.support),
        hidden=int(hidden.sum()),
        sensitive=len(sensitive),
        components=len(np.unique(solver.comp)),
    )
    by_table: dict[int, list[int]] = {}
    for found in sensitive:
        by_table.setdefault(int(solver.comp[found]), []).append(int(found))
    with_shown = solver.tables_with_shown(pub.shown)
    for table, cells in by_table.items():
        if table not in with_shown:
            continue  # nothing of this table is shown: nothing constrains its cells
        group = np.array(cells, dtype=np.int64)
        if _table_proven(solver, pub.shown, group):
            continue
        # A joint point for all of them may not exist while one per batch does (the
        # suppression protects batch by batch); a batch proven this way needs no per-cell LPs.
        remaining: list[int] = []
        batch = batch_of(pub.keys, group)
        for b in range(BATCHES):
            part = group[batch == b]
            if len(part) and not _table_proven(solver, pub.shown, part):
                remaining += [int(c) for c in part]
        for cell in remaining:
            low, high = solver.interval(int(cell), pub.shown)
            if low > TOL or high < NEED - TOL:
                report.exposed.append(Exposure(pub.keys[cell], int(values[cell]), low, high))
                if limit is not None and len(report.exposed) >= limit:
                    break
        if limit is not None and len(report.exposed) >= limit:
            break
    report.lps, report.full_lps = solver.lps, solver.full_lps
    return report
