"""The training loop: n_critic critic steps per generator step.

Arjovsky et al. 2017, Algorithm 1 (WGAN) and Gulrajani et al. 2017, Algorithm 1
(WGAN-GP) are the same loop with a different Lipschitz constraint; the loop calls
the constraint's hooks and the objective's losses and knows nothing else.
"""
from __future__ import annotations

import math
import shutil
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import torch
from torch import Tensor, nn

from . import distributed
from .config import Config, plain_data
from .data import load_data
from .errors import ConfigError, WganError
from .input_gradients import CriticScore
from .lipschitz import NoConstraint
from .metrics import Evaluator, make_evaluator
from .networks import evaluating, sample_latent, uses_batch_norm
from .objectives import Objective
from .recipe import build_networks, build_parts
from .runs import (CHECKPOINT, CONFIG, METRICS, MetricsLog, RunLock, load_checkpoint, open_tensorboard,
                   prepare_run_dir, read_metrics, remove_stale_temporaries, save_checkpoint, write_text_atomic)

CHECKPOINT_FORMAT = "wgan-checkpoint-1"
PAPER_SCHEDULE_CRITIC_ITERS = 100


class TrainingDiverged(WganError):
    """A loss, penalty or parameter became NaN or infinite."""


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
    log_sums: dict[str, Any] = field(default_factory=dict)  # estimate, penalty, critic steps since the last log
    generator_sync: nn.Module | None = None  # what to call when gradients are averaged over
    critic_sync: nn.Module | None = None     # processes (DDP wrappers); the modules otherwise
    precision: str = "fp32"                  # fp32, bf16 or fp16 (autocast; fp16 with loss scaling)
    critic_losses: Callable[..., tuple[Tensor, Tensor, Tensor]] | None = None  # compiled forms of
    generator_losses: Callable[..., Tensor] | None = None                     # the loss functions

    def __post_init__(self) -> None:
        self.generator_sync = self.generator_sync or self.generator
        self.critic_sync = self.critic_sync or self.critic
        device_type = self.noise.device.type
        self.critic_scaler = torch.amp.GradScaler(device_type, enabled=self.precision == "fp16")
        self.generator_scaler = torch.amp.GradScaler(device_type, enabled=self.precision == "fp16")
        self.reset_log_sums()

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
            "log_sums": dict(self.log_sums),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name in ("generator", "critic", "critic_optimizer", "generator_optimizer",
                     "critic_scheduler", "generator_scheduler"):
            getattr(self, name).load_state_dict(state[name])
        for name in ("critic_scaler", "generator_scaler"):
            if state.get(name):  # a disabled scaler saves {} and cannot load it
                getattr(self, name).load_state_dict(state[name])
        self.load_rng_state(state)
        self.step, self.wall_s = int(state["step"]), float(state["wall_s"])
        if "log_sums" in state:  # older checkpoints start a fresh average
            device = self.noise.device
            sums = state["log_sums"]
            self.log_sums = {"estimate": sums["estimate"].to(device), "penalty": sums["penalty"].to(device),
                             "critic_steps": int(sums["critic_steps"])}


def load_data_of(config: Config):
    """The data set named in config.data (split with train.seed)."""
    d = config.data
    return load_data(d.name, d.holdout_fraction, config.train.seed, d.image_size, d.channels, d.root)


def make_optimizer(config: Config, params: Iterator[nn.Parameter], lr: float,
                   device: torch.device) -> torch.optim.Optimizer:
    """Adam or RMSProp; fused kernels where torch has them (3x faster steps on CPU)."""
    fast = {"fused": True} if device.type in ("cpu", "cuda") else {}
    if config.optim.name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, foreach=device.type in ("cpu", "cuda"))
    return torch.optim.Adam(params, lr=lr, betas=config.optim.betas, **fast)


