"""What the critic and the generator optimise.

An objective turns critic outputs into two losses (both minimised) and into the critic's
estimate of the distance or divergence it measures. Critic outputs are raw: shape (n,) for
every objective but Cramer, whose critic outputs features (n, k). Nothing here knows about
networks or Lipschitz constraints.

Every objective answers the same calls:
  batches(step) -> names                 the critic's extra batches in the "critic" or
                                          "generator" step: "real" is real data, any other
                                          name an independent generated batch (Cramer: "anchor")
  critic_values(outputs, **batches)      (n,) the scalar critic function (what a penalty constrains)
  critic_loss(real, fake, **batches)     minimised by the critic
  generator_loss(fake, **batches)        minimised by the generator
  estimate(real, fake, **batches)        the critic's estimate, named by `estimate_key`
where each extra batch arrives as the critic's outputs on it, by name.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import Tensor

LOG2 = math.log(2.0)


class Objective:
    """Defaults shared by the scalar-critic objectives."""
    name = "objective"
    estimate_key = "critic_estimate"
    output_dim = 1

    def batches(self, step: str) -> tuple[str, ...]:
        """Names of the batches the critic also sees in the "critic" or "generator" step."""
        return ()

    def critic_values(self, outputs: Tensor, anchor: Tensor | None = None) -> Tensor:
        return outputs

    def mean_critic_values(self, outputs: Tensor, anchor: Tensor | None = None) -> Tensor:
        """The critic function at each of n points (n,), averaged over a whole extra batch
        (m, k) where the objective compares against one (Cramer's anchors)."""
        return outputs

    def runaway_estimate(self, w1: float | None) -> float:
        """The |estimate| beyond which the critic is diverging, given the latest exact W1.

        A distance critic with slopes about 1 estimates about W1, so 100 x W1 means slopes of
        100 or more; a divergence estimate has no W1 scale and gets a fixed bound.
        """
        return math.inf if w1 is None else 100.0 * max(w1, 1e-3)


@dataclass(frozen=True)
class Wasserstein(Objective):
    """Kantorovich-Rubinstein dual of W1 (Arjovsky et al. 2017, eq. 3; no sigmoid).

    The critic maximises E[f(real)] - E[f(fake)], so it minimises the negative; the
    generator minimises -E[f(fake)]. For a K-Lipschitz critic the estimate is at most
    K * W1, so divide by K (reported as critic_w_over_lipschitz) to read it as W1.
    """
    name = "wasserstein"
    estimate_key = "critic_w_estimate"

    def critic_loss(self, real: Tensor, fake: Tensor, anchor: Tensor | None = None) -> Tensor:
        return fake.mean() - real.mean()

    def generator_loss(self, fake: Tensor, real: Tensor | None = None, anchor: Tensor | None = None) -> Tensor:
        return -fake.mean()

    def estimate(self, real: Tensor, fake: Tensor, anchor: Tensor | None = None) -> Tensor:
        """E[f(real)] - E[f(fake)]."""
        return real.mean() - fake.mean()


@dataclass(frozen=True)
class StandardGAN(Objective):
    """Goodfellow et al. 2014: D(x) = sigmoid(V(x)), computed from the logits V.

    Critic: minimise BCE = -E log D(real) - E log(1 - D(fake)) = E softplus(-V(real)) +
    E softplus(V(fake)). Generator: "minimax" minimises E log(1 - D(fake)) = -E softplus(V(fake));
    "non_saturating" minimises -E log D(fake) = E softplus(-V(fake)). At the optimal
    discriminator the value V = 2 JS(P, Q) - log 4, so the estimate (log 4 - BCE) / 2 is a
    lower bound on the Jensen-Shannon divergence (in nats, at most log 2).
    """
    generator_mode: str = "non_saturating"
    name = "gan"
    estimate_key = "critic_js_estimate"

    def critic_loss(self, real: Tensor, fake: Tensor, anchor: Tensor | None = None) -> Tensor:
        return F.softplus(-real).mean() + F.softplus(fake).mean()

    def generator_loss(self, fake: Tensor, real: Tensor | None = None, anchor: Tensor | None = None) -> Tensor:
        if self.generator_mode == "minimax":
            return -F.softplus(fake).mean()
        return F.softplus(-fake).mean()

    def estimate(self, real: Tensor, fake: Tensor, anchor: Tensor | None = None) -> Tensor:
        return (math.log(4.0) - self.critic_loss(real, fake)) / 2

    def runaway_estimate(self, w1: float | None) -> float:
        """JS <= log 2; an estimate below -100 nats means logits of hundreds on the wrong side."""
        return 100.0


# ---------------------------------------------------------------- f-divergences

def _lambertw_exp_newton(a: Tensor) -> Tensor:
    """W(exp(a)) by Newton's method on w + log(w) = a (float64 inside)."""
    a64 = a.double()
    w = torch.where(a64 > 1.0, a64 - torch.log(a64.clamp(min=1.0)), torch.exp(a64.clamp(max=1.0)))
    for _ in range(30):
        w = w - (w + torch.log(w) - a64) / (1.0 + 1.0 / w)
        w = w.clamp(min=1e-300)
    return w.to(a.dtype)


class _LambertWExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a: Tensor) -> Tensor:
        w = _lambertw_exp_newton(a)
        ctx.save_for_backward(w)
        return w

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        (w,) = ctx.saved_tensors
        return grad * w / (1.0 + w)  # dW(e^a)/da = W / (1 + W)


