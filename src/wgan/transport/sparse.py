"""Exact W_p between large point sets: POT's network simplex on a sparse candidate graph,
certified optimal for the full problem by reduced costs over all pairs.

The problem is min sum_ij gamma_ij C_ij, C_ij = d(x_i, y_j)^p, over plans gamma >= 0 with
row sums a and column sums b. A plan that uses only a subset E of the pairs is feasible for
the full problem. Its optimal potentials on E, u (n,) and v (m,), are feasible for the full
dual when every reduced cost r_ij = C_ij - u_i - v_j is >= 0, and then the plan is optimal:
its cost equals the dual objective a.u + b.v, a lower bound on every plan's cost (LP
duality; Kantorovich 1942). Whatever u and v are, u'_i = u_i + min(0, min_j r_ij) is
feasible, so LB = a.u' + b.v bounds the optimum from below (and likewise by columns): the
value returned is the cost of a feasible plan, within `gap` = cost - LB of the optimum.

1. Coarse to fine. Nested random subsets of n/4^l and m/4^l points, the coarsest (at most
   `coarse_size` a side) solved dense. A level's potentials, extended to the next level's
   points by c-transforms (v_j = min_i C_ij - u_i over the coarse rows, then
   u_i = min_j C_ij - v_j over all columns, a feasible pair), pick its candidate pairs and
   start its simplex.
2. Candidate graph E: for each x_i the k pairs of least reduced cost (with no coarse level,
   v = 0: its k nearest y_j), for each y_j its pair of least reduced cost, the coarse plan's
   pairs, and the north-west-corner plan of the masses (n + m - 1 pairs), so that the
   problem on E is always feasible.
3. Solve on E with POT's sparse network simplex (Bonneel et al. 2011), started from the
   current potentials, under the same cap, rescaling and small-cost safeguards as the dense
   solver (`exact._network_simplex`).
4. Certify: r_ij over all pairs, in row blocks of 2^18 entries (2 MiB: memory stays O(n + m
   + |E|), and blocks that fit in cache run 5x faster than 1e7-entry chunks). Pairs with
   r_ij < -1e-11 * max C join E: the 64 most negative of each row and the most negative of
   each column. Repeat from 3 until the certified gap is at most 1e-10 of the cost (10x
   under the 1e-9 agreement asked of exact solvers), or no pair outside E violates, or the
   gap is within 1e-9 of the cost and three rounds have not halved it: the simplex's
   potentials drift from their tree's equalities by up to ~1e-10 of the largest cost (POT
   keeps them next to artificial arcs of cost ~n * max C), a floor no new pair lowers.

Why it wins: the dense simplex prices n*m arcs and holds them in memory (4.1 GiB at 10,000
points a side); the optimal plan needs n + m - 1, and a few rounds of O(n m) pricing in
blocks find the pairs it needs.
"""
from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import WganError
from .exact import TransportWarning, _network_simplex
from .inputs import Metric, _as_weights, _check_p, _pair
from .memory import check_fits
from .tiles import Tiles, cost_bounds, pair_costs, supported

# Entries of the cost matrix per block of rows (2 MiB of float64).
_BLOCK = 2 ** 18
# Candidate pairs added per violating row in each certification round.
_ROW_VIOLATORS = 64
# Points per side shrink by this factor from one level to the next coarser one.
_LEVEL_FACTOR = 3
# A reduced cost below -_EDGE_RTOL * max C is a violation worth adding to the graph.
_EDGE_RTOL = 1e-11
# Stop once cost - lower bound <= _GAP_RTOL * cost (+ _GAP_ATOL * max C for costs near 0),
# or once _STALL_ROUNDS rounds have not halved a gap already <= _STALL_RTOL * cost.
_GAP_RTOL = 1e-10
_GAP_ATOL = 1e-14
_STALL_ROUNDS = 3
_STALL_RTOL = 1e-9
# From this many coordinates on, Euclidean costs come from a matrix product, not cdist.
_BLAS_MIN_DIM = 32
# Points per tile of x (rows) and of y (columns) in the tiled passes (`tiles`), and the
# fewest pairs from which a level takes them.
_TILE_ROWS, _TILE_COLS = 64, 32
_TILE_MIN_PAIRS = 1_000_000
# A solve says where it is (logging, INFO) once it has run this long.
_QUIET_SECONDS = 5.0

