"""An exponential moving average of the generator's weights (Yazici et al. 2019, "The Unusual
Effectiveness of Averaging in GAN Training"): after generator step t,

    theta_ema <- decay * theta_ema + (1 - decay) * theta     (t > start)
    theta_ema <- theta                                       (t <= start)

Buffers (batch-norm running statistics) are copied from the trained generator, not averaged:
they describe the activations of the current weights, which the averaged weights track.
"""
from __future__ import annotations

import copy

import torch
from torch import nn


class ExponentialMovingAverage:
    """Holds `average`, a copy of the generator in eval mode, updated by `update`."""

    def __init__(self, generator: nn.Module, decay: float, start: int = 0) -> None:
        self.decay, self.start = decay, start
        self.average = copy.deepcopy(generator).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, generator: nn.Module, step: int) -> None:
        """Fold in the generator's weights after generator step `step` (1-based)."""
        decay = self.decay if step > self.start else 0.0
        for mine, theirs in zip(self.average.parameters(), generator.parameters()):
            mine.lerp_(theirs, 1.0 - decay) if decay else mine.copy_(theirs)
        for mine, theirs in zip(self.average.buffers(), generator.buffers()):
            mine.copy_(theirs)
