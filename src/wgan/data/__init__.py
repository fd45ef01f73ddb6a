"""Data: toy distributions and the user's own point clouds, behind one small interface.

Every data set has `name`, `shape` ((d,) for points, (C, S, S) for images), `mixture`
(a GaussianMixture or None), `sample(n, rng)` for training batches and `heldout(n, rng)`
for evaluation; both return float32 arrays of shape (n, *shape). Images are in [-1, 1].
Labelled image sets also have `classes` (names) and `sample_labelled(n, rng)` -> (x, labels).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from ..errors import DataError
from .images import ImageDataset, digits, faces, image_folder, mnist, read_image_folder
from .points import (POINT_SUFFIXES, PointCloud, PointFile, load_point_cloud, point_file_summary,
                     read_point_file, read_points, read_table)
from .toy import (EIGHT_GAUSSIANS, TOY_DISTRIBUTIONS, TWENTY_FIVE_GAUSSIANS, GaussianMixture,
                  ToyDistribution, eight_gaussians, swiss_roll, twenty_five_gaussians)

__all__ = [
    "EIGHT_GAUSSIANS", "TWENTY_FIVE_GAUSSIANS", "TOY_DISTRIBUTIONS", "GaussianMixture",
    "IMAGE_SETS", "ImageDataset", "classes_of", "limit_training_set", "load_data_of", "POINT_SUFFIXES", "PointCloud", "PointFile", "digits", "faces",
    "data_kind", "image_folder", "is_point_file", "mnist", "read_image_folder", "ToyDistribution",
    "data_summary", "eight_gaussians", "load_data", "load_point_cloud", "point_file_summary",
    "read_point_file", "read_points", "read_table", "swiss_roll", "twenty_five_gaussians",
]

ALIASES = {"8gaussians": "eight_gaussians", "25gaussians": "twenty_five_gaussians",
           "swissroll": "swiss_roll"}


IMAGE_SETS = ("digits", "mnist", "faces")
UNBUNDLED = ("cifar10", "cifar100", "celeba", "lsun", "imagenet")  # what presets name, read from a folder


def load_data(name: str, holdout_fraction: float = 0.2, seed: int = 0, image_size: int = 32,
              channels: int = 0, root: str = "", fit: str = "crop",
              workers: int = -1) -> ToyDistribution | PointCloud | ImageDataset:
    """A toy distribution or bundled image set by name, a folder of images, or a point file.

    image_size, channels (0: 1 for the bundled grey sets and for a folder whose pictures
    are all grey, else 3) and root (a folder of MNIST IDX files) apply to images only; fit
    ("crop" or "pad") and workers (decoding processes, -1: one per core) to folders only.
    """
    if not name.strip():
        raise DataError(f"data.name = {name!r} is empty: name a data set ({', '.join(TOY_DISTRIBUTIONS)}, "
                        f"{', '.join(IMAGE_SETS)}), a folder of images or a point file")
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
    if Path(name).is_dir():
        return image_folder(name, image_size, channels, holdout_fraction, seed, fit, workers)
    if key in UNBUNDLED:
        raise DataError(f"data set {name!r} is not bundled and nothing is downloaded: export its training images "
                        "to a folder (one subfolder per class for conditional training) and pass --data FOLDER")
    if is_point_file(name):
        return load_point_cloud(name, holdout_fraction, seed)
    if "/" in name or "\\" in name or name.startswith("."):  # a path, not a data set's name
        raise DataError(f"data folder or file {name!r} does not exist (relative paths are read from "
                        f"{Path.cwd()}); check the path, or give one of {', '.join(TOY_DISTRIBUTIONS)}, "
                        f"{', '.join(IMAGE_SETS)}")
    raise DataError(f"unknown data set {name!r}: use one of {', '.join(TOY_DISTRIBUTIONS)}, "
                    f"{', '.join(IMAGE_SETS)}, a folder of images, or a "
                    f"{' / '.join(POINT_SUFFIXES)} file of points")


def is_point_file(name: str) -> bool:
    """Whether `load_data(name)` reads `name` as a point file: not a toy or bundled set, not
    a folder, and a name ending in one of POINT_SUFFIXES or an existing file."""
    key = ALIASES.get(name, name)
    if key in TOY_DISTRIBUTIONS or key in IMAGE_SETS:
        return False
    path = Path(name)
    return not path.is_dir() and (path.suffix.lower() in POINT_SUFFIXES or path.exists())


def data_kind(name: str) -> str:
    """What `load_data(name)` reads, decided from the name alone (no file is opened): "toy" (a
    toy distribution), "points" (a point file), "digits", "mnist", "faces", or "folder" (a folder
    of images, also any name it cannot place: `load_data` reports those)."""
    key = ALIASES.get(name, name)
    if key in TOY_DISTRIBUTIONS:
        return "toy"
    if key in IMAGE_SETS:
        return key
    return "points" if is_point_file(name) else "folder"


def data_summary(name: str) -> str | None:
    """'data: p.txt, 500 points in 1-D (one number per line, no header)' when `name` is a
    point file (as `load_data` decides), else None. Raises DataError for a bad point file."""
    return point_file_summary(name) if is_point_file(name) else None


def classes_of(data) -> tuple[str, ...]:
    """The class names of a labelled data set (digits, mnist, a folder of class subfolders); ()."""
    return tuple(getattr(data, "classes", ()))


def load_data_of(config) -> ToyDistribution | PointCloud | ImageDataset:
    """The data set named in a run's `config.data` (split with `train.seed`)."""
    d = config.data
    data = load_data(d.name, d.holdout_fraction, config.train.seed, d.image_size, d.channels, d.root, d.fit,
                     d.workers)
    return limit_training_set(data, d.train_limit) if d.train_limit else data


def limit_training_set(data, n: int):
    """The same data set with only its first n training examples (held-out data unchanged):
    for data-efficiency studies such as MNIST at 1% (600 images)."""
    if isinstance(data, ToyDistribution):
        raise DataError(f"data.train_limit = {n}: {data.name} is a distribution with no finite training set")
    if n > len(data.train):
        raise DataError(f"data.train_limit = {n}, but {data.name} has {len(data.train)} training examples")
    changes = {"train": data.train[:n]}
    if getattr(data, "train_labels", None) is not None:
        changes["train_labels"] = data.train_labels[:n]
    return dataclasses.replace(data, **changes)
