"""Everything that watches training, as callbacks with one interface (see `base`), and the one
place that decides which process runs which: `build_callbacks`."""
from __future__ import annotations

from pathlib import Path

from .. import distributed
from ..config import Config
from ..data import classes_of
from ..metrics import make_evaluator
from ..objectives import Objective
from ..resume import Start
from .base import CHECKPOINT, REQUESTS, STOP, Callback, Callbacks
from .checkpoints import CHECKPOINT_FORMAT, Checkpointer, checkpoint_contents
from .evaluation import Evaluation
from .figures import Figures
from .guards import CriticWatch, DivergenceWarning, FiniteGuard, TrainingDiverged, check_finite
from .metrics_log import MetricsLogger, TensorBoard
from .progress import ProgressBar
from .run_directory import RunDirectory
from .stop import StopOnSignal

__all__ = ["CHECKPOINT", "CHECKPOINT_FORMAT", "REQUESTS", "STOP", "Callback", "Callbacks", "Checkpointer",
           "CriticWatch", "DivergenceWarning", "Evaluation", "Figures", "FiniteGuard", "MetricsLogger",
           "ProgressBar", "RunDirectory", "StopOnSignal", "TensorBoard", "TrainingDiverged", "build_callbacks",
           "check_finite", "checkpoint_contents"]


def build_callbacks(config: Config, run_dir: Path, process: distributed.Process, data, objective: Objective,
                    start: Start, overwrite: bool, progress: bool | None) -> Callbacks:
    """Every process stops on a signal and guards against non-finite values; the main process
    alone owns the run directory, evaluates, draws, logs, checkpoints and shows progress."""
    callbacks: list[Callback] = [StopOnSignal(), FiniteGuard(run_dir)]
    if process.is_main:
        evaluator = make_evaluator(data, config.eval.samples, config.model.latent_dim, config.train.seed, objective,
                                   config.eval.final_draws)
        tensorboard = TensorBoard(run_dir, config.eval.tensorboard)
        notes = [data.summary] if getattr(data, "summary", "") else []  # what a point file held
        callbacks = [RunDirectory(run_dir, config, start.checkpoint is None, overwrite, notes + start.notes),
                     *callbacks, Evaluation(evaluator, data, config.train.steps),
                     CriticWatch(objective, constrained=config.constraint.name not in ("none", "r1"),
                                 constraint=config.constraint.name)]  # R1 bounds no slope
        if config.eval.figures:
            callbacks.append(Figures(run_dir, evaluator, len(data.shape) == 3, f"{config.name} on {data.name}",
                                     tensorboard))
        callbacks += [MetricsLogger(run_dir, tensorboard), Checkpointer(run_dir, config, data.shape, classes_of(data)),
                      ProgressBar(config.train.steps, f"train {config.name}", objective.estimate_key, progress)]
    return Callbacks(callbacks)
