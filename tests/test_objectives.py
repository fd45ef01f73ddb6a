import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import Tensor

from wgan.config import F_DIVERGENCE_NAMES, OBJECTIVES, load_config
from wgan.errors import ConfigError
from wgan.objectives import F_DIVERGENCES, FGAN, Cramer, StandardGAN, Wasserstein, lambertw_exp
from wgan.recipe import make_objective

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
    # stable at logits where sigmoid saturates: softplus(1e4) = 1e4, softplus(-1e4) = 0 exactly
    huge = torch.tensor([1e4, -1e4])
    assert gan.critic_loss(huge, huge).item() == (1e4 + 1e4) / 2       # mean [0, 1e4] + mean [1e4, 0]
    assert minimax.generator_loss(huge).item() == -1e4 / 2
    assert gan.generator_loss(huge).item() == 1e4 / 2


def _samples(masses: list[float], n: int) -> np.ndarray:
    """n points 0, 1, 2, ... in proportion to masses (multiples of 1 / n): sample means are
    then exact expectations."""
    counts = np.rint(np.asarray(masses) * n).astype(int)
    assert counts.sum() == n and np.allclose(counts / n, masses, rtol=0, atol=1e-12)
    return np.repeat(np.arange(len(masses)), counts)


@pytest.mark.parametrize("p, q", [
    ([0.5, 0.3, 0.2, 0.0], [0.1, 0.2, 0.3, 0.4]),    # the last point is outside P's support
    ([0.25, 0.25, 0.25, 0.25], [0.1, 0.2, 0.3, 0.4]),
    ([0.6, 0.4], [0.6, 0.4]),                         # P = Q: JS = 0
    ([1.0, 0.0], [0.0, 1.0]),                         # disjoint supports: JS = log 2
])
def test_gan_estimate_is_js_at_the_optimal_discriminator(p, q):
    """D*(x) = p / (p + q), so its logits are V*(x) = log p(x) / q(x) (+-inf off a support);
    StandardGAN.estimate on them is JS(P, Q) in nats, which scipy computes independently."""
    from scipy.spatial.distance import jensenshannon

    p_, q_ = np.asarray(p), np.asarray(q)
    with np.errstate(divide="ignore"):
        logits = torch.as_tensor(np.log(p_) - np.log(q_))
    real, fake = _samples(p, 20), _samples(q, 20)
    estimate = StandardGAN().estimate(logits[real], logits[fake]).item()
    js = jensenshannon(p_, q_) ** 2  # natural logs: the divergence in nats
    assert estimate == pytest.approx(js, rel=1e-12, abs=1e-15)
    # any other discriminator gives less: D = 1/2 everywhere gives exactly 0
    assert StandardGAN().estimate(torch.zeros(20), torch.zeros(20)).item() == pytest.approx(0.0, abs=1e-15)


def test_gan_estimate_is_js_between_two_gaussians():
    """P = N(0, 1), Q = N(1, 1): V*(x) = log p(x) / q(x) = 1/2 - x at n quantile points of each
    (deterministic samples, so the sample means are quadratures); JS by numerical integration."""
    from scipy import integrate, stats

    mu, n = 1.0, 200_000
    x = stats.norm.ppf((np.arange(n) + 0.5) / n)
    logits = lambda y: torch.as_tensor(stats.norm.logpdf(y) - stats.norm.logpdf(y, loc=mu))
    estimate = StandardGAN().estimate(logits(x), logits(x + mu)).item()
    p, q = stats.norm(0, 1).pdf, stats.norm(mu, 1).pdf
    js, _ = integrate.quad(lambda y: 0.5 * p(y) * math.log(2 * p(y) / (p(y) + q(y)))
                           + 0.5 * q(y) * math.log(2 * q(y) / (p(y) + q(y))), -30, 30, limit=200)
    assert 0.05 < js < math.log(2)
    assert estimate == pytest.approx(js, abs=1e-6)


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


def _kl(p: np.ndarray, q: np.ndarray) -> float:
    return float(np.sum(p * np.log(p / q)))


def _js(p: np.ndarray, q: np.ndarray) -> float:
    from scipy.spatial.distance import jensenshannon

    return float(jensenshannon(p, q) ** 2)


