import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from wgan.config import F_DIVERGENCE_NAMES, OBJECTIVES, load_config
from wgan.errors import ConfigError
from wgan.objectives import (F_DIVERGENCES, FGAN, Cramer, StandardGAN, Wasserstein, lambertw_exp,
                             make_objective)

@pytest.fixture(autouse=True, scope="module")
def float64():
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(torch.float32)


def test_wasserstein_losses_are_the_dual_objective():
    real, fake = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([-1.0, 0.0])
    w = Wasserstein()
    assert w.estimate(real, fake).item() == pytest.approx(2.5)
    assert w.critic_loss(real, fake).item() == pytest.approx(-2.5)
    assert w.generator_loss(fake).item() == pytest.approx(0.5)


def test_gan_losses_equal_torch_bce_with_logits():
    torch.manual_seed(0)
    real, fake = torch.randn(50) * 5, torch.randn(60) * 5
    bce = F.binary_cross_entropy_with_logits
    gan = StandardGAN("non_saturating")
    expected = bce(real, torch.ones(50)) + bce(fake, torch.zeros(60))
    assert gan.critic_loss(real, fake).item() == pytest.approx(expected.item(), rel=1e-12)
    assert gan.generator_loss(fake).item() == pytest.approx(bce(fake, torch.ones(60)).item(), rel=1e-12)
    minimax = StandardGAN("minimax")
    assert minimax.generator_loss(fake).item() == pytest.approx(-bce(fake, torch.zeros(60)).item(), rel=1e-12)
    # stable at logits where sigmoid saturates
    huge = torch.tensor([1e4, -1e4])
    assert torch.isfinite(gan.critic_loss(huge, huge)) and torch.isfinite(minimax.generator_loss(huge))


def test_gan_estimate_is_js_at_the_optimal_discriminator():
    # two discrete distributions: D*(x) = p / (p + q), V = 2 JS - log 4
    p, q = torch.tensor([0.5, 0.3, 0.2, 0.0]), torch.tensor([0.1, 0.2, 0.3, 0.4])
    m = (p + q) / 2
    js = 0.5 * sum(pi * math.log(pi / mi) for pi, mi in zip(p.tolist(), m.tolist()) if pi > 0) + \
        0.5 * sum(qi * math.log(qi / mi) for qi, mi in zip(q.tolist(), m.tolist()) if qi > 0)
    logits = torch.log(p.clamp(min=1e-300)) - torch.log(q)
    v = (p * -F.softplus(-logits)).sum() + (q * -F.softplus(logits)).sum()
    assert ((math.log(4) + v) / 2).item() == pytest.approx(js, rel=1e-9)


def _grid(lo, hi, n=400001):
    lo, hi = max(lo, -60.0), min(hi, 60.0)
    return torch.linspace(lo, hi, n)


@pytest.mark.parametrize("name", F_DIVERGENCE_NAMES)
def test_conjugate_is_the_supremum_of_u_t_minus_f(name):
    d = F_DIVERGENCES[name]
    u = _grid(d.u_domain[0] if d.u_domain[0] < 0 else 1e-6, d.u_domain[1])
    f_u = d.f(u)
    hi = min(d.domain[1] - 0.3, 3.0)  # keeps the maximising u inside the grid
    for t in torch.linspace(-3.0, hi, 9):
        numeric = torch.max(u * t - f_u).item()
        assert d.conjugate(t).item() == pytest.approx(numeric, abs=1e-3), f"{name} at t = {t.item():.3f}"