def make_scheduler(config: Config, optimizer: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LambdaLR:
    """Constant, or linear decay from lr to 0 over train.steps generator steps."""
    steps = config.train.steps
    if config.optim.lr_decay == "linear":
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: max(0.0, 1.0 - s / steps))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1.0)


def build_state(config: Config, shape: tuple[int, ...], device: torch.device,
                process: distributed.Process = distributed.Process()) -> TrainingState:
    """Networks initialised from `train.seed`, the constraint applied, optimisers and RNGs.

    Every process starts from the same networks; each draws its own data and noise.
    """
    torch.manual_seed(config.train.seed)
    generator, critic = build_networks(config, shape)
    if config.train.fused_critic_pass and uses_batch_norm(critic):
        raise ConfigError("train.fused_critic_pass = true scores real and fake samples in one batch, "
                          "which mixes their batch-norm statistics; set it to false for a batch-norm critic")
    memory_format = torch.channels_last if config.train.channels_last and len(shape) == 3 else torch.preserve_format
    generator = generator.to(device, memory_format=memory_format)
    critic = critic.to(device, memory_format=memory_format)
    critic_opt = make_optimizer(config, critic.parameters(), config.optim.lr_critic, device)
    generator_opt = make_optimizer(config, generator.parameters(), config.optim.lr_generator, device)
    stream = [process.rank] if process.distributed else []
    return TrainingState(
        generator, critic, critic_opt, generator_opt,
        make_scheduler(config, critic_opt), make_scheduler(config, generator_opt),
        noise=torch.Generator(device=device).manual_seed(config.train.seed + 1_000_003 * process.rank),
        data_rng=np.random.default_rng([config.train.seed, 0, *stream]),
        generator_sync=distributed.wrap(generator, process, device),
        critic_sync=distributed.wrap(critic, process, device),
        precision=config.train.precision,
    )


def compile_losses(state: TrainingState, objective: Objective, constraint: NoConstraint, fused: bool) -> None:
    """Have the steps call torch.compile'd critic_losses and generator_losses (`train.compile`).

    The penalty's input gradient goes through torch.func.grad inside the compiled graph
    (compiled autograd refuses the eager double backward). The first step compiles
    (seconds to a minute); fixed batch shapes keep it from recompiling.
    """
    if not torch._dynamo.is_dynamo_supported():
        raise ConfigError("train.compile = true, but torch.compile is not supported on this Python / "
                          "PyTorch; set train.compile = false")
    critic = partial(critic_losses, state.critic_sync, objective, constraint, fused, state.autocast)
    generator = partial(generator_losses, state.generator_sync, state.critic, objective, state.autocast)
    state.critic_losses = _FirstCallReported(torch.compile(critic, dynamic=False))
    state.generator_losses = _FirstCallReported(torch.compile(generator, dynamic=False))


class _FirstCallReported:
    """A compiled function whose failure to compile (first call) becomes one WganError line."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn, self.compiled = fn, False

    def __call__(self, *args: Any) -> Any:
        if self.compiled:
            return self.fn(*args)
        try:
            out = self.fn(*args)
        except torch._dynamo.exc.TorchDynamoException as error:
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


def critic_outputs(critic: nn.Module, real: Tensor, fake: Tensor, fused: bool) -> tuple[Tensor, Tensor]:
    """Critic outputs on real and fake, in one call when `fused`.

    Penalty interpolates always get their own call: through a shared call the penalty's
    double backward would run over all rows (measured 1.4-1.7x slower per critic step for
    MLPs and DCGAN critics).
    """
    if fused:
        return critic(torch.cat([real, fake])).split([len(real), len(fake)])
    return critic(real), critic(fake)


def critic_losses(critic: nn.Module, objective: Objective, constraint: NoConstraint, fused: bool,
                  autocast: Callable[[], Any], real: Tensor, fake: Tensor, second: Tensor,
                  extra: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(loss, estimate, penalty) of one critic batch; real, fake, second (Cramer's anchor
    batch or empty), extra (penalty inputs or empty): (n, ...). A pure function of its
    inputs and the critic's parameters, which is what `train.compile` compiles."""
    with autocast():
        real_out, fake_out = critic_outputs(critic, real, fake, fused)
        anchor = critic(second).float() if len(second) else None
    real_out, fake_out = real_out.float(), fake_out.float()
    penalty = constraint.penalty(CriticScore(critic, objective, anchor, autocast), extra)
    loss = objective.critic_loss(real_out, fake_out, anchor) + penalty
    return loss, objective.estimate(real_out, fake_out, anchor).detach(), penalty.detach()


