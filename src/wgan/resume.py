"""Where a run starts: from scratch, from its last checkpoint, or nowhere (nothing to do).

Decided once, before anything is built, with the lines that tell the user what happens:
a run stopped before its first checkpoint starts again from step 0; `train.steps` above
the checkpoint's step extends the run and re-plans its schedules; at it, there is nothing
to train; below it, an error.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from .config import Config
from .errors import WganError
from .optimizers import lr_factor
from .runs import CHECKPOINT, CONFIG, METRICS, PREVIOUS_CHECKPOINT, load_checkpoint, read_metrics


@dataclass
class Start:
    """checkpoint: the state to continue (None: from step 0); notes: lines for the user;
    finished: the run is already at train.steps (its last evaluation in `final`); files: what a
    fresh run writes beside its config (its data record)."""
    checkpoint: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    finished: bool = False
    final: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # name -> text, written into a fresh run's directory


def plan_start(run_dir: Path, config: Config, resume: bool, world_size: int, device: torch.device) -> Start:
    """The Start of a run in `run_dir` under `config`; a fresh run when not `resume`."""
    if not resume:
        return Start()
    if not (run_dir / CHECKPOINT).exists():
        return Start(notes=[f"{run_dir} has no checkpoint yet (stopped before its first): starting it "
                            "again from step 0 with its saved config"])
    checkpoint = _load(run_dir, device)
    if checkpoint.get("world_size", 1) != world_size:
        raise WganError(f"{run_dir} was not written by {world_size} processes but by "
                        f"{checkpoint.get('world_size', 1)}; resume it with that many (torchrun --nproc_per_node)")
    done, total = int(checkpoint["step"]), config.train.steps
    if total < done:
        raise WganError(f"{run_dir} is at step {done}, past train.steps = {total}; a run cannot be shortened "
                        f"(sample or evaluate its checkpoint, or set train.steps above {done} to extend it)",
                        cli=f"{run_dir} is at step {done}, past --steps {total}; a run cannot be shortened "
                            f"(sample or evaluate its checkpoint, or pass --steps above {done} to extend it)")
    if total == done:
        evaluations = [r for r in read_metrics(run_dir / METRICS) if "w1" in r]
        return Start(checkpoint, [f"{run_dir} is already at step {done} of {done}: nothing to train "
                                  f"(pass --steps above {done} to extend it)"],
                     finished=True, final=evaluations[-1] if evaluations else {})
    saved_total = int(checkpoint["config"]["train"]["steps"])
    notes = [extension_note(run_dir, done, saved_total, config)] if total != saved_total else []
    return Start(checkpoint, notes)


def _load(run_dir: Path, device: torch.device) -> dict[str, Any]:
    try:
        return load_checkpoint(run_dir, map_location=device)
    except WganError as error:
        if (run_dir / PREVIOUS_CHECKPOINT).exists():
            raise WganError(f"{error}; the checkpoint before it is kept: move {run_dir / PREVIOUS_CHECKPOINT} "
                            f"to {run_dir / CHECKPOINT} to resume from there") from None
        raise


def extension_note(run_dir: Path, done: int, saved_total: int, config: Config) -> str:
    """One line on what extending a run from `saved_total` to `train.steps` does to its schedules."""
    total = config.train.steps
    line = f"extending {run_dir} from {saved_total} to {total} steps (recorded in its {CONFIG})"
    schedule, warmup = config.optim.lr_schedule, config.optim.warmup_steps
    if schedule != "constant":
        old, new = lr_factor(schedule, done, saved_total, warmup), lr_factor(schedule, done, total, warmup)
        line += (f"; the {schedule} lr decay is re-planned to reach 0 at step {total}, so at step {done} "
                 f"lr_critic goes from {config.optim.lr_critic * old:.3g} to {config.optim.lr_critic * new:.3g}")
    if config.objective.instance_noise:
        line += "; the instance noise decay is re-planned the same way"
    return line
