"""From a config to the parts of a run, built once: the one place where names and settings
become pieces (networks, objective, constraint, conditioning, optimisers, schedules).

The pieces themselves (`wgan.networks`, `wgan.objectives`, `wgan.lipschitz`,
`wgan.conditional`) take plain arguments and know nothing of the config. Any part may be
given as an object instead (`wgan.train(..., generator=..., critic=..., objective=...,
constraint=..., optimizers=...)`: the object wins), or named in the config by an import
path "package.module:attribute" (model.generator, model.critic, objective.name), a
callable given those of the settings below that its signature names:

  networks: latent_dim, image_size, channels (images), dim (points: the point dimension),
            shape, width, depth (model.generator_* / model.critic_*), n_classes (the data's
            classes under model.conditional, else 0), out_dim (critics: the objective's
            output size, 1 but for Cramer)
  objective: generator_loss, divergence, cramer_dim

A run's critic depends on the objective (Cramer's critic outputs `cramer_dim` features)
and on the constraint (spectral norm reparametrises its layers), so a run is reloaded by
building its networks exactly as training did: `build_networks`.
"""
from __future__ import annotations

import importlib
import inspect
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np
import torch
from torch import nn

from . import distributed, protocols
from .augment import make_augment
from .conditional import (AuxiliaryConditioning, AuxiliaryCritic, NoConditioning, ProjectionConditioning,
                          ProjectionCritic, feature_dim)
from .config import (CONDITIONINGS, CONSTRAINTS, F_DIVERGENCE_NAMES, OBJECTIVES, RESNETS, Config,
                     ConstraintConfig, ModelConfig, ObjectiveConfig, registry)
from .ema import ExponentialMovingAverage
from .errors import ConfigError
from .lipschitz import GradientPenalty, NoConstraint, R1Penalty, SpectralNorm, WeightClipping
from .networks import DCGANCritic, DCGANGenerator, MLPCritic, MLPGenerator, evaluating, uses_batch_norm
from .objectives import F_DIVERGENCES, FGAN, Cramer, Hinge, Objective, StandardGAN, Wasserstein, completed
from .optimizers import OPTIMIZERS, kernel_options, lr_factor
from .resnets import HEADS, ResNetCritic, ResNetGenerator
from .steps import TrainingState, compile_losses

registry("model.resnet", RESNETS, HEADS)
registry("objective.divergence", F_DIVERGENCE_NAMES, F_DIVERGENCES)


# ---------------------------------------------------------------- import paths

def is_import_path(value: str) -> bool:
    """True for "package.module:attribute"."""
    return isinstance(value, str) and ":" in value


def import_object(path: str, key: str) -> Any:
    """The attribute named by "package.module:attribute"; `key`, the setting that named it."""
    module_name, _, attribute = path.partition(":")
    try:
        obj = importlib.import_module(module_name)
        for part in attribute.split("."):
            obj = getattr(obj, part)
    except Exception as exc:  # ImportError, AttributeError, or whatever the module raises on import
        raise ConfigError(f"{key} = {path!r} cannot be imported ({type(exc).__name__}: {first_line(exc)}); give "
                          "'package.module:attribute' of a module on the Python path (PYTHONPATH)") from None
    return obj


def first_line(error: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none)."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def call_with_settings(factory: Any, settings: dict[str, Any], key: str) -> Any:
    """factory(**those of `settings` its signature names); a parameter that is none of them
    must have a default."""
    if not callable(factory):
        raise ConfigError(f"{key}: {factory!r} is not callable; name a class or a function")
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return factory()
    kwargs: dict[str, Any] = {}
    for p in parameters:
        if p.kind is p.VAR_KEYWORD:
            kwargs.update(settings)
        elif p.kind is p.VAR_POSITIONAL:
            continue
        elif p.name in settings:
            kwargs[p.name] = settings[p.name]
        elif p.default is p.empty:
            raise ConfigError(f"{key}: its parameter {p.name!r} is none of the settings it may take "
                              f"({', '.join(settings)}); rename it or give it a default")
    try:
        return factory(**kwargs)
    except Exception as error:  # the user's code, whatever it raises
        given = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        raise ConfigError(f"{key}: {getattr(factory, '__name__', factory)}({given}) failed: "
                          f"{type(error).__name__}: {first_line(error)}") from None


