"""Exact Wasserstein distances between sample sets, on POT's network simplex.

W_p(P, Q) = (min_gamma sum_ij gamma_ij d(x_i, y_j)^p)^(1/p) over plans gamma whose
marginals are the sample weights (Villani 2008; Arjovsky et al. 2017, eq. 1).
"""
from __future__ import annotations

import warnings

import numpy as np

from .errors import WganError


class TransportWarning(UserWarning):
    """The exact solver stopped before it proved optimality."""


def _as_points(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or len(x) == 0:
        raise WganError(f"{name}: expected a non-empty (n, d) array of points, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise WganError(f"{name}: holds NaN or infinite values")
    return x


def _as_weights(w: np.ndarray | None, n: int, name: str) -> np.ndarray:
    if w is None:
        return np.full(n, 1.0 / n)
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (n,):
        raise WganError(f"{name}: expected {n} weights, got shape {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise WganError(f"{name}: weights must be finite and >= 0")
    if w.sum() <= 0:
        raise WganError(f"{name}: weights sum to 0")
    return w / w.sum()


def wasserstein_1d(x: np.ndarray, y: np.ndarray, a: np.ndarray | None = None,
                   b: np.ndarray | None = None) -> float:
    """Exact W1 on the line: the integral of |F_a(t) - F_b(t)|, by sorting. x (n,), y (m,)."""
    x = _as_points(x, "x")[:, 0]
    y = _as_points(y, "y")[:, 0]
    a, b = _as_weights(a, len(x), "a"), _as_weights(b, len(y), "b")
    values = np.concatenate([x, y])
    order = np.argsort(values, kind="mergesort")
    mass = np.concatenate([a, -b])[order]
    cdf_gap = np.cumsum(mass)[:-1]
    return float(np.sum(np.abs(cdf_gap) * np.diff(values[order])))


def exact_solver_iterations(n: int, m: int) -> int:
    """An iteration cap for the network simplex that an optimal solve never reaches.

    POT's default of 100,000 stops early from n ~ 5,000 (1.7% too high at 10,000).
    """
    return int(max(10_000_000, 50 * n * m))


def wasserstein(x: np.ndarray, y: np.ndarray, a: np.ndarray | None = None,
                b: np.ndarray | None = None, p: int = 1, metric: str = "euclidean") -> float:
    """Exact W_p between weighted point sets x (n, d) and y (m, d), as a distance (not ^p).

    Ground distance is `metric` (any scipy cdist metric name). 1-D inputs with the
    Euclidean metric take the exact sorting route for p = 1. Warns (TransportWarning)
    if the solver hits its iteration cap.
    """
    import ot

    x, y = _as_points(x, "x"), _as_points(y, "y")
    if x.shape[1] != y.shape[1]:
        raise WganError(f"x has dimension {x.shape[1]} but y has {y.shape[1]}")
    if p < 1:
        raise WganError(f"p = {p}: must be >= 1")
    if p == 1 and x.shape[1] == 1 and metric == "euclidean":
        return wasserstein_1d(x, y, a, b)
    a, b = _as_weights(a, len(x), "a"), _as_weights(b, len(y), "b")
    cost = ot.dist(x, y, metric=metric)
    if p != 1:
        cost **= p
    value, log = ot.emd2(a, b, cost, numItermax=exact_solver_iterations(len(x), len(y)), log=True)
    if log.get("warning"):
        warnings.warn(f"exact transport solver did not finish: {log['warning']}", TransportWarning,
                      stacklevel=2)
    return float(value) ** (1.0 / p)
