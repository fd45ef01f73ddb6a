"""The real-vs-real noise floor of exact W1, kept on disk by content.

W1 between two real sample sets of size n is the value a perfect generator scores (Arjovsky
et al. 2017 compare their estimate with it); it depends only on the two sets, so it is
solved once and read back by every later run or evaluation that draws the same sets (the
fixed-seed held-out and reference sets of a data set): a training run's start-up no longer
pays an exact solve for it, as clean-fid keeps its reference statistics.

W1 and its floor are always solved on the same number of samples a side, m
(`w1_sample_count`): exact W1 between n x n samples of D numbers costs a dense n x n cost
matrix (n^2 D multiply-adds) and a network simplex on it, so m is capped where that work
passes the cost of 2,000 MNIST-sized pictures (2000^2 x 1024): every sample up to 2,000 in
2-D, on points and on 32 x 32 grey pictures; 500 at 64 x 64 RGB, 200 at 128 x 128 RGB.

Where: $WGAN_CACHE_DIR, else $XDG_CACHE_HOME/wgan, else ~/.cache/wgan; WGAN_CACHE_DIR=""
turns the cache off. A file that cannot be read or written is ignored: the floor is then
solved as if nothing were kept.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import OutputError, WganError
from .outputs import write_text
from .transport import wasserstein

_KIND = "w1-euclidean-exact"

W1_MAX_SAMPLES = 2000
"""The most samples a side exact W1 and its floor are solved on by default."""
W1_WORK = W1_MAX_SAMPLES ** 2 * 1024
"""m^2 x D, the work of one exact W1 on m samples of D numbers, allowed by default: that of
2,000 pictures of 32 x 32 grey pixels (MNIST), a few seconds on one thread."""


def w1_sample_count(n: int, dim: int, asked: int = 0) -> int:
    """The samples a side m (<= n) on which exact W1 and its floor are solved for n samples
    of `dim` numbers each. asked > 0: min(n, asked). asked = 0 (the default rule): the
    largest m <= min(n, 2000) with m^2 x dim <= 2000^2 x 1024 (W1_WORK), rounded down to a
    multiple of 100 from 100 on: 2,000 for points and 32 x 32 grey pictures, 1,000 at
    64 x 64 grey, 500 at 64 x 64 RGB, 200 at 128 x 128 RGB, 100 at 256 x 256 RGB."""
    if asked < 0:
        raise WganError(f"w1 samples = {asked}: give a positive number of samples a side, or 0 for the "
                        "automatic rule")
    if asked:
        return max(1, min(n, asked))
    limit = math.isqrt(W1_WORK // max(1, dim))
    if limit >= 100:
        limit -= limit % 100
    return max(1, min(n, W1_MAX_SAMPLES, max(2, limit)))


def cache_dir() -> Path | None:
    """The folder floors are kept in, or None where the cache is off."""
    configured = os.environ.get("WGAN_CACHE_DIR")
    if configured is not None:
        return Path(configured).expanduser() if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "wgan"


def w1_floor(reference: np.ndarray, real: np.ndarray) -> float:
    """Exact W1 (Euclidean) between reference (n, ...) and real (m, ...) flattened per sample,
    solved once per pair of sets and kept on disk."""
    reference = np.ascontiguousarray(reference.reshape(len(reference), -1), dtype=np.float64)
    real = np.ascontiguousarray(real.reshape(len(real), -1), dtype=np.float64)
    folder = cache_dir()
    path = None if folder is None else folder / "floors" / f"{_key(reference, real)}.json"
    if path is not None:
        try:
            return float(json.loads(path.read_text())["value"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    value = wasserstein(reference, real)
    if path is not None:
        try:  # a cache that cannot be written is skipped, leaving no partial file
            write_text(path, json.dumps({"kind": _KIND, "n": len(reference), "m": len(real), "value": value}))
        except OutputError:
            pass
    return value


def _key(reference: np.ndarray, real: np.ndarray) -> str:
    digest = hashlib.sha256(_KIND.encode())
    for array in (reference, real):
        digest.update(repr(array.shape).encode())
        digest.update(np.ascontiguousarray(array).data)
    return digest.hexdigest()


@dataclass(frozen=True)
class EvaluationDraw:
    """The real sets of one evaluation draw: held-out samples real (m, *shape), their labels
    (m,) or None, a reference set of training samples (m, *shape); for a data set with finite
    training and held-out arrays, the rows they were taken from (heldout_index into
    data.holdout, reference_index into data.train), else None (a distribution)."""
    real: np.ndarray
    labels: np.ndarray | None
    reference: np.ndarray
    heldout_index: np.ndarray | None = None
    reference_index: np.ndarray | None = None


def evaluation_draw(data, n: int, seed: int, labelled: bool = False) -> EvaluationDraw:
    """The real sets evaluation draw `seed` compares (`wgan evaluate`, and the final evaluation
    of training): min(n, held-out size) held-out samples drawn without replacement, their
    labels when `labelled`, and as many reference training samples (`reference_indices`:
    distinct training examples first), for the floor."""
    rng = np.random.default_rng([seed, 11])
    holdout, train = getattr(data, "holdout", None), getattr(data, "train", None)
    if holdout is None or train is None or (labelled and getattr(data, "holdout_labels", None) is None):
        real, labels = data.heldout_labelled(n, rng) if labelled else (data.heldout(n, rng), None)
        return EvaluationDraw(real, labels, data.sample(len(real), rng) if train is None
                              else _rows(data, train, reference_indices(data, len(real), rng)))
    heldout_index = _heldout_indices(holdout, n, rng)
    reference_index = reference_indices(data, len(heldout_index), rng)
    return EvaluationDraw(_rows(data, holdout, heldout_index),
                          data.holdout_labels[heldout_index] if labelled else None,
                          _rows(data, train, reference_index), heldout_index, reference_index)


def evaluation_sets(data, n: int, seed: int, labelled: bool = False):
    """`evaluation_draw`'s (real, labels, reference)."""
    draw = evaluation_draw(data, n, seed, labelled)
    return draw.real, draw.labels, draw.reference


