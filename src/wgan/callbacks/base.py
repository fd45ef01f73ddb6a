"""The one interface of everything that watches training, and the list that calls them.

The loop calls, in this order over a run: `on_start` once; per generator step `on_step`,
`requests`, and on logged lines `on_log` (with `evaluate` at evaluation steps), and
`on_checkpoint` when a checkpoint is due; `on_end` when training ends (finished or
stopped); `close` always, last, errors included. Callbacks run in list order and may add
to the record (the evaluation adds its metrics before the log writes the line).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from ..steps import TrainingState

STOP, CHECKPOINT = "stop", "checkpoint"
REQUESTS = (STOP, CHECKPOINT)


class Callback:
    """Does nothing at every moment; subclasses override the moments they act at."""

    def on_start(self, state: TrainingState) -> None:
        pass

    def on_step(self, state: TrainingState) -> None:
        pass

    def requests(self, state: TrainingState) -> set[str]:
        """What this callback asks for after the current step: STOP, CHECKPOINT."""
        return set()

    def on_log(self, state: TrainingState, record: dict[str, Any], evaluate: bool) -> None:
        pass

    def on_checkpoint(self, state: TrainingState, ranks: list[dict[str, Any]]) -> None:
        """ranks: every process's random state, gathered (one entry without torchrun)."""

    def on_end(self, state: TrainingState, interrupted: bool) -> None:
        pass

    def close(self) -> None:
        pass


class Callbacks:
    """Calls each moment on every callback, in order."""

    def __init__(self, callbacks: Sequence[Callback]) -> None:
        self.callbacks = list(callbacks)

    @contextmanager
    def running(self, state: TrainingState) -> Iterator["Callbacks"]:
        """on_start on entry; close on every callback on exit, however the block ends."""
        try:
            for callback in self.callbacks:
                callback.on_start(state)
            yield self
        finally:
            for callback in reversed(self.callbacks):
                callback.close()

    def on_step(self, state: TrainingState) -> None:
        for callback in self.callbacks:
            callback.on_step(state)

    def requests(self, state: TrainingState) -> list[bool]:
        """One flag per name in REQUESTS (for distributed.any_processes)."""
        asked = set().union(*(callback.requests(state) for callback in self.callbacks))
        return [name in asked for name in REQUESTS]

    def on_log(self, state: TrainingState, record: dict[str, Any], evaluate: bool) -> dict[str, Any]:
        for callback in self.callbacks:
            callback.on_log(state, record, evaluate)
        return record

    def on_checkpoint(self, state: TrainingState, ranks: list[dict[str, Any]]) -> None:
        for callback in self.callbacks:
            callback.on_checkpoint(state, ranks)

    def on_end(self, state: TrainingState, interrupted: bool) -> None:
        for callback in self.callbacks:
            callback.on_end(state, interrupted)
