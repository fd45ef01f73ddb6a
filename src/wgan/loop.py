"""train(): set up, then per generator step the critic steps and the generator step, the
record of logged steps, and the callbacks (which log, evaluate, draw and checkpoint)."""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import torch

from . import distributed
from .callbacks import REQUESTS, STOP, StopOnSignal, build_callbacks
from .config import Config, check_config
from .data import classes_of
from .data.points import PointCloud
from .device_advice import warn_slow_settings
from .errors import ConfigError
from .point_recipe import adapted_to_points
from .recipe import build_recipe, build_state, check_given
from .resume import plan_start
from .run_data import training_data
from .runs import RunLock
from .steps import TrainingState, train_step


@dataclass
class TrainResult:
    run_dir: Path
    step: int
    final: dict[str, Any] = field(default_factory=dict)  # the last evaluation (main process)
    interrupted: bool = False
    rank: int = 0
    notes: list[str] = field(default_factory=list)  # what a run with nothing to train has to say
    signal: int | None = None  # the signal (SIGINT, SIGTERM) that stopped it, if one did


def train(config: Config, run_dir: Path, *, generator: Any = None, critic: Any = None, objective: Any = None,
          constraint: Any = None, optimizers: Any = None, callbacks: Sequence[Any] = (), loggers: Sequence[Any] = (),
          overwrite: bool = False, resume: bool = False, progress: bool | None = None,
          settings_given: Sequence[str] = ()) -> TrainResult:
    """Train per `config`, writing the run directory; `resume` continues its last checkpoint
    (see `wgan.resume`). progress: show a progress bar (None: only on a terminal).

    generator, critic (nn.Modules), objective, constraint, optimizers (factories): objects
    that take the place of what the config names; callbacks, loggers: objects that watch
    the run besides the built-in ones. What each must provide: `wgan.protocols`.

    A fresh run of the default preset on a point file of more than two columns trains with
    `wgan.point_recipe.point_recipe` in place of the preset's values, except for the
    'section.key' names in `settings_given` (what the user set) and values that differ from
    the preset's; the `data:` line says so and the run's config.toml records it."""
    run_dir = Path(run_dir)
    given = check_given(generator=generator, critic=critic, objective=objective, constraint=constraint,
                        optimizers=optimizers, callbacks=callbacks, loggers=loggers)
    if not resume:  # a resumed run keeps the config it recorded
        check_config(config)
    process = distributed.from_environment()
    device = distributed.resolve_device(config.train.device, process)
    distributed.init(process, device)
    if process.is_main:
        RunLock(run_dir).refuse_if_held()  # a busy directory: refused before anything is said or loaded
    start = plan_start(run_dir, config, resume, process.world_size, device)
    if start.finished:
        return TrainResult(run_dir, config.train.steps, start.final, rank=process.rank, notes=start.notes)
    if config.train.threads:
        torch.set_num_threads(config.train.threads)
    if process.is_main:
        warn_slow_settings(config, device)
    batch_size = per_process_batch(config, process)
    read = training_data(config, run_dir, start.checkpoint)
    data, start.notes, start.files = read.data, read.notes + start.notes, read.files()
    if start.checkpoint is None and isinstance(data, PointCloud):
        config, note = adapted_to_points(config, data.shape[0], settings_given)
        if note:
            data = dataclasses.replace(data, summary=f"{data.summary}; {note}" if data.summary else "")
    recipe = build_recipe(config, data.shape, len(classes_of(data)), **given.parts)
    state = build_state(config, data.shape, device, process, len(classes_of(data)), recipe)
    if start.checkpoint is not None:
        state.load_state_dict(start.checkpoint, rank=process.rank if process.distributed else None)
    objective, constraint = recipe.objective, recipe.constraint
    callbacks = build_callbacks(config, run_dir, process, data, objective, start, overwrite or resume, progress,
                                own_callbacks=given.callbacks, loggers=given.loggers,
                                latent_dim=recipe.generator.latent_dim, constraint_name=constraint.name)
    cadence, key, last_eval, stop = config.eval, objective.estimate_key, {}, False
    with callbacks.running(state):
        distributed.barrier(process)
        if state.step == 0:
            last_eval = callbacks.on_log(state, {"step": 0, "wall_s": 0.0}, evaluate=True)
        began, wall_before = time.perf_counter(), state.wall_s
        while state.step < config.train.steps and not stop:
            generator_loss = train_step(state, data, objective, constraint, config, batch_size)
            state.wall_s = wall_before + time.perf_counter() - began
            callbacks.on_step(state)
            requests = dict(zip(REQUESTS, distributed.any_processes(callbacks.requests(state), process)))
            step = state.step
            evaluate = step % cadence.every == 0 or step == config.train.steps
            if evaluate or step % cadence.log_every == 0:
                record = callbacks.on_log(state, log_record(state, key, generator_loss), evaluate)
                last_eval = record if evaluate else last_eval
                state.reset_log_sums()
            if any(requests.values()):
                callbacks.on_checkpoint(state, distributed.gather(state.rng_state(), process))
            stop = requests[STOP]
        callbacks.on_end(state, interrupted=stop)
    distributed.barrier(process)
    signal = next((c.signal for c in callbacks.callbacks if isinstance(c, StopOnSignal)), None)
    return TrainResult(run_dir, state.step, last_eval if "w1" in last_eval else {}, stop, process.rank,
                       signal=signal if stop else None)


def per_process_batch(config: Config, process: distributed.Process) -> int:
    """train.batch_size split evenly over the processes."""
    if config.train.batch_size % process.world_size:
        raise ConfigError(f"train.batch_size = {config.train.batch_size} must divide evenly over "
                          f"{process.world_size} processes")
    return config.train.batch_size // process.world_size


def log_record(state: TrainingState, key: str, generator_loss: torch.Tensor) -> dict[str, Any]:
    """The logged line of this step: the means since the last line, the losses, the lrs."""
    sums = state.log_sums
    return {
        "step": state.step, "wall_s": round(state.wall_s, 3),
        key: float(sums["estimate"]) / sums["critic_steps"],
        "penalty": float(sums["penalty"]) / sums["critic_steps"],
        "generator_loss": float(generator_loss),
        "lr_critic": state.critic_scheduler.get_last_lr()[0],
        "lr_generator": state.generator_scheduler.get_last_lr()[0],
    }
