"""One critic step and one generator step: the arithmetic of training, nothing else.

Arjovsky et al. 2017, Algorithm 1 (WGAN) and Gulrajani et al. 2017, Algorithm 1 (WGAN-GP)
are the same two steps with a different Lipschitz constraint: the steps call the
constraint's hooks and the objective's losses and know nothing else. `critic_losses` and
`generator_losses` are pure functions of their inputs and the networks' parameters, which
is what `train.compile` compiles. No I/O, no figures, no ranks here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Mapping

import numpy as np
import torch
from torch import Tensor, nn

from .config import Config
from .errors import ConfigError, WganError
from .augment import DiffAugment
from .conditional import NoConditioning
from .ema import ExponentialMovingAverage
from .input_gradients import CriticScore
from .lipschitz import NoConstraint
from .networks import sample_latent
from .objectives import Objective

PAPER_SCHEDULE_CRITIC_ITERS = 100


@dataclass
class TrainingState:
    """Everything that changes during training; `state_dict()` is enough to resume exactly."""
    generator: nn.Module
    critic: nn.Module
    critic_optimizer: torch.optim.Optimizer
    generator_optimizer: torch.optim.Optimizer
    critic_scheduler: torch.optim.lr_scheduler.LRScheduler
    generator_scheduler: torch.optim.lr_scheduler.LRScheduler
    noise: torch.Generator
    data_rng: np.random.Generator
    step: int = 0
    wall_s: float = 0.0
    critic_iterations: int = 0  # critic steps so far: the `step` a lazy penalty counts
    log_sums: dict[str, Any] = field(default_factory=dict)  # estimate, penalty, critic steps since the last log
    generator_sync: nn.Module | None = None  # what to call when gradients are averaged over
    critic_sync: nn.Module | None = None     # processes (DDP wrappers); the modules otherwise
    precision: str = "fp32"                  # fp32, bf16 or fp16 (autocast; fp16 with loss scaling)
    augment: DiffAugment | None = None       # applied to every critic input (data.augment)
    ema: ExponentialMovingAverage | None = None  # the averaged generator (train.ema_decay)
    critic_losses: Callable[..., tuple[Tensor, Tensor, Tensor]] | None = None  # compiled forms of
    generator_losses: Callable[..., Tensor] | None = None                     # the loss functions
    conditioning: NoConditioning = field(default_factory=NoConditioning)  # how labels enter (model.conditional)
    callback_states: dict[str, Any] = field(default_factory=dict)  # the callbacks' state_dicts, by name

    def __post_init__(self) -> None:
        self.generator_sync = self.generator_sync or self.generator
        self.critic_sync = self.critic_sync or self.critic
        device_type = self.noise.device.type
        self.critic_scaler = torch.amp.GradScaler(device_type, enabled=self.precision == "fp16")
        self.generator_scaler = torch.amp.GradScaler(device_type, enabled=self.precision == "fp16")
        self.reset_log_sums()

    @property
    def sampler(self) -> nn.Module:
        """The generator to sample from: the averaged one when there is one."""
        return self.ema.average if self.ema is not None else self.generator

    def reset_log_sums(self) -> None:
        zero = torch.zeros((), device=self.noise.device)
        self.log_sums = {"estimate": zero, "penalty": zero, "critic_steps": 0}

    def add_to_log_sums(self, estimate: Tensor, penalty: Tensor) -> None:
        sums = self.log_sums
        sums["estimate"] = sums["estimate"] + estimate
        sums["penalty"] = sums["penalty"] + penalty
        sums["critic_steps"] += 1

    def autocast(self) -> torch.autocast:
        """Mixed precision for the forward passes (a no-op at fp32)."""
        dtype = torch.float16 if self.precision == "fp16" else torch.bfloat16
        return torch.autocast(self.noise.device.type, dtype=dtype, enabled=self.precision != "fp32")

    def rng_state(self) -> dict[str, Any]:
        return {"noise_rng": self.noise.get_state(), "data_rng": self.data_rng.bit_generator.state,
                "torch_rng": torch.get_rng_state()}

    def load_rng_state(self, state: dict[str, Any]) -> None:
        try:
            self.noise.set_state(state["noise_rng"])
        except RuntimeError:  # a CPU generator's state does not fit a CUDA one, nor the reverse
            import warnings

            warnings.warn(f"the run moved to {self.noise.device}, whose random generator cannot take the "
                          "saved noise state; the noise stream continues from a fresh seed", stacklevel=2)
        self.data_rng.bit_generator.state = state["data_rng"]
        torch.set_rng_state(state["torch_rng"])

    def state_dict(self) -> dict[str, Any]:
        return {
            "generator": self.generator.state_dict(),
            "critic": self.critic.state_dict(),
            "critic_optimizer": self.critic_optimizer.state_dict(),
            "generator_optimizer": self.generator_optimizer.state_dict(),
            "critic_scheduler": self.critic_scheduler.state_dict(),
            "generator_scheduler": self.generator_scheduler.state_dict(),
            "critic_scaler": self.critic_scaler.state_dict(),
            "generator_scaler": self.generator_scaler.state_dict(),
            **self.rng_state(),
            "step": self.step,
            "wall_s": self.wall_s,
            "critic_iterations": self.critic_iterations,
            "log_sums": dict(self.log_sums),
            **({"ema_generator": self.ema.average.state_dict()} if self.ema is not None else {}),
            **({"callbacks": dict(self.callback_states)} if self.callback_states else {}),
        }

    def load_state_dict(self, state: dict[str, Any], rank: int | None = None) -> None:
        """Restore a checkpoint; `rank`: this process's random state from its "ranks" (torchrun)."""
        for name in ("generator", "critic", "critic_optimizer", "generator_optimizer",
                     "critic_scheduler", "generator_scheduler"):
            getattr(self, name).load_state_dict(state[name])
        for name in ("critic_scaler", "generator_scaler"):
            if state.get(name):  # a disabled scaler saves {} and cannot load it
                getattr(self, name).load_state_dict(state[name])
        self.load_rng_state(state)
        self.step, self.wall_s = int(state["step"]), float(state["wall_s"])
        # checkpoints from before the count were written by runs without a lazy penalty
        self.critic_iterations = int(state.get("critic_iterations", 0))
        if "log_sums" in state:  # older checkpoints start a fresh average
            device = self.noise.device
            sums = state["log_sums"]
            self.log_sums = {"estimate": sums["estimate"].to(device), "penalty": sums["penalty"].to(device),
                             "critic_steps": int(sums["critic_steps"])}
        self.callback_states = dict(state.get("callbacks", {}))
        if rank is not None:
            self.load_rng_state(state["ranks"][rank])
        if self.ema is not None:
            if "ema_generator" not in state:
                raise WganError("train.ema_decay > 0, but the checkpoint holds no averaged generator: it was "
                                "written without one; resume it with train.ema_decay = 0")
            self.ema.average.load_state_dict(state["ema_generator"])