def lambertw_exp(a: Tensor) -> Tensor:
    """W(exp(a)), the principal Lambert W of e^a, for any real a without overflow."""
    return _LambertWExp.apply(a)


@dataclass(frozen=True)
class FDivergence:
    """One f-divergence D_f(P || Q) = integral of q(x) f(p(x) / q(x)) dx (Nowozin et al. 2016).

    f: the generator function; conjugate: its Fenchel conjugate f*(t) = sup_u (u t - f(u));
    activation: the output activation g_f : R -> dom f*; conjugate_of_activation: f*(g_f(v))
    in a numerically stable form; derivative: f', so that T*(x) = f'(p(x) / q(x)) is the
    optimal critic; domain: where f* is finite, as (low, high); u_domain: where f is taken.
    """
    name: str
    f: Callable[[Tensor], Tensor]
    conjugate: Callable[[Tensor], Tensor]
    activation: Callable[[Tensor], Tensor]
    conjugate_of_activation: Callable[[Tensor], Tensor]
    derivative: Callable[[Tensor], Tensor]
    domain: tuple[float, float] = (-math.inf, math.inf)
    u_domain: tuple[float, float] = (0.0, math.inf)


def _jeffrey_conjugate(t: Tensor) -> Tensor:
    w = lambertw_exp(1.0 - t)
    return w + 1.0 / w + t - 2.0