log = logging.getLogger(__name__)


class _Progress:
    """Progress lines for long solves only: nothing during the first _QUIET_SECONDS."""

    def __init__(self, levels: int):
        self.start, self.levels = time.perf_counter(), levels

    def begin(self, level: int, shape: tuple[int, int], edges: int) -> None:
        elapsed = time.perf_counter() - self.start
        if elapsed >= _QUIET_SECONDS:
            log.info("exact transport: level %d/%d (%s x %s points): solving on %s candidate pairs, %.0f s",
                     level + 1, self.levels, f"{shape[0]:,}", f"{shape[1]:,}", f"{edges:,}", elapsed)

    def say(self, level: int, shape: tuple[int, int], rounds: int, edges: int, gap: float, cost: float) -> None:
        elapsed = time.perf_counter() - self.start
        if elapsed >= _QUIET_SECONDS:
            log.info("exact transport: level %d/%d (%s x %s points), round %d: %s candidate pairs, "
                     "gap %.2g of cost %.6g, %.0f s", level + 1, self.levels, f"{shape[0]:,}", f"{shape[1]:,}",
                     rounds, f"{edges:,}", gap, cost, elapsed)


@dataclass(frozen=True)
class SparseTransportResult:
    """Exact optimal transport between weighted point sets, solved on a sparse graph.

    cost: W_p^p, the cost of `plan` (masses scaled to total 1). lower_bound: a certified
    lower bound on the optimum (the dual objective of potentials made feasible for all pairs),
    so the optimum lies in [lower_bound, cost]. plan: (n, m) scipy.sparse COO array.
    u (n,), v (m,): dual potentials feasible for all pairs (u_i + v_j <= C_ij, to round-off)
    with a.u + b.v = lower_bound: the certificate. rounds: sparse solves on the finest level;
    edges: candidate pairs in its final graph; levels: problems solved, coarse to fine.
    certified: whether the gap is within the solver's tolerance (1e-10 of the cost); False
    only where a `time_limit` stopped it, the optimum still certified to lie in
    [lower_bound, cost].
    """
    cost: float
    lower_bound: float
    plan: object
    u: np.ndarray
    v: np.ndarray
    p: float
    rounds: int
    edges: int
    levels: int
    certified: bool = True

    @property
    def distance(self) -> float:
        """W_p itself: cost^(1/p)."""
        return max(self.cost, 0.0) ** (1.0 / self.p)

    @property
    def gap(self) -> float:
        """cost - lower_bound: how far above the optimum the cost can be (certified)."""
        return self.cost - self.lower_bound


