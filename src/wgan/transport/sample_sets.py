"""W_p between sample sets x (n, d) and y (m, d): ground costs, the exact 1-D route by
sorting (Villani 2003, Thm 2.18), the assignment route for two uniform sets of one size
(Birkhoff's theorem; scipy's linear_sum_assignment), POT's network simplex on the dense
cost matrix, and the same simplex on a sparse candidate graph certified by reduced costs
(`sparse.sparse_wasserstein`), which `wasserstein` takes for large sets."""
from __future__ import annotations

import numpy as np

from ..errors import WganError
from .exact import TransportResult, _network_simplex
from .inputs import Metric, _as_points, _as_weights, _check_p, _pair, check_cost
from .memory import check_fits

# Ground metrics that are |x - y| on the line, so that 1-D inputs take the sorting route.
_LINE_METRICS = ("euclidean", "cityblock", "chebyshev", "minkowski")
# From this many coordinates on, Euclidean costs come from a matrix product, not cdist.
_BLAS_MIN_DIM = 32
SOLVERS = ("auto", "simplex", "sparse", "assignment")
# From this many pairs n * m on, solver="auto" takes the sparse route (measured crossover).
_SPARSE_MIN_PAIRS = 4_000_000


def auto_solver(n: int, m: int, metric: Metric = "euclidean") -> str:
    """The exact solver solver="auto" takes for n x m points: "sparse" from _SPARSE_MIN_PAIRS
    pairs on, else "simplex". A metric given as a function stays dense: it is called n * m
    times a pass, once for the dense matrix but once per round for the sparse certificate."""
    return "sparse" if n * m >= _SPARSE_MIN_PAIRS and isinstance(metric, str) else "simplex"


def ground_cost(x, y, metric: Metric = "euclidean", p: float = 1) -> np.ndarray:
    """d(x_i, y_j)^p for points x (n, d) and y (m, d): an (n, m) float64 matrix.

    `metric` is any scipy.spatial.distance.cdist metric name ("euclidean", "cityblock",
    "chebyshev", "minkowski", ...) or a function of two (d,) points returning a float.
    """
    from scipy.spatial.distance import cdist

    x, y = _pair(x, y)
    try:
        if isinstance(metric, str) and metric in ("euclidean", "sqeuclidean") and x.shape[1] >= _BLAS_MIN_DIM:
            cost = _squared_distances_by_matmul(x, y)
            if metric == "euclidean":
                np.sqrt(cost, out=cost)
        else:
            cost = cdist(x, y, metric=metric)
    except (TypeError, ValueError) as exc:
        raise WganError(f"ground metric {metric!r}: {exc}") from None
    cost = check_cost(cost, name=f"ground cost ({getattr(metric, '__name__', metric)})")
    if p != 1:
        cost **= p
    return cost


