"""The parts a config names, built one way for training and for reloading a run.

Also the optimisers, schedules and random streams of a training state (`build_state`).
A run's critic depends on the objective (Cramer's critic outputs `cramer_dim` features)
and on the constraint (spectral norm reparametrises its layers), so a run can only be
reloaded by building its networks exactly as training did: `build_networks`.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np
import torch
from torch import nn

from . import distributed
from .augment import make_augment
from .conditional import make_conditioning
from .config import Config
from .ema import ExponentialMovingAverage
from .errors import ConfigError
from .lipschitz import NoConstraint, make_constraint
from .networks import make_networks, uses_batch_norm
from .objectives import Objective, objective_from_config
from .optimizers import OPTIMIZERS, kernel_options, lr_factor
from .steps import TrainingState


def build_parts(config: Config) -> tuple[Objective, NoConstraint]:
    """The objective and Lipschitz constraint of `config`."""
    return objective_from_config(config.objective), make_constraint(config.constraint)


def build_networks(config: Config, shape: tuple[int, ...], num_classes: int = 0) -> tuple[nn.Module, nn.Module]:
    """(generator, critic) for samples of `shape` (and `num_classes` classes under
    model.conditional), the critic prepared by the constraint.

    Call `torch.manual_seed` first for reproducible initial weights.
    """
    objective, constraint = build_parts(config)
    generator, critic = make_networks(config.model, shape, objective.output_dim, num_classes)
    return generator, constraint.prepare(critic)


def make_optimizer(config: Config, params: Iterator[nn.Parameter], lr: float) -> torch.optim.Optimizer:
    """torch.optim's class named by optim.name at learning rate `lr`, with optim.weight_decay
    (and optim.betas for Adam and AdamW), on its fused or foreach kernels where torch has them."""
    params = list(params)
    cls = OPTIMIZERS[config.optim.name]
    options = {"betas": config.optim.betas} if config.optim.name in ("adam", "adamw") else {}
    return cls(params, lr=lr, weight_decay=config.optim.weight_decay, **options, **kernel_options(cls, params))


def make_scheduler(config: Config, optimizer: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LambdaLR:
    """optim.lr_schedule after optim.warmup_steps of warm-up, over train.steps generator steps
    (`wgan.optimizers.lr_factor`), as a torch.optim.lr_scheduler.LambdaLR."""
    schedule, steps, warmup = config.optim.lr_schedule, config.train.steps, config.optim.warmup_steps

    def factor(step: int) -> float:
        return lr_factor(schedule, step, steps, warmup)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def build_state(config: Config, shape: tuple[int, ...], device: torch.device,
                process: distributed.Process = distributed.Process(), num_classes: int = 0) -> TrainingState:
    """Networks initialised from `train.seed`, the constraint applied, optimisers and RNGs;
    `num_classes`: the data's classes (used under model.conditional).

    Every process starts from the same networks; each draws its own data and noise.
    """
    conditioning = make_conditioning(config, num_classes)
    torch.manual_seed(config.train.seed)
    generator, critic = build_networks(config, shape, num_classes)
    if config.train.fused_critic_pass and uses_batch_norm(critic):
        raise ConfigError("train.fused_critic_pass = true scores real and fake samples in one batch, "
                          "which mixes their batch-norm statistics; set it to false for a batch-norm critic")
    memory_format = torch.channels_last if config.train.channels_last and len(shape) == 3 else torch.preserve_format
    generator = generator.to(device, memory_format=memory_format)
    critic = critic.to(device, memory_format=memory_format)
    critic_opt = make_optimizer(config, critic.parameters(), config.optim.lr_critic)
    generator_opt = make_optimizer(config, generator.parameters(), config.optim.lr_generator)
    stream = [process.rank] if process.distributed else []
    return TrainingState(
        generator, critic, critic_opt, generator_opt,
        make_scheduler(config, critic_opt), make_scheduler(config, generator_opt),
        noise=torch.Generator(device=device).manual_seed(config.train.seed + 1_000_003 * process.rank),
        data_rng=np.random.default_rng([config.train.seed, 0, *stream]),
        generator_sync=distributed.wrap(generator, process, device),
        critic_sync=distributed.wrap(critic, process, device),
        precision=config.train.precision,
        augment=make_augment(config.data.augment, config.data.augment_strength, shape),
        ema=ExponentialMovingAverage(generator, config.train.ema_decay, config.train.ema_start)
        if config.train.ema_decay > 0 else None,
        conditioning=conditioning,
    )