class _Costs:
    """C_ij = d(x_i, y_j)^p, computed in blocks of rows that never change with the caller,
    so that a pair's cost is the same number in every pass."""

    def __init__(self, x, y, metric, p, centre=None, row_ids=None, col_ids=None, options=None):
        self.metric, self.p, self.options = metric, p, options or {}
        self.matmul = (isinstance(metric, str) and metric in ("euclidean", "sqeuclidean")
                       and x.shape[1] >= _BLAS_MIN_DIM)
        if self.matmul:
            # |x - y|^2 = |x|^2 + |y|^2 - 2 x.y loses |x|^2 * eps: centre the points first.
            x, y = x - centre, y - centre
            self.x_sq, self.y_sq = np.einsum("ij,ij->i", x, x), np.einsum("ij,ij->i", y, y)
        self.x, self.y = x, y
        self.shape = (len(x), len(y))
        self.block_rows = max(1, _BLOCK // len(y))
        self.row_ids, self.col_ids = row_ids, col_ids

    def block(self, i0: int, i1: int) -> np.ndarray:
        if self.matmul:
            c = self.x[i0:i1] @ self.y.T
            c *= -2.0
            c += self.x_sq[i0:i1, None]
            c += self.y_sq[None, :]
            np.maximum(c, 0.0, out=c)
            if self.metric == "euclidean":
                np.sqrt(c, out=c)
        else:
            from scipy.spatial.distance import cdist

            try:
                c = cdist(self.x[i0:i1], self.y, metric=self.metric, **self.options)
            except (TypeError, ValueError) as exc:
                raise WganError(f"ground metric {self.metric!r}: {exc}") from None
        if self.p != 1:
            c **= self.p
        return c

    def sub(self, ia: np.ndarray, jb: np.ndarray) -> np.ndarray:
        """C[ia][:, jb] (cdist computes each pair alone: the same numbers as in `block`)."""
        from scipy.spatial.distance import cdist

        c = cdist(self.x[ia], self.y[jb], metric=self.metric, **self.options)
        if self.p != 1:
            c **= self.p
        return c

    def blocks(self, rows: int | None = None, check: bool = False):
        """(i0, i1, C[i0:i1]) over the first `rows` rows (all by default), block by block."""
        n = self.shape[0] if rows is None else rows
        for i0 in range(0, n, self.block_rows):
            i1 = min(i0 + self.block_rows, self.shape[0])
            c = self.block(i0, i1)
            if check:
                self._check(c, i0)
            yield i0, min(i1, n), c[:min(i1, n) - i0]

    def _check(self, c: np.ndarray, i0: int) -> None:
        finite = np.isfinite(c)
        if finite.all() and c.min() >= 0:
            return
        i, j = np.argwhere(~finite | (c < 0))[0]
        name = f"ground cost ({getattr(self.metric, '__name__', self.metric)})"
        where = f"[{self.row_ids[i0 + i]}, {self.col_ids[j]}]"
        value = c[i, j]
        if np.isnan(value):
            raise WganError(f"{name}{where} is NaN")
        if np.isinf(value):
            raise WganError(f"{name}{where} is infinite")
        raise WganError(f"{name}{where} = {value:g} is negative: costs must be >= 0")


def _check_count(value, name: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise WganError(f"{name} = {value!r}: must be an integer >= {least}")
    return int(value)


def _north_west_corner(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of the north-west-corner plan of positive masses a, b (totals 1): a
    feasible plan with at most n + m - 1 pairs."""
    ca, cb = np.cumsum(a), np.cumsum(b)
    ca[-1] = cb[-1] = max(ca[-1], cb[-1])
    cuts = np.unique(np.concatenate([[0.0], ca, cb]))
    mids = 0.5 * (cuts[1:] + cuts[:-1])
    rows = np.minimum(np.searchsorted(ca, mids), len(a) - 1)
    cols = np.minimum(np.searchsorted(cb, mids), len(b) - 1)
    return rows, cols


def _column_c_transform(costs: _Costs, u: np.ndarray, rows: int) -> np.ndarray:
    """v_j = min over the first `rows` rows i of C_ij - u_i."""
    v = np.full(costs.shape[1], np.inf)
    for i0, i1, c in costs.blocks(rows):
        c -= u[i0:i1, None]
        np.minimum(v, c.min(axis=0), out=v)
    return v


def _row_c_transform(costs: _Costs, v: np.ndarray) -> np.ndarray:
    """u_i = min over j of C_ij - v_j."""
    u = np.empty(costs.shape[0])
    for i0, i1, c in costs.blocks():
        c -= v[None, :]
        u[i0:i1] = c.min(axis=1)
    return u


class _Columns:
    """Per column, the least value seen so far over row blocks, its row and its cost."""

    def __init__(self, m: int):
        self.value, self.row, self.cost = np.full(m, np.inf), np.zeros(m, np.int64), np.zeros(m)

    def update_at(self, r: np.ndarray, c: np.ndarray, ia: np.ndarray, jb: np.ndarray) -> None:
        """As update, for the rows ia and the (distinct) columns jb of a block r, c."""
        low = r.min(axis=0)
        better = np.flatnonzero(low < self.value[jb])
        if better.size:
            rows = r[:, better].argmin(axis=0)
            cols = jb[better]
            self.value[cols], self.row[cols] = low[better], ia[rows]
            self.cost[cols] = c[rows, better]

    def update(self, r: np.ndarray, c: np.ndarray, i0: int) -> None:
        low = r.min(axis=0)
        better = np.flatnonzero(low < self.value)
        if better.size:
            rows = r[:, better].argmin(axis=0)
            self.value[better], self.row[better] = low[better], rows + i0
            self.cost[better] = c[rows, better]


def _first_pass(costs: _Costs, v0: np.ndarray, k: int, pending: tuple, check: bool, coarse: bool = False):
    """u0 = the c-transform of v0 (so that (u0, v0) is feasible); candidate pairs: the k least
    reduced costs of each row (and its k least costs if `coarse`), the least of each column,
    and the `pending` pairs; and max C."""
    n, m = costs.shape
    k = min(k, m)
    u0 = np.empty(n)
    prow, pcol = pending
    order = np.argsort(prow, kind="stable")
    prow, pcol = prow[order], pcol[order]
    found_r, found_c, found_v = [], [], []
    columns = _Columns(m)
    top = 0.0
    for i0, i1, c in costs.blocks(check=check):
        top = max(top, float(c.max()))
        r = c - v0[None, :]
        u0[i0:i1] = r.min(axis=1)
        # With coarse potentials, each row's k nearest too: where the coarse plan moves mass
        # farther than the fine one (two samples of one law), they are the better guess.
        for t in ((r, c) if coarse else (r,)):
            idx = np.argpartition(t, k - 1, axis=1)[:, :k] if k < m else np.broadcast_to(np.arange(m), r.shape)
            local = np.repeat(np.arange(i1 - i0), idx.shape[1])
            found_r.append(local + i0)
            found_c.append(idx.ravel())
            found_v.append(c[local, idx.ravel()])
        r -= u0[i0:i1, None]
        columns.update(r, c, i0)
        lo, hi = np.searchsorted(prow, [i0, i1])
        found_r.append(prow[lo:hi])
        found_c.append(pcol[lo:hi])
        found_v.append(c[prow[lo:hi] - i0, pcol[lo:hi]])
    found_r.append(columns.row.ravel())
    found_c.append(np.broadcast_to(np.arange(m), columns.row.shape).ravel())
    found_v.append(columns.cost.ravel())
    return u0, np.concatenate(found_r), np.concatenate(found_c), np.concatenate(found_v), top


def _violators(r: np.ndarray, bad: np.ndarray, tol: float, q: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) positions in r of the violations (r < -tol) of the rows `bad`: all of a
    row's where it has at most q, else its q most negative. Rows with few violations (the
    usual case after the first round) are read off the mask, not partitioned."""
    negative = r[bad] < -tol
    few = negative.sum(axis=1) <= q
    rows, cols = np.nonzero(negative[few])
    rows = bad[few][rows]
    many = bad[~few]
    if many.size:
        idx = np.argpartition(r[many], q - 1, axis=1)[:, :q]
        rows = np.concatenate([rows, np.repeat(many, q)])
        cols = np.concatenate([cols, idx.ravel()])
    return rows, cols


def _certify(costs: _Costs, u: np.ndarray, v: np.ndarray, tol: float):
    """Reduced costs over all pairs: each row's and each column's least, and the violating
    pairs (r < -tol) to add: the _ROW_VIOLATORS most negative of each row, the most negative
    of each column, with their costs."""
    n, m = costs.shape
    row_least = np.empty(n)
    columns = _Columns(m)
    found_r, found_c, found_v = [], [], []
    for i0, i1, c in costs.blocks():
        r = c - u[i0:i1, None]
        r -= v[None, :]
        least = r.min(axis=1)
        row_least[i0:i1] = least
        bad = np.flatnonzero(least < -tol)
        if bad.size:
            local, col = _violators(r, bad, tol, _ROW_VIOLATORS)
            found_r.append(local + i0)
            found_c.append(col)
            found_v.append(c[local, col])
        columns.update(r, c, i0)
    bad = np.flatnonzero(columns.value < -tol)
    found_r.append(columns.row[bad])
    found_c.append(bad)
    found_v.append(columns.cost[bad])
    return row_least, columns.value, np.concatenate(found_r), np.concatenate(found_c), np.concatenate(found_v)


class _TiledCosts:
    """A level's costs with k-d tiles of both sets and the cost bounds between tiles
    (`tiles`): the passes below compute only the tile pairs the bounds cannot rule out."""

    def __init__(self, costs: _Costs):
        self.costs = costs
        self.tx, self.ty = Tiles(costs.x, _TILE_ROWS), Tiles(costs.y, _TILE_COLS)
        self.lower, self.upper = cost_bounds(self.tx, self.ty, costs.metric, costs.p, costs.options)
        self.top = float(self.upper.max()) / (1.0 + 1e-12)


def _least_threshold(upper: np.ndarray, sizes: np.ndarray, k: int) -> np.ndarray:
    """Per row tile, a value that each of its rows has at least k entries at or below, from
    upper bounds (T_rows, T_cols) on tile pairs with sizes (T_cols,) columns each."""
    order = np.argsort(upper, axis=1)
    enough = np.cumsum(sizes[order], axis=1) >= k
    pos = np.argmax(enough, axis=1)
    return np.take_along_axis(upper, order[np.arange(len(order)), pos][:, None], axis=1)[:, 0]


def _k_least(t: np.ndarray, k: int) -> np.ndarray:
    if k < t.shape[1]:
        return np.argpartition(t, k - 1, axis=1)[:, :k]
    return np.broadcast_to(np.arange(t.shape[1]), t.shape)


def _first_pass_tiled(tc: _TiledCosts, v0: np.ndarray, k: int, pending: tuple, coarse: bool):
    """_first_pass over the tile pairs that can hold a row's k least (bounds: `tiles`)."""
    costs, tx, ty = tc.costs, tc.tx, tc.ty
    n, m = costs.shape
    k = min(k, m)
    lower = tc.lower - ty.reduce_max(v0)[None, :]
    need = lower <= _least_threshold(tc.upper - ty.reduce_min(v0)[None, :], ty.sizes, k)[:, None]
    if coarse:
        need |= tc.lower <= _least_threshold(tc.upper, ty.sizes, k)[:, None]
    u0 = np.empty(n)
    columns = _Columns(m)
    found_r, found_c, found_v = [], [], []
    for a in range(len(tx)):
        ia, jb = tx.members(a), ty.gather(np.flatnonzero(need[a]))
        c = costs.sub(ia, jb)
        r = c - v0[None, jb]
        u0[ia] = r.min(axis=1)
        for t in ((r, c) if coarse else (r,)):
            idx = _k_least(t, min(k, len(jb)))
            found_r.append(np.repeat(ia, idx.shape[1]))
            found_c.append(jb[idx].ravel())
            found_v.append(np.take_along_axis(c, idx, axis=1).ravel())
        r -= u0[ia, None]
        columns.update_at(r, c, ia, jb)
    prow, pcol = pending
    found_r.append(prow)
    found_c.append(pcol)
    found_v.append(pair_costs(costs.x[prow], costs.y[pcol], costs.metric, costs.p, costs.options))
    seen = np.flatnonzero(np.isfinite(columns.value))
    found_r.append(columns.row[seen])
    found_c.append(seen)
    found_v.append(columns.cost[seen])
    return u0, np.concatenate(found_r), np.concatenate(found_c), np.concatenate(found_v), tc.top


def _certify_tiled(tc: _TiledCosts, u: np.ndarray, v: np.ndarray, tol: float):
    """_certify over the tile pairs whose reduced costs can be negative; each row's and column's
    least is taken over those (the others' are >= 0, which is all _feasible needs)."""
    costs, tx, ty = tc.costs, tc.tx, tc.ty
    n, m = costs.shape
    bound = tc.lower - tx.reduce_max(u)[:, None] - ty.reduce_max(v)[None, :]
    look = bound < 0
    row_least = np.full(n, np.inf)
    columns = _Columns(m)
    found_r, found_c, found_v = [], [], []
    for a in np.flatnonzero(look.any(axis=1)):
        ia, jb = tx.members(a), ty.gather(np.flatnonzero(look[a]))
        c = costs.sub(ia, jb)
        r = c - u[ia, None]
        r -= v[None, jb]
        least = r.min(axis=1)
        row_least[ia] = least
        bad = np.flatnonzero(least < -tol)
        if bad.size:
            local, col = _violators(r, bad, tol, _ROW_VIOLATORS)
            found_r.append(ia[local])
            found_c.append(jb[col])
            found_v.append(c[local, col])
        columns.update_at(r, c, ia, jb)
    bad = np.flatnonzero(columns.value < -tol)
    found_r.append(columns.row[bad])
    found_c.append(bad)
    found_v.append(columns.cost[bad])
    return row_least, columns.value, np.concatenate(found_r), np.concatenate(found_c), np.concatenate(found_v)


def _column_c_transform_tiled(costs: _Costs, u: np.ndarray, rows: int) -> np.ndarray:
    """_column_c_transform by tiles: v_j = min over the first `rows` rows i of C_ij - u_i."""
    tx, ty = Tiles(costs.x[:rows], _TILE_ROWS), Tiles(costs.y, _TILE_COLS)
    lower, upper = cost_bounds(tx, ty, costs.metric, costs.p, costs.options)
    lower = lower - tx.reduce_max(u)[:, None]
    cap = (upper - tx.reduce_min(u)[:, None]).min(axis=0)  # each column's min is below it
    v = np.empty(costs.shape[1])
    need = lower <= cap[None, :]
    for b in range(len(ty)):
        ia, jb = tx.gather(np.flatnonzero(need[:, b])), ty.members(b)
        c = costs.sub(ia, jb)
        c -= u[ia, None]
        v[jb] = c.min(axis=0)
    return v


def _feasible(a, b, u, v, row_least, col_least):
    """(u, v) made feasible for all pairs, by lowering u by each row's violation or v by each
    column's, whichever costs less, with its dual objective: a lower bound on the optimum."""
    by_rows = u + np.minimum(row_least, 0.0), v
    by_cols = u, v + np.minimum(col_least, 0.0)
    bounds = [float(a @ uu + b @ vv) for uu, vv in (by_rows, by_cols)]
    return (bounds[0], *by_rows) if bounds[0] >= bounds[1] else (bounds[1], *by_cols)


class _Graph:
    """The candidate pairs, their costs, and their keys row * m + col (sorted) for look-ups."""

    def __init__(self, m: int):
        self.m = m
        self.rows, self.cols, self.costs = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        self.keys = np.zeros(0, np.int64)

    def add(self, rows, cols, costs) -> int:
        """Add the pairs not in the graph yet; the number added."""
        keys = np.asarray(rows, np.int64) * self.m + np.asarray(cols, np.int64)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        first = np.ones(keys.size, bool)
        first[1:] = keys[1:] != keys[:-1]
        if self.keys.size:
            at = np.minimum(np.searchsorted(self.keys, keys), self.keys.size - 1)
            first &= self.keys[at] != keys
        keys, order = keys[first], order[first]
        if keys.size:
            self.rows = np.concatenate([self.rows, np.asarray(rows, np.int64)[order]])
            self.cols = np.concatenate([self.cols, np.asarray(cols, np.int64)[order]])
            self.costs = np.concatenate([self.costs, np.asarray(costs, np.float64)[order]])
            self.keys = np.sort(np.concatenate([self.keys, keys]), kind="stable")  # merges two sorted runs
        return int(keys.size)

    def matrix(self, shape):
        import scipy.sparse

        return scipy.sparse.coo_array((self.costs, (self.rows, self.cols)), shape=shape)


def _solve(a, b, cost, max_iter, warm):
    """_network_simplex, with its iteration-cap warning passed on and reported."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plan, value, u, v = _network_simplex(a, b, cost, max_iter, warm)
    capped = False
    for w in caught:
        capped |= issubclass(w.category, TransportWarning)
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return plan, value, u, v, capped


def _dense_level(costs: _Costs, a, b, max_iter):
    """The coarsest level: the dense network simplex on the full cost matrix."""
    import scipy.sparse

    c = np.concatenate([blk for _, _, blk in costs.blocks(check=True)])
    plan, value, u, v, _ = _solve(a, b, c, max_iter, None)
    return value, u, v, scipy.sparse.coo_array(plan)


def _sparse_level(costs: _Costs, a, b, prev, k, max_iter, report=None, begin=None, deadline=None):
    """One level: candidate graph, sparse solves and certification rounds (module docstring),
    no more rounds once time.perf_counter() passes `deadline`. Returns the cost, the plan, the
    rounds, the edges, (lower bound, u, v) feasible, and whether the gap is within tolerance."""
    import scipy.sparse

    n, m = costs.shape
    tiled = _TiledCosts(costs) if _tiles_pay(costs) else None
    if tiled is not None and not np.isfinite(tiled.top):
        tiled = None  # costs that overflow: the block passes name the pair
    if prev is None:
        v0, pending = np.zeros(m), _north_west_corner(a, b)
    else:
        u_prev, v_prev, prow, pcol = prev
        transform = _column_c_transform_tiled if tiled is not None else _column_c_transform
        v0 = transform(costs, u_prev, len(u_prev))
        nw_rows, nw_cols = _north_west_corner(a, b)
        pending = (np.concatenate([nw_rows, prow]), np.concatenate([nw_cols, pcol]))
    if tiled is not None:
        u0, rows, cols, values, top = _first_pass_tiled(tiled, v0, k, pending, coarse=prev is not None)
    else:
        u0, rows, cols, values, top = _first_pass(costs, v0, k, pending, check=True, coarse=prev is not None)
    graph = _Graph(m)
    graph.add(rows, cols, values)
    if begin is not None:
        begin(graph.rows.size)
    tol = _EDGE_RTOL * top
    best = (float(a @ u0 + b @ v0), u0, v0)  # (u0, v0) is feasible: a lower bound already
    u, v, rounds, gaps, within = u0, v0, 0, [], True
    while True:
        plan, value, u, v, capped = _solve(a, b, graph.matrix((n, m)), max_iter, (u, v))
        rounds += 1
        if tiled is not None:
            row_least, col_least, rows, cols, values = _certify_tiled(tiled, u, v, tol)
        else:
            row_least, col_least, rows, cols, values = _certify(costs, u, v, tol)
        best = max(best, _feasible(a, b, u, v, row_least, col_least), key=lambda t: t[0])
        gaps.append(value - best[0])
        if report is not None:
            report(rounds, graph.rows.size, gaps[-1], value)
        slack = _GAP_ATOL * top
        if capped or gaps[-1] <= _GAP_RTOL * abs(value) + slack:
            break
        if deadline is not None and time.perf_counter() >= deadline:
            within = False
            break
        # At the round-off floor of the simplex's potentials (~1e-10 of the cost from 20,000
        # points a side in the hard cases) each round adds a few pairs and the gap no longer
        # shrinks: stop there once it is within the 1e-9 asked of exact solvers.
        if (len(gaps) > _STALL_ROUNDS and gaps[-1] > 0.5 * gaps[-1 - _STALL_ROUNDS]
                and gaps[-1] <= _STALL_RTOL * abs(value) + slack):
            break
        if not graph.add(rows, cols, values):
            break  # what violates is in the graph already: the simplex's own round-off
    return value, scipy.sparse.coo_array(plan), rounds, graph.rows.size, best, within


def _tiles_pay(costs: _Costs) -> bool:
    """Whether a level's passes go by tiles: a metric they bound, few coordinates, many pairs."""
    n, m = costs.shape
    return n * m >= _TILE_MIN_PAIRS and supported(costs.metric, costs.x.shape[1])


def _metric_options(x: np.ndarray, y: np.ndarray, metric) -> dict:
    """The data-dependent parameters cdist would derive from the two full sets: fixed once,
    so that every block (and every coarse level) measures with the same metric."""
    if metric == "seuclidean":
        return {"V": np.var(np.vstack([x, y]), axis=0, ddof=1)}
    if metric == "mahalanobis":
        points = np.vstack([x, y])
        if len(points) <= points.shape[1]:
            raise WganError(f"ground metric 'mahalanobis': {len(points)} points in {points.shape[1]} "
                            f"dimensions: the covariance matrix is singular")
        return {"VI": np.linalg.inv(np.atleast_2d(np.cov(points.T))).T.copy()}
    return {}


def sparse_wasserstein(x, y, a=None, b=None, p: float = 1, metric: Metric = "euclidean", k: int = 64,
                       coarse_size: int = 1000, max_iter: int | None = None,
                       time_limit: float | None = None) -> SparseTransportResult:
    """Exact optimal transport between weighted point sets x (n, d) and y (m, d) for the
    cost d(x, y)^p, on a sparse candidate graph certified by reduced costs (module docstring).

    Returns a SparseTransportResult: cost = W_p^p (`.distance` = W_p), the sparse plan, the
    potentials, a certified lower bound, and the rounds and edges it took. Weights are
    relative (scaled to total 1; uniform when None); sizes may differ. k: candidate pairs
    per point of x in the first graph (>= 1). coarse_size: the largest set (points a side)
    solved dense as the coarsest level; 0: no coarse levels, the first graph holds each
    point's k nearest neighbours. max_iter: the iteration cap of each simplex solve
    (default: one it never reaches; reaching it warns with a TransportWarning and stops).
    time_limit: seconds after which each level stops at the end of its current round (the
    finest level after at least one): the plan is then feasible and `certified` is False
    where the gap is still above tolerance, the optimum certified to lie in [lower_bound,
    cost] all the same. Memory is O(n + m + edges) plus 2 MiB blocks of costs, never the
    n x m matrix.
    Raises WganError for bad input, naming the value.
    """
    x, y = _pair(x, y)
    p = _check_p(p)
    a, b = _as_weights(a, len(x), "a"), _as_weights(b, len(y), "b")
    k = _check_count(k, "k", 1)
    coarse_size = _check_count(coarse_size, "coarse_size", 0)
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, (int, float))
                                   or not time_limit > 0):
        raise WganError(f"time_limit = {time_limit!r}: give a positive number of seconds, or None for no limit")
    options = _metric_options(x, y, metric) if isinstance(metric, str) else {}
    centre = 0.5 * (x.mean(axis=0) + y.mean(axis=0))  # used by the matrix-product route only

    def costs_of(rows: np.ndarray, cols: np.ndarray) -> _Costs:
        return _Costs(x[rows], y[cols], metric, p, centre, rows, cols, options)

    keep_x, keep_y = np.flatnonzero(a > 0), np.flatnonzero(b > 0)
    n, m = len(keep_x), len(keep_y)
    check_fits("sparse", len(x), len(y))
    rng = np.random.default_rng(0)  # nested random subsets: only the speed depends on them
    order_x, order_y = keep_x[rng.permutation(n)], keep_y[rng.permutation(m)]
    sizes = [(n, m)]
    while coarse_size and max(sizes[-1]) > coarse_size:
        sizes.append(tuple(max(1, -(-s // _LEVEL_FACTOR)) for s in sizes[-1]))
    prev, certified = None, True
    progress = _Progress(len(sizes))
    deadline = None if time_limit is None else progress.start + float(time_limit)
    for level, (nl, ml) in enumerate(reversed(sizes)):
        ix, iy = order_x[:nl], order_y[:ml]
        costs = costs_of(ix, iy)
        al, bl = a[ix] / a[ix].sum(), b[iy] / b[iy].sum()
        if coarse_size and level == 0:
            value, u, v, plan = _dense_level(costs, al, bl, max_iter)
            rounds, edges = 1, nl * ml
            row_least, col_least, *_ = _certify(costs, u, v, np.inf)
            best = _feasible(al, bl, u, v, row_least, col_least)
        else:
            def report(rounds, edges, gap, cost, level=level, shape=(nl, ml)):
                progress.say(level, shape, rounds, edges, gap, cost)

            def begin(edges, level=level, shape=(nl, ml)):
                progress.begin(level, shape, edges)

            value, plan, rounds, edges, best, certified = _sparse_level(costs, al, bl, prev, k, max_iter, report,
                                                                        begin, deadline)
        bound, u, v = best
        prev = (u, v, plan.row, plan.col)
    u_full, v_full = np.zeros(len(x)), np.zeros(len(y))
    u_full[order_x], v_full[order_y] = u, v
    _fill_massless(costs_of, keep_x, keep_y, u_full, v_full)
    import scipy.sparse

    full_plan = scipy.sparse.coo_array((plan.data, (order_x[plan.row], order_y[plan.col])), shape=(len(x), len(y)))
    return SparseTransportResult(cost=float(value), lower_bound=bound, plan=full_plan, u=u_full,
                                 v=v_full, p=p, rounds=rounds, edges=int(edges), levels=len(sizes),
                                 certified=certified)


def _fill_massless(costs_of, keep_x, keep_y, u, v) -> None:
    """Potentials of points without mass, by c-transforms, so that (u, v) stays feasible:
    v_j = min_i C_ij - u_i over the massive x_i, then u_i = min_j C_ij - v_j over all y_j."""
    zero_x = np.setdiff1d(np.arange(len(u)), keep_x)
    zero_y = np.setdiff1d(np.arange(len(v)), keep_y)
    if zero_y.size:
        v[zero_y] = _column_c_transform(costs_of(keep_x, zero_y), u[keep_x], len(keep_x))
    if zero_x.size:
        u[zero_x] = _row_c_transform(costs_of(zero_x, np.arange(len(v))), v)
