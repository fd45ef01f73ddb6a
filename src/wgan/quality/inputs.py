"""Input checks shared by the quality metrics: features (n, d) as float tensors, or a
`WganError` that names the bad value.

Tensors keep their device and floating dtype; numpy arrays and nested lists become CPU
tensors (float32/float64 arrays without a copy).
"""
from __future__ import annotations

import warnings
from typing import Sequence, Union

import numpy as np
import torch
from torch import Tensor

from ..errors import WganError

Features = Union[np.ndarray, Tensor, Sequence[Sequence[float]]]


def _to_tensor(x, name: str) -> Tensor:
    """x as a float32/float64 tensor (tensors keep their device and floating dtype)."""
    if isinstance(x, Tensor):
        t = x.detach()
        if t.is_complex() or t.dtype == torch.bool:
            raise WganError(f"{name}: expected real numbers, got a tensor of dtype {t.dtype}")
        return t if t.dtype in (torch.float32, torch.float64) else t.to(torch.float64)
    if isinstance(x, np.ndarray) and x.dtype in (np.float32, np.float64):
        with warnings.catch_warnings():     # read-only arrays: nothing here writes to them
            warnings.simplefilter("ignore", UserWarning)
            return torch.from_numpy(x)
    try:
        array = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise WganError(f"{name}: expected an array of numbers") from None
    return torch.from_numpy(array)


def _check_finite(t: Tensor, name: str) -> None:
    # A finite sum proves every entry finite (NaN and inf propagate) in one cheap pass; a
    # sum that overflows is checked entry by entry.
    if t.numel() == 0 or bool(torch.isfinite(t.sum())):
        return
    bad = ~torch.isfinite(t)
    if bool(bad.any()):
        where = tuple(int(i) for i in bad.nonzero()[0])
        kind = "NaN" if bool(torch.isnan(t[where])) else "infinite"
        index = where[0] if t.ndim == 1 else f"{where[0]}, {where[1]}" if t.ndim == 2 else where
        raise WganError(f"{name}[{index}] is {kind}: features must be finite")


def _check_features(x, name: str, min_rows: int, why: str) -> Tensor:
    """An (n, d) float tensor after checking: 2-D, d >= 1, n >= min_rows, finite."""
    t = _to_tensor(x, name)
    if t.ndim != 2 or t.shape[1] == 0:
        raise WganError(f"{name}: expected an (n, d) array of features, one row per sample, "
                        f"got shape {tuple(t.shape)} (reshape to (n, -1))")
    if t.shape[0] < min_rows:
        raise WganError(f"{name}: {t.shape[0]} samples, need at least {min_rows} ({why})")
    _check_finite(t, name)
    return t


def _pair(a: Tensor, b: Tensor, name_a: str, name_b: str) -> tuple[Tensor, Tensor]:
    """The two sets on one device (the first CUDA one if any), with the same dimension."""
    if a.shape[1] != b.shape[1]:
        raise WganError(f"{name_a} has {a.shape[1]} features per sample but {name_b} has "
                        f"{b.shape[1]}: both must come from the same feature network")
    device = a.device if a.device.type != "cpu" else b.device
    return a.to(device), b.to(device)


def _check_int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise WganError(f"{name} = {value!r}: expected an integer >= {minimum}")
    return int(value)
