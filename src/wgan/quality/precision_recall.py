"""Precision, recall, density and coverage on features (n, d): improved precision and recall
(Kynkaanniemi et al. 2019), density and coverage (Naeem et al. 2020), with the definitions of
the `prdc` package, in blocks of rows."""
from __future__ import annotations

import torch
from torch import Tensor

from .blocks import _BLOCK_ELEMENTS, _rows_per_block
from .inputs import Features, _check_features, _check_int, _pair


def _squared_distances(x: Tensor, y: Tensor, xx: Tensor, yy: Tensor) -> Tensor:
    """||x_i - y_j||^2 (n, m) from rows x (n, d), y (m, d) and their squared norms."""
    d2 = torch.addmm(yy.expand(len(x), len(y)), x, y.T, alpha=-2.0)
    return d2.add_(xx[:, None]).clamp_(min=0.0)


def _kth_neighbour_distances(x: Tensor, k: int) -> Tensor:
    """Squared distance from each row of x (n, d), float64, to its k-th nearest other row: (n,).

    As the `prdc` package: the (k+1)-th smallest distance in the row, the point itself
    included (so duplicates count as neighbours). In blocks of rows.
    """
    xx = (x * x).sum(1)
    rows = _rows_per_block(len(x), _BLOCK_ELEMENTS)
    # topk: several times faster than torch.kthvalue on the CPU.
    return torch.cat([torch.topk(_squared_distances(x[i:i + rows], x, xx[i:i + rows], xx), k + 1,
                                 dim=1, largest=False).values[:, -1] for i in range(0, len(x), rows)])


def prdc(real_features: Features, fake_features: Features, k: int = 5) -> dict:
    """Precision, recall, density and coverage of fake (m, d) against real (n, d) features.

    With B(x, r) the open ball around x whose radius r is the distance to x's k-th nearest
    neighbour in its own set:
      precision: share of fakes inside some real ball (Kynkaanniemi et al. 2019);
      recall:    share of reals inside some fake ball (ibid.);
      density:   mean over fakes of (number of real balls that contain it) / k (Naeem et al. 2020);
      coverage:  share of real balls that contain some fake (ibid.).
    The definitions of the `prdc` package (Naeem et al.'s code), strict "<" and duplicates
    included; identical sets score 1 on all four (density exactly 1 when no distances tie).
    Euclidean distances in float64, in blocks of about 64 MB: n = m = 10,000 never holds an
    n x m matrix.
    """
    k = _check_int(k, "k", 1)
    why = f"k = {k} neighbours need k + 1 samples"
    real = _check_features(real_features, "real_features", k + 1, why)
    fake = _check_features(fake_features, "fake_features", k + 1, why)
    real, fake = _pair(real, fake, "real_features", "fake_features")
    real, fake = real.to(torch.float64), fake.to(torch.float64)
    real_radii, fake_radii = _kth_neighbour_distances(real, k), _kth_neighbour_distances(fake, k)
    rr, ff = (real * real).sum(1), (fake * fake).sum(1)
    balls_per_fake = torch.zeros(len(fake), dtype=torch.int64, device=fake.device)
    recalled = torch.zeros(len(real), dtype=torch.bool, device=real.device)
    covered = torch.zeros(len(real), dtype=torch.bool, device=real.device)
    rows = _rows_per_block(len(fake), _BLOCK_ELEMENTS)
    for i in range(0, len(real), rows):
        d2 = _squared_distances(real[i:i + rows], fake, rr[i:i + rows], ff)   # (rows, m)
        inside = d2 < real_radii[i:i + rows, None]                           # fake j in real ball i
        balls_per_fake += inside.sum(0, dtype=torch.int32)
        covered[i:i + rows] = inside.any(1)
        recalled[i:i + rows] = (d2 < fake_radii[None, :]).any(1)
    return {
        "precision": float((balls_per_fake > 0).double().mean()),
        "recall": float(recalled.double().mean()),
        "density": float(balls_per_fake.sum()) / (k * len(fake)),
        "coverage": float(covered.double().mean()),
    }
