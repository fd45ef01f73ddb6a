"""What the critic and the generator optimise.

An objective turns critic scores into two losses (both minimised) and into the
critic's estimate of the distance it measures. Scores are raw critic outputs of
shape (n,); nothing here knows about networks or Lipschitz constraints.
"""
from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

from .errors import ConfigError


@dataclass(frozen=True)
class Wasserstein:
    """Kantorovich-Rubinstein dual of W1 (Arjovsky et al. 2017, eq. 3; no sigmoid).

    The critic maximises E[f(real)] - E[f(fake)], so it minimises the negative;
    the generator minimises -E[f(fake)]. For a K-Lipschitz critic the estimate is
    K * W1, so it is a lower bound on W1 only when K <= 1.
    """
    name: str = "wasserstein"

    def critic_loss(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        return fake_scores.mean() - real_scores.mean()

    def generator_loss(self, fake_scores: Tensor) -> Tensor:
        return -fake_scores.mean()

    def estimate(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        """The critic's W estimate E[f(real)] - E[f(fake)]."""
        return real_scores.mean() - fake_scores.mean()


OBJECTIVES = {"wasserstein": Wasserstein}


def make_objective(name: str) -> Wasserstein:
    try:
        return OBJECTIVES[name]()
    except KeyError:
        raise ConfigError(f"objective.name = {name!r}: allowed values are "
                          f"{', '.join(OBJECTIVES)}") from None
