"""Checkpoints: every `eval.checkpoint_every` steps, every `eval.checkpoint_minutes` of wall-clock
time, at the end and on a stop, whichever comes first; written atomically (see runs.save_checkpoint)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..config import Config, plain_data
from ..runs import save_checkpoint
from ..steps import TrainingState
from .base import CHECKPOINT, Callback

CHECKPOINT_FORMAT = "wgan-checkpoint-1"


def checkpoint_contents(state: TrainingState, config: Config, data_shape: tuple[int, ...],
                        ranks: list[dict[str, Any]], classes: tuple[str, ...] = ()) -> dict[str, Any]:
    """Everything to resume exactly, as plain data: the state, the config, the data's shape
    and class names, and with several processes each one's random state."""
    return {"format": CHECKPOINT_FORMAT, "config": plain_data(config.to_dict()), "data_shape": list(data_shape),
            "classes": list(classes),
            "world_size": len(ranks), **state.state_dict(), **({"ranks": ranks} if len(ranks) > 1 else {})}


class Checkpointer(Callback):
    """Asks for a checkpoint when one is due and writes it to run_dir/checkpoint.pt."""

    def __init__(self, run_dir: Path, config: Config, data_shape: tuple[int, ...],
                 classes: tuple[str, ...] = ()) -> None:
        self.run_dir, self.config, self.data_shape = Path(run_dir), config, tuple(data_shape)
        self.classes = tuple(classes)
        self.seconds = 60.0 * config.eval.checkpoint_minutes
        self.last = time.monotonic()

    def on_start(self, state: TrainingState) -> None:
        self.last = time.monotonic()

    def requests(self, state: TrainingState) -> set[str]:
        step, every = state.step, self.config.eval.checkpoint_every
        overdue = self.seconds > 0 and time.monotonic() - self.last >= self.seconds
        return {CHECKPOINT} if step % every == 0 or step == self.config.train.steps or overdue else set()

    def on_checkpoint(self, state: TrainingState, ranks: list[dict[str, Any]]) -> None:
        save_checkpoint(self.run_dir, checkpoint_contents(state, self.config, self.data_shape, ranks, self.classes))
        self.last = time.monotonic()
