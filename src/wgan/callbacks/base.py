"""The one interface of everything that watches training, and the list that calls them.

The loop calls, in this order over a run: `on_start` once; per generator step `on_step`,
`requests`, and on logged lines `on_log` (with `evaluate` at evaluation steps), and
`on_checkpoint` when a checkpoint is due; `on_end` when training ends (finished or
stopped); `close` always, last, errors included. Callbacks run in list order and may add
to the record (the evaluation adds its metrics before the log writes the line).

A callback with state returns it from `state_dict()` (plain data: numbers, strings, lists,
dicts, tensors); it is saved in every checkpoint under the callback's class name, and given
back to `load_state_dict` when the run resumes, before `on_start` (as Lightning's callbacks).
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

    def state_dict(self) -> dict[str, Any]:
        """What to save in checkpoints ({}: nothing)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Take back what `state_dict` returned, from the checkpoint a run resumes."""


class Callbacks:
    """Calls each moment on every callback, in order."""

    def __init__(self, callbacks: Sequence[Callback]) -> None:
        self.callbacks = list(callbacks)

    @contextmanager
    def running(self, state: TrainingState) -> Iterator["Callbacks"]:
        """on_start on entry; close on every callback on exit, however the block ends."""
        failed = False
        try:
            self.load_state_dict(state.callback_states)
            for callback in self.callbacks:
                callback.on_start(state)
            yield self
        except BaseException:
            failed = True
            raise
        finally:
            errors = []
            for callback in reversed(self.callbacks):  # each closes, whatever the others do
                try:
                    callback.close()
                except Exception as exc:  # noqa: BLE001 - raised below unless an error is on its way
                    errors.append(exc)
            if errors and not failed:
                raise errors[0]

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
        state.callback_states = self.state_dict()
        for callback in self.callbacks:
            callback.on_checkpoint(state, ranks)

    def named(self) -> dict[str, Callback]:
        """The callbacks by class name ("Name", then "Name#2", ... for repeats)."""
        out: dict[str, Callback] = {}
        for callback in self.callbacks:
            name = type(callback).__qualname__
            key = name if name not in out else next(f"{name}#{i}" for i in range(2, len(out) + 2)
                                                    if f"{name}#{i}" not in out)
            out[key] = callback
        return out

    def state_dict(self) -> dict[str, Any]:
        """Each callback's non-empty state_dict, by name."""
        states = {name: callback.state_dict() for name, callback in self.named().items()}
        return {name: s for name, s in states.items() if s}

    def load_state_dict(self, states: dict[str, Any]) -> None:
        for name, callback in self.named().items():
            if name in states:
                callback.load_state_dict(states[name])

    def on_end(self, state: TrainingState, interrupted: bool) -> None:
        for callback in self.callbacks:
            callback.on_end(state, interrupted)
