"""TV, KL, JS and the Wasserstein distance side by side, and the energy (Cramer) distance.

The four quantities of Arjovsky et al. 2017 (section 2) between two discrete distributions
p, q on a common support, and their Example 1: P = (0, U[0, 1]) and Q_theta = (theta, U[0, 1]),
two parallel segments, where TV, KL and JS jump to a constant as soon as theta != 0 while
W = |theta| shrinks smoothly to 0. Logarithms are natural (nats).
"""
from __future__ import annotations

import numpy as np

from .errors import WganError
from .transport import check_masses, earth_movers_distance, ground_cost
from .transport.inputs import _as_points

_TOTAL_RTOL = 1e-9
QUANTITIES = ("tv", "kl", "js", "w")


def _distributions(p, q, normalize: bool) -> tuple[np.ndarray, np.ndarray]:
    """Check that p (k,) and q (k,) are probability vectors on the same k support points."""
    p, q = check_masses(p, "p"), check_masses(q, "q")
    if p.shape != q.shape:
        raise WganError(f"p has {len(p)} entries but q has {len(q)}: both must be probabilities "
                        f"on the same support points")
    if normalize:
        return p / p.sum(), q / q.sum()
    for name, r in (("p", p), ("q", q)):
        if abs(r.sum() - 1.0) > _TOTAL_RTOL:
            raise WganError(f"{name} sums to {r.sum():.10g}, not 1: pass probabilities, or ask to "
                            f"normalise (normalize=True)")
    return p, q


def total_variation(p, q, normalize: bool = False) -> float:
    """TV(p, q) = sup_A |P(A) - Q(A)| = 1/2 sum_i |p_i - q_i|, in [0, 1], for p, q (k,)
    on a common support (Arjovsky et al. 2017, sec. 2)."""
    p, q = _distributions(p, q, normalize)
    return float(0.5 * np.abs(p - q).sum())


def _kl(p: np.ndarray, q: np.ndarray) -> float:
    support = p > 0
    if (q[support] == 0).any():
        return float("inf")
    return float(max(np.sum(p[support] * np.log(p[support] / q[support])), 0.0))


def kl_divergence(p, q, normalize: bool = False) -> float:
    """KL(p || q) = sum_i p_i log(p_i / q_i) in nats for p, q (k,) on a common support; 0 log 0 = 0,
    and +inf when q_i = 0 < p_i somewhere (Arjovsky et al. 2017, sec. 2)."""
    p, q = _distributions(p, q, normalize)
    return _kl(p, q)


def js_divergence(p, q, normalize: bool = False) -> float:
    """JS(p, q) = 1/2 KL(p || m) + 1/2 KL(q || m), m = (p + q) / 2, in nats: in [0, log 2], and
    log 2 exactly for disjoint supports (Lin 1991; Goodfellow et al. 2014). p, q: (k,).
    (Arjovsky et al. 2017 write it without the halves but quote log 2 for disjoint supports.)"""
    p, q = _distributions(p, q, normalize)
    m = 0.5 * (p + q)
    return float(min(0.5 * _kl(p, m) + 0.5 * _kl(q, m), np.log(2.0)))


def _support(support, k: int) -> np.ndarray:
    points = _as_points(support, "support")
    if len(points) != k:
        raise WganError(f"support has {len(points)} points but p and q have {k} entries")
    return points


def discrete_wasserstein(p, q, support, metric: str = "euclidean", normalize: bool = False) -> float:
    """W1(p, q) = min_gamma sum_ij gamma_ij d(s_i, s_j) for p, q (k,) on the support points
    s (k,) or (k, d), with the ground distance `metric` (Arjovsky et al. 2017, eq. 1)."""
    p, q = _distributions(p, q, normalize)
    points = _support(support, len(p))
    return max(earth_movers_distance(p, q, ground_cost(points, points, metric)).cost, 0.0)


def divergences(p, q, support, metric: str = "euclidean", normalize: bool = False) -> dict[str, float]:
    """{"tv", "kl", "js", "w"} between p and q (k,) on the support s (k,) or (k, d): KL is KL(p || q)."""
    p, q = _distributions(p, q, normalize)
    return {"tv": total_variation(p, q), "kl": kl_divergence(p, q), "js": js_divergence(p, q),
            "w": discrete_wasserstein(p, q, support, metric)}


