"""Latent probes: hand-picked latent vectors that show what the generator has learned.

Each function returns latent vectors as a tensor, (k, latent_dim) or (rows, cols,
latent_dim), ready for the generator. The constant and one-hot probes follow the WGAN
notes' homework; spherical interpolation follows White 2016, "Sampling Generative Networks".
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

DEFAULT_CONSTANTS = (1.0, 0.5, 0.3, 0.0, -1.0)


def constant_vectors(latent_dim: int, values: tuple[float, ...] = DEFAULT_CONSTANTS) -> Tensor:
    """(len(values), latent_dim): each row has every coordinate equal to one value."""
    return torch.tensor(values, dtype=torch.float32)[:, None].expand(-1, latent_dim).clone()


def one_hot_vectors(latent_dim: int, value: float = 1.0, dims: list[int] | None = None) -> Tensor:
    """(len(dims), latent_dim): row i is `value` at dimension dims[i] and 0 elsewhere,
    e.g. (0, 0, 1, 0, ...)."""
    dims = list(range(latent_dim)) if dims is None else dims
    z = torch.zeros(len(dims), latent_dim)
    z[torch.arange(len(dims)), torch.tensor(dims, dtype=torch.long)] = value
    return z


def sweep(base: Tensor, dim: int, start: float = 0.0, stop: float = 1.0, steps: int = 8) -> Tensor:
    """(steps, latent_dim): `base` (latent_dim,) with dimension `dim` going from start to stop."""
    z = base.expand(steps, -1).clone()
    z[:, dim] = torch.linspace(start, stop, steps)
    return z


def sweeps(base: Tensor, dims: list[int], start: float = 0.0, stop: float = 1.0, steps: int = 8) -> Tensor:
    """(len(dims), steps, latent_dim): one `sweep` per dimension, the others fixed at `base`."""
    return torch.stack([sweep(base, d, start, stop, steps) for d in dims])


def lerp(z0: Tensor, z1: Tensor, steps: int = 8) -> Tensor:
    """(steps, latent_dim): (1 - t) z0 + t z1 for t evenly spaced in [0, 1]."""
    t = torch.linspace(0.0, 1.0, steps)[:, None]
    return (1 - t) * z0 + t * z1


def slerp(z0: Tensor, z1: Tensor, steps: int = 8) -> Tensor:
    """(steps, latent_dim): spherical interpolation along the great circle from z0 to z1,

    sin((1 - t) omega) / sin(omega) z0 + sin(t omega) / sin(omega) z1, with omega the angle
    between them; it keeps the norm typical of Gaussian draws where lerp shrinks it.
    Falls back to lerp when z0 and z1 are (anti)parallel.
    """
    cos = torch.dot(z0, z1) / (z0.norm() * z1.norm())
    omega = torch.arccos(cos.clamp(-1.0, 1.0))
    if math.isclose(float(torch.sin(omega)), 0.0, abs_tol=1e-6):
        return lerp(z0, z1, steps)
    t = torch.linspace(0.0, 1.0, steps)[:, None]
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


def random_latents(n: int, latent_dim: int, seed: int) -> Tensor:
    """(n, latent_dim) standard normal draws from a seeded generator."""
    return torch.randn(n, latent_dim, generator=torch.Generator().manual_seed(seed))
