"""The optimisers and learning-rate schedules of training: torch.optim's own classes, and the
factor a torch.optim.lr_scheduler.LambdaLR multiplies the base learning rate by.

`recipe.make_optimizer` and `recipe.make_scheduler` build them from a config; this module
holds what they need without a config.
"""
from __future__ import annotations

import functools
import inspect
import math
from typing import Any, Iterable

import torch

# optim.name -> torch.optim class: Adam (Kingma & Ba 2015; weight decay added to the gradient),
# AdamW (Loshchilov & Hutter 2019; decoupled weight decay), RMSprop (Tieleman & Hinton 2012)
# and plain SGD.
OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {
    "adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "rmsprop": torch.optim.RMSprop, "sgd": torch.optim.SGD}


def kernel_options(cls: type[torch.optim.Optimizer], params: Iterable[torch.Tensor]) -> dict[str, Any]:
    """{"fused": True} where `cls` documents a `fused` argument and its fused kernel steps a
    parameter of this device and dtype; else {"foreach": True} where it documents `foreach`;
    else {}. Read from the class's signature and one probe step, never a list of devices."""
    first = next(iter(params), None)
    if first is None:
        return {}
    return _kernel_options(cls, first.device, first.dtype)


@functools.lru_cache(maxsize=None)
def _kernel_options(cls: type[torch.optim.Optimizer], device: torch.device, dtype: torch.dtype) -> dict[str, Any]:
    accepted = inspect.signature(cls).parameters
    if "fused" in accepted:
        probe = torch.zeros(1, device=device, dtype=dtype, requires_grad=True)
        probe.grad = torch.zeros_like(probe)
        try:
            cls([probe], lr=1e-3, fused=True).step()
            return {"fused": True}
        except (RuntimeError, ValueError):  # torch: "`fused=True` requires ... supported devices"
            pass
    return {"foreach": True} if "foreach" in accepted else {}


def lr_factor(schedule: str, step: int, total: int, warmup: int = 0) -> float:
    """The learning rate after `step` of `total` steps, as a multiple of the base rate.

    A linear warm-up from 0 over the first `warmup` steps (step / warmup; Goyal et al. 2017),
    then with s = (step - warmup) / (total - warmup), capped at 1:
    "constant" 1; "linear" 1 - s, reaching 0 at `total`; "cosine" (1 + cos(pi s)) / 2, the
    cosine annealing of Loshchilov & Hutter 2017 (SGDR) without restarts.
    """
    if step < warmup:
        return step / warmup
    if schedule == "constant":
        return 1.0
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    if schedule == "linear":
        return max(0.0, 1.0 - progress)
    if schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    raise ValueError(f"lr schedule {schedule!r}: expected constant, linear or cosine")