def parallel_lines(theta, resolution: int = 50) -> dict[str, np.ndarray]:
    """TV, KL(P || Q_theta), JS and W1 for the parallel segments P = (0, U[0, 1]) and
    Q_theta = (theta, U[0, 1]) (Arjovsky et al. 2017, Example 1), computed numerically.

    theta: a number or (t,) array. Each segment is `resolution` equal masses at
    y = (k + 1/2) / resolution; both distributions live on the union of the two segments.
    Returns {"theta": (t,), "tv": (t,), "kl": (t,), "js": (t,), "w": (t,)}; the exact
    answers are in `parallel_lines_closed_form`.
    """
    thetas = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    if thetas.ndim != 1 or not np.isfinite(thetas).all():
        raise WganError(f"theta: expected finite numbers, got {theta!r}")
    if int(resolution) < 1:
        raise WganError(f"resolution = {resolution}: must be >= 1")
    k = int(resolution)
    ys = (np.arange(k) + 0.5) / k
    uniform = np.full(k, 1.0 / k)
    table = {name: np.empty(len(thetas)) for name in QUANTITIES}
    for i, t in enumerate(thetas):
        if t == 0.0:
            support, p, q = np.stack([np.zeros(k), ys], 1), uniform, uniform
        else:
            support = np.concatenate([np.stack([np.zeros(k), ys], 1), np.stack([np.full(k, t), ys], 1)])
            p, q = np.concatenate([uniform, np.zeros(k)]), np.concatenate([np.zeros(k), uniform])
        for name, value in divergences(p, q, support).items():
            table[name][i] = value
    return {"theta": thetas, **table}


def parallel_lines_closed_form(theta) -> dict[str, np.ndarray]:
    """The exact answers of Arjovsky et al. 2017, Example 1, for theta (t,): TV = 1, KL = +inf,
    JS = log 2 and W = |theta| when theta != 0; all 0 at theta = 0."""
    thetas = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    apart = thetas != 0
    return {"theta": thetas, "tv": apart.astype(float), "kl": np.where(apart, np.inf, 0.0),
            "js": np.where(apart, np.log(2.0), 0.0), "w": np.abs(thetas)}


def _pairwise_sum(x: np.ndarray, y: np.ndarray, wx: np.ndarray, wy: np.ndarray,
                  block: int = 2048) -> float:
    """sum_ij wx_i wy_j |x_i - y_j| in row blocks (memory O(block * m))."""
    from scipy.spatial.distance import cdist

    return float(sum(wx[i:i + block] @ cdist(x[i:i + block], y) @ wy for i in range(0, len(x), block)))


def energy_distance(x, y, a=None, b=None, unbiased: bool = False) -> float:
    """The energy distance E(P, Q) = 2 E|X - Y| - E|X - X'| - E|Y - Y'| between samples
    x (n, d) and y (m, d), Euclidean norm (Szekely & Rizzo 2004; 2013).

    It is the Cramer distance of Bellemare et al. 2017 in its multivariate form: in 1-D,
    E = 2 int (F(t) - G(t))^2 dt. It is >= 0 and 0 only for P = Q.
    unbiased=False: the plug-in (V-statistic) value, the energy distance between the
    weighted empirical distributions (weights a, b relative, uniform when None); biased
    upwards as an estimate of E(P, Q). unbiased=True: the U-statistic, which leaves out
    the i = i' and j = j' pairs (divides by n(n-1) and m(m-1)): unbiased for E(P, Q) under
    i.i.d. sampling, and it can be slightly negative. It takes no weights and needs n, m >= 2.
    Memory O(2048 * max(n, m)); time O((n + m)^2 d).
    """
    from .transport.inputs import _as_weights, _pair

    x, y = _pair(x, y)
    n, m = len(x), len(y)
    if unbiased:
        if a is not None or b is not None:
            raise WganError("the unbiased energy distance takes unweighted samples: drop a and b")
        if n < 2 or m < 2:
            raise WganError(f"the unbiased energy distance needs at least 2 points in each sample, "
                            f"got {n} and {m}")
        ones_x, ones_y = np.ones(n), np.ones(m)
        xy = _pairwise_sum(x, y, ones_x, ones_y) / (n * m)
        xx = _pairwise_sum(x, x, ones_x, ones_x) / (n * (n - 1))
        yy = _pairwise_sum(y, y, ones_y, ones_y) / (m * (m - 1))
        return float(2.0 * xy - xx - yy)
    a, b = _as_weights(a, n, "a"), _as_weights(b, m, "b")
    value = 2.0 * _pairwise_sum(x, y, a, b) - _pairwise_sum(x, x, a, a) - _pairwise_sum(y, y, b, b)
    return float(max(value, 0.0))