def network_settings(model: ModelConfig, role: str, shape: tuple[int, ...], num_classes: int,
                     out_dim: int) -> dict[str, Any]:
    """What an imported network factory may ask for (see the module docstring)."""
    size = {"image_size": shape[1], "channels": shape[0]} if len(shape) == 3 else {"dim": math.prod(shape)}
    return {"latent_dim": model.latent_dim, **size, "shape": tuple(shape),
            "width": getattr(model, f"{role}_width"), "depth": getattr(model, f"{role}_depth"),
            "n_classes": num_classes, **({"out_dim": out_dim} if role == "critic" else {})}


# ---------------------------------------------------------------- names -> pieces

def _mode(config: ObjectiveConfig, default: str, allowed: tuple[str, ...], what: str) -> str:
    mode = default if config.generator_loss == "default" else config.generator_loss
    if mode not in allowed:
        raise ConfigError(f"objective.generator_loss = {config.generator_loss!r}: for {what} use "
                          f"{' or '.join(allowed)}")
    return mode


def _fgan(config: ObjectiveConfig) -> FGAN:
    if config.divergence not in F_DIVERGENCES:
        raise ConfigError(f"objective.divergence = {config.divergence!r}: allowed values are "
                          f"{', '.join(F_DIVERGENCES)}")
    return FGAN(F_DIVERGENCES[config.divergence], _mode(config, "saddle", ("saddle", "non_saturating"), "f-GANs"))


OBJECTIVE_MAKERS = registry("objective.name", OBJECTIVES, {
    Wasserstein.name: lambda config: Wasserstein(),
    StandardGAN.name: lambda config: StandardGAN(_mode(config, "non_saturating", ("minimax", "non_saturating"),
                                                       "the standard GAN")),
    FGAN.name: _fgan,
    Cramer.name: lambda config: Cramer(config.cramer_dim),
    Hinge.name: lambda config: Hinge(),
})

CONSTRAINT_MAKERS = registry("constraint.name", CONSTRAINTS, {
    NoConstraint.name: lambda config: NoConstraint(),
    WeightClipping.name: lambda config: WeightClipping(config.clip_value),
    "gradient_penalty": lambda config: GradientPenalty(config.penalty_weight, one_sided=False, every=config.every),
    "one_sided_penalty": lambda config: GradientPenalty(config.penalty_weight, one_sided=True, every=config.every),
    SpectralNorm.name: lambda config: SpectralNorm(),
    R1Penalty.name: lambda config: R1Penalty(config.r1_gamma, config.every),
})

CONDITIONING_MAKERS = registry("model.conditional", CONDITIONINGS, {
    NoConditioning.name: (NoConditioning, None),
    ProjectionConditioning.name: (ProjectionConditioning, ProjectionCritic),
    AuxiliaryConditioning.name: (AuxiliaryConditioning, AuxiliaryCritic),
})


def objective_from_config(config: ObjectiveConfig) -> Objective:
    """The objective `config.name` with its options, or the object an import path names."""
    if is_import_path(config.name):
        settings = {k: getattr(config, k) for k in ("generator_loss", "divergence", "cramer_dim")}
        made = call_with_settings(import_object(config.name, "objective.name"), settings, "objective.name")
        return completed(protocols.check(made, protocols.Objective, f"objective.name = {config.name!r}"))
    if config.name not in OBJECTIVE_MAKERS:
        raise ConfigError(f"objective.name = {config.name!r}: allowed values are {', '.join(OBJECTIVE_MAKERS)} "
                          "or 'package.module:attribute'")
    return OBJECTIVE_MAKERS[config.name](config)


def make_objective(name: str, generator_loss: str = "default", divergence: str = "kl",
                   cramer_dim: int = 256) -> Objective:
    """The objective `name` (wasserstein, gan, fgan, cramer, hinge) with its options."""
    return objective_from_config(ObjectiveConfig(name, generator_loss, divergence, cramer_dim))