def generator_losses(generator: nn.Module, critic: nn.Module, objective: Objective,
                     autocast: Callable[[], Any], z: Tensor, fake_noise: Tensor | None,
                     z_second: Tensor | None, second_noise: Tensor | None,
                     real: Tensor | None) -> Tensor:
    """The generator loss for latents z (n, latent_dim) through a frozen critic.

    fake_noise / second_noise: instance noise added to the samples, or None; z_second: the
    independent batch of objectives with `second_fake`; real: the (noised) real batch of
    objectives with `generator_needs_real`. Compiled with `train.compile`."""
    with autocast():
        fake = generator(z)
        fake = fake if fake_noise is None else fake + fake_noise
        anchor = real_out = None
        if z_second is not None:
            second = generator(z_second)
            anchor = critic(second if second_noise is None else second + second_noise).float()
        if real is not None:
            real_out = critic(real).float()
        fake_out = critic(fake).float()
    return objective.generator_loss(fake_out, real_out, anchor)


def critic_step(state: TrainingState, data, objective: Objective, constraint: NoConstraint,
                batch_size: int, fused: bool, noise_std: float = 0.0) -> tuple[Tensor, Tensor]:
    """One critic update; returns the batch's estimate and penalty (0-dim, no sync)."""
    device, noise = state.noise.device, state.noise
    latent_dim = state.generator.latent_dim
    real = add_instance_noise(host_to_device(data.sample(batch_size, state.data_rng), device),
                              noise_std, noise)
    with torch.no_grad():
        fake = add_instance_noise(state.generator(sample_latent(batch_size, latent_dim, noise, device)),
                                  noise_std, noise)
        second = (add_instance_noise(state.generator(sample_latent(batch_size, latent_dim, noise, device)),
                                     noise_std, noise) if objective.second_fake else fake[:0])
    extra = constraint.penalty_inputs(real, fake, noise)
    losses = state.critic_losses or partial(critic_losses, state.critic_sync, objective, constraint, fused,
                                            state.autocast)
    loss, estimate, penalty = losses(real, fake, second, extra)
    scaler = state.critic_scaler
    state.critic_optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    scaler.step(state.critic_optimizer)
    scaler.update()
    constraint.after_critic_step(state.critic)
    return estimate, penalty


def generator_step(state: TrainingState, data, objective: Objective, batch_size: int,
                   noise_std: float = 0.0) -> Tensor:
    """One generator update through a frozen critic; returns the loss (0-dim, no sync)."""
    device, noise, critic = state.noise.device, state.noise, state.critic
    latent_dim, shape = state.generator.latent_dim, (batch_size, *data.shape)
    z = sample_latent(batch_size, latent_dim, noise, device)
    fake_noise = instance_noise(noise_std, shape, noise)
    z_second = second_noise = real = None
    if objective.second_fake:
        z_second = sample_latent(batch_size, latent_dim, noise, device)
        second_noise = instance_noise(noise_std, shape, noise)
    if objective.generator_needs_real:
        real = add_instance_noise(host_to_device(data.sample(batch_size, state.data_rng), device),
                                  noise_std, noise)
    losses = state.generator_losses or partial(generator_losses, state.generator_sync, critic, objective,
                                               state.autocast)
    critic.requires_grad_(False)
    loss = losses(z, fake_noise, z_second, second_noise, real)
    state.generator_optimizer.zero_grad(set_to_none=True)
    state.generator_scaler.scale(loss).backward()
    state.generator_scaler.step(state.generator_optimizer)
    state.generator_scaler.update()
    critic.requires_grad_(True)
    state.critic_scheduler.step()
    state.generator_scheduler.step()
    return loss.detach()


