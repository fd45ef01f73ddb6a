"""What a part must provide to take the place of a built-in one: the contracts, in one place.

`wgan.train(config, run_dir, generator=..., critic=..., objective=..., constraint=...,
optimizers=..., callbacks=..., loggers=...)` takes any object that provides the members of
its protocol below; `check` names, on one line, what a given object lacks. The built-in
parts (`wgan.networks`, `wgan.objectives`, `wgan.lipschitz`, `wgan.conditional`,
`wgan.callbacks`) are implementations of these protocols.

Shapes: a batch of n samples is (n, *shape), (n, d) for points and (n, C, H, W) for images;
latents are (n, latent_dim); labels are class indices (n,) int64.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Protocol, runtime_checkable

from .errors import ConfigError

Tensor = Any  # torch.Tensor (not imported here, so that reading the contracts costs nothing)
Module = Any  # torch.nn.Module


@runtime_checkable
class Generator(Protocol):
    """z (n, latent_dim) -> samples (n, *shape); an nn.Module. A conditional generator
    (model.conditional) also takes labels (n,) and has `num_classes`."""
    latent_dim: int

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor: ...
    def parameters(self) -> Iterable[Any]: ...
    def state_dict(self) -> Mapping[str, Any]: ...
    def load_state_dict(self, state: Mapping[str, Any]) -> Any: ...


@runtime_checkable
class Critic(Protocol):
    """x (n, *shape) -> scores (n,), no sigmoid; or features (n, k) for the Cramer objective
    (k = the objective's `output_dim`); an nn.Module. A penalty (gradient_penalty, r1, ...)
    needs every sample scored on its own: no batch norm."""

    def forward(self, x: Tensor) -> Tensor: ...
    def parameters(self) -> Iterable[Any]: ...
    def state_dict(self) -> Mapping[str, Any]: ...
    def load_state_dict(self, state: Mapping[str, Any]) -> Any: ...


@runtime_checkable
class FeatureCritic(Critic, Protocol):
    """A critic that a conditioning (model.conditional = projection or auxiliary) can wrap:
    forward(x) = head(features(x))."""

    def features(self, x: Tensor) -> Tensor: ...
    def head(self, features: Tensor) -> Tensor: ...


@runtime_checkable
class Objective(Protocol):
    """Turns critic outputs into two losses, both minimised (see `wgan.objectives`). Each
    takes the critic's outputs on real and generated batches, (n,) (or (n, k) for a feature
    critic), and those on the extra batches the objective asks for, by name.

    Optional, with these defaults (`wgan.objectives.Objective`): `name`, `estimate_key`
    ("critic_estimate"), `output_dim` (1), `batches(step)` (none),
    `estimate(real, fake)` (minus the critic loss), `critic_values(outputs)` (the outputs),
    `mean_critic_values(outputs)`, `runaway_estimate(w1)` (100 x W1).
    """

    def critic_loss(self, real: Tensor, fake: Tensor, **batches: Tensor) -> Tensor: ...
    def generator_loss(self, fake: Tensor, **batches: Tensor) -> Tensor: ...


@runtime_checkable
class LipschitzConstraint(Protocol):
    """How the critic is kept Lipschitz (see `wgan.lipschitz`): `prepare` once before the
    optimiser is built; per critic step `penalty_inputs` ((m, *shape), m = 0 for none) and
    `penalty` (a 0-dim tensor added to the critic loss; `score` maps inputs to critic values
    (m,)); `after_critic_step` after each optimiser step."""
    name: str

    def prepare(self, critic: Module) -> Module: ...
    def penalty_inputs(self, real: Tensor, fake: Tensor, generator: Any, step: int = 0) -> Tensor: ...
    def penalty(self, score: Callable[[Tensor], Tensor], inputs: Tensor) -> Tensor: ...
    def after_critic_step(self, critic: Module) -> None: ...


@runtime_checkable
class Conditioning(Protocol):
    """How labels enter a training step (see `wgan.conditional`)."""
    num_classes: int

    def draw_labels(self, n: int, noise: Any) -> Tensor | None: ...
    def generate(self, generator: Module, z: Tensor, labels: Tensor | None) -> Tensor: ...
    def critic_outputs(self, critic: Module, x: Tensor, labels: Tensor | None) -> tuple[Tensor, Tensor | None]: ...
    def critic_class_loss(self, logits: Tensor | None, labels: Tensor | None) -> Tensor | float: ...
    def generator_class_loss(self, logits: Tensor | None, labels: Tensor | None) -> Tensor | float: ...


@runtime_checkable
class Callback(Protocol):
    """Watches training (see `wgan.callbacks.base` for the order of the moments); subclass
    `wgan.Callback`, which does nothing at every moment, and override what you need.

    `state_dict()` is saved in every checkpoint (under the callback's class name) and given
    back to `load_state_dict` when the run resumes, before `on_start`."""

    def on_start(self, state: Any) -> None: ...
    def on_step(self, state: Any) -> None: ...
    def requests(self, state: Any) -> set[str]: ...
    def on_log(self, state: Any, record: dict[str, Any], evaluate: bool) -> None: ...
    def on_checkpoint(self, state: Any, ranks: list[dict[str, Any]]) -> None: ...
    def on_end(self, state: Any, interrupted: bool) -> None: ...
    def close(self) -> None: ...
    def state_dict(self) -> dict[str, Any]: ...
    def load_state_dict(self, state: Mapping[str, Any]) -> None: ...


@runtime_checkable
class Logger(Protocol):
    """Receives a run's scalars and figures (main process only)."""

    def start(self, run_dir: Path, config: Mapping[str, Any]) -> None: ...
    def log_metrics(self, step: int, metrics: Mapping[str, float]) -> None: ...
    def log_image(self, step: int, name: str, png: bytes) -> None: ...
    def close(self) -> None: ...


@runtime_checkable
class Optimizers(Protocol):
    """The optimisers and learning-rate schedules of both networks, as factories; `role` is
    "critic" or "generator". `optimizer(params, role)` returns a torch.optim.Optimizer and
    `scheduler(optimizer, role)` a torch.optim.lr_scheduler.LRScheduler (stepped once per
    generator step) or None for the config's schedule. A plain function
    `(params, role) -> optimizer` may be given instead: its schedule is the config's."""

    def optimizer(self, params: Iterable[Any], role: str) -> Any: ...
    def scheduler(self, optimizer: Any, role: str) -> Any: ...


def members(protocol: type) -> list[str]:
    """The names a protocol asks for (its methods and annotated attributes), in order."""
    names: list[str] = []
    for cls in reversed(protocol.__mro__):
        if cls is object or cls is Protocol or not getattr(cls, "_is_protocol", False):
            continue
        for name in [*getattr(cls, "__annotations__", {}), *vars(cls)]:
            if not name.startswith("_") and name not in names:
                names.append(name)
    return names


def missing(obj: Any, protocol: type) -> list[str]:
    """The members of `protocol` that `obj` lacks."""
    return [name for name in members(protocol) if not hasattr(obj, name)]


def check(obj: Any, protocol: type, what: str, hint: str = "") -> Any:
    """`obj` itself when it provides every member of `protocol`; else a ConfigError naming,
    on one line, `what` it is and the members it lacks."""
    lacking = missing(obj, protocol)
    if lacking:
        raise ConfigError(f"{what} ({type(obj).__name__}) lacks {', '.join(lacking)}: a {protocol.__name__} "
                          f"provides {', '.join(members(protocol))} (see wgan.protocols){'; ' + hint if hint else ''}")
    return obj
