"""A user's own parts, written outside wgan: a generator and a critic (plain nn.Modules), a
least-squares GAN objective, AdamW with warmup and cosine decay from torch, and a callback
with state. Imported by tests/test_own_parts.py, and by `wgan` subprocesses through the
import paths "own_parts:Generator", "own_parts:Critic", "own_parts:LeastSquares"."""
from __future__ import annotations

import math

import torch
from torch import nn

import wgan


class Generator(nn.Module):
    """z (n, latent_dim) -> points (n, dim): a two-layer MLP with ELUs."""

    def __init__(self, latent_dim: int, dim: int, width: int = 32) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.body = nn.Sequential(nn.Linear(latent_dim, width), nn.ELU(), nn.Linear(width, width), nn.ELU(),
                                  nn.Linear(width, dim))

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.body(z)


class Critic(nn.Module):
    """points (n, dim) -> scores (n,)."""

    def __init__(self, dim: int, width: int = 32) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(dim, width), nn.LeakyReLU(0.2), nn.Linear(width, width),
                                  nn.LeakyReLU(0.2), nn.Linear(width, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x).squeeze(1)


class LeastSquares:
    """The least-squares GAN (Mao et al. 2017, eq. 2 with a = 0, b = c = 1): the critic
    regresses real scores to 1 and generated ones to 0, the generator pulls its scores to 1."""
    name = "least_squares"
    estimate_key = "critic_ls_estimate"

    def critic_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return 0.5 * (real - 1).square().mean() + 0.5 * fake.square().mean()

    def generator_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return 0.5 * (fake - 1).square().mean()

    def estimate(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """E D(real) - E D(fake): at the optimal critic D = p / (p + q), half the triangular
        discrimination, integral of (p - q)^2 / (p + q), over 2."""
        return real.mean() - fake.mean()


class AdamWCosine:
    """torch.optim.AdamW, linear warmup over `warmup` generator steps, then cosine decay to 0."""

    def __init__(self, steps: int, warmup: int = 3, lr: float = 2e-3, weight_decay: float = 1e-2) -> None:
        self.steps, self.warmup, self.lr, self.weight_decay = steps, warmup, lr, weight_decay

    def optimizer(self, params, role: str) -> torch.optim.Optimizer:
        return torch.optim.AdamW(params, lr=self.lr, betas=(0.5, 0.9), weight_decay=self.weight_decay)

    def scheduler(self, optimizer: torch.optim.Optimizer, role: str):
        schedules = torch.optim.lr_scheduler
        warm = schedules.LinearLR(optimizer, start_factor=0.1, total_iters=self.warmup)
        cosine = schedules.CosineAnnealingLR(optimizer, T_max=self.steps - self.warmup)
        return schedules.SequentialLR(optimizer, [warm, cosine], milestones=[self.warmup])


def cosine_lr(step: int, steps: int, warmup: int = 3, lr: float = 2e-3) -> float:
    """The learning rate AdamWCosine gives after `step` generator steps, by hand."""
    if step < warmup:
        return lr * (0.1 + 0.9 * step / warmup)
    return lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / (steps - warmup)))


class StepLedger(wgan.Callback):
    """A callback with state: the generator steps it has seen and the sum of their logged
    generator losses, checkpointed with the run (`state_dict` / `load_state_dict`)."""

    def __init__(self) -> None:
        self.steps_seen, self.loss_sum, self.loaded = 0, 0.0, None

    def on_step(self, state) -> None:
        self.steps_seen += 1

    def on_log(self, state, record, evaluate: bool) -> None:
        self.loss_sum += record.get("generator_loss", 0.0)

    def state_dict(self) -> dict:
        return {"steps_seen": self.steps_seen, "loss_sum": self.loss_sum}

    def load_state_dict(self, state: dict) -> None:
        self.steps_seen, self.loss_sum, self.loaded = state["steps_seen"], state["loss_sum"], dict(state)