def instance_noise_at(step: int, config: Config) -> float:
    """objective.instance_noise decayed linearly to 0 over train.steps."""
    return config.objective.instance_noise * max(0.0, 1.0 - step / config.train.steps)


def check_finite(record: dict[str, Any], state: TrainingState) -> None:
    """Raise TrainingDiverged naming the first non-finite quantity at this step."""
    for key in [k for k in record if k.endswith("_estimate")] + ["penalty", "generator_loss"]:
        value = record.get(key)
        if value is not None and not math.isfinite(value):
            raise TrainingDiverged(
                f"{key} became {value} at generator step {record['step']}; the last good checkpoint "
                "is kept. Try a lower learning rate, a larger penalty_weight, or a smaller clip_value")
    for net in ("generator", "critic"):
        for name, p in getattr(state, net).named_parameters():
            if not torch.isfinite(p).all():
                raise TrainingDiverged(
                    f"{net} parameter {name} became non-finite at generator step {record['step']}; "
                    "the last good checkpoint is kept. Try a lower learning rate")


class DivergenceWarning(UserWarning):
    """The critic's estimate or slope is running away."""


@dataclass
class CriticWatch:
    """Warns, once each, when the critic runs away: its estimate beyond what the objective can
    plausibly reach (`Objective.runaway_estimate`, on every logged line, every objective), or
    a constrained critic's empirical Lipschitz constant above 10 (at evaluations)."""
    objective: Objective
    constrained: bool
    w1: float | None = None  # the latest exact W1, the scale of a Wasserstein-type estimate
    warned: set = field(default_factory=set)

    def check(self, record: dict[str, Any]) -> None:
        import warnings

        self.w1 = record.get("w1", self.w1)
        key, step = self.objective.estimate_key, record["step"]
        limit = self.objective.runaway_estimate(self.w1)
        for name in (key, f"eval_{key}"):
            value = record.get(name)
            if value is not None and abs(value) > limit and "estimate" not in self.warned:
                self.warned.add("estimate")
                warnings.warn(f"step {step}: {name} = {value:.3g}, beyond the {limit:.3g} that a critic of "
                              f"the {self.objective.name} objective can plausibly reach here: it is "
                              "diverging; lower the learning rate or constrain the critic",
                              DivergenceWarning, stacklevel=2)
        lipschitz = record.get("critic_lipschitz")
        if self.constrained and lipschitz is not None and lipschitz > 10 and "lipschitz" not in self.warned:
            self.warned.add("lipschitz")
            warnings.warn(f"step {step}: the critic's empirical Lipschitz constant is {lipschitz:.1f}, "
                          "so the constraint is not holding; raise constraint.penalty_weight or lower "
                          "the critic's learning rate", DivergenceWarning, stacklevel=2)


class _StopRequest:
    """Turns SIGINT / SIGTERM into a flag the loop reads after each generator step."""

    def __init__(self) -> None:
        self.signal: int | None = None

    def __call__(self, signum: int, frame: Any) -> None:
        self.signal = signum


