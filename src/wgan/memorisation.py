"""Does a generator copy its training set? Nearest-neighbour distances to the training data.

For each generated sample, the Euclidean distance to its nearest training example; the same
for each held-out real example, which the model never saw: their distances are what
"genuinely new" looks like for this data. Distances are measured on a feature network's
features when one is given, on the flattened pixels (images) or points otherwise.

- `memorisation_ratio` = median(generated NN distance) / median(held-out NN distance):
  about 1 for a generator as novel as fresh real data, near 0 for one that copies.
- `copy_share` = the share of generated samples whose NN distance is below the
  COPY_PERCENTILE-th (5th) percentile of the held-out NN distances: about 0.05 for fresh
  real data, near 1 for copies.

Nearest neighbours are exact (`nearest_neighbours`): float32 squared distances on data
centred on the training mean pick a few candidates per sample, whose distances are then
recomputed in float64; in blocks of at most BLOCK_SIZE samples by BLOCK_SIZE training
examples (2048 x 2048 x 4 bytes = 16 MiB of distances, plus one block of each set), never
the whole matrix at once, so the memory it needs does not grow with either set (under
200 MiB for images of 32 x 32 pixels, whatever the number of images).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

from .errors import WganError

COPY_PERCENTILE = 5.0
"""A generated sample counts as a copy when it is closer to the training set than this
percentile of the held-out examples' nearest-training distances."""
NEIGHBOURS = 3
"""Nearest training examples kept for each generated sample (the figure shows them)."""
BLOCK_SIZE = 2048
"""Rows of each set per block of the nearest-neighbour search."""
RERANK = 4
"""Extra float32 candidates per query whose distances `nearest_neighbours` recomputes in float64."""


def _as_float(x: np.ndarray) -> np.ndarray:
    """Flattened (n, D) float array; uint8 images are scaled to [-1, 1] (ImageDataset.to_float)."""
    x = np.asarray(x)
    if x.dtype == np.uint8:
        x = x.astype(np.float32) / 127.5 - 1.0
    return x.reshape(len(x), -1)


def embed(x: np.ndarray, features=None, batch_size: int = 2000) -> np.ndarray:
    """The (n, D) vectors in which distances are measured: a feature network's features of x
    (a FeatureNetwork, anything with `.features(tensor)`, or a function of a float array),
    else x flattened (uint8 images stay uint8: `nearest_neighbours` scales them block by
    block). Before a feature network, uint8 images are scaled to [-1, 1], `batch_size` at a time."""
    x = np.asarray(x)
    if features is None:
        return x.reshape(len(x), -1)
    out = []
    for i in range(0, len(x), batch_size):
        chunk = _as_float(x[i:i + batch_size]).astype(np.float32, copy=False).reshape(-1, *x.shape[1:])
        if hasattr(features, "features"):
            y = features.features(torch.as_tensor(chunk))
        else:
            y = features(chunk)
        y = y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
        out.append(y.reshape(len(chunk), -1))
    if not out:
        raise WganError("no samples to embed")
    return np.concatenate(out)


