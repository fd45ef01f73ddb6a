"""The real-vs-real noise floor of exact W1, kept on disk by content.

W1 between two real sample sets of size n is the value a perfect generator scores (Arjovsky
et al. 2017 compare their estimate with it); it depends only on the two sets, so it is
solved once and read back by every later run or evaluation that draws the same sets (the
fixed-seed held-out and reference sets of a data set): a training run's start-up no longer
pays an exact solve for it, as clean-fid keeps its reference statistics.

Where: $WGAN_CACHE_DIR, else $XDG_CACHE_HOME/wgan, else ~/.cache/wgan; WGAN_CACHE_DIR=""
turns the cache off. A file that cannot be read or written is ignored: the floor is then
solved as if nothing were kept.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from .transport import wasserstein

_KIND = "w1-euclidean-exact"


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
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps({"kind": _KIND, "n": len(reference), "m": len(real),
                                             "value": value}))
            temporary.replace(path)
        except OSError:
            pass
    return value


def _key(reference: np.ndarray, real: np.ndarray) -> str:
    digest = hashlib.sha256(_KIND.encode())
    for array in (reference, real):
        digest.update(repr(array.shape).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def evaluation_sets(data, n: int, seed: int, labelled: bool = False):
    """The real sets evaluation draw `seed` compares (`wgan evaluate`, and the final
    evaluation of training): held-out samples (<= n, *shape), their labels (or None unless
    `labelled`) and a reference set of training samples of the same size, for the floor."""
    rng = np.random.default_rng([seed, 11])
    real, labels = data.heldout_labelled(n, rng) if labelled else (data.heldout(n, rng), None)
    return real, labels, data.sample(len(real), rng)


def floor_draws(data, n: int, draws: int, seed: int = 0) -> list[float]:
    """The floor of evaluation draws seed, seed + 1, ... (`evaluation_sets`): one exact solve
    each the first time, read back from the cache afterwards."""
    values = []
    for i in range(draws):
        real, _, reference = evaluation_sets(data, n, seed + i)
        values.append(w1_floor(reference, real))
    return values