def _heldout_indices(holdout: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """The rows of a held-out array that `data.heldout(n, rng)` draws (min(n, size) of them,
    without replacement), so that only those rows need converting."""
    return rng.choice(len(holdout), size=min(n, len(holdout)), replace=False)


def _rows(data, array: np.ndarray, index: np.ndarray) -> np.ndarray:
    return getattr(data, "to_float", np.asarray)(array[index])  # images are stored as uint8


def reference_indices(data, n: int, rng: np.random.Generator) -> np.ndarray:
    """n rows of data.train for a real-vs-real reference, drawn without replacement, so that
    the first min(n, training size) are distinct examples (with repeats the reference is a
    smaller sample than the held-out set it is compared with, and its W1 is not the floor of
    that n), topped up with replacement past the training set's size."""
    size = len(data.train)
    order = rng.choice(size, size=min(n, size), replace=False)
    if len(order) < n:
        order = np.concatenate([order, rng.integers(size, size=n - len(order))])
    return order


def reference_draw(data, n: int, rng: np.random.Generator) -> np.ndarray:
    """n real training samples (n, *shape) for a real-vs-real reference: the rows of
    `reference_indices` for a finite training set (point file, images), n fresh draws from a
    distribution."""
    train = getattr(data, "train", None)
    return data.sample(n, rng) if train is None else _rows(data, train, reference_indices(data, n, rng))


def distinct_reference(data) -> int | None:
    """How many distinct reference samples `reference_draw` can give: the training set's
    size, or None for a distribution (no limit)."""
    train = getattr(data, "train", None)
    return None if train is None else len(train)


def w1_pair_size(data, n_real: int, dim: int, asked: int = 0) -> int:
    """m for W1 and its floor when n_real held-out samples of `dim` numbers were drawn:
    `w1_sample_count` of the held-out count, no more than the distinct reference samples."""
    distinct = distinct_reference(data)
    return w1_sample_count(n_real if distinct is None else min(n_real, distinct), dim, asked)


def heldout_pair_draw(data, n: int, rng: np.random.Generator, asked: int = 0) -> np.ndarray:
    """The first m of `data.heldout(n, rng)`, m = `w1_pair_size` (with `asked`): the held-out
    side of W1 and its floor. For a finite held-out array only those m rows are converted
    (the draw `heldout` makes: at 64 x 64 RGB, 500 of the 2,000 asked)."""
    holdout = getattr(data, "holdout", None)
    if holdout is None or getattr(data, "train", None) is None:
        real = data.heldout(n, rng)
        return real[:w1_pair_size(data, len(real), int(np.prod(real.shape[1:])), asked)]
    index = _heldout_indices(holdout, n, rng)
    return _rows(data, holdout, index[:w1_pair_size(data, len(index), int(np.prod(holdout.shape[1:])), asked)])


def floor_draws(data, n: int, draws: int, seed: int = 0, asked: int = 0) -> list[float]:
    """The floor of evaluation draws seed, seed + 1, ... (`evaluation_sets`), each on the
    m a side of `w1_pair_size`: one exact solve each the first time, read back from the
    cache afterwards."""
    values = []
    for i in range(draws):
        real, _, reference = evaluation_sets(data, n, seed + i)
        m = w1_pair_size(data, len(real), int(np.prod(real.shape[1:])), asked)
        values.append(w1_floor(reference[:m], real[:m]))
    return values