# D_f(P || Q) for discrete P, Q with full support, written without f (Nowozin et al. 2016, Table 1).
CLOSED_FORMS = {
    "kl": _kl,
    "reverse_kl": lambda p, q: _kl(q, p),
    "pearson": lambda p, q: float(np.sum((p - q) ** 2 / q)),
    "neyman": lambda p, q: float(np.sum((p - q) ** 2 / p)),
    "squared_hellinger": lambda p, q: float(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)),
    "jeffrey": lambda p, q: _kl(p, q) + _kl(q, p),
    "jensen_shannon": lambda p, q: 2 * _js(p, q),
    "gan": lambda p, q: 2 * _js(p, q) - math.log(4),
}


def _inverse(increasing, t: Tensor) -> Tensor:
    """v with increasing(v) = t, by bisection on [-60, 60]."""
    lo, hi = torch.full_like(t, -60.0), torch.full_like(t, 60.0)
    for _ in range(200):
        mid = (lo + hi) / 2
        below = increasing(mid) < t
        lo, hi = torch.where(below, mid, lo), torch.where(below, hi, mid)
    return (lo + hi) / 2


@pytest.mark.parametrize("name", F_DIVERGENCE_NAMES)
def test_bound_is_tight_at_the_optimal_critic(name):
    d = F_DIVERGENCES[name]
    p = torch.tensor([0.1, 0.4, 0.3, 0.2])
    q = torch.tensor([0.25, 0.25, 0.2, 0.3])
    divergence = CLOSED_FORMS[name](p.numpy(), q.numpy())
    assert (q * d.f(p / q)).sum().item() == pytest.approx(divergence, rel=1e-9)
    t_star = d.derivative(p / q)
    bound = (p * t_star).sum() - (q * d.conjugate(t_star)).sum()
    assert bound.item() == pytest.approx(divergence, rel=1e-9)
    # the objective itself, on the raw critic outputs V* = g_f^-1(T*) at samples of P and Q
    v_star = _inverse(d.activation, t_star)
    assert torch.allclose(d.activation(v_star), t_star, rtol=1e-12, atol=1e-12)
    real, fake = _samples(p.tolist(), 20), _samples(q.tolist(), 20)
    assert FGAN(d).estimate(v_star[real], v_star[fake]).item() == pytest.approx(divergence, rel=1e-9)
    # any other critic gives less
    other = t_star + 0.1 * torch.tensor([1.0, -1.0, 0.5, -0.5])
    other = other.clamp(max=d.domain[1] - 1e-3)
    assert ((p * other).sum() - (q * d.conjugate(other)).sum()).item() < divergence


def test_lambert_w_and_its_gradient():
    from scipy.special import lambertw

    a = torch.tensor([-5.0, 0.0, 1.0, 3.0, 50.0, 700.0], requires_grad=True)
    w = lambertw_exp(a)
    expected = [lambertw(math.exp(x)).real for x in a.tolist()[:5]]  # e^700 is too big for scipy
    assert np.allclose(w.detach().numpy()[:5], expected, rtol=1e-12)
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
    with pytest.raises(ConfigError, match="objective.name = 'no_such_loss'"):
        make_objective("no_such_loss")
    with pytest.raises(ConfigError, match="allowed values are wasserstein"):
        load_config(None, ["objective.name='no_such_loss'"])


def test_estimate_keys_follow_one_scheme():
    """metrics.jsonl and TensorBoard name the critic's estimate critic_<name>_estimate (and
    eval_critic_<name>_estimate on the held-out set), <name> the quantity it estimates."""
    expected = {"wasserstein": "critic_w_estimate", "gan": "critic_js_estimate",
                "fgan": "critic_kl_estimate", "cramer": "critic_cramer_estimate", "hinge": "critic_hinge_estimate"}
    assert set(expected) == set(OBJECTIVES)
    for name in OBJECTIVES:
        assert make_objective(name).estimate_key == expected[name]
    keys = {}
    for divergence in F_DIVERGENCE_NAMES:
        for mode in ("saddle", "non_saturating"):
            key = make_objective("fgan", generator_loss=mode, divergence=divergence).estimate_key
            assert key == f"critic_{divergence}_estimate"
            keys[divergence] = key
    assert StandardGAN("minimax").estimate_key == "critic_js_estimate"
    every = list(keys.values()) + [expected[n] for n in ("wasserstein", "gan", "cramer", "hinge")]
    assert len(set(every)) == len(every)  # no two objectives share a series
    assert all(re.fullmatch(r"critic_[a-z_]+_estimate", key) for key in every)
