"""The parts a config names, built one way for training and for reloading a run.

A run's critic depends on the objective (Cramer's critic outputs `cramer_dim` features)
and on the constraint (spectral norm reparametrises its layers), so a run can only be
reloaded by building its networks exactly as training did: `build_networks`.
"""
from __future__ import annotations

from torch import nn

from .config import Config
from .lipschitz import NoConstraint, make_constraint
from .networks import make_networks
from .objectives import Objective, objective_from_config


def build_parts(config: Config) -> tuple[Objective, NoConstraint]:
    """The objective and Lipschitz constraint of `config`."""
    return objective_from_config(config.objective), make_constraint(config.constraint)


def build_networks(config: Config, shape: tuple[int, ...]) -> tuple[nn.Module, nn.Module]:
    """(generator, critic) for samples of `shape`, the critic prepared by the constraint.

    Call `torch.manual_seed` first for reproducible initial weights.
    """
    objective, constraint = build_parts(config)
    generator, critic = make_networks(config.model, shape, objective.output_dim)
    return generator, constraint.prepare(critic)
