"""How the critic is kept Lipschitz: one interface, four constraints.

Every constraint answers the same three calls, and the training loop makes all of
them every time, so it holds no per-constraint branches:

- ``prepare(critic)``: once, before the optimiser is built (spectral norm wraps layers);
- ``penalty_inputs(real, fake, rng)`` and ``penalty(score, inputs)``: extra critic
  inputs and the penalty added to the critic loss, where ``score`` maps inputs to the
  critic's scalar values (gradient penalty; the others return no inputs and zero);
- ``after_critic_step(critic)``: after each optimiser step (weight clipping).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor, nn

from .config import CONSTRAINTS as CONSTRAINT_NAMES
from .config import ConstraintConfig, registry
from .errors import ConfigError
from .input_gradients import input_gradient_norms
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

    def penalty_inputs(self, real: Tensor, fake: Tensor, generator: torch.Generator | None) -> Tensor:
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


@dataclass(frozen=True)
class GradientPenalty(NoConstraint):
    """lambda * E[(||grad f(x_hat)|| - 1)^2] on random interpolates (Gulrajani et al. 2017, eq. 3).

    With ``one_sided=True``: lambda * E[max(0, ||grad f(x_hat)|| - 1)^2], which only
    punishes slopes above 1 (the same paper, appendix; Petzka et al. 2018).
    """
    weight: float = ConstraintConfig.penalty_weight  # one default, the config's
    one_sided: bool = False

    @property
    def name(self) -> str:
        return "one_sided_penalty" if self.one_sided else "gradient_penalty"

    def prepare(self, critic: nn.Module) -> nn.Module:
        if uses_batch_norm(critic):
            raise ConfigError(
                "a gradient penalty cannot be used with a batch-norm critic: the penalty constrains "
                "each sample's gradient, but batch norm makes every score depend on the whole batch. "
                "Set model.critic_norm to 'layer' (as in WGAN-GP), 'instance' or 'none'")
        return with_masked_activations(critic)

    def penalty_inputs(self, real: Tensor, fake: Tensor, generator: torch.Generator | None) -> Tensor:
        return random_interpolates(real, fake, generator)

    def penalty(self, score: Callable[[Tensor], Tensor], inputs: Tensor) -> Tensor:
        """score: inputs (n, ...) -> critic values (n,); the norm and the penalty are in float32."""
        excess = input_gradient_norms(score, inputs, create_graph=True) - 1.0
        if self.one_sided:
            excess = excess.clamp(min=0.0)
        return self.weight * excess.square().mean()


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


CONSTRAINTS = registry("constraint.name", CONSTRAINT_NAMES, {
    NoConstraint.name: lambda config: NoConstraint(),
    WeightClipping.name: lambda config: WeightClipping(config.clip_value),
    "gradient_penalty": lambda config: GradientPenalty(config.penalty_weight, one_sided=False),
    "one_sided_penalty": lambda config: GradientPenalty(config.penalty_weight, one_sided=True),
    SpectralNorm.name: lambda config: SpectralNorm(),
})


def make_constraint(config: ConstraintConfig) -> NoConstraint:
    """The constraint named by `config.name`, with its parameters."""
    if config.name not in CONSTRAINTS:
        raise ConfigError(f"constraint.name = {config.name!r}: allowed values are {', '.join(CONSTRAINTS)}")
    return CONSTRAINTS[config.name](config)