F_DIVERGENCES: dict[str, FDivergence] = {d.name: d for d in [
    FDivergence("kl", lambda u: u * torch.log(u), lambda t: torch.exp(t - 1), lambda v: v,
                lambda v: torch.exp(v - 1), lambda u: 1 + torch.log(u)),
    FDivergence("reverse_kl", lambda u: -torch.log(u), lambda t: -1 - torch.log(-t),
                lambda v: -torch.exp(-v), lambda v: v - 1, lambda u: -1 / u, domain=(-math.inf, 0.0)),
    FDivergence("pearson", lambda u: (u - 1) ** 2, lambda t: t ** 2 / 4 + t, lambda v: v,
                lambda v: v ** 2 / 4 + v, lambda u: 2 * (u - 1), u_domain=(-math.inf, math.inf)),
    FDivergence("neyman", lambda u: (1 - u) ** 2 / u, lambda t: 2 - 2 * torch.sqrt(1 - t),
                lambda v: 1 - torch.exp(-v), lambda v: 2 - 2 * torch.exp(-v / 2), lambda u: 1 - 1 / u ** 2,
                domain=(-math.inf, 1.0)),
    FDivergence("squared_hellinger", lambda u: (torch.sqrt(u) - 1) ** 2, lambda t: t / (1 - t),
                lambda v: 1 - torch.exp(-v), lambda v: torch.expm1(v), lambda u: 1 - 1 / torch.sqrt(u),
                domain=(-math.inf, 1.0)),
    FDivergence("jeffrey", lambda u: (u - 1) * torch.log(u), _jeffrey_conjugate, lambda v: v,
                _jeffrey_conjugate, lambda u: torch.log(u) + 1 - 1 / u),
    FDivergence("jensen_shannon", lambda u: -(u + 1) * torch.log((1 + u) / 2) + u * torch.log(u),
                lambda t: -torch.log(2 - torch.exp(t)), lambda v: LOG2 - F.softplus(-v),
                lambda v: F.softplus(v) - LOG2, lambda u: torch.log(2 * u / (1 + u)), domain=(-math.inf, LOG2)),
    FDivergence("gan", lambda u: u * torch.log(u) - (u + 1) * torch.log(u + 1),
                lambda t: -torch.log(1 - torch.exp(t)), lambda v: -F.softplus(-v), F.softplus,
                lambda u: torch.log(u / (u + 1)), domain=(-math.inf, 0.0)),
]}


@dataclass(frozen=True)
class FGAN(Objective):
    """Variational divergence minimisation (Nowozin et al. 2016, eq. 6):

        F(w, theta) = E_P[g_f(V(x))] - E_Q[f*(g_f(V(x)))] <= D_f(P || Q).

    The critic maximises F; the generator minimises it ("saddle", the paper's eq. 6) or
    maximises E_Q[g_f(V(x))] ("non_saturating", the paper's section 3.2 heuristic). F at
    the critic's optimum is the critic's estimate of D_f(P || Q).
    """
    divergence: FDivergence = F_DIVERGENCES["kl"]
    generator_mode: str = "saddle"
    name = "fgan"

    @property
    def estimate_key(self) -> str:
        return f"critic_{self.divergence.name}_estimate"

    def variational_bound(self, real: Tensor, fake: Tensor) -> Tensor:
        return self.divergence.activation(real).mean() - self.divergence.conjugate_of_activation(fake).mean()

    def critic_loss(self, real: Tensor, fake: Tensor, anchor: Tensor | None = None) -> Tensor:
        return -self.variational_bound(real, fake)

    def generator_loss(self, fake: Tensor, real: Tensor | None = None, anchor: Tensor | None = None) -> Tensor:
        if self.generator_mode == "non_saturating":
            return -self.divergence.activation(fake).mean()
        return -self.divergence.conjugate_of_activation(fake).mean()

    def estimate(self, real: Tensor, fake: Tensor, anchor: Tensor | None = None) -> Tensor:
        return self.variational_bound(real, fake)

    def runaway_estimate(self, w1: float | None) -> float:
        """Sample-based bounds of D_f stay far below 1e6 unless the critic's outputs run away."""
        return 1e6


@dataclass(frozen=True)
class Cramer(Objective):
    """The Cramer GAN of Bellemare et al. 2017 (Algorithm 1): the critic is a feature map h
    into R^k and the critic function is f(x) = ||h(x) - h(x_g')|| - ||h(x)||, with x_g' from
    an independent generated batch (the anchor). The critic maximises E f(real) - E f(fake)
    (a penalty, when chosen, is on f); the generator minimises the energy distance in
    feature space,
        L_g = E||h(x_r) - h(x_g)|| + E||h(x_r) - h(x_g')|| - E||h(x_g) - h(x_g')||.
    """
    output_dim: int = 256
    name = "cramer"
    estimate_key = "critic_cramer_estimate"

    def batches(self, step: str) -> tuple[str, ...]:
        """The anchor x_g' in both steps; the generator loss also needs the critic on real data."""
        return ("anchor", "real") if step == "generator" else ("anchor",)

    def critic_values(self, outputs: Tensor, anchor: Tensor | None = None) -> Tensor:
        return (outputs - anchor[: len(outputs)]).norm(dim=1) - outputs.norm(dim=1)

    def mean_critic_values(self, outputs: Tensor, anchor: Tensor | None = None) -> Tensor:
        return torch.cdist(outputs, anchor).mean(dim=1) - outputs.norm(dim=1)

    def critic_loss(self, real: Tensor, fake: Tensor, anchor: Tensor | None = None) -> Tensor:
        return -self.estimate(real, fake, anchor)

    def generator_loss(self, fake: Tensor, real: Tensor | None = None, anchor: Tensor | None = None) -> Tensor:
        return ((real - fake).norm(dim=1).mean() + (real - anchor).norm(dim=1).mean()
                - (fake - anchor).norm(dim=1).mean())

    def estimate(self, real: Tensor, fake: Tensor, anchor: Tensor | None = None) -> Tensor:
        return self.critic_values(real, anchor).mean() - self.critic_values(fake, anchor).mean()


