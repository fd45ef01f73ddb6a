import numpy as np
import pytest
import torch
from torch import nn

from wgan.data import EIGHT_GAUSSIANS, TWENTY_FIVE_GAUSSIANS
from wgan.metrics import critic_lipschitz, make_evaluator, mode_metrics
from wgan.data import load_data


def test_perfect_samples_score_about_98_9_percent():
    # P(||N(0, I_2)|| <= 3) = 1 - exp(-9/2) = 0.98889
    x = TWENTY_FIVE_GAUSSIANS.sample(100_000, np.random.default_rng(0))
    m = mode_metrics(x, TWENTY_FIVE_GAUSSIANS)
    assert m["high_quality"] == pytest.approx(1 - np.exp(-4.5), abs=0.002)
    assert m["modes"] == 25 and m["modes_total"] == 25


def test_dropped_modes_and_off_mode_samples():
    rng = np.random.default_rng(0)
    x = EIGHT_GAUSSIANS.sample(4000, rng)
    nearest = np.linalg.norm(x[:, None] - EIGHT_GAUSSIANS.centers[None], axis=2).argmin(1)
    keep = x[nearest >= 2]                    # modes 0 and 1 dropped
    off = np.zeros((len(keep), 2))            # as many samples at the origin, far from every centre
    m = mode_metrics(np.concatenate([keep, off]), EIGHT_GAUSSIANS)
    assert m["modes"] == 6
    assert m["high_quality"] == pytest.approx(0.5 * (1 - np.exp(-4.5)), abs=0.01)


def test_mode_needs_its_share_of_samples():
    # PacGAN: fewer than 20 of 2500 high-quality samples means the mode is lost.
    centers = EIGHT_GAUSSIANS.centers
    x = np.concatenate([np.repeat(centers[:1], 19, 0), np.repeat(centers[1:2], 2481, 0)])
    assert mode_metrics(x, EIGHT_GAUSSIANS)["modes"] == 1
    x = np.concatenate([np.repeat(centers[:1], 20, 0), np.repeat(centers[1:2], 2480, 0)])
    assert mode_metrics(x, EIGHT_GAUSSIANS)["modes"] == 2


def test_critic_lipschitz_of_a_linear_critic_is_its_weight_norm():
    layer = nn.Linear(2, 1)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[3.0, 4.0]]))
    critic = nn.Sequential(layer, nn.Flatten(0))
    assert critic_lipschitz(critic, torch.randn(10, 2), torch.randn(10, 2)) == pytest.approx(5.0, rel=1e-6)


def test_evaluator_floor_is_real_vs_real_and_fixed():
    data = load_data("eight_gaussians")
    a = make_evaluator(data, 500, latent_dim=4, seed=1)
    b = make_evaluator(data, 500, latent_dim=4, seed=1)
    assert a.floor == b.floor and np.array_equal(a.real, b.real)
    assert 0.03 < a.floor < 0.2  # measured: about 0.08 at n = 500 for 8 Gaussians