@pytest.mark.parametrize("name", F_DIVERGENCE_NAMES)
def test_activation_maps_the_reals_into_the_conjugate_domain(name):
    d = F_DIVERGENCES[name]
    v = torch.linspace(-30, 30, 2001)
    t = d.activation(v)
    assert (t < d.domain[1]).all() and (t > d.domain[0]).all()
    moderate = torch.linspace(-5, 5, 101)
    assert torch.allclose(d.conjugate_of_activation(moderate), d.conjugate(d.activation(moderate)),
                          rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", F_DIVERGENCE_NAMES)
def test_bound_is_tight_at_the_optimal_critic(name):
    d = F_DIVERGENCES[name]
    p = torch.tensor([0.1, 0.4, 0.3, 0.2])
    q = torch.tensor([0.25, 0.25, 0.2, 0.3])
    divergence = (q * d.f(p / q)).sum()
    t_star = d.derivative(p / q)
    bound = (p * t_star).sum() - (q * d.conjugate(t_star)).sum()
    assert bound.item() == pytest.approx(divergence.item(), rel=1e-9)
    # any other critic gives less
    other = t_star + 0.1 * torch.tensor([1.0, -1.0, 0.5, -0.5])
    other = other.clamp(max=d.domain[1] - 1e-3)
    assert ((p * other).sum() - (q * d.conjugate(other)).sum()).item() < divergence.item()


def test_lambert_w_and_its_gradient():
    from scipy.special import lambertw

    a = torch.tensor([-5.0, 0.0, 1.0, 3.0, 50.0, 700.0], requires_grad=True)
    w = lambertw_exp(a)
    expected = [lambertw(math.exp(x)).real if x < 700 else 700 - math.log(700) + math.log(700) / 700 * 0
                for x in a.tolist()]
    assert np.allclose(w.detach().numpy()[:5], expected[:5], rtol=1e-12)
    assert (w[5] + torch.log(w[5])).item() == pytest.approx(700.0, rel=1e-12)  # no overflow
    (grad,) = torch.autograd.grad(w.sum(), a)
    assert torch.allclose(grad, w / (1 + w))


def _train_fgan_critic(divergence: str, steps: int = 1500, mu: float = 0.5) -> float:
    """Fit an f-GAN critic between P = N(0, 1) and Q = N(mu, 1) and return its bound on a big sample."""
    from wgan.networks import MLPCritic

    torch.manual_seed(0)
    objective = make_objective("fgan", divergence=divergence)
    critic = MLPCritic(1, 32, 2).double()
    opt = torch.optim.Adam(critic.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1 - s / steps)
    gen = torch.Generator().manual_seed(1)
    for _ in range(steps):
        real = torch.randn(512, 1, generator=gen)
        fake = mu + torch.randn(512, 1, generator=gen)
        loss = objective.critic_loss(critic(real), critic(fake))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    with torch.no_grad():
        real = torch.randn(200_000, 1, generator=gen)
        fake = mu + torch.randn(200_000, 1, generator=gen)
        return objective.estimate(critic(real), critic(fake)).item()


def test_fgan_critic_estimates_closed_form_kl_and_pearson():
    mu = 0.5
    kl = mu ** 2 / 2                      # KL(N(0,1) || N(mu,1))
    pearson = math.exp(mu ** 2) - 1       # integral p^2 / q - 1
    assert _train_fgan_critic("kl", mu=mu) == pytest.approx(kl, rel=0.10)
    assert _train_fgan_critic("pearson", mu=mu) == pytest.approx(pearson, rel=0.10)


def test_fgan_generator_losses():
    v = torch.tensor([0.3, -1.2, 2.0])
    d = F_DIVERGENCES["gan"]
    saddle, heuristic = FGAN(d, "saddle"), FGAN(d, "non_saturating")
    # for the GAN divergence the saddle loss is the minimax GAN loss, the heuristic the non-saturating one
    assert saddle.generator_loss(v).item() == pytest.approx(StandardGAN("minimax").generator_loss(v).item())
    assert heuristic.generator_loss(v).item() == pytest.approx(StandardGAN().generator_loss(v).item())


def test_cramer_losses_by_hand():
    h_real = torch.tensor([[3.0, 4.0]])     # ||h|| = 5
    h_fake = torch.tensor([[0.0, 0.0]])
    anchor = torch.tensor([[0.0, 1.0]])
    cramer = Cramer(2)
    # f(x) = ||h(x) - h(x')|| - ||h(x)||
    assert cramer.critic_values(h_real, anchor).item() == pytest.approx(math.sqrt(9 + 9) - 5)
    assert cramer.critic_values(h_fake, anchor).item() == pytest.approx(1.0)
    assert cramer.estimate(h_real, h_fake, anchor).item() == pytest.approx(math.sqrt(18) - 5 - 1)
    # L_g = ||h_r - h_g|| + ||h_r - h_g'|| - ||h_g - h_g'||
    assert cramer.generator_loss(h_fake, h_real, anchor).item() == pytest.approx(5 + math.sqrt(18) - 1)
    many = torch.randn(7, 2)
    assert torch.allclose(cramer.mean_critic_values(h_real, many),
                          torch.stack([cramer.critic_values(h_real, a[None]) for a in many]).mean(0))


def test_make_objective_and_config_names_agree():
    assert set(F_DIVERGENCES) == set(F_DIVERGENCE_NAMES)
    for name in OBJECTIVES:
        assert make_objective(name).name == name
    with pytest.raises(ConfigError, match="for the standard GAN use minimax or non_saturating"):
        make_objective("gan", generator_loss="saddle")
    with pytest.raises(ConfigError, match="allowed values are kl"):
        make_objective("fgan", divergence="tv")
    with pytest.raises(ConfigError, match="objective.name = 'hinge'"):
        make_objective("hinge")
    with pytest.raises(ConfigError, match="allowed values are wasserstein"):
        load_config(None, ["objective.name='hinge'"])
