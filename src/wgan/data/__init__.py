"""Data: toy distributions and the user's own point clouds, behind one small interface.

Every data set has `name`, `shape` ((d,) for points, (C, S, S) for images), `mixture`
(a GaussianMixture or None), `sample(n, rng)` for training batches and `heldout(n, rng)`
for evaluation; both return float32 arrays of shape (n, *shape). Images are in [-1, 1].
"""
from __future__ import annotations

from pathlib import Path

from ..errors import DataError
from .images import ImageDataset, digits, faces, image_folder, mnist, read_image_folder
from .points import PointCloud, load_point_cloud, read_points
from .toy import (EIGHT_GAUSSIANS, TOY_DISTRIBUTIONS, TWENTY_FIVE_GAUSSIANS, GaussianMixture,
                  ToyDistribution, eight_gaussians, swiss_roll, twenty_five_gaussians)

__all__ = [
    "EIGHT_GAUSSIANS", "TWENTY_FIVE_GAUSSIANS", "TOY_DISTRIBUTIONS", "GaussianMixture",
    "IMAGE_SETS", "ImageDataset", "PointCloud", "digits", "faces", "image_folder", "mnist",
    "read_image_folder", "ToyDistribution", "eight_gaussians", "load_data", "load_point_cloud",
    "read_points", "swiss_roll", "twenty_five_gaussians",
]

ALIASES = {"8gaussians": "eight_gaussians", "25gaussians": "twenty_five_gaussians",
           "swissroll": "swiss_roll"}


IMAGE_SETS = ("digits", "mnist", "faces")


def load_data(name: str, holdout_fraction: float = 0.2, seed: int = 0, image_size: int = 32,
              channels: int = 0, root: str = "") -> ToyDistribution | PointCloud | ImageDataset:
    """A toy distribution or bundled image set by name, a folder of images, or a point file.

    image_size, channels (0: 1 for the bundled grey sets, 3 for folders) and root (a
    folder of MNIST IDX files) apply to images only.
    """
    key = ALIASES.get(name, name)
    if key in TOY_DISTRIBUTIONS:
        return TOY_DISTRIBUTIONS[key]
    if key in IMAGE_SETS and channels not in (0, 1):
        raise DataError(f"data set {key!r} is greyscale; data.channels must be 0 (auto) or 1")
    if key == "digits":
        return digits(image_size, holdout_fraction, seed)
    if key == "mnist":
        return mnist(image_size, root)
    if key == "faces":
        return faces(image_size, holdout_fraction, seed)
    path = Path(name)
    if path.is_dir():
        return image_folder(name, image_size, channels or 3, holdout_fraction, seed)
    if path.suffix.lower() in (".npy", ".csv") or path.exists():
        return load_point_cloud(name, holdout_fraction, seed)
    raise DataError(f"unknown data set {name!r}: use one of {', '.join(TOY_DISTRIBUTIONS)}, "
                    f"{', '.join(IMAGE_SETS)}, a folder of images, or a .npy / .csv file of points")
