"""2-D toy distributions with the exact constants of the WGAN-GP reference `gan_toy.py`.

Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", code `gan_toy.py`:
8 Gaussians on a circle of radius 2 (std 0.02), all divided by 1.414; 25 Gaussians on
the grid {-4, -2, 0, 2, 4}^2 (std 0.05), divided by 2.828; the Swiss roll of
scikit-learn with noise 0.25, columns 0 and 2, divided by 7.5. Each sampler takes a
numpy Generator and returns float32 points of shape (n, 2).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class GaussianMixture:
    """Equal-weight isotropic Gaussian mixture: centres (k, d), one std for all."""
    centers: np.ndarray
    std: float

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        idx = rng.integers(len(self.centers), size=n)
        noise = rng.standard_normal((n, self.centers.shape[1])) * self.std
        return (self.centers[idx] + noise).astype(np.float32)


def _eight_gaussians_mixture() -> GaussianMixture:
    s = 1.0 / np.sqrt(2.0)
    unit = np.array([(1, 0), (-1, 0), (0, 1), (0, -1), (s, s), (s, -s), (-s, s), (-s, -s)])
    return GaussianMixture(centers=2.0 * unit / 1.414, std=0.02 / 1.414)


def _twenty_five_gaussians_mixture() -> GaussianMixture:
    grid = np.array([(2.0 * x, 2.0 * y) for x in range(-2, 3) for y in range(-2, 3)])
    return GaussianMixture(centers=grid / 2.828, std=0.05 / 2.828)


EIGHT_GAUSSIANS = _eight_gaussians_mixture()
TWENTY_FIVE_GAUSSIANS = _twenty_five_gaussians_mixture()


def eight_gaussians(n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) points from the 8-Gaussian ring of `gan_toy.py`."""
    return EIGHT_GAUSSIANS.sample(n, rng)


def twenty_five_gaussians(n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) points from the 5x5 Gaussian grid of `gan_toy.py`."""
    return TWENTY_FIVE_GAUSSIANS.sample(n, rng)


def swiss_roll(n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) points: sklearn's make_swiss_roll(noise=0.25)[:, [0, 2]] / 7.5."""
    from sklearn.datasets import make_swiss_roll

    points, _ = make_swiss_roll(n_samples=n, noise=0.25, random_state=int(rng.integers(2**31 - 1)))
    return (points[:, [0, 2]] / 7.5).astype(np.float32)


@dataclass(frozen=True)
class ToyDistribution:
    """An infinite 2-D distribution: training and held-out draws come from the same law."""
    name: str
    sampler: Callable[[int, np.random.Generator], np.ndarray]
    mixture: GaussianMixture | None = None
    shape: tuple[int] = (2,)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.sampler(n, rng)

    def heldout(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.sampler(n, rng)


TOY_DISTRIBUTIONS = {
    "eight_gaussians": ToyDistribution("eight_gaussians", eight_gaussians, EIGHT_GAUSSIANS),
    "twenty_five_gaussians": ToyDistribution("twenty_five_gaussians", twenty_five_gaussians,
                                             TWENTY_FIVE_GAUSSIANS),
    "swiss_roll": ToyDistribution("swiss_roll", swiss_roll),
}