def bound_critic_losses(state: TrainingState, objective: Objective, constraint: NoConstraint,
                        fused: bool) -> Callable[..., tuple[Tensor, Tensor, Tensor]]:
    """critic_losses with the networks and parts bound: (real, fake, batches, penalty_inputs,
    labels) -> (loss, estimate, penalty). What an eager step calls and train.compile compiles."""
    return partial(critic_losses, state.critic_sync, objective, constraint, state.conditioning, fused,
                   state.autocast)


def bound_generator_losses(state: TrainingState, objective: Objective) -> Callable[..., Tensor]:
    """generator_losses with the networks and parts bound: (latents, data, labels) -> loss."""
    return partial(generator_losses, state.generator_sync, state.critic, objective, state.conditioning,
                   state.autocast, state.augment)


def compile_losses(state: TrainingState, objective: Objective, constraint: NoConstraint, fused: bool) -> None:
    """Have the steps call torch.compile'd critic_losses and generator_losses (`train.compile`).

    The penalty's input gradient goes through torch.func.grad inside the compiled graph
    (compiled autograd refuses the eager double backward). The first step compiles
    (seconds to a minute); fixed batch shapes keep it from recompiling.
    """
    critic = bound_critic_losses(state, objective, constraint, fused)
    generator = bound_generator_losses(state, objective)
    try:  # torch.compile raises RuntimeError where it is not supported (this Python, this platform)
        compiled = torch.compile(critic, dynamic=False), torch.compile(generator, dynamic=False)
    except RuntimeError as error:
        raise ConfigError(f"train.compile = true, but torch.compile is not supported here ({error}); "
                          "set train.compile = false") from None
    state.critic_losses, state.generator_losses = (_FirstCallReported(fn) for fn in compiled)