@torch.no_grad()
def nearest_neighbours(queries: np.ndarray, reference: np.ndarray, k: int = 1,
                       block_size: int = BLOCK_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours in `reference` (m, ...) of each row of `queries` (n, ...).

    Returns (distances (n, k) float64, Euclidean, ascending; indices (n, k) int64 into
    reference); k is capped at m. Rows are flattened; uint8 images are scaled to [-1, 1].

    The search runs in blocks of `block_size` queries by `block_size` reference rows, each
    converted only when its block is computed: squared distances ||a||^2 - 2 a.b + ||b||^2
    in float32 on data centred on the reference mean pick the k + RERANK nearest
    candidates, whose distances are then recomputed exactly in float64 as ||a - b||^2 and
    sorted (among equal distances, the lower reference index first). The result is the
    exact one unless more than RERANK reference rows tie with the k-th neighbour within
    float32 rounding, and then the distances still are (to that rounding).
    """
    if block_size < 1:
        raise WganError(f"block_size = {block_size}: need at least 1")
    queries, reference = np.asarray(queries), np.asarray(reference)
    if len(reference) == 0:
        raise WganError("nearest neighbours: the reference set is empty")
    n, m = len(queries), len(reference)
    dim = reference.reshape(m, -1).shape[1]
    if queries.reshape(n, -1).shape[1] != dim:
        raise WganError(f"nearest neighbours: queries of shape {queries.shape[1:]} against a reference "
                        f"of shape {reference.shape[1:]}")
    k = min(k, m)
    candidates = min(k + RERANK, m)
    flat_q, flat_r = queries.reshape(n, -1), reference.reshape(m, -1)

    def rows(x: np.ndarray, start: int, dtype=np.float32) -> torch.Tensor:
        return torch.from_numpy(_as_float(x[start:start + block_size]).astype(dtype, copy=False))

    # Centring on the reference mean keeps the norms small, so the float32 expansion loses little.
    centre = (sum(rows(flat_r, start, np.float64).sum(0) for start in range(0, m, block_size)) / m).float()
    distances = np.empty((n, k), dtype=np.float64)
    indices = np.empty((n, k), dtype=np.int64)
    for qs in range(0, n, block_size):
        q64 = rows(flat_q, qs, np.float64)
        q = rows(flat_q, qs) - centre
        q_norm = (q * q).sum(1, keepdim=True)
        best_d = torch.zeros((len(q), 0))
        best_i = torch.zeros((len(q), 0), dtype=torch.int64)
        for rs in range(0, m, block_size):
            r = rows(flat_r, rs) - centre
            sq = q_norm - 2.0 * (q @ r.T) + (r * r).sum(1)[None, :]
            d, i = torch.topk(sq, min(candidates, sq.shape[1]), dim=1, largest=False)
            best_d, best_i = torch.cat([best_d, d], 1), torch.cat([best_i, i + rs], 1)
            if best_d.shape[1] > candidates:
                best_d, keep = torch.topk(best_d, candidates, dim=1, largest=False)
                best_i = best_i.gather(1, keep)
        exact = _exact_squared(q64, flat_r, best_i, block_size)
        exact, best_i = _sorted_by_distance_then_index(exact, best_i)
        distances[qs:qs + len(q)] = exact[:, :k].sqrt().numpy()
        indices[qs:qs + len(q)] = best_i[:, :k].numpy()
    return distances, indices


def _exact_squared(q: torch.Tensor, reference: np.ndarray, candidates: torch.Tensor,
                   block_size: int) -> torch.Tensor:
    """||q_i - reference[candidates[i, j]]||^2 in float64, (b, c), in chunks of at most
    block_size^2 / 4 numbers (like the distance blocks of the search)."""
    b, c = candidates.shape
    chunk = max(1, (block_size * block_size // 4) // max(1, c * q.shape[1]))
    out = torch.empty((b, c), dtype=torch.float64)
    for s in range(0, b, chunk):
        idx = candidates[s:s + chunk]
        r = torch.from_numpy(_as_float(reference[idx.reshape(-1).numpy()]).astype(np.float64, copy=False))
        diff = r.reshape(len(idx), c, -1) - q[s:s + chunk, None, :]
        out[s:s + chunk] = torch.einsum("bcd,bcd->bc", diff, diff)
    return out


def _sorted_by_distance_then_index(d: torch.Tensor, i: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    order = torch.sort(i, dim=1, stable=True).indices  # by index, then (stably) by distance
    d, i = d.gather(1, order), i.gather(1, order)
    order = torch.sort(d, dim=1, stable=True).indices
    return d.gather(1, order), i.gather(1, order)


@dataclass(frozen=True)
class MemorisationCheck:
    """Nearest-training-example distances of generated and held-out samples, and their summary.

    ratio: median generated NN distance / median held-out NN distance (~1 novel, ~0 copies).
    copy_share: share of generated samples closer to the training set than `threshold`,
    the COPY_PERCENTILE-th (5th) percentile of the held-out NN distances (~0.05 novel, ~1 copies).
    space: "features", "pixels" or "points".
    generated_distances / generated_neighbours: (n, k) distances and training indices of
    each generated sample's k nearest training examples, nearest first; heldout_distances /
    heldout_neighbours: (m,) the same for the nearest one of each held-out example.
    """
    space: str
    ratio: float
    copy_share: float
    generated_median: float
    heldout_median: float
    threshold: float
    generated_distances: np.ndarray
    generated_neighbours: np.ndarray
    heldout_distances: np.ndarray
    heldout_neighbours: np.ndarray

    def metrics(self) -> dict[str, Any]:
        """The flat keys of `wgan evaluate`: memorisation_ratio, copy_share,
        nn_distance_generated_median, nn_distance_heldout_median, memorisation_space."""
        return {"memorisation_ratio": self.ratio, "copy_share": self.copy_share,
                "nn_distance_generated_median": self.generated_median,
                "nn_distance_heldout_median": self.heldout_median, "memorisation_space": self.space}

    def closest(self, count: int) -> np.ndarray:
        """Indices of the `count` generated samples nearest to the training set, nearest first."""
        return np.argsort(self.generated_distances[:, 0], kind="stable")[:count]


def summarise(generated_distances: np.ndarray, generated_neighbours: np.ndarray,
              heldout_distances: np.ndarray, heldout_neighbours: np.ndarray, space: str) -> MemorisationCheck:
    """The MemorisationCheck of nearest-neighbour distances already computed ((n, k) and (m,))."""
    if len(heldout_distances) == 0 or len(generated_distances) == 0:
        raise WganError("the memorisation check needs at least one generated and one held-out sample")
    gen_median = float(np.median(generated_distances[:, 0]))
    held_median = float(np.median(heldout_distances))
    threshold = float(np.percentile(heldout_distances, COPY_PERCENTILE))
    ratio = gen_median / held_median if held_median > 0 else (float("nan") if gen_median == 0 else float("inf"))
    return MemorisationCheck(space, ratio, float(np.mean(generated_distances[:, 0] < threshold)), gen_median,
                             held_median, threshold, generated_distances, generated_neighbours,
                             heldout_distances, heldout_neighbours)


def check_embedded(generated: np.ndarray, train: np.ndarray, heldout: np.ndarray, space: str,
                   k: int = NEIGHBOURS, block_size: int = BLOCK_SIZE) -> MemorisationCheck:
    """`memorisation_check` on vectors already embedded (see `embed`), in the named space."""
    gen_d, gen_i = nearest_neighbours(generated, train, k, block_size)
    held_d, held_i = nearest_neighbours(heldout, train, 1, block_size)
    return summarise(gen_d, gen_i, held_d[:, 0], held_i[:, 0], space)


def memorisation_check(generated: np.ndarray, train: np.ndarray, heldout: np.ndarray,
                       features: Any | Callable[[np.ndarray], np.ndarray] | None = None,
                       k: int = NEIGHBOURS, block_size: int = BLOCK_SIZE) -> MemorisationCheck:
    """Does `generated` copy `train`? Compare its nearest-training distances with those of
    `heldout`, real examples the model never saw (see the module docstring).

    generated (n, ...), train (m, ...), heldout (h, ...): points (n, d) or images
    (n, C, H, W), float (images in [-1, 1]) or uint8 images (scaled to [-1, 1]).
    features: a FeatureNetwork (or a function of a float array returning (n, D)) to measure
    distances on its features; None: on the flattened pixels or points. k: nearest training
    examples kept per generated sample.
    """
    generated, train, heldout = np.asarray(generated), np.asarray(train), np.asarray(heldout)
    if not (generated.shape[1:] == train.shape[1:] == heldout.shape[1:]):
        raise WganError(f"memorisation check: generated {generated.shape[1:]}, training {train.shape[1:]} "
                        f"and held-out {heldout.shape[1:]} samples must have the same shape")
    space = "features" if features is not None else ("pixels" if generated.ndim >= 3 else "points")
    return check_embedded(embed(generated, features), embed(train, features), embed(heldout, features),
                          space, k, block_size)
