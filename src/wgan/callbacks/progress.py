"""A progress bar (tqdm) with the latest estimate and exact W1."""
from __future__ import annotations

from typing import Any

from ..formatting import significant
from ..steps import TrainingState
from .base import Callback


class ProgressBar(Callback):
    """show: True, False, or None for only on a terminal."""

    def __init__(self, total: int, description: str, key: str, show: bool | None) -> None:
        self.total, self.description, self.key, self.show = total, description, key, show
        self.bar = None
        self.w1: float | None = None

    def on_start(self, state: TrainingState) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=self.total, initial=state.step, disable=None if self.show is None else not self.show,
                        desc=self.description, unit="step", dynamic_ncols=True)

    def on_step(self, state: TrainingState) -> None:
        self.bar.update(1)

    def on_log(self, state: TrainingState, record: dict[str, Any], evaluate: bool) -> None:
        self.w1 = record.get("w1", self.w1)
        if self.key in record:
            self.bar.set_postfix(estimate=significant(record[self.key]),
                                 **({"W1": significant(self.w1)} if self.w1 is not None else {}))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
