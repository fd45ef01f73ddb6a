"""Differentiable augmentation of every critic input (Zhao et al. 2020, "Differentiable
Augmentation for Data-Efficient GAN Training", DiffAugment).

The same random families of transforms are applied to real and generated images, in the
critic step and in the generator step, differentiably, so the generator learns through
them and the critic cannot memorise a small training set. The policy names the families,
as in the paper's code: "color" (brightness, saturation, contrast), "translation" (up to
1/8 of the image, zero padding), "cutout" (a zeroed square of half the image side).

A transform is drawn (`draw`, from a seeded torch.Generator) separately from being
applied (`apply`, a pure differentiable function), so the draws follow the run's random
streams (resume stays exact) and compiled loss functions see only tensors. `strength`
scales every family; 0 is the identity.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .errors import ConfigError

FAMILIES = ("color", "translation", "cutout")
TRANSLATION_RATIO = 1 / 8  # the largest shift, as a fraction of the image side (the paper's)
CUTOUT_RATIO = 1 / 2       # the side of the cut-out square, as a fraction of the image side


def parse_policy(policy: str) -> tuple[str, ...]:
    """'translation,color,cutout' -> the families in order; '' -> (). Unknown names are errors."""
    names = tuple(p.strip() for p in policy.split(",") if p.strip())
    unknown = [n for n in names if n not in FAMILIES]
    if unknown:
        raise ConfigError(f"data.augment = {policy!r}: unknown family {unknown[0]!r}; "
                          f"use a comma-separated list of {', '.join(FAMILIES)}")
    if len(set(names)) != len(names):
        raise ConfigError(f"data.augment = {policy!r}: a family is named twice")
    return names


@dataclass(frozen=True)
class DiffAugment:
    """The transforms of `policy` (families in order) at `strength` (1: the paper's)."""
    policy: tuple[str, ...]
    strength: float = 1.0

    def draw(self, x: Tensor, generator: torch.Generator) -> dict[str, Tensor]:
        """Random parameters for a batch shaped like x (n, C, H, W), one set per image."""
        n, _, h, w = x.shape
        s, device, params = self.strength, generator.device, {}

        def uniform(*shape: int) -> Tensor:
            return torch.rand(shape, generator=generator, device=device)

        if "color" in self.policy:
            params["brightness"] = s * (uniform(n, 1, 1, 1) - 0.5)        # added, in [-s/2, s/2]
            params["saturation"] = 1 + s * (2 * uniform(n, 1, 1, 1) - 1)  # factor in [1 - s, 1 + s]
            params["contrast"] = 1 + s * (uniform(n, 1, 1, 1) - 0.5)      # factor in [1 - s/2, 1 + s/2]
        if "translation" in self.policy:
            for axis, size in (("shift_rows", h), ("shift_cols", w)):
                most = int(size * TRANSLATION_RATIO * s)
                params[axis] = torch.randint(-most, most + 1, (n,), generator=generator, device=device)
        if "cutout" in self.policy:
            for axis, size in (("cut_rows", h), ("cut_cols", w)):
                side = int(size * CUTOUT_RATIO * s)
                centre = torch.randint(0, size + 1 - side % 2, (n,), generator=generator, device=device)
                params[axis] = torch.stack([centre - side // 2, centre - side // 2 + side], dim=1)
        return params

    def apply(self, x: Tensor, params: dict[str, Tensor]) -> Tensor:
        """x (n, C, H, W) transformed by `params` (from `draw`), in the policy's order; differentiable."""
        if self.strength == 0:  # exactly x (centring and re-adding a mean would round)
            return x
        for family in self.policy:
            x = {"color": _color, "translation": _translation, "cutout": _cutout}[family](x, params)
        return x

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        return self.apply(x, self.draw(x, generator))


def make_augment(policy: str, strength: float, shape: tuple[int, ...]) -> DiffAugment | None:
    """The augmentation of `data.augment` for samples of `shape`, or None when the policy is empty."""
    families = parse_policy(policy)
    if not families:
        return None
    if len(shape) != 3:
        raise ConfigError(f"data.augment = {policy!r} transforms images, but this data is points of shape "
                          f"{tuple(shape)}; set data.augment = \"\"")
    return DiffAugment(families, strength)


def _color(x: Tensor, p: dict[str, Tensor]) -> Tensor:
    x = x + p["brightness"].to(x.dtype)
    mean = x.mean(dim=1, keepdim=True)  # over channels: saturation
    x = (x - mean) * p["saturation"].to(x.dtype) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)  # over the image: contrast
    return (x - mean) * p["contrast"].to(x.dtype) + mean


def _shift(x: Tensor, shift: Tensor, dim: int) -> Tensor:
    """out[..., i, ...] = x[..., i + shift, ...] along `dim` (2 or 3), zero beyond the border."""
    size = x.shape[dim]
    source = torch.arange(size, device=x.device)[None, :] + shift[:, None]  # (n, size)
    inside = ((source >= 0) & (source < size)).to(x.dtype)
    view = (len(x), 1, size, 1) if dim == 2 else (len(x), 1, 1, size)
    index = source.clamp(0, size - 1).view(view).expand(x.shape)
    return x.gather(dim, index) * inside.view(view)


def _translation(x: Tensor, p: dict[str, Tensor]) -> Tensor:
    return _shift(_shift(x, p["shift_rows"], 2), p["shift_cols"], 3)


def _cutout(x: Tensor, p: dict[str, Tensor]) -> Tensor:
    n, _, h, w = x.shape
    rows = torch.arange(h, device=x.device)[None, :]
    cols = torch.arange(w, device=x.device)[None, :]
    in_rows = (rows >= p["cut_rows"][:, :1]) & (rows < p["cut_rows"][:, 1:])  # (n, h)
    in_cols = (cols >= p["cut_cols"][:, :1]) & (cols < p["cut_cols"][:, 1:])  # (n, w)
    keep = ~(in_rows[:, :, None] & in_cols[:, None, :])
    return x * keep[:, None].to(x.dtype)
