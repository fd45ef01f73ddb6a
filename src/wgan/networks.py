"""Generators and critics: plain nn.Modules that know nothing about the objective.

A critic returns raw scores of shape (n,), with no sigmoid. A generator maps
latent vectors (n, latent_dim) to samples and carries its `latent_dim`.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from .config import ModelConfig

_ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "elu": nn.ELU,
    "tanh": nn.Tanh,
}


def mlp(in_dim: int, out_dim: int, width: int, depth: int, activation: str = "relu") -> nn.Sequential:
    """`depth` hidden layers of `width` units with `activation`, then a linear output."""
    layers: list[nn.Module] = []
    dim = in_dim
    for _ in range(depth):
        layers += [nn.Linear(dim, width), _ACTIVATIONS[activation]()]
        dim = width
    layers.append(nn.Linear(dim, out_dim))
    return nn.Sequential(*layers)


class MLPGenerator(nn.Module):
    """z (n, latent_dim) -> x (n, data_dim). The WGAN-GP toy generator is width 512, depth 3."""

    def __init__(self, latent_dim: int, data_dim: int, width: int = 512, depth: int = 3,
                 activation: str = "relu") -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.net = mlp(latent_dim, data_dim, width, depth, activation)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)


class MLPCritic(nn.Module):
    """x (n, data_dim) -> scores (n,). Any further dimensions are flattened."""

    def __init__(self, data_dim: int, width: int = 512, depth: int = 3, activation: str = "relu") -> None:
        super().__init__()
        self.net = mlp(data_dim, 1, width, depth, activation)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x.flatten(1)).squeeze(1)


def make_networks(config: ModelConfig, data_dim: int) -> tuple[MLPGenerator, MLPCritic]:
    """The generator and critic described by `config` for samples of `data_dim` numbers."""
    generator = MLPGenerator(config.latent_dim, data_dim, config.generator_width,
                             config.generator_depth, config.activation)
    critic = MLPCritic(data_dim, config.critic_width, config.critic_depth, config.activation)
    return generator, critic


def sample_latent(n: int, latent_dim: int, generator: torch.Generator | None = None,
                  device: torch.device | str = "cpu") -> Tensor:
    """z ~ N(0, I): (n, latent_dim)."""
    return torch.randn(n, latent_dim, generator=generator, device=device)
