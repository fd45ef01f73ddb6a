"""Evaluation of a generator against held-out real data during and after training.

Reports the exact W1 next to the real-vs-real noise floor at the same n, the critic's
own W estimate and its empirical Lipschitz constant, and, for Gaussian mixtures,
modes captured and the share of high-quality samples.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from .data.standardize import unstandardized
from .data.toy import GaussianMixture
from .floors import floor_draws, heldout_pair_draw, reference_draw, w1_floor
from .input_gradients import CriticScore, input_gradient_norms
from .lipschitz import random_interpolates
from .networks import chunk_rows, cpu_layout, evaluating, generate, in_chunks
from .objectives import Objective, Wasserstein
from .transport import wasserstein

# PacGAN (Lin et al. 2018): a mode is lost when fewer than 20 of 2,500 samples are
# high-quality samples of it.
MODE_CAPTURE_FRACTION = 20 / 2500


def mode_metrics(samples: np.ndarray, mixture: GaussianMixture, n_std: float = 3.0) -> dict:
    """Modes captured and high-quality share of samples (n, d) from a Gaussian mixture.

    A sample is high quality when it lies within `n_std` standard deviations of its
    nearest centre (VEEGAN, Srivastava et al. 2017; PacGAN). A mode is captured when it
    holds at least 20/2500 of the samples as high-quality samples. Perfect samples score
    about 98.9% in 2-D, since a 2-D Gaussian puts 1.1% of its mass beyond 3 std.
    """
    distances = np.linalg.norm(samples[:, None, :] - mixture.centers[None, :, :], axis=2)
    nearest = distances.argmin(axis=1)
    good = distances[np.arange(len(samples)), nearest] <= n_std * mixture.std
    counts = np.bincount(nearest[good], minlength=len(mixture.centers))
    needed = max(1, math.ceil(MODE_CAPTURE_FRACTION * len(samples)))
    return {
        "modes": int((counts >= needed).sum()),
        "modes_total": int(len(mixture.centers)),
        "high_quality": float(good.mean()),
    }


# Numbers per evaluation the critic's estimate and slope are measured through (its forward and
# input-gradient passes are the costliest part of evaluating pictures): 256 pictures at 64 x 64 RGB.
CRITIC_WORK = 256 * 3 * 64 * 64
CRITIC_MIN_SAMPLES = 100


def critic_sample_count(m: int, dim: int) -> int:
    """k, the samples a side (and interpolates) the critic's estimate of W and its empirical
    Lipschitz constant are measured on, for m samples a side of `dim` numbers each:
    min(m, max(100, CRITIC_WORK // dim)): all m on points, MNIST and 32 x 32 RGB pictures,
    768 at 64 x 64 grey, 256 at 64 x 64 RGB, 100 from 128 x 128 RGB."""
    return max(1, min(m, max(CRITIC_MIN_SAMPLES, CRITIC_WORK // max(1, dim))))


def critic_lipschitz(critic: nn.Module, real: Tensor, fake: Tensor,
                     generator: torch.Generator | None = None, chunk: int | None = None,
                     objective: Objective | None = None, context: dict[str, Tensor] | None = None) -> float:
    """The largest ||grad f|| over random interpolates of real and fake: an empirical lower
    bound on the critic's Lipschitz constant K. real, fake: (n, ...). f is the critic's
    scalar function: its output, or `objective.critic_values` of it with the critic's outputs
    on the objective's extra batches, `context` (n, k) each (Cramer's anchor)."""
    inputs = cpu_layout(random_interpolates(real, fake, generator), critic)
    chunk = chunk or chunk_rows(inputs.device)
    objective = objective or Wasserstein()
    context = context or {}

    def norms(start: int) -> Tensor:
        rows = {name: out[start:start + chunk] for name, out in context.items()}
        score = CriticScore(critic, objective, rows)
        return input_gradient_norms(score, inputs[start:start + chunk], create_graph=False)

    return float(torch.cat([norms(i) for i in range(0, len(inputs), chunk)]).max())


@dataclass
class Evaluator:
    """Fixed held-out samples and fixed latent vectors, so evaluations are comparable over steps.

    real: (n, *shape) held-out samples; latent: (n, latent_dim), plus a second fixed set for
    objectives that need an independent generated batch; floor: exact W1 between two
    independent real sets of size n; floor_std: its standard deviation over `draws`
    evaluation draws (`floors.floor_draws`; NaN for one draw). W1 uses the Euclidean distance
    between flattened samples (pixel space for images). n is the m a side of
    `floors.w1_pair_size` (every sample asked for up to 2,000 on points and small pictures;
    500 at 64 x 64 RGB): W1 and its floor are measured on m generated and m held-out
    samples; the critic's estimate of W and its slope (empirical Lipschitz constant, over
    interpolates of the same pairs) on the first k = `critic_sample_count` of them, under
    `critic_n` (all m but on pictures of 64 x 64 RGB and up: 256 there). w1_samples:
    `eval.w1_samples` (0: that rule).
    units: the data's Standardization when the networks work in standardised units (a point
    file); W1 and its floor are then measured in the data's own units, the critic's numbers in
    the networks'. Build one with `make_evaluator`.
    """
    real: np.ndarray
    latent: Tensor
    second_latent: Tensor
    floor: float
    mixture: GaussianMixture | None
    objective: Objective
    seed: int
    units: Any = None
    floor_std: float = float("nan")
    draws: int = 1
    w1_samples: int = 0

    def in_data_units(self, x: np.ndarray) -> np.ndarray:
        """Points (n, d) from the networks' units into the data's own."""
        return x if self.units is None else self.units.to_data(x)

    @torch.no_grad()
    def generate(self, generator: nn.Module, n: int | None = None, second: bool = False) -> Tensor:
        """Samples from the first n fixed latent vectors (the second set with `second`)."""
        return generate(generator, (self.second_latent if second else self.latent)[:n])

    @torch.no_grad()
    def critic_context(self, generator: nn.Module, critic: nn.Module, n: int | None = None) -> dict[str, Tensor]:
        """The critic's outputs on the objective's extra generated batches, from the second
        set of fixed latents (Cramer's anchors), by name; empty for most objectives."""
        with evaluating(critic):
            return {name: in_chunks(critic, self.generate(generator, n, second=True))
                    for name in self.objective.batches("critic")}

    @torch.no_grad()
    def __call__(self, generator: nn.Module, critic: nn.Module) -> dict:
        objective = self.objective
        fake = self.generate(generator)
        real = torch.as_tensor(self.real, device=fake.device)
        k = critic_sample_count(len(real), real[0].numel())
        context = self.critic_context(generator, critic, k)
        with evaluating(critic):
            estimate = float(objective.estimate(in_chunks(critic, real[:k]), in_chunks(critic, fake[:k]), **context))
            noise = torch.Generator(device=fake.device).manual_seed(self.seed)
            lipschitz = critic_lipschitz(critic, real[:k], fake[:k], noise, objective=objective, context=context)
        fake_np = fake.cpu().numpy()
        n = len(fake_np)
        result = {
            "w1": wasserstein(self.in_data_units(fake_np).reshape(n, -1), self.in_data_units(self.real).reshape(n, -1)),
            "w1_floor": self.floor,
            "eval_n": n,
            "w1_n": n,
            f"eval_{objective.estimate_key}": estimate,
            "critic_lipschitz": lipschitz,
            "critic_n": k,
        }
        if self.draws > 1:
            result.update(w1_floor_std=self.floor_std, draws=self.draws)
        if objective.name == "wasserstein":
            result["critic_w_over_lipschitz"] = estimate / lipschitz if lipschitz > 0 else float("nan")
        if self.mixture is not None:
            result.update(mode_metrics(fake_np, self.mixture))
        return result


def make_evaluator(data, n: int, latent_dim: int, seed: int, objective: Objective | None = None,
                   draws: int = 1, w1_samples: int = 0) -> Evaluator:
    """Draw the held-out set (m <= n samples: `floors.w1_pair_size` with `w1_samples`), the
    reference set for the floor (m distinct training samples where the data has a training
    set) and the latent vectors once; with draws > 1, also the floor's spread over `draws`
    evaluation draws of m (those of `wgan evaluate --repeats draws -n m`; solved once, then
    read from the floor cache)."""
    real = heldout_pair_draw(data, n, np.random.default_rng([seed, 1]), w1_samples)
    reference = reference_draw(data, len(real), np.random.default_rng([seed, 2]))
    latent = torch.randn(len(real), latent_dim, generator=torch.Generator().manual_seed(seed + 3))
    second = torch.randn(len(real), latent_dim, generator=torch.Generator().manual_seed(seed + 4))
    units = getattr(data, "standardization", None)
    if units is not None:
        floor = w1_floor(units.to_data(reference), units.to_data(real))
    else:
        floor = w1_floor(reference, real)
    floor_std = (float(np.std(floor_draws(unstandardized(data), len(real), draws, asked=w1_samples), ddof=1))
                 if draws > 1 else float("nan"))
    return Evaluator(real, latent, second, floor, data.mixture, objective or Wasserstein(), seed, units,
                     floor_std, draws, w1_samples)
