"""train(): set up, then per generator step the critic steps and the generator step, the
record of logged steps, and the callbacks (which log, evaluate, draw and checkpoint)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from . import distributed
from .callbacks import REQUESTS, STOP, build_callbacks
from .config import Config, check_config
from .data import classes_of, load_data_of
from .errors import ConfigError
from .recipe import build_parts, build_state
from .resume import plan_start
from .steps import TrainingState, compile_losses, train_step


@dataclass
class TrainResult:
    run_dir: Path
    step: int
    final: dict[str, Any] = field(default_factory=dict)  # the last evaluation (main process)
    interrupted: bool = False
    rank: int = 0
    notes: list[str] = field(default_factory=list)  # what a run with nothing to train has to say


def train(config: Config, run_dir: Path, *, overwrite: bool = False, resume: bool = False,
          progress: bool | None = None) -> TrainResult:
    """Train per `config`, writing the run directory; `resume` continues its last checkpoint
    (see `wgan.resume`). progress: show a progress bar (None: only on a terminal)."""
    run_dir = Path(run_dir)
    if not resume:  # a resumed run keeps the config it recorded
        check_config(config)
    process = distributed.from_environment()
    device = distributed.resolve_device(config.train.device, process)
    distributed.init(process, device)
    start = plan_start(run_dir, config, resume, process.world_size, device)
    if start.finished:
        return TrainResult(run_dir, config.train.steps, start.final, rank=process.rank, notes=start.notes)
    if config.train.threads:
        torch.set_num_threads(config.train.threads)
    batch_size = per_process_batch(config, process)
    data = load_data_of(config)
    objective, constraint = build_parts(config)
    state = build_state(config, data.shape, device, process, len(classes_of(data)))
    if config.train.compile:
        compile_losses(state, objective, constraint, config.train.fused_critic_pass)
    if start.checkpoint is not None:
        state.load_state_dict(start.checkpoint, rank=process.rank if process.distributed else None)
    callbacks = build_callbacks(config, run_dir, process, data, objective, start, overwrite or resume, progress)
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
    return TrainResult(run_dir, state.step, last_eval if "w1" in last_eval else {}, stop, process.rank)


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
