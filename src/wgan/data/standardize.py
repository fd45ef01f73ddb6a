"""Per-column standardisation of a point file: the networks see (x - mean) / scale.

Users' tables are rarely near unit scale (integers around (100, 100), a spread of 30),
while the default recipe's learning rates, penalty weight and initial weights assume data
near it. A point file is therefore trained on in standardised units: each column's mean and
standard deviation are taken from the training split, kept in the run, and inverted for
everything the user sees (samples, `sample --npy`, W1, figures).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Standardization:
    """z = (x - mean) / scale per column; mean, scale: (d,) float64 (a constant column keeps scale 1)."""
    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, train: np.ndarray) -> "Standardization":
        """Each column's mean and standard deviation over the training points (n, d)."""
        train = np.asarray(train, dtype=np.float64)
        scale = train.std(axis=0)
        scale[~(scale > 1e-12 * np.maximum(1.0, np.abs(train).max(axis=0)))] = 1.0
        return cls(train.mean(axis=0), scale)

    def to_model(self, x: np.ndarray) -> np.ndarray:
        """Data units -> the networks' units, float32 (n, d)."""
        return ((np.asarray(x, dtype=np.float64) - self.mean) / self.scale).astype(np.float32)

    def to_data(self, z: np.ndarray) -> np.ndarray:
        """The networks' units -> data units, float32 (n, d)."""
        return (np.asarray(z, dtype=np.float64) * self.scale + self.mean).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        return {"mean": [float(v) for v in self.mean], "scale": [float(v) for v in self.scale]}

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> "Standardization":
        return cls(np.asarray(record["mean"], dtype=np.float64), np.asarray(record["scale"], dtype=np.float64))

    def describe(self) -> str:
        """'standardised per column (mean (100, 99.8), scale (21.2, 21.4))'."""
        def row(values: np.ndarray) -> str:
            shown = ", ".join(f"{v:.4g}" for v in values[:4]) + (", ..." if len(values) > 4 else "")
            return f"({shown})"
        return f"standardised per column (mean {row(self.mean)}, scale {row(self.scale)})"


def standardized(cloud, standardization: Standardization):
    """The point cloud in the networks' units: train and held-out points mapped by `standardization`."""
    return dataclasses.replace(cloud, train=standardization.to_model(cloud.train),
                               holdout=standardization.to_model(cloud.holdout), standardization=standardization,
                               summary=f"{cloud.summary}; {standardization.describe()} for training "
                                       "(data.standardize = false to opt out)" if cloud.summary else "")


def unstandardized(data):
    """`data` in its own units: a standardised point cloud mapped back (anything else as it is)."""
    units = getattr(data, "standardization", None)
    if units is None:
        return data
    return dataclasses.replace(data, train=units.to_data(data.train), holdout=units.to_data(data.holdout),
                               standardization=None)