@dataclass(frozen=True)
class Hinge(Objective):
    """The hinge loss (Lim & Ye 2017, Geometric GAN; the default of SNGAN and BigGAN).

    The critic minimises E[relu(1 - D(real))] + E[relu(1 + D(fake))]: it pushes D(real) up
    to the margin +1 and D(fake) down to -1, and no further. The generator minimises
    -E[D(fake)], as in WGAN.

    The estimate is the margin gap E[D(real)] - E[D(fake)] (without the relus). Pointwise,
    p relu(1 - D) + q relu(1 + D) is smallest at D = +1 where p > q and D = -1 where p < q,
    so for the unconstrained optimal critic the gap is 2 TV(P, Q), in [0, 2]; the gap of a
    critic with slopes up to K (spectral norm, a penalty) is also at most K * W1.
    """
    name = "hinge"
    estimate_key = "critic_hinge_estimate"

    def critic_loss(self, real: Tensor, fake: Tensor, anchor: Tensor | None = None) -> Tensor:
        return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()

    def generator_loss(self, fake: Tensor, real: Tensor | None = None, anchor: Tensor | None = None) -> Tensor:
        return -fake.mean()

    def estimate(self, real: Tensor, fake: Tensor, anchor: Tensor | None = None) -> Tensor:
        """E[D(real)] - E[D(fake)]: 2 TV(P, Q) at the unconstrained optimum (see the class)."""
        return real.mean() - fake.mean()

    def runaway_estimate(self, w1: float | None) -> float:
        """The loss pulls no output past the margins +-1 (an optimal critic's gap is at most 2):
        a gap above 100 means outputs of about 50 times the margin."""
        return 100.0


class OwnObjective(Objective):
    """A user's objective (see `wgan.protocols.Objective`) completed with the defaults of what
    it leaves out: its own members where it has them, `Objective`'s otherwise, and an estimate
    of minus the critic loss, under `critic_estimate`."""
    OPTIONAL = ("name", "estimate_key", "output_dim", "batches", "critic_values", "mean_critic_values",
                "runaway_estimate", "estimate")

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = getattr(inner, "name", type(inner).__name__)
        for attr in self.OPTIONAL[1:]:
            if hasattr(inner, attr):
                setattr(self, attr, getattr(inner, attr))

    def critic_loss(self, real: Tensor, fake: Tensor, **batches: Tensor) -> Tensor:
        return self.inner.critic_loss(real, fake, **batches)

    def generator_loss(self, fake: Tensor, **batches: Tensor) -> Tensor:
        return self.inner.generator_loss(fake, **batches)

    def estimate(self, real: Tensor, fake: Tensor, **batches: Tensor) -> Tensor:
        return -self.inner.critic_loss(real, fake, **batches)


def completed(objective: Any) -> Objective:
    """`objective` itself when it has every member the training loop calls; else wrapped in
    an OwnObjective that supplies the defaults."""
    if all(hasattr(objective, attr) for attr in OwnObjective.OPTIONAL):
        return objective
    return OwnObjective(objective)