class _FirstCallReported:
    """A compiled function whose failure to compile (first call) becomes one WganError line."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn, self.compiled = fn, False

    def __call__(self, *args: Any) -> Any:
        if self.compiled:
            return self.fn(*args)
        try:
            out = self.fn(*args)
        except torch.cuda.OutOfMemoryError:
            raise
        except RuntimeError as error:  # torch.compile's own errors (TorchDynamoException) are RuntimeErrors
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise WganError(f"train.compile = true, but torch.compile failed: {first}; "
                            "set train.compile = false") from error
        self.compiled = True
        return out


def n_critic_at(step: int, config: Config) -> int:
    """Critic iterations before generator step `step` (0-based).

    With `paper_schedule`, the WGAN reference code's warm-up: 100 critic iterations for
    the first 25 generator iterations and for every 500th.
    """
    if config.train.paper_schedule and (step < 25 or step % 500 == 0):
        return PAPER_SCHEDULE_CRITIC_ITERS
    return config.train.n_critic


def host_to_device(batch: np.ndarray, device: torch.device) -> Tensor:
    """A batch drawn on the host, on `device` without waiting for it: a copy from pageable
    memory would synchronise the GPU stream at every critic step, a pinned one does not."""
    tensor = torch.from_numpy(batch)
    if device.type == "cuda":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor.to(device)


def instance_noise(std: float, shape: tuple[int, ...], generator: torch.Generator,
                   dtype: torch.dtype = torch.float32) -> Tensor | None:
    """N(0, std^2) noise of `shape` (Sonderby et al. 2016), or None when std is 0."""
    return std * torch.randn(shape, generator=generator, device=generator.device, dtype=dtype) if std else None


def add_instance_noise(x: Tensor, std: float, generator: torch.Generator) -> Tensor:
    """x + N(0, std^2) per element; x itself when std is 0."""
    noise = instance_noise(std, x.shape, generator, x.dtype)
    return x if noise is None else x + noise


def critic_outputs(critic: nn.Module, conditioning: NoConditioning, real: Tensor, fake: Tensor,
                   labels: Tensor | None, fused: bool) -> tuple[Tensor, Tensor, Tensor | None]:
    """Critic outputs on real and fake (both of the classes `labels` (n,) under a conditioning),
    in one call when `fused`, and the class logits of the real batch (AC-WGAN-GP) or None.

    Penalty interpolates always get their own call: through a shared call the penalty's
    double backward would run over all rows (measured 1.4-1.7x slower per critic step for
    MLPs and DCGAN critics).
    """
    if fused:
        both = None if labels is None else torch.cat([labels, labels])
        out, logits = conditioning.critic_outputs(critic, torch.cat([real, fake]), both)
        real_out, fake_out = out.split([len(real), len(fake)])
        return real_out, fake_out, None if logits is None else logits[:len(real)]
    real_out, logits = conditioning.critic_outputs(critic, real, labels)
    return real_out, conditioning.critic_outputs(critic, fake, labels)[0], logits


def critic_losses(critic: nn.Module, objective: Objective, constraint: NoConstraint, conditioning: NoConditioning,
                  fused: bool, autocast: Callable[[], Any], real: Tensor, fake: Tensor, batches: Mapping[str, Tensor],
                  penalty_inputs: Tensor, labels: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """(loss, estimate, penalty) of one critic batch. real, fake, each of the objective's
    extra `batches` (by name) and the penalty inputs (or an empty batch): (n, ...); labels:
    the classes of every one of them (n,) under a conditioning, else None."""
    with autocast():
        real_out, fake_out, real_logits = critic_outputs(critic, conditioning, real, fake, labels, fused)
        context = {name: conditioning.critic_outputs(critic, x, labels)[0].float() for name, x in batches.items()}
    real_out, fake_out = real_out.float(), fake_out.float()
    penalty = constraint.penalty(CriticScore(critic, objective, context, autocast, labels), penalty_inputs)
    loss = (objective.critic_loss(real_out, fake_out, **context) + penalty
            + conditioning.critic_class_loss(real_logits, labels))
    return loss, objective.estimate(real_out, fake_out, **context).detach(), penalty.detach()


def generator_losses(generator: nn.Module, critic: nn.Module, objective: Objective, conditioning: NoConditioning,
                     autocast: Callable[[], Any], augment: DiffAugment | None,
                     latents: Mapping[str, tuple[Tensor, Tensor | None, dict[str, Tensor] | None]],
                     data: Mapping[str, tuple[Tensor, Tensor | None]], labels: Tensor | None = None) -> Tensor:
    """The generator loss through a frozen critic. latents: for "fake" and each generated
    batch the objective asks for, (z (n, latent_dim), instance noise or None, augmentation
    parameters or None); data: each real batch it asks for, ((n, ...) augmented already, its
    labels or None); labels: the classes asked of the generator (n,) under a conditioning."""
    with autocast():
        outputs, fake_logits = {}, None
        for name, (z, noise, transform) in latents.items():
            x = conditioning.generate(generator, z, labels)
            x = x if noise is None else x + noise
            out, logits = conditioning.critic_outputs(critic, x if transform is None else augment.apply(x, transform),
                                                      labels)
            outputs[name] = out.float()
            fake_logits = logits if name == "fake" else fake_logits
        outputs.update({name: conditioning.critic_outputs(critic, x, y)[0].float() for name, (x, y) in data.items()})
    fake_out = outputs.pop("fake")
    return objective.generator_loss(fake_out, **outputs) + conditioning.generator_class_loss(fake_logits, labels)


def draw_real(state: TrainingState, data, batch_size: int, noise_std: float) -> tuple[Tensor, Tensor | None]:
    """A training batch (batch_size, *data.shape) on the device, with instance noise, augmented;
    and its labels (batch_size,) under a conditioning, else None."""
    device = state.noise.device
    if state.conditioning.num_classes:
        images, labels = data.sample_labelled(batch_size, state.data_rng)
        batch, labels = host_to_device(images, device), host_to_device(labels, device)
    else:
        batch, labels = host_to_device(data.sample(batch_size, state.data_rng), device), None
    return augmented(state, add_instance_noise(batch, noise_std, state.noise)), labels


def augmented(state: TrainingState, x: Tensor) -> Tensor:
    """x through a freshly drawn augmentation (x itself without data.augment)."""
    return x if state.augment is None else state.augment(x, state.noise)


def critic_step(state: TrainingState, data, objective: Objective, constraint: NoConstraint,
                batch_size: int, fused: bool, noise_std: float = 0.0) -> tuple[Tensor, Tensor]:
    """One critic update; returns the batch's estimate and penalty (0-dim, no sync)."""
    device, noise, conditioning = state.noise.device, state.noise, state.conditioning
    latent_dim = state.generator.latent_dim
    real, labels = draw_real(state, data, batch_size, noise_std)

    def generated() -> Tensor:  # of the real batch's classes (the penalty interpolates within a class)
        z = sample_latent(batch_size, latent_dim, noise, device)
        return augmented(state, add_instance_noise(conditioning.generate(state.generator, z, labels), noise_std, noise))

    with torch.no_grad():
        fake = generated()
        batches = {name: generated() for name in objective.batches("critic")}
    penalty_inputs = constraint.penalty_inputs(real, fake, noise, state.critic_iterations)
    losses = state.critic_losses or bound_critic_losses(state, objective, constraint, fused)
    loss, estimate, penalty = losses(real, fake, batches, penalty_inputs, labels)
    scaler = state.critic_scaler
    state.critic_optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    scaler.step(state.critic_optimizer)
    scaler.update()
    constraint.after_critic_step(state.critic)
    state.critic_iterations += 1
    return estimate, penalty


