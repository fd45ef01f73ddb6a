"""How the critic is kept Lipschitz (or its gradients small): one interface, six constraints.

Every constraint answers the same calls, and the training loop makes all of them every
time, so it holds no per-constraint branches:

- ``prepare(critic)``: once, before the optimiser is built (spectral norm wraps layers);
- ``penalty_inputs(real, fake, rng, step)`` and ``penalty(score, inputs)``: the points
  whose input gradients are penalised at critic step ``step`` (the run's count of critic
  steps, 0-based, kept in the training state) and the penalty added to the critic loss,
  where ``score`` maps inputs to the critic's scalar values. Constraints without a penalty,
  and a lazy penalty between the steps it acts on, return no inputs (an empty batch), and
  an empty batch costs nothing and adds exactly zero;
- ``after_critic_step(critic)``: after each optimiser step (weight clipping).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor, nn

from .errors import ConfigError
from .input_gradients import input_gradient_norms, input_gradients
from .networks import uses_batch_norm, with_masked_activations


def random_interpolates(real: Tensor, fake: Tensor, generator: torch.Generator | None) -> Tensor:
    """x_hat = alpha * real + (1 - alpha) * fake, one alpha ~ U[0, 1] per sample.

    Gulrajani et al. 2017, Algorithm 1. Shapes (n, ...) -> (n, ...), detached.
    """
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    alpha = torch.rand(shape, generator=generator, device=real.device, dtype=real.dtype)
    return (alpha * real + (1 - alpha) * fake).detach()


class NoConstraint:
    """An unconstrained critic (what the standard GAN and f-GANs use)."""
    name = "none"

    def prepare(self, critic: nn.Module) -> nn.Module:
        return critic

    def penalty_inputs(self, real: Tensor, fake: Tensor, generator: torch.Generator | None,
                       step: int = 0) -> Tensor:
        """The points to penalise at critic step `step` (n, ...), or an empty batch (0, ...)."""
        return real[:0]

    def penalty(self, score: Callable[[Tensor], Tensor], inputs: Tensor) -> Tensor:
        return inputs.new_zeros((), dtype=torch.float32)

    def after_critic_step(self, critic: nn.Module) -> None:
        pass


@dataclass(frozen=True)
class WeightClipping(NoConstraint):
    """Clip every critic parameter to [-c, c] after each critic step (Arjovsky et al. 2017, Alg. 1, line 7)."""
    clip_value: float = 0.01
    name = "weight_clipping"

    @torch.no_grad()
    def after_critic_step(self, critic: nn.Module) -> None:
        for p in critic.parameters():
            p.clamp_(-self.clip_value, self.clip_value)


class InputGradientPenalty(NoConstraint):
    """What the penalties on the critic's input gradients share: a critic whose samples are
    scored independently (no batch norm), and lazy regularisation (Karras et al. 2020,
    StyleGAN2): with ``every = k`` the penalty acts on critic steps 0, k, 2k, ... only,
    multiplied by k, so that its expected gradient is that of the penalty on every step;
    between them it draws nothing and adds exactly zero.

    A subclass gives ``points(real, fake, rng)``, the inputs to penalise, and
    ``mean_penalty(score, inputs)``, the penalty of a step it acts on, the factor k included.
    """
    every: int = 1

    def prepare(self, critic: nn.Module) -> nn.Module:
        if uses_batch_norm(critic):
            raise ConfigError(
                f"the {self.name} constraint cannot be used with a batch-norm critic: the penalty constrains "
                "each sample's gradient, but batch norm makes every score depend on the whole batch. "
                "Set model.critic_norm to 'layer' (as in WGAN-GP), 'instance' or 'none'")
        return with_masked_activations(critic)

    def acts_at(self, step: int) -> bool:
        """Whether the penalty acts at critic step `step` (0-based)."""
        return step % self.every == 0

    def penalty_inputs(self, real: Tensor, fake: Tensor, generator: torch.Generator | None,
                       step: int = 0) -> Tensor:
        return self.points(real, fake, generator) if self.acts_at(step) else real[:0]

    def penalty(self, score: Callable[[Tensor], Tensor], inputs: Tensor) -> Tensor:
        """score: inputs (n, ...) -> critic values (n,); the gradients and the penalty are in
        float32. Exactly zero for an empty batch (a step the penalty skips)."""
        if inputs.shape[0] == 0:
            return super().penalty(score, inputs)
        return self.mean_penalty(score, inputs)

    def points(self, real: Tensor, fake: Tensor, generator: torch.Generator | None) -> Tensor:
        raise NotImplementedError

    def mean_penalty(self, score: Callable[[Tensor], Tensor], inputs: Tensor) -> Tensor:
        raise NotImplementedError


@dataclass(frozen=True)
class GradientPenalty(InputGradientPenalty):
    """lambda * E[(||grad f(x_hat)|| - 1)^2] on random interpolates (Gulrajani et al. 2017, eq. 3).

    With ``one_sided=True``: lambda * E[max(0, ||grad f(x_hat)|| - 1)^2], which only
    punishes slopes above 1 (the same paper, appendix; Petzka et al. 2018). With
    ``every = k``: k times that, on every k-th critic step only (see InputGradientPenalty).
    """
    weight: float = 0.1  # the config's constraint.penalty_weight
    one_sided: bool = False
    every: int = 1

    @property
    def name(self) -> str:
        return "one_sided_penalty" if self.one_sided else "gradient_penalty"

    def points(self, real: Tensor, fake: Tensor, generator: torch.Generator | None) -> Tensor:
        return random_interpolates(real, fake, generator)

    def mean_penalty(self, score: Callable[[Tensor], Tensor], inputs: Tensor) -> Tensor:
        excess = input_gradient_norms(score, inputs, create_graph=True) - 1.0
        if self.one_sided:
            excess = excess.clamp(min=0.0)
        return (self.every * self.weight) * excess.square().mean()


@dataclass(frozen=True)
class R1Penalty(InputGradientPenalty):
    """gamma / 2 * E_real[||grad f(x)||^2] (Mescheder et al. 2018, eq. 9): zero-centred, on
    the real batch exactly as the critic scores it (after instance noise and augmentation),
    never on generated data or interpolates. With ``every = k``: k * gamma / 2 * E||grad||^2
    on every k-th critic step and 0 on the others (StyleGAN2's lazy R1).
    """
    gamma: float = 10.0  # the config's constraint.r1_gamma
    every: int = 1
    name = "r1"

    def points(self, real: Tensor, fake: Tensor, generator: torch.Generator | None) -> Tensor:
        return real.detach()

    def mean_penalty(self, score: Callable[[Tensor], Tensor], inputs: Tensor) -> Tensor:
        squares = input_gradients(score, inputs, create_graph=True).float().flatten(1).square().sum(dim=1)
        return (self.every * self.gamma / 2) * squares.mean()


class SpectralNorm(NoConstraint):
    """Divide each weight by its largest singular value (Miyato et al. 2018).

    Wraps every Linear and Conv layer with torch's spectral_norm parametrisation
    (one power iteration per forward pass in training mode).
    """
    name = "spectral_norm"

    def prepare(self, critic: nn.Module) -> nn.Module:
        layers = [m for m in critic.modules() if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d))]
        for layer in layers:
            nn.utils.parametrizations.spectral_norm(layer)
        return critic