def make_constraint(config: ConstraintConfig) -> NoConstraint:
    """The constraint named by `config.name`, with its parameters."""
    if config.name not in CONSTRAINT_MAKERS:
        raise ConfigError(f"constraint.name = {config.name!r}: allowed values are {', '.join(CONSTRAINT_MAKERS)}")
    return CONSTRAINT_MAKERS[config.name](config)


def make_conditioning(config: Config, num_classes: int) -> NoConditioning:
    """The conditioning of `config` (model.conditional, objective.auxiliary_*) over num_classes."""
    name = config.model.conditional
    if name == "none":
        return NoConditioning()
    if num_classes < 2:
        raise ConfigError(f"model.conditional = {name!r} needs labelled data with at least 2 classes, but "
                          f"data.name = {config.data.name!r} has {'no labels' if not num_classes else '1 class'}: "
                          "use digits, mnist, or a folder whose subfolders are the classes")
    if name == "auxiliary":
        return AuxiliaryConditioning(num_classes, config.objective.auxiliary_weight,
                                     config.objective.auxiliary_generator_weight)
    return ProjectionConditioning(num_classes)


def conditional_critic(kind: str, critic: nn.Module, num_classes: int, shape: tuple[int, ...]) -> nn.Module:
    """`critic` wrapped for model.conditional = kind (itself for "none"); a wrapped critic
    needs `features` and `head` (protocols.FeatureCritic)."""
    wrapper = CONDITIONING_MAKERS[kind][1]
    if wrapper is None:
        return critic
    protocols.check(critic, protocols.FeatureCritic, f"the critic under model.conditional = {kind!r}")
    return wrapper(critic, num_classes, feature_dim(critic, shape))


def _own_network(model: ModelConfig, role: str, shape: tuple[int, ...], classes: int, out_dim: int) -> nn.Module:
    """The network an import path (model.generator / model.critic) makes, checked."""
    key = f"model.{role}"
    path = getattr(model, role)
    net = call_with_settings(import_object(path, key), network_settings(model, role, shape, classes, out_dim), key)
    return checked_network(net, role, f"{key} = {path!r}")


def checked_network(net: Any, role: str, what: str) -> nn.Module:
    """`net` when it is an nn.Module with what its role needs (a generator: `latent_dim`)."""
    protocol = protocols.Generator if role == "generator" else protocols.Critic
    protocols.check(net, protocol, what)
    if not isinstance(net, nn.Module):
        raise ConfigError(f"{what} is a {type(net).__name__}, not a torch.nn.Module")
    return net


def make_networks(config: ModelConfig, shape: tuple[int, ...], critic_out_dim: int = 1,
                  num_classes: int = 0) -> tuple[nn.Module, nn.Module]:
    """The generator and critic described by `config` for samples of `shape`.

    shape: (d,) for points, (C, S, S) for images; images get a tanh generator output.
    `model.kind = "dcgan"` and `"resnet"` (see `wgan.resnets`) need images; `"mlp"` takes
    either (the WGAN paper's MLP generator is width 512, depth 4). `model.generator` /
    `model.critic`, when set, name the user's own (see the module docstring).
    critic_out_dim > 1 makes a feature critic (Cramer). Under `model.conditional` the
    generator takes labels of `num_classes` classes and the critic is wrapped (see `wgan.conditional`).
    """
    shape = tuple(shape)
    is_image = len(shape) == 3
    classes = num_classes if config.conditional != "none" else 0
    if config.conditional != "none" and num_classes < 2:
        raise ConfigError(f"model.conditional = {config.conditional!r} needs labelled data with at least 2 "
                          f"classes (got {num_classes}): use digits, mnist, or a folder whose subfolders are the classes")
    own = {role: _own_network(config, role, shape, classes, critic_out_dim)
           for role in ("generator", "critic") if getattr(config, role, "")}
    if len(own) < 2 and config.kind in ("dcgan", "resnet"):
        if not is_image:
            raise ConfigError(f"model.kind = {config.kind!r} needs image data, but the data has shape {shape}; "
                              "use model.kind = 'mlp' for points, or an image data.name")
        if shape[1] != shape[2]:
            raise ConfigError(f"model.kind = {config.kind!r} needs square images, got {shape[1]}x{shape[2]}")
    if config.kind == "resnet":
        def generator() -> nn.Module:
            return ResNetGenerator(config.latent_dim, shape[0], shape[1], config.generator_width, classes)

        def critic() -> nn.Module:
            return ResNetCritic(shape[0], shape[1], config.critic_width, config.resnet, critic_out_dim)
    elif config.kind == "dcgan":
        def generator() -> nn.Module:
            return DCGANGenerator(config.latent_dim, shape[0], shape[1], config.generator_width,
                                  config.generator_norm, classes)

        def critic() -> nn.Module:
            return DCGANCritic(shape[0], shape[1], config.critic_width, config.critic_norm, critic_out_dim)
    else:
        def generator() -> nn.Module:
            return MLPGenerator(config.latent_dim, shape, config.generator_width, config.generator_depth,
                                config.activation, tanh_output=is_image, num_classes=classes)

        def critic() -> nn.Module:
            return MLPCritic(math.prod(shape), config.critic_width, config.critic_depth, config.activation,
                             critic_out_dim)
    nets = {role: own[role] if role in own else make() for role, make in (("generator", generator),
                                                                           ("critic", critic))}
    generator, critic = nets["generator"], nets["critic"]
    return generator, conditional_critic(config.conditional, critic, classes, shape)


