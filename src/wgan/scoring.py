"""Two sets of samples scored against each other (`wgan score A B`): folders of pictures (a
generator's `wgan sample --images`, another project's samples, a data set) or point files,
with the metrics, floors and JSON keys of `wgan evaluate` (`wgan.evaluation`).

A plays the generated set, B the real one: n samples of A against n of B give `w1` (and, on
a feature network's features, `fid`, `kid`, precision/recall/density/coverage, ...); n other
samples of B against the same n give the real-vs-real references (`w1_floor`,
`fid_real_vs_real`, ...), so B needs 2n samples (n shrinks to fit: n = min(n, |A|, |B| // 2)).
A set scored against itself gives three disjoint draws of it (n <= |A| // 3), so that both
numbers are real-vs-real and agree up to the draws' noise.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .data.images import IMAGE_SUFFIXES, ImageDataset, read_image_folder
from .data.points import read_points
from .errors import WganError
from .evaluation import fid_singular_said_once, metrics_on_features
from .features import FeatureNetwork
from .floors import w1_floor, w1_sample_count
from .transport import wasserstein


def picture_format(folder: Path) -> tuple[int, int]:
    """(size, channels) of the first picture under `folder` (its width; 1 channel for grey
    modes, else 3): the defaults `score` reads both folders at."""
    from PIL import Image

    first = next((p for p in sorted(Path(folder).rglob("*")) if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES),
                 None)
    if first is None:
        raise WganError(f"{folder}: no picture ({', '.join(IMAGE_SUFFIXES)}) in it")
    try:
        with Image.open(first) as image:
            return image.width, 1 if image.mode in ("1", "L", "I;16", "I", "F") else 3
    except (OSError, ValueError, SyntaxError) as exc:
        raise WganError(f"{first}: not a readable picture ({type(exc).__name__})") from None


def load_set(path: str | Path, image_size: int, channels: int) -> np.ndarray:
    """A folder of pictures as float32 (n, channels, S, S) in [-1, 1], or a point file as (n, d)."""
    path = Path(path)
    if path.is_dir():
        return ImageDataset.to_float(read_image_folder(path, image_size, channels))
    if not path.exists():
        raise WganError(f"{path} does not exist: name a folder of pictures or a point file (.csv, .npy, ...)")
    return read_points(path).astype(np.float64)


def score_sets(a: np.ndarray, b: np.ndarray | None, n: int = 2000, features: FeatureNetwork | None = None,
               seed: int = 0) -> dict[str, Any]:
    """`wgan evaluate`'s metrics of the set `a` (n_a, ...) against `b` (n_b, ...) (see the module
    docstring): keys n_generated, n_real, w1, w1_floor (both on the first w1_n =
    `floors.w1_sample_count` a side), and with `features` those of
    `evaluation.metrics_on_features` (fid, fid_real_vs_real, kid, ...). b None: `a` against itself."""
    same = b is None
    b = a if same else b
    if a.shape[1:] != b.shape[1:]:
        raise WganError(f"the two sets differ in shape: {a.shape[1:]} and {b.shape[1:]} per sample")
    n = min(n, len(a) // 3) if same else min(n, len(a), len(b) // 2)
    if n < 2:
        raise WganError(f"too few samples: {len(a)} and {len(b)}; the first set needs 2 or more, the second 4 or "
                        "more (half of it is the real-vs-real reference)")
    start = time.perf_counter()
    rng = np.random.default_rng([seed, 13])
    fake_order = rng.permutation(len(a))
    order = fake_order if same else rng.permutation(len(b))
    fake = a[fake_order[2 * n:3 * n] if same else fake_order[:n]]
    real, reference = b[order[:n]], b[order[n:2 * n]]
    flat = lambda x: x.reshape(len(x), -1)  # noqa: E731
    m = w1_sample_count(n, flat(real[:1]).shape[1])  # W1 and its floor on m a side, as evaluate
    result: dict[str, Any] = {"n_generated": n, "n_real": n, "w1_n": m,
                              "w1": wasserstein(flat(fake[:m]), flat(real[:m])),
                              "w1_floor": w1_floor(reference[:m], real[:m])}
    if features is not None:
        f_real, f_fake, f_ref = (features.features(torch.as_tensor(x, dtype=torch.float32)).numpy()
                                 for x in (real, fake, reference))
        with fid_singular_said_once():
            result.update(metrics_on_features(features, f_real, f_fake, f_ref))
    result["seconds"] = round(time.perf_counter() - start, 2)
    result["repeats"] = 1
    return result