def _squared_distances_by_matmul(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """|x_i - y_j|^2 = |x_i|^2 + |y_j|^2 - 2 x_i.y_j through one matrix product, clipped at 0:
    10x faster than cdist's loops at d = 784, to ~1e-13 (as POT's ot.dist); in few dimensions
    cdist is both faster and exact."""
    cost = x @ y.T
    cost *= -2.0
    cost += np.einsum("ij,ij->i", x, x)[:, None]
    cost += np.einsum("ij,ij->i", y, y)[None, :]
    return np.maximum(cost, 0.0, out=cost)


def _assignment_mean(cost: np.ndarray) -> float:
    """min over permutations sigma of mean_i cost[i, sigma(i)]: for two uniform sets of n
    points this is the optimal transport cost (Birkhoff's theorem: the plans' polytope has
    the permutations as vertices), solved by scipy's shortest augmenting path (Crouse 2016)
    in half the memory of the network simplex."""
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


def _uniform(w: np.ndarray) -> bool:
    return bool(np.all(w == w[0]))


def _quantile_wpp(xs: np.ndarray, ys: np.ndarray, a: np.ndarray, b: np.ndarray, p: float) -> np.ndarray:
    """W_p^p between weighted 1-D sets, batched: xs (k, n), ys (k, m) -> (k,).

    W_p^p = int_0^1 |F^-1(t) - G^-1(t)|^p dt: the monotone coupling is optimal for the
    cost |x - y|^p, p >= 1 (Villani 2003, Thm 2.18). Weights a (n,), b (m,) sum to 1.
    """
    k = xs.shape[0]
    ox, oy = np.argsort(xs, axis=1, kind="stable"), np.argsort(ys, axis=1, kind="stable")
    xs, ys = np.take_along_axis(xs, ox, 1), np.take_along_axis(ys, oy, 1)
    ca, cb = np.cumsum(a[ox], axis=1), np.cumsum(b[oy], axis=1)
    ca[:, -1] = cb[:, -1] = 1.0
    # Breakpoints of both quantile functions; on each interval both are constant.
    t = np.sort(np.concatenate([ca, cb], axis=1), axis=1)
    t = np.concatenate([np.zeros((k, 1)), t], axis=1)
    widths = np.diff(t, axis=1)
    mids = 0.5 * (t[:, 1:] + t[:, :-1])
    # Row-wise searchsorted through one flat search: rows are offset by 2 apart.
    offset = 2.0 * np.arange(k)[:, None]
    ix = np.searchsorted((ca + offset).ravel(), (mids + offset).ravel()).reshape(mids.shape)
    iy = np.searchsorted((cb + offset).ravel(), (mids + offset).ravel()).reshape(mids.shape)
    ix = np.minimum(ix - xs.shape[1] * np.arange(k)[:, None], xs.shape[1] - 1)
    iy = np.minimum(iy - ys.shape[1] * np.arange(k)[:, None], ys.shape[1] - 1)
    gap = np.abs(np.take_along_axis(xs, ix, 1) - np.take_along_axis(ys, iy, 1))
    return np.sum(widths * gap ** p, axis=1)


def wasserstein_1d(x, y, a=None, b=None, p: float = 1) -> float:
    """Exact W_p on the line between weighted samples x (n,) and y (m,), by sorting.

    W_p = (int_0^1 |F^-1(t) - G^-1(t)|^p dt)^(1/p); for p = 1 this is int |F(t) - G(t)| dt
    (Villani 2003, Thm 2.18 and Remark 2.19). Weights are relative (scaled to total 1).
    """
    x = _as_points(x, "x")
    y = _as_points(y, "y")
    if x.shape[1] != 1 or y.shape[1] != 1:
        raise WganError(f"wasserstein_1d takes 1-D samples, got shapes {x.shape} and {y.shape}")
    p = _check_p(p)
    a, b = _as_weights(a, len(x), "a"), _as_weights(b, len(y), "b")
    value = float(_quantile_wpp(x.T, y.T, a, b, p)[0])
    return value ** (1.0 / p)


def wasserstein(x, y, a=None, b=None, p: float = 1, metric: Metric = "euclidean",
                max_iter: int | None = None, solver: str = "auto") -> float:
    """Exact W_p between weighted point sets x (n, d) and y (m, d), as a distance (not ^p).

    W_p = (min_gamma sum_ij gamma_ij d(x_i, y_j)^p)^(1/p) over plans with marginals a, b
    (Villani 2008, Def. 6.1; W1 is the Earth Mover's distance of Arjovsky et al. 2017,
    eq. 1). W2 here is the distance, i.e. the square root of the optimal squared cost.
    Weights are relative (each set scaled to total 1; uniform when None). Ground distance
    `metric`: a scipy cdist metric name or a function of two points. 1-D inputs with a
    metric that is |x - y| on the line take the exact sorting route. Otherwise `solver`:

    - "simplex": POT's network simplex on the dense float64 cost matrix (n * m * 8 bytes,
      and ~4x that inside POT: 4.1 GiB at 10,000 points a side).
    - "sparse": the same simplex on a sparse candidate graph, coarse to fine, with every one
      of the n * m reduced costs checked (by k-d tiles in up to 8 dimensions, in blocks
      otherwise) until the potentials are feasible for all pairs (`sparse.sparse_wasserstein`):
      exact (certified within 1e-10 of the optimum, 1e-9 at worst), memory O(n + m + edges).
      Two samples of 8 Gaussians in 2-D, one core: 20,000 points a side in 17 s of CPU and
      0.75 GiB (where "simplex" needs ~17 GiB), 50,000 in 115 s and 1.2 GiB; a tight blob
      against 8 Gaussians, a harder plan, 63 s at 20,000 (benchmarks/transport_bench.py).
    - "assignment": two uniform sets of one size: by Birkhoff's theorem an assignment
      problem, scipy's linear_sum_assignment, a fifth of the simplex's memory, but its time
      depends on the data (10x slower than the simplex for two Gaussians half a standard
      deviation apart at 5,000 points).
    - "auto": "sparse" from n * m >= 4e6 pairs (2,000 points a side) with a metric given
      by name, where it is faster than the dense simplex (any weights and sizes); "simplex"
      below, where building the graph does not pay, and for a metric given as a function
      (the certificate would call it n * m times a round).

    Exact solvers warn with a TransportWarning if they hit their iteration cap (max_iter).
    A dense solve that would not fit in the memory available is refused up front with a
    WganError that gives the numbers and the alternatives (`memory.check_fits`).
    """
    if solver not in SOLVERS:
        raise WganError(f"solver = {solver!r}: allowed values are {', '.join(SOLVERS)}")
    x, y = _pair(x, y)
    p = _check_p(p)
    a, b = _as_weights(a, len(x), "a"), _as_weights(b, len(y), "b")
    if x.shape[1] == 1 and isinstance(metric, str) and metric in _LINE_METRICS:
        return float(_quantile_wpp(x.T, y.T, a, b, p)[0]) ** (1.0 / p)
    assignable = len(x) == len(y) and _uniform(a) and _uniform(b)
    if solver == "assignment" and not assignable:
        raise WganError(f"solver = 'assignment' needs two sets of one size with uniform weights, got "
                        f"{len(x)} and {len(y)} points{'' if _uniform(a) and _uniform(b) else ' with weights'}")
    if solver == "auto":
        solver = auto_solver(len(x), len(y), metric)
    if solver == "sparse":
        from .sparse import sparse_wasserstein

        return sparse_wasserstein(x, y, a, b, p=p, metric=metric, max_iter=max_iter).distance
    check_fits(solver, len(x), len(y))
    cost = ground_cost(x, y, metric, p)
    if solver == "assignment":
        value = _assignment_mean(cost)
    else:
        _, value, _, _ = _network_simplex(a, b, cost, max_iter)
    return max(value, 0.0) ** (1.0 / p)


def transport_plan(x, y, a=None, b=None, p: float = 1, metric: Metric = "euclidean",
                   max_iter: int | None = None) -> TransportResult:
    """The optimal plan between weighted point sets x (n, d) and y (m, d) for the cost
    d(x, y)^p: a TransportResult whose cost is W_p^p (not its p-th root) and whose plan
    has marginals a and b (relative weights scaled to total 1)."""
    x, y = _pair(x, y)
    p = _check_p(p)
    a, b = _as_weights(a, len(x), "a"), _as_weights(b, len(y), "b")
    check_fits("simplex", len(x), len(y))
    plan, value, u, v = _network_simplex(a, b, ground_cost(x, y, metric, p), max_iter)
    return TransportResult(cost=value, plan=plan, u=u, v=v)