# ---------------------------------------------------------------- the recipe

@dataclass
class OptimizerFactories:
    """A user's optimisers and schedules (see `wgan.protocols.Optimizers`): optimizer(params,
    role) -> torch.optim.Optimizer, scheduler(optimizer, role) -> LRScheduler, or None for
    the config's schedule; role is "critic" or "generator"."""
    optimizer: Callable[[Iterator[nn.Parameter], str], Any]
    scheduler: Callable[[Any, str], Any] | None = None


def optimizer_factories(config: Config, optimizers: Any = None) -> OptimizerFactories:
    """The config's optimisers and schedules (optim.*), or the user's: an object with
    `optimizer` (and optionally `scheduler`), or a function (params, role) -> optimizer."""
    lrs = {"critic": config.optim.lr_critic, "generator": config.optim.lr_generator}
    ours = OptimizerFactories(lambda params, role: make_optimizer(config, params, lrs[role]),
                              lambda optimizer, role: make_scheduler(config, optimizer))
    if optimizers is None:
        return ours
    if hasattr(optimizers, "optimizer"):
        return OptimizerFactories(optimizers.optimizer, getattr(optimizers, "scheduler", None) or ours.scheduler)
    if callable(optimizers):
        return OptimizerFactories(optimizers, ours.scheduler)
    raise ConfigError(f"optimizers = {type(optimizers).__name__}: expected a function (params, role) -> "
                      "torch.optim.Optimizer, or an object with optimizer(params, role) and scheduler(optimizer, "
                      "role) (wgan.OptimizerFactories)")


def _optimiser_pair(factories: OptimizerFactories, net: nn.Module, role: str) -> tuple[Any, Any]:
    """(optimizer, scheduler) of one network, checked for what training calls on them."""
    optimizer = factories.optimizer(net.parameters(), role)
    lacking = [m for m in ("zero_grad", "step", "state_dict", "load_state_dict", "param_groups")
               if not hasattr(optimizer, m)]
    if lacking:
        raise ConfigError(f"the {role} optimizer factory returned a {type(optimizer).__name__}, which lacks "
                          f"{', '.join(lacking)}: return a torch.optim.Optimizer")
    scheduler = factories.scheduler(optimizer, role)
    lacking = [m for m in ("step", "get_last_lr", "state_dict", "load_state_dict") if not hasattr(scheduler, m)]
    if lacking:
        raise ConfigError(f"the {role} scheduler factory returned a {type(scheduler).__name__}, which lacks "
                          f"{', '.join(lacking)}: return a torch.optim.lr_scheduler.LRScheduler")
    return optimizer, scheduler


