"""Input checks shared by the transport solvers: masses (n,), costs (n, m), point sets
(n, d) with their weights, and p. A bad value raises `WganError` with a message that
names it, before it reaches a solver."""
from __future__ import annotations

from typing import Callable, Union

import numpy as np

from ..errors import WganError

Metric = Union[str, Callable[[np.ndarray, np.ndarray], float]]

# Relative gap allowed between the totals of supply and demand (floating-point sums).
_BALANCE_RTOL = 1e-9


# --------------------------------------------------------------------------------------
# Masses and costs


def _as_float_array(values, name: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise WganError(f"{name}: expected numbers") from None


def _first_bad(mask: np.ndarray) -> str:
    index = tuple(int(i) for i in np.argwhere(mask)[0])
    return f"[{index[0]}]" if len(index) == 1 else f"[{', '.join(map(str, index))}]"


def _check_finite(values: np.ndarray, name: str) -> None:
    if np.isnan(values).any():
        raise WganError(f"{name}{_first_bad(np.isnan(values))} is NaN")
    if np.isinf(values).any():
        raise WganError(f"{name}{_first_bad(np.isinf(values))} is infinite")


def check_masses(masses, name: str = "supply") -> np.ndarray:
    """A (n,) float64 copy of `masses` after checking: 1-D, non-empty, finite, >= 0, total > 0."""
    masses = _as_float_array(masses, name)
    if masses.ndim != 1 or masses.size == 0:
        raise WganError(f"{name}: expected a non-empty list of masses, got an array of shape {masses.shape}")
    _check_finite(masses, name)
    if (masses < 0).any():
        where = _first_bad(masses < 0)
        raise WganError(f"{name}{where} = {masses[masses < 0][0]:g} is negative: masses must be >= 0")
    if masses.sum() <= 0:
        raise WganError(f"{name}: all masses are 0, there is nothing to transport")
    return masses


def check_cost(cost, shape: tuple[int, int] | None = None, name: str = "cost") -> np.ndarray:
    """A (n, m) float64 array of `cost` after checking: 2-D, the given shape, finite, >= 0."""
    cost = _as_float_array(cost, name)
    if cost.ndim != 2 or cost.size == 0:
        raise WganError(f"{name}: expected a non-empty matrix (one row per supply point), "
                        f"got an array of shape {cost.shape}")
    if shape is not None and cost.shape != shape:
        raise WganError(f"{name} matrix is {cost.shape[0]} x {cost.shape[1]} but there are {shape[0]} "
                        f"supply and {shape[1]} demand masses: expected {shape[0]} x {shape[1]}")
    _check_finite(cost, name)
    if (cost < 0).any():
        where = _first_bad(cost < 0)
        raise WganError(f"{name}{where} = {cost[cost < 0][0]:g} is negative: costs must be >= 0")
    return cost


def check_balance(supply: np.ndarray, demand: np.ndarray) -> None:
    """WganError unless supply (n,) and demand (m,) total the same mass (to 1e-9 relative)."""
    total_a, total_b = supply.sum(), demand.sum()
    if abs(total_a - total_b) > _BALANCE_RTOL * max(total_a, total_b):
        raise WganError(f"supply totals {total_a:.10g} but demand totals {total_b:.10g}: the masses "
                        f"must balance, or ask to normalise each to 1 (normalize=True; "
                        f"--normalize on the command line)")


# --------------------------------------------------------------------------------------
# Sample sets


def _as_points(x, name: str) -> np.ndarray:
    x = _as_float_array(x, name)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or len(x) == 0 or x.shape[1] == 0:
        raise WganError(f"{name}: expected a non-empty (n, d) array of points, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise WganError(f"{name}: point {int(np.argwhere(~np.isfinite(x))[0, 0])} holds NaN or "
                        f"infinite values")
    return x


def _as_weights(w, n: int, name: str) -> np.ndarray:
    """Relative weights of n points, scaled to total 1 (uniform when None)."""
    if w is None:
        return np.full(n, 1.0 / n)
    w = _as_float_array(w, f"{name} (weights)")
    if w.shape != (n,):
        raise WganError(f"{name}: expected {n} weights (one per point), got shape {w.shape}")
    bad = ~(np.isfinite(w) & (w >= 0))
    if bad.any():
        i = int(np.argmax(bad))
        raise WganError(f"{name}: weights must be finite and >= 0, got {name}[{i}] = {w[i]:g}")
    if w.sum() <= 0:
        raise WganError(f"{name}: weights sum to 0")
    return w / w.sum()


def _check_p(p: float) -> float:
    if not np.isfinite(p) or p < 1:
        raise WganError(f"p = {p}: must be >= 1 (W_p is a distance only for p >= 1)")
    return float(p)


def _pair(x, y) -> tuple[np.ndarray, np.ndarray]:
    x, y = _as_points(x, "x"), _as_points(y, "y")
    if x.shape[1] != y.shape[1]:
        raise WganError(f"x has dimension {x.shape[1]} but y has {y.shape[1]}")
    return x, y
