"""Data: toy distributions and the user's own point clouds, behind one small interface.

Every data set has `name`, `dim`, `mixture` (a GaussianMixture or None),
`sample(n, rng)` for training batches and `heldout(n, rng)` for evaluation; both
return float32 arrays of shape (n, dim).
"""
from __future__ import annotations

from pathlib import Path

from ..errors import DataError
from .points import PointCloud, load_point_cloud, read_points
from .toy import (EIGHT_GAUSSIANS, TOY_DISTRIBUTIONS, TWENTY_FIVE_GAUSSIANS, GaussianMixture,
                  ToyDistribution, eight_gaussians, swiss_roll, twenty_five_gaussians)

__all__ = [
    "EIGHT_GAUSSIANS", "TWENTY_FIVE_GAUSSIANS", "TOY_DISTRIBUTIONS", "GaussianMixture",
    "PointCloud", "ToyDistribution", "eight_gaussians", "load_data", "load_point_cloud",
    "read_points", "swiss_roll", "twenty_five_gaussians",
]

ALIASES = {"8gaussians": "eight_gaussians", "25gaussians": "twenty_five_gaussians",
           "swissroll": "swiss_roll"}


def load_data(name: str, holdout_fraction: float = 0.2, seed: int = 0) -> ToyDistribution | PointCloud:
    """A toy distribution by name, or a point cloud from a .npy / .csv path."""
    key = ALIASES.get(name, name)
    if key in TOY_DISTRIBUTIONS:
        return TOY_DISTRIBUTIONS[key]
    if Path(name).suffix.lower() in (".npy", ".csv") or Path(name).exists():
        return load_point_cloud(name, holdout_fraction, seed)
    raise DataError(f"unknown data set {name!r}: use one of {', '.join(TOY_DISTRIBUTIONS)}, "
                    "or a path to a .npy or .csv file of points")