@dataclass
class Recipe:
    """The parts of a run, each the config's or the object given in its place."""
    generator: nn.Module
    critic: nn.Module          # prepared by the constraint, wrapped by the conditioning
    objective: Objective
    constraint: NoConstraint
    conditioning: NoConditioning
    optimizers: OptimizerFactories


def check_outputs(generator: nn.Module, critic: nn.Module, shape: tuple[int, ...], out_dim: int,
                  names: tuple[str, str]) -> None:
    """One batch of 2 through the networks (eval mode, no gradients): samples of `shape` from
    z (2, latent_dim), and scores (2,) (features (2, out_dim) for out_dim > 1) from them; a
    ConfigError line naming the network (`names`: generator's, critic's) otherwise."""
    def device(net: nn.Module) -> torch.device:
        return next(net.parameters(), torch.empty(0)).device

    expected = {names[0]: (2, *shape), names[1]: (2,) if out_dim == 1 else (2, out_dim)}
    inputs = {names[0]: f"z of shape (2, {generator.latent_dim})", names[1]: f"samples of shape {(2, *shape)}"}
    with torch.no_grad(), evaluating(generator, critic):
        for name, net, make in ((names[0], generator, lambda: torch.zeros(2, generator.latent_dim)),
                                (names[1], critic, lambda: torch.zeros(2, *shape))):
            try:
                out = net(make().to(device(net)))
            except Exception as error:  # the user's forward, whatever it raises
                raise ConfigError(f"{name} fails on {inputs[name]}: {type(error).__name__}: {first_line(error)}"
                                  ) from None
            if not isinstance(out, torch.Tensor) or tuple(out.shape) != expected[name]:
                got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
                raise ConfigError(f"{name} gives {got} for {inputs[name]}; expected {expected[name]}")


@dataclass
class Given:
    """The objects given to `wgan.train`, checked: the parts for `build_recipe`, the
    callbacks and the loggers."""
    parts: dict[str, Any]
    callbacks: list[Any]
    loggers: list[Any]


def check_given(*, generator: Any = None, critic: Any = None, objective: Any = None, constraint: Any = None,
                optimizers: Any = None, callbacks: Any = (), loggers: Any = ()) -> Given:
    """Each object given checked against its protocol (one ConfigError line naming what it
    lacks), before anything is loaded or built."""
    for value, role in ((generator, "generator"), (critic, "critic")):
        if value is not None:
            checked_network(value, role, f"{role}=")
    if objective is not None:
        protocols.check(objective, protocols.Objective, "objective=")
    if constraint is not None:
        protocols.check(constraint, protocols.LipschitzConstraint, "constraint=",
                        "subclass wgan.NoConstraint for the defaults")
    if optimizers is not None and not (callable(optimizers) or hasattr(optimizers, "optimizer")):
        optimizer_factories(Config(), optimizers)  # raises the line that says what it takes
    lists = {}
    for name, values, protocol, hint in (
            ("callbacks", callbacks, protocols.Callback, "subclass wgan.Callback, which has them all"),
            ("loggers", loggers, protocols.Logger, "")):
        if not isinstance(values, (list, tuple)):
            raise ConfigError(f"{name}= takes a list or tuple of objects, got {type(values).__name__}")
        lists[name] = [protocols.check(v, protocol, f"{name}[{i}]", hint) for i, v in enumerate(values)]
    return Given(dict(generator=generator, critic=critic, objective=objective, constraint=constraint,
                      optimizers=optimizers), lists["callbacks"], lists["loggers"])