@contextmanager
def _stop_on_signals() -> Iterator[_StopRequest]:
    request = _StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return
    previous = {s: signal.signal(s, request) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield request
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@dataclass
class TrainResult:
    run_dir: Path
    step: int
    final: dict[str, Any] = field(default_factory=dict)
    interrupted: bool = False
    rank: int = 0


GRID_SIZE = 64


class _Figures:
    """Snapshots at evaluation steps (the critic landscape for points, a grid of samples from
    fixed noise for images) and the curves at the end; optional."""

    def __init__(self, run_dir: Path, evaluator: Evaluator, enabled: bool, tensorboard: Any,
                 is_image: bool) -> None:
        self.dir = run_dir / "figures"
        self.evaluator = evaluator
        self.enabled = enabled
        self.tensorboard = tensorboard
        self.kind = "samples" if is_image else "landscape"

    def path(self, step: int | None) -> Path:
        return self.dir / (f"{self.kind}.png" if step is None else f"{self.kind}_step{step:06d}.png")

    def snapshot(self, state: TrainingState, record: dict[str, Any]) -> None:
        """Draw the figure of this evaluation step; leaves the networks' modes as they were."""
        if not self.enabled:
            return
        with evaluating(state.generator, state.critic):
            self._draw(state, record)

    def _draw(self, state: TrainingState, record: dict[str, Any]) -> None:
        from . import plots

        step = record["step"]
        title = f"step {step}: exact W1 {record['w1']:.3f} (floor {record['w1_floor']:.3f})"
        if "modes" in record:
            title += f", {record['modes']}/{record['modes_total']} modes, {100 * record['high_quality']:.1f}% HQ"
        if self.kind == "samples":
            images = self.evaluator.generate(state.generator, GRID_SIZE).cpu().numpy()
            path = plots.plot_image_grid(images, self.path(step), title)
        else:
            critic, device, objective = state.critic, state.noise.device, self.evaluator.objective
            anchors = None
            if objective.second_fake:
                with torch.no_grad():
                    anchors = critic(self.evaluator.generate(state.generator, 256, second=True))

            @torch.no_grad()
            def critic_fn(points: np.ndarray) -> np.ndarray:
                out = objective.mean_critic_values(critic(torch.from_numpy(points).to(device)), anchors)
                return out.cpu().numpy()

            fake = self.evaluator.generate(state.generator).cpu().numpy()
            path = plots.plot_landscape(critic_fn, self.evaluator.real, fake, self.path(step), title)
        self._to_tensorboard(self.kind, path, step)

    def finish(self, records: list[dict[str, Any]], step: int, title: str) -> None:
        if not self.enabled:
            return
        from . import plots

        if self.path(step).exists():
            shutil.copyfile(self.path(step), self.path(None))
        path = plots.plot_training_curves(records, self.dir / "curves.png", title)
        self._to_tensorboard("curves", path, step)

    def _to_tensorboard(self, tag: str, path: Path, step: int) -> None:
        if self.tensorboard is not None:
            from PIL import Image

            image = np.asarray(Image.open(path).convert("RGB"))
            self.tensorboard.add_image(tag, image, step, dataformats="HWC")


def train(config: Config, run_dir: Path, *, overwrite: bool = False, resume: bool = False,
          progress: bool | None = None) -> TrainResult:
    """Train per `config`, writing the run directory; `resume` continues its last checkpoint.

    A resumed run without a checkpoint yet starts again from step 0; one whose
    `train.steps` is above its checkpoint's is extended (config.toml records the new total).
    The main process holds the run directory's lock throughout. progress: show a progress
    bar (None: only on a terminal). Returns the final evaluation.
    """
    run_dir = Path(run_dir)
    process = distributed.from_environment()
    device = distributed.resolve_device(config.train.device, process)
    distributed.init(process, device)
    lock = RunLock(run_dir)
    try:
        return _train(config, run_dir, process, device, overwrite, resume, progress, lock)
    finally:
        lock.release()


def _say(process: distributed.Process, line: str) -> None:
    if process.is_main:
        print(line, flush=True)


def _resume_checkpoint(run_dir: Path, config: Config, process: distributed.Process,
                       device: torch.device) -> dict[str, Any] | None:
    """The checkpoint to continue, or None to start again (with a line saying so)."""
    if not (run_dir / CHECKPOINT).exists():
        _say(process, f"{run_dir} has no checkpoint yet (stopped before its first): starting it again "
                      "from step 0 with its saved config")
        return None
    checkpoint = load_checkpoint(run_dir, map_location=device)
    if checkpoint.get("world_size", 1) != process.world_size:
        raise WganError(f"{run_dir} was not written by {process.world_size} processes but by "
                        f"{checkpoint.get('world_size', 1)}; resume it with that many (torchrun --nproc_per_node)")
    done, total = int(checkpoint["step"]), config.train.steps
    if total < done:
        raise WganError(f"{run_dir} is at step {done}, past --steps {total}; a run cannot be shortened "
                        f"(sample or evaluate its checkpoint, or pass --steps above {done} to extend it)")
    saved_total = int(checkpoint["config"]["train"]["steps"])
    if total not in (done, saved_total):
        _say(process, extension_note(run_dir, done, saved_total, config))
    return checkpoint


def extension_note(run_dir: Path, done: int, saved_total: int, config: Config) -> str:
    """One line on what extending a run from `saved_total` to `train.steps` does to its schedules."""
    total = config.train.steps
    line = f"extending {run_dir} from {saved_total} to {total} steps (recorded in its {CONFIG})"
    if config.optim.lr_decay == "linear":
        old, new = max(0.0, 1.0 - done / saved_total), 1.0 - done / total
        line += (f"; the linear lr decay is re-planned to reach 0 at step {total}, so at step {done} "
                 f"lr_critic goes from {config.optim.lr_critic * old:.3g} to {config.optim.lr_critic * new:.3g}")
    if config.objective.instance_noise:
        line += "; the instance noise decay is re-planned the same way"
    return line


def _train(config: Config, run_dir: Path, process: distributed.Process, device: torch.device,
           overwrite: bool, resume: bool, progress: bool | None, lock: RunLock) -> TrainResult:
    main = process.is_main
    checkpoint = _resume_checkpoint(run_dir, config, process, device) if resume else None
    if checkpoint is not None and int(checkpoint["step"]) == config.train.steps:
        done = int(checkpoint["step"])
        _say(process, f"{run_dir} is already at step {done} of {done}: nothing to train "
                      f"(pass --steps above {done} to extend it)")
        evaluations = [r for r in read_metrics(run_dir / METRICS) if "w1" in r] if main else []
        return TrainResult(run_dir, done, evaluations[-1] if evaluations else {}, False, process.rank)
    if config.train.threads:
        torch.set_num_threads(config.train.threads)
    if config.train.batch_size % process.world_size:
        raise ConfigError(f"train.batch_size = {config.train.batch_size} must divide evenly over "
                          f"{process.world_size} processes")
    batch_size = config.train.batch_size // process.world_size
    data = load_data_of(config)
    objective, constraint = build_parts(config)
    state = build_state(config, data.shape, device, process)
    if config.train.compile:
        compile_losses(state, objective, constraint, config.train.fused_critic_pass)
    if main:
        lock.acquire()  # only now: a run that fails to start leaves no directory behind
    if checkpoint is not None:
        state.load_state_dict(checkpoint)
        if process.distributed:
            state.load_rng_state(checkpoint["ranks"][process.rank])
        if main:
            remove_stale_temporaries(run_dir)
            write_text_atomic(run_dir / CONFIG, config.to_toml())
    elif main:
        prepare_run_dir(run_dir, overwrite or resume)
        write_text_atomic(run_dir / CONFIG, config.to_toml())
    distributed.barrier(process)
    metrics = MetricsLog(run_dir / METRICS, open_tensorboard(run_dir, config.eval.tensorboard)) if main else None
    if checkpoint is not None and main:
        metrics.truncate_after(state.step)
    evaluator = make_evaluator(data, config.eval.samples, config.model.latent_dim, config.train.seed, objective)
    key = objective.estimate_key
    watch = CriticWatch(objective, constrained=config.constraint.name != "none")
    figures = _Figures(run_dir, evaluator, config.eval.figures and main,
                       metrics.tensorboard if main else None, len(data.shape) == 3)

    def checkpoint_now() -> None:
        ranks = distributed.gather(state.rng_state(), process)
        if main:
            save_checkpoint(run_dir, {"format": CHECKPOINT_FORMAT, "config": plain_data(config.to_dict()),
                                      "data_shape": list(data.shape), "world_size": process.world_size,
                                      **state.state_dict(), **({"ranks": ranks} if process.distributed else {})})

    cfg = config.train
    total = cfg.steps
    start_wall, t0 = state.wall_s, time.perf_counter()
    last_checkpoint = time.monotonic()
    checkpoint_seconds = 60.0 * config.eval.checkpoint_minutes
    record: dict[str, Any] = {}
    last_eval: dict[str, Any] = {}
    from tqdm.auto import tqdm

    bar = tqdm(total=total, initial=state.step,
               disable=(None if progress is None else not progress) if main else True,
               desc=f"train {config.name}", unit="step", dynamic_ncols=True)
    interrupted = False
    with _stop_on_signals() as stop:
        if state.step == 0 and main:
            record = {"step": 0, "wall_s": 0.0, **evaluator(state.generator, state.critic)}
            record[key] = record[f"eval_{key}"]
            metrics.write(record)
            last_eval = record
            figures.snapshot(state, record)
        while state.step < total:
            noise_std = instance_noise_at(state.step, config)
            for _ in range(n_critic_at(state.step, config)):
                estimate, penalty = critic_step(state, data, objective, constraint, batch_size,
                                                cfg.fused_critic_pass, noise_std)
                state.add_to_log_sums(estimate, penalty)
            generator_loss = generator_step(state, data, objective, batch_size, noise_std)
            state.step += 1
            step = state.step
            bar.update(1)
            overdue = checkpoint_seconds > 0 and time.monotonic() - last_checkpoint >= checkpoint_seconds
            stopping, overdue = distributed.any_processes([stop.signal is not None, overdue], process)
            is_eval = step % config.eval.every == 0 or step == total
            is_checkpoint = step % config.eval.checkpoint_every == 0 or step == total or stopping or overdue
            if step % config.eval.log_every == 0 or is_eval:
                if main:
                    state.wall_s = start_wall + time.perf_counter() - t0
                    sums = state.log_sums
                    record = {
                        "step": step, "wall_s": round(state.wall_s, 3),
                        key: float(sums["estimate"]) / sums["critic_steps"],
                        "penalty": float(sums["penalty"]) / sums["critic_steps"],
                        "generator_loss": float(generator_loss),
                        "lr_critic": state.critic_scheduler.get_last_lr()[0],
                        "lr_generator": state.generator_scheduler.get_last_lr()[0],
                    }
                    check_finite(record, state)
                    if is_eval:
                        record.update(evaluator(state.generator, state.critic))
                        last_eval = record
                        figures.snapshot(state, record)
                    watch.check(record)
                    metrics.write(record)
                    bar.set_postfix(estimate=f"{record[key]:.3f}",
                                    **({"W1": f"{last_eval['w1']:.3f}"} if last_eval else {}))
                state.reset_log_sums()
            if is_checkpoint:
                state.wall_s = start_wall + time.perf_counter() - t0
                checkpoint_now()
                last_checkpoint = time.monotonic()
            if stopping:
                interrupted = True
                break
    bar.close()
    if main:
        figures.finish(read_metrics(run_dir / METRICS), state.step, f"{config.name} on {data.name}")
        if metrics.tensorboard is not None:
            metrics.tensorboard.close()
    distributed.barrier(process)
    return TrainResult(run_dir, state.step, last_eval, interrupted, process.rank)