def generator_step(state: TrainingState, data, objective: Objective, batch_size: int,
                   noise_std: float = 0.0) -> Tensor:
    """One generator update through a frozen critic; returns the loss (0-dim, no sync).

    The objective's extra batches are drawn in its order: "real" from the data, any other
    name generated from fresh latents."""
    device, noise, critic = state.noise.device, state.noise, state.critic
    latent_dim, shape = state.generator.latent_dim, (batch_size, *data.shape)
    latents: dict[str, tuple[Tensor, Tensor | None, dict[str, Tensor] | None]] = {}
    real: dict[str, tuple[Tensor, Tensor | None]] = {}
    like = torch.empty(shape, device=device)  # what the augmentation's draws are shaped by
    labels = state.conditioning.draw_labels(batch_size, noise)
    for name in ("fake", *objective.batches("generator")):
        if name == "real":
            real[name] = draw_real(state, data, batch_size, noise_std)
        else:
            latents[name] = (sample_latent(batch_size, latent_dim, noise, device),
                             instance_noise(noise_std, shape, noise),
                             None if state.augment is None else state.augment.draw(like, noise))
    losses = state.generator_losses or bound_generator_losses(state, objective)
    critic.requires_grad_(False)
    loss = losses(latents, real, labels)
    state.generator_optimizer.zero_grad(set_to_none=True)
    state.generator_scaler.scale(loss).backward()
    state.generator_scaler.step(state.generator_optimizer)
    state.generator_scaler.update()
    critic.requires_grad_(True)
    state.critic_scheduler.step()
    state.generator_scheduler.step()
    return loss.detach()


def train_step(state: TrainingState, data, objective: Objective, constraint: NoConstraint, config: Config,
               batch_size: int) -> Tensor:
    """n_critic critic steps (their estimates and penalties summed into state.log_sums), then
    one generator step; advances state.step and returns the generator loss (0-dim, no sync)."""
    noise_std = instance_noise_at(state.step, config)
    for _ in range(n_critic_at(state.step, config)):
        state.add_to_log_sums(*critic_step(state, data, objective, constraint, batch_size,
                                           config.train.fused_critic_pass, noise_std))
    loss = generator_step(state, data, objective, batch_size, noise_std)
    state.step += 1
    if state.ema is not None:
        state.ema.update(state.generator, state.step)
    return loss


def instance_noise_at(step: int, config: Config) -> float:
    """objective.instance_noise decayed linearly to 0 over train.steps."""
    return config.objective.instance_noise * max(0.0, 1.0 - step / config.train.steps)