def build_recipe(config: Config, shape: tuple[int, ...], num_classes: int = 0, *, generator: Any = None,
                 critic: Any = None, objective: Any = None, constraint: Any = None,
                 optimizers: Any = None) -> Recipe:
    """Every part of a run once: what the config names, unless an object is given for it
    (each checked against its protocol in `wgan.protocols`). Seeds torch with train.seed first."""
    if objective is not None:
        objective = completed(protocols.check(objective, protocols.Objective, "objective="))
    if constraint is not None:
        protocols.check(constraint, protocols.LipschitzConstraint, "constraint=",
                        "subclass wgan.NoConstraint for the defaults")
    objective = objective if objective is not None else objective_from_config(config.objective)
    constraint = constraint if constraint is not None else make_constraint(config.constraint)
    conditioning = make_conditioning(config, num_classes)
    torch.manual_seed(config.train.seed)
    built = {}
    if generator is None or critic is None:
        built = dict(zip(("generator", "critic"), make_networks(config.model, shape, objective.output_dim,
                                                                num_classes)))
    classes = num_classes if config.model.conditional != "none" else 0
    given = {"generator": generator, "critic": critic}
    names = tuple("=".join((role, "")) if given[role] is not None else
                  f"model.{role} = {getattr(config.model, role)!r}" if getattr(config.model, role) else
                  f"the {role} of model.kind = {config.model.kind!r}" for role in ("generator", "critic"))
    generator = built["generator"] if generator is None else checked_network(generator, "generator", "generator=")
    critic = built["critic"] if critic is None else checked_network(critic, "critic", "critic=")
    if any(given[r] is not None or getattr(config.model, r) for r in given):  # a network of the user's
        check_outputs(generator, critic, tuple(shape), objective.output_dim, names)
    if given["critic"] is not None:
        critic = conditional_critic(config.model.conditional, critic, classes, tuple(shape))
    return Recipe(generator, constraint.prepare(critic), objective, constraint, conditioning,
                  optimizer_factories(config, optimizers))


def build_parts(config: Config) -> tuple[Objective, NoConstraint]:
    """The objective and Lipschitz constraint of `config`."""
    return objective_from_config(config.objective), make_constraint(config.constraint)


def build_networks(config: Config, shape: tuple[int, ...], num_classes: int = 0, *, generator: Any = None,
                   critic: Any = None) -> tuple[nn.Module, nn.Module]:
    """(generator, critic) for samples of `shape` (and `num_classes` classes under
    model.conditional), the critic prepared by the constraint, as `build_recipe` builds them
    (seeded with train.seed); a generator or critic given is used in place of the config's."""
    recipe = build_recipe(config, shape, num_classes, generator=generator, critic=critic)
    return recipe.generator, recipe.critic


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
                process: distributed.Process = distributed.Process(), num_classes: int = 0,
                recipe: Recipe | None = None) -> TrainingState:
    """The training state of `recipe` (default: the config's, `build_recipe`): networks on
    the device, optimisers, schedules, random streams and the loss functions (compiled
    under train.compile); `num_classes`: the data's classes (used under model.conditional).

    Every process starts from the same networks; each draws its own data and noise.
    """
    recipe = recipe or build_recipe(config, shape, num_classes)
    generator, critic = recipe.generator, recipe.critic
    if config.train.fused_critic_pass and uses_batch_norm(critic):
        raise ConfigError("train.fused_critic_pass = true scores real and fake samples in one batch, "
                          "which mixes their batch-norm statistics; set it to false for a batch-norm critic")
    memory_format = torch.channels_last if config.train.channels_last and len(shape) == 3 else torch.preserve_format
    generator = generator.to(device, memory_format=memory_format)
    critic = critic.to(device, memory_format=memory_format)
    critic_opt, critic_schedule = _optimiser_pair(recipe.optimizers, critic, "critic")
    generator_opt, generator_schedule = _optimiser_pair(recipe.optimizers, generator, "generator")
    stream = [process.rank] if process.distributed else []
    state = TrainingState(
        generator, critic, critic_opt, generator_opt, critic_schedule, generator_schedule,
        noise=torch.Generator(device=device).manual_seed(config.train.seed + 1_000_003 * process.rank),
        data_rng=np.random.default_rng([config.train.seed, 0, *stream]),
        generator_sync=distributed.wrap(generator, process, device),
        critic_sync=distributed.wrap(critic, process, device),
        precision=config.train.precision,
        augment=make_augment(config.data.augment, config.data.augment_strength, shape),
        ema=ExponentialMovingAverage(generator, config.train.ema_decay, config.train.ema_start)
        if config.train.ema_decay > 0 else None,
        conditioning=recipe.conditioning,
    )
    if config.train.compile:
        compile_losses(state, recipe.objective, recipe.constraint, config.train.fused_critic_pass)
    return state
