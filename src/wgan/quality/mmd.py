"""KID on features (n, d): the unbiased MMD^2 with the cubic polynomial kernel, averaged over
random subsets (Binkowski et al. 2018), as in their code and torch-fidelity."""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from .inputs import Features, _check_features, _check_int, _pair


def _polynomial_kernel(x: Tensor, y: Tensor) -> Tensor:
    """k(x, y) = (x.y / d + 1)^3 for rows of x (n, d) and y (m, d): (n, m)."""
    k = torch.addmm(torch.ones((), dtype=x.dtype, device=x.device), x, y.T, alpha=1.0 / x.shape[1])
    return k.pow_(3)


def _mmd2_unbiased(x: Tensor, y: Tensor) -> float:
    """The unbiased MMD^2 between x (m, d) and y (m, d) with the cubic polynomial kernel:

        sum_{i != j} [k(x_i, x_j) + k(y_i, y_j)] / (m (m - 1)) - 2 sum_{i, j} k(x_i, y_j) / m^2

    (Gretton et al. 2012, eq. 3 with equal sizes; Binkowski et al. 2018, as in their code).
    """
    m = x.shape[0]
    kxx, kyy, kxy = _polynomial_kernel(x, x), _polynomial_kernel(y, y), _polynomial_kernel(x, y)
    within = (kxx.sum() - kxx.diagonal().sum()) + (kyy.sum() - kyy.diagonal().sum())
    return float(within / (m * (m - 1)) - 2.0 * kxy.sum() / (m * m))


def kid(features_a: Features, features_b: Features, subsets: int = 100,
        subset_size: int = 1000, seed: int | np.random.Generator = 0) -> tuple[float, float]:
    """Kernel Inception Distance between feature sets a (n, d) and b (n', d): (mean, std).

    The unbiased MMD^2 with k(x, y) = (x.y / d + 1)^3 on `subsets` pairs of random subsets
    of size m = min(subset_size, n, n'), each drawn without replacement from `seed` (an int
    or a numpy Generator) (Binkowski et al. 2018; torch-fidelity): the mean and the
    standard deviation (ddof=0) over subsets. Unbiased, so it can be slightly negative when the sets match. float64.
    """
    a = _check_features(features_a, "features_a", 2, "the unbiased MMD needs two samples")
    b = _check_features(features_b, "features_b", 2, "the unbiased MMD needs two samples")
    a, b = _pair(a, b, "features_a", "features_b")
    subsets = _check_int(subsets, "subsets", 1)
    subset_size = _check_int(subset_size, "subset_size", 2)
    a, b = a.to(torch.float64), b.to(torch.float64)
    m = min(subset_size, len(a), len(b))
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    values = np.empty(subsets)
    for s in range(subsets):
        x = a[torch.from_numpy(rng.choice(len(a), m, replace=False)).to(a.device)]
        y = b[torch.from_numpy(rng.choice(len(b), m, replace=False)).to(b.device)]
        values[s] = _mmd2_unbiased(x, y)
    return float(values.mean()), float(values.std())
