"""k-d tiles of a point set and bounds on the ground cost between tiles, so that a pass over
all n x m pairs computes only the pairs that can matter (branch and bound).

A tile is a run of at most `leaf` points cut by median splits along the widest coordinate
(a k-d tree's leaves; Bentley 1975), with its bounding box. For two boxes, the gap along
each coordinate g_k = max(0, lo_k - hi'_k, lo'_k - hi_k) bounds |x_k - y_k| from below for
every pair of their points (and the span max(hi_k - lo'_k, hi'_k - lo_k) from above), so
any norm of g bounds the distance below: cost C_ij = d(x_i, y_j)^p >= lower(A, B) for all
i in A, j in B. Reduced costs C_ij - u_i - v_j are then >= lower(A, B) - max_A u - max_B v,
and a pair of tiles where that is >= 0 needs no look (the sparse solver's certificate), or
holds no row's k least (its candidate search).
"""
from __future__ import annotations

import numpy as np

# Metrics whose distance is a monotone norm of |x - y| coordinate-wise, with that norm.
TILE_METRICS = ("euclidean", "sqeuclidean", "cityblock", "chebyshev", "seuclidean")
# Tiles pay only where boxes are small against the spread of the data: few coordinates.
MAX_TILE_DIM = 8


def supported(metric, d: int) -> bool:
    """Whether tiles bound `metric` in d dimensions (a scipy metric name of TILE_METRICS)."""
    return isinstance(metric, str) and metric in TILE_METRICS and d <= MAX_TILE_DIM


class Tiles:
    """Tiles of points (n, d): order (n,) lists the points tile by tile, tile t being
    order[starts[t]:starts[t + 1]]; lo, hi (T, d): their bounding boxes."""

    def __init__(self, points: np.ndarray, leaf: int):
        n = len(points)
        order = np.arange(n)
        done, todo = [], [(0, n)]
        while todo:
            s, e = todo.pop()
            if e - s <= leaf:
                done.append(s)
                continue
            block = points[order[s:e]]
            axis = int(np.argmax(block.max(axis=0) - block.min(axis=0)))
            half = (e - s) // 2
            part = np.argpartition(block[:, axis], half)
            order[s:e] = order[s:e][part]
            todo += [(s, s + half), (s + half, e)]
        self.order = order
        self.starts = np.append(np.sort(np.asarray(done, np.int64)), n)
        self.sizes = np.diff(self.starts)
        ordered = points[order]
        self.lo = np.minimum.reduceat(ordered, self.starts[:-1], axis=0)
        self.hi = np.maximum.reduceat(ordered, self.starts[:-1], axis=0)
        # tile of each point, in the original numbering
        self.tile_of = np.empty(n, np.int64)
        self.tile_of[order] = np.repeat(np.arange(len(self.sizes)), self.sizes)

    def __len__(self) -> int:
        return len(self.sizes)

    def members(self, t: int) -> np.ndarray:
        return self.order[self.starts[t]:self.starts[t + 1]]

    def gather(self, tiles: np.ndarray) -> np.ndarray:
        """The points of `tiles` (in that order), concatenated."""
        sizes = self.sizes[tiles]
        total = int(sizes.sum())
        if total == 0:
            return np.zeros(0, np.int64)
        shift = np.repeat(self.starts[tiles] - np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes)
        return self.order[np.arange(total) + shift]

    def reduce_max(self, values: np.ndarray) -> np.ndarray:
        """max of values (n,) over each tile."""
        return np.maximum.reduceat(values[self.order], self.starts[:-1])

    def reduce_min(self, values: np.ndarray) -> np.ndarray:
        return np.minimum.reduceat(values[self.order], self.starts[:-1])


def _norm(g: np.ndarray, metric: str, options: dict) -> np.ndarray:
    """The metric's norm of coordinate gaps g (..., d)."""
    if metric == "seuclidean":
        g = g / np.sqrt(options["V"])
    if metric in ("euclidean", "seuclidean"):
        return np.sqrt(np.einsum("...k,...k->...", g, g))
    if metric == "sqeuclidean":
        return np.einsum("...k,...k->...", g, g)
    if metric == "cityblock":
        return g.sum(axis=-1)
    return g.max(axis=-1)  # chebyshev


def cost_bounds(a: Tiles, b: Tiles, metric: str, p: float, options: dict) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper), each (len(a), len(b)): bounds on C_ij = d(x_i, y_j)^p over the pairs
    of each pair of tiles, lower slightly lowered for round-off."""
    gap = np.maximum(0.0, np.maximum(a.lo[:, None, :] - b.hi[None, :, :], b.lo[None, :, :] - a.hi[:, None, :]))
    span = np.maximum(a.hi[:, None, :] - b.lo[None, :, :], b.hi[None, :, :] - a.lo[:, None, :])
    lower, upper = _norm(gap, metric, options), _norm(span, metric, options)
    if p != 1:
        lower, upper = lower ** p, upper ** p
    return lower * (1.0 - 1e-12), upper * (1.0 + 1e-12)


def pair_costs(x: np.ndarray, y: np.ndarray, metric: str, p: float, options: dict) -> np.ndarray:
    """C = d(x_k, y_k)^p for paired rows x (e, d), y (e, d): (e,)."""
    out = _norm(np.abs(x - y), metric, options)
    return out ** p if p != 1 else out
