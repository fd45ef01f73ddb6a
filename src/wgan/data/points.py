"""A user's own point cloud from a .npy or .csv file, split into training and held-out points."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError


def read_points(path: str | Path) -> np.ndarray:
    """Read an (n, d) float array from .npy or .csv (comma separated, optional header line).

    Raises DataError for a missing file, another format, ragged or non-numeric rows,
    NaN/inf values, fewer than 4 points, or more than 2 dimensions.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file {path} does not exist")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            points = np.load(path, allow_pickle=False)
        elif suffix == ".csv":
            points = _read_csv(path)
        else:
            raise DataError(f"data file {path}: expected a .npy or .csv file, got '{suffix or 'no suffix'}'")
    except DataError:
        raise
    except (ValueError, OSError, EOFError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from None
    if points.dtype.kind not in "iuf":
        raise DataError(f"{path}: expected numbers, got an array of dtype {points.dtype}")
    if points.ndim == 1:
        points = points[:, None]
    if points.ndim != 2:
        raise DataError(f"{path}: expected an (n, d) array of points, got shape {points.shape}")
    if len(points) < 4:
        raise DataError(f"{path}: needs at least 4 points, got {len(points)}")
    if not np.isfinite(points).all():
        row = int(np.argwhere(~np.isfinite(points))[0, 0])
        raise DataError(f"{path}: row {row} holds a NaN or infinite value")
    return points.astype(np.float32)


def _read_csv(path: Path) -> np.ndarray:
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    rows: list[list[float]] = []
    for number, line in enumerate(lines, start=1):
        cells = [c.strip() for c in line.split(",")]
        try:
            rows.append([float(c) for c in cells])
        except ValueError:
            if number == 1 and not rows:
                continue  # a header line
            raise DataError(f"{path}, line {number}: not a row of numbers: {line[:60]!r}") from None
        if len(rows[-1]) != len(rows[0]):
            raise DataError(f"{path}, line {number}: {len(rows[-1])} columns, "
                            f"but the first row has {len(rows[0])}")
    if not rows:
        raise DataError(f"{path}: no rows of numbers")
    return np.asarray(rows, dtype=np.float64)


@dataclass(frozen=True)
class PointCloud:
    """A finite sample: training draws (with replacement) from one part, evaluation from the rest."""
    name: str
    train: np.ndarray
    holdout: np.ndarray
    mixture: None = None

    @property
    def shape(self) -> tuple[int]:
        return (self.train.shape[1],)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.train[rng.integers(len(self.train), size=n)]

    def heldout(self, n: int, rng: np.random.Generator) -> np.ndarray:
        n = min(n, len(self.holdout))
        return self.holdout[rng.choice(len(self.holdout), size=n, replace=False)]


def load_point_cloud(path: str | Path, holdout_fraction: float, seed: int) -> PointCloud:
    """Read `path` and split off a seeded, random `holdout_fraction` of its points."""
    points = read_points(path)
    order = np.random.default_rng(seed).permutation(len(points))
    n_holdout = max(2, int(round(holdout_fraction * len(points))))
    return PointCloud(Path(path).stem, points[order[n_holdout:]], points[order[:n_holdout]])
