"""The two demonstrations of why WGAN: vanishing GAN gradients, and biased sample gradients
of the Wasserstein distance (which the Cramer distance does not have).

Each function computes its figures' data and returns it; `plots` draws it and
`wgan demo ...` runs both.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .lipschitz import GradientPenalty, WeightClipping
from .networks import MLPCritic


@dataclass
class VanishingGradients:
    """Scores and input gradients over a grid x (k,) for a trained GAN discriminator D(x) =
    sigmoid(V(x)) and two WGAN critics f (clipped, penalised), with the two Gaussians."""
    x: np.ndarray
    real_mean: float
    fake_mean: float
    std: float
    discriminator: np.ndarray
    discriminator_grad: np.ndarray
    generator_grad_minimax: np.ndarray
    critics: dict[str, np.ndarray]
    critic_grads: dict[str, np.ndarray]


def _scores_and_grads(net: nn.Module, x: Tensor, link=lambda v: v) -> tuple[np.ndarray, np.ndarray]:
    x = x.clone().requires_grad_(True)
    y = link(net(x[:, None]))
    (grad,) = torch.autograd.grad(y.sum(), x)
    return y.detach().numpy(), grad.numpy()


def vanishing_gradients(real_mean: float = 2.0, fake_mean: float = -2.0, std: float = 0.3,
                        steps: int = 1500, batch_size: int = 256, seed: int = 0) -> VanishingGradients:
    """Arjovsky et al. 2017, Figure 2: two 1-D Gaussians far apart. A GAN discriminator is
    trained towards optimality, and WGAN critics with weight clipping (c = 0.01) and with a
    gradient penalty (lambda = 10), all small MLPs; returns their values and slopes."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)

    def batch(mean: float) -> Tensor:
        return (mean + std * torch.randn(batch_size, 1, generator=gen))

    def fit(net: nn.Module, loss_fn, optimizer, after=lambda: None) -> nn.Module:
        for _ in range(steps):
            loss = loss_fn(net, batch(real_mean), batch(fake_mean))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            after()
        return net

    def bce(net, real, fake):
        return F.softplus(-net(real)).mean() + F.softplus(net(fake)).mean()

    def wasserstein(net, real, fake):
        return net(fake).mean() - net(real).mean()

    penalty = GradientPenalty(10.0)

    def wasserstein_gp(net, real, fake):
        x_hat = penalty.penalty_inputs(real, fake, gen)
        return wasserstein(net, real, fake) + penalty.penalty(net, x_hat)

    discriminator = MLPCritic(1, 64, 2)
    fit(discriminator, bce, torch.optim.Adam(discriminator.parameters(), 1e-3))
    clipped = MLPCritic(1, 64, 2)
    clip = WeightClipping(0.01)
    fit(clipped, wasserstein, torch.optim.RMSprop(clipped.parameters(), 5e-4), lambda: clip.after_critic_step(clipped))
    penalised = MLPCritic(1, 64, 2)
    fit(penalised, wasserstein_gp, torch.optim.Adam(penalised.parameters(), 1e-3, betas=(0.5, 0.9)))

    x = torch.linspace(fake_mean - 3.0, real_mean + 3.0, 400)
    d, d_grad = _scores_and_grads(discriminator, x, torch.sigmoid)
    _, g_grad = _scores_and_grads(discriminator, x, lambda v: -F.softplus(v))  # d/dx log(1 - D(x))
    critics, grads = {}, {}
    for name, net in (("WGAN critic, weight clipping", clipped), ("WGAN critic, gradient penalty", penalised)):
        critics[name], grads[name] = _scores_and_grads(net, x)
    return VanishingGradients(x.numpy(), real_mean, fake_mean, std, d, d_grad, g_grad, critics, grads)


@dataclass
class BiasedGradients:
    """Expected sample gradients over theta (k,) for each (m, theta_star)."""
    theta: np.ndarray
    cases: list[dict]


def expected_sample_gradients(theta: np.ndarray, theta_star: float, m: int) -> dict:
    """Bellemare et al. 2017, section 3: P = Bernoulli(theta*), Q_theta = Bernoulli(theta),
    and P_m the empirical distribution of m draws from P (mean p_hat ~ Binomial(m, theta*)/m).

    W1(P_m, Q_theta) = |p_hat - theta|: its expected gradient is P(p_hat < theta) -
    P(p_hat > theta), while the true gradient of W1(P, Q_theta) is sign(theta - theta*).
    The Cramer distance l2^2(P_m, Q_theta) = (p_hat - theta)^2 has expected gradient
    2(theta - theta*): exactly the true one. Computed exactly from the binomial law.
    """
    from scipy.stats import binom

    k = np.arange(m + 1)
    pmf = binom.pmf(k, m, theta_star)
    p_hat = k / m
    below = (pmf[None, :] * (p_hat[None, :] < theta[:, None])).sum(1)
    above = (pmf[None, :] * (p_hat[None, :] > theta[:, None])).sum(1)
    wasserstein_expected = below - above
    # the theta where the expected sample W1 loss E|p_hat - theta| is smallest: a median of p_hat
    cdf = np.cumsum(pmf)
    sample_minimiser = float(p_hat[np.searchsorted(cdf, 0.5)])
    return {
        "m": m, "theta_star": theta_star,
        "wasserstein_expected": wasserstein_expected,
        "wasserstein_true": np.sign(theta - theta_star),
        "cramer_expected": 2 * (theta - theta_star),
        "cramer_true": 2 * (theta - theta_star),
        "wasserstein_sample_minimiser": sample_minimiser,
        "cramer_sample_minimiser": theta_star,
    }


def biased_gradients(sample_sizes: tuple[int, ...] = (1, 2, 5, 20, 100),
                     theta_stars: tuple[float, ...] = (0.33, 0.45), points: int = 201) -> BiasedGradients:
    theta = np.linspace(0.0, 1.0, points)
    cases = [expected_sample_gradients(theta, t, m) for t in theta_stars for m in sample_sizes]
    return BiasedGradients(theta, cases)


def monte_carlo_sample_gradients(theta: float, theta_star: float, m: int, draws: int,
                                 seed: int = 0) -> tuple[float, float]:
    """Mean over `draws` sample sets of d/dtheta |p_hat - theta| and d/dtheta (p_hat - theta)^2,
    by autograd, to check `expected_sample_gradients` independently."""
    rng = np.random.default_rng(seed)
    p_hat = torch.as_tensor(rng.binomial(m, theta_star, size=draws) / m)
    t = torch.tensor(float(theta), dtype=torch.float64, requires_grad=True)
    (gw,) = torch.autograd.grad((p_hat - t).abs().mean(), t)
    (gc,) = torch.autograd.grad((p_hat - t).square().mean(), t)
    return float(gw), float(gc)
