"""Everything that watches training, as callbacks with one interface (see `base`), and the one
place that decides which process runs which: `build_callbacks`."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from .. import distributed
from ..config import Config, plain_data
from ..data import classes_of
from ..metrics import make_evaluator
from ..loggers import make_loggers
from ..objectives import Objective
from ..resume import Start
from .base import CHECKPOINT, REQUESTS, STOP, Callback, Callbacks
from .checkpoints import CHECKPOINT_FORMAT, Checkpointer, checkpoint_contents
from .evaluation import Evaluation
from .figures import Figures
from .guards import CriticWatch, DivergenceWarning, FiniteGuard, TrainingDiverged, check_finite
from .live import LiveLines
from .metrics_log import MetricsLogger
from .progress import ProgressBar
from .run_directory import RunDirectory
from .stop import StopOnSignal

__all__ = ["CHECKPOINT", "CHECKPOINT_FORMAT", "REQUESTS", "STOP", "Callback", "Callbacks", "Checkpointer",
           "CriticWatch", "DivergenceWarning", "Evaluation", "Figures", "FiniteGuard", "LiveLines", "MetricsLogger",
           "ProgressBar", "RunDirectory", "StopOnSignal", "TrainingDiverged", "build_callbacks",
           "check_finite", "checkpoint_contents"]


def build_callbacks(config: Config, run_dir: Path, process: distributed.Process, data, objective: Objective,
                    start: Start, overwrite: bool, progress: bool | None, *, own_callbacks: Sequence[Callback] = (),
                    loggers: Sequence[Any] = (), latent_dim: int | None = None,
                    constraint_name: str | None = None) -> Callbacks:
    """Every process stops on a signal and guards against non-finite values; the main process
    alone owns the run directory, evaluates, draws, logs (to the loggers named by
    `eval.loggers`, then to `loggers`, objects with the `wgan.protocols.Logger` methods),
    checkpoints, says a line per evaluation, shows progress and runs the user's `own_callbacks`
    (before the checkpoint, so that their state is saved).
    latent_dim, constraint_name: the generator's and the constraint's, where objects replaced
    the config's."""
    constraint_name = constraint_name or config.constraint.name
    callbacks: list[Callback] = [StopOnSignal(), FiniteGuard(run_dir)]
    if process.is_main:
        evaluator = make_evaluator(data, config.eval.samples, latent_dim or config.model.latent_dim,
                                   config.train.seed, objective, config.eval.final_draws, config.eval.w1_samples)
        metrics = MetricsLogger(run_dir, plain_data(config.to_dict()), [*make_loggers(config.eval.loggers), *loggers])
        notes = [data.summary] if getattr(data, "summary", "") else []  # what a point file held
        per_unit = float(evaluator.units.scale.min()) if evaluator.units is not None else 1.0  # see CriticWatch
        callbacks = [RunDirectory(run_dir, config, start.checkpoint is None, overwrite, notes + start.notes,
                                  start.files),
                     *callbacks, Evaluation(evaluator, data, config.train.steps),
                     CriticWatch(objective, constrained=constraint_name not in ("none", "r1"),  # R1 bounds no slope
                                 constraint=constraint_name, data_units_per_critic_unit=per_unit),
                     metrics, LiveLines(config.train.steps)]
        if config.eval.figures:
            callbacks.append(Figures(run_dir, evaluator, len(data.shape) == 3, f"{config.name} on {data.name}",
                                     metrics.log_image, classes=classes_of(data)))
        callbacks += [*own_callbacks, Checkpointer(run_dir, config, data.shape, classes_of(data)),
                      ProgressBar(config.train.steps, f"train {config.name}", objective.estimate_key, progress)]
    return Callbacks(callbacks)
