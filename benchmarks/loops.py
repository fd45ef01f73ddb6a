"""The two training loops every speed benchmark compares, built for any config: one
generator iteration as a plain textbook WGAN-GP loop (the reference code's shape) and
through `wgan.steps`, plus the timing both are measured with."""
from __future__ import annotations

import time

import numpy as np
import torch

from wgan.config import with_overrides
from wgan.recipe import build_parts, build_state, make_networks
from wgan.steps import compile_losses, critic_step, generator_step


class RandomImages:
    """Stand-in data for throughput: uniform noise images in [-1, 1]."""
    mixture = None

    def __init__(self, shape: tuple[int, int, int]) -> None:
        self.shape = shape

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(-1, 1, size=(n, *self.shape)).astype(np.float32)


def textbook_iteration(config, data, device: torch.device = torch.device("cpu")):
    """One generator iteration as the WGAN-GP reference code writes it (a closure)."""
    torch.manual_seed(0)
    generator, critic = (net.to(device) for net in make_networks(config.model, data.shape))
    opt_g = torch.optim.Adam(generator.parameters(), lr=1e-4, betas=(0.5, 0.9))
    opt_c = torch.optim.Adam(critic.parameters(), lr=1e-4, betas=(0.5, 0.9))
    rng, lam, batch = np.random.default_rng(0), config.constraint.penalty_weight, config.train.batch_size
    latent = config.model.latent_dim

    def one() -> None:
        for p in critic.parameters():
            p.requires_grad = True
        for _ in range(config.train.n_critic):
            real = torch.from_numpy(data.sample(batch, rng)).to(device)
            critic.zero_grad()
            d_real = critic(real).mean()
            fake = generator(torch.randn(batch, latent, device=device)).detach()
            d_fake = critic(fake).mean()
            alpha = torch.rand(batch, *([1] * (real.dim() - 1)), device=device)
            x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
            grad = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)[0]
            penalty = lam * ((grad.reshape(batch, -1).norm(2, dim=1) - 1) ** 2).mean()
            (d_fake - d_real + penalty).backward()
            opt_c.step()
        for p in critic.parameters():
            p.requires_grad = False
        generator.zero_grad()
        (-critic(generator(torch.randn(batch, latent, device=device))).mean()).backward()
        opt_g.step()

    return one


def our_iteration(config, data, precision: str = "fp32", compiled: bool = False,
                  device: torch.device = torch.device("cpu")):
    config = with_overrides(config, [f"train.precision='{precision}'"])
    objective, constraint = build_parts(config)
    state = build_state(config, data.shape, device)
    cfg = config.train
    if compiled:
        compile_losses(state, objective, constraint, cfg.fused_critic_pass)

    def one() -> None:
        for _ in range(cfg.n_critic):
            critic_step(state, data, objective, constraint, cfg.batch_size, cfg.fused_critic_pass)
        generator_step(state, data, objective, cfg.batch_size)

    return one


def rate(one, iterations: int, device: torch.device) -> float:
    one()
    return iterations / sum(timed(one, device) for _ in range(iterations))


def timed(fn, device: torch.device) -> float:
    """Wall seconds of fn(), waiting for the GPU's queued work on both sides."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start
