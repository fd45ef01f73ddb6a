"""Stop on SIGINT / SIGTERM: the step in progress finishes, a checkpoint is written, the run ends."""
from __future__ import annotations

import signal
import threading
from typing import Any

from ..steps import TrainingState
from .base import CHECKPOINT, STOP, Callback


class StopOnSignal(Callback):
    """Turns SIGINT and SIGTERM into a stop request read after each generator step; the
    previous handlers are back when training ends (signals are only caught on the main thread)."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self.previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: Any) -> None:
        self.signal = signum

    def on_start(self, state: TrainingState) -> None:
        if threading.current_thread() is threading.main_thread():
            self.previous = {s: signal.signal(s, self._handle) for s in (signal.SIGINT, signal.SIGTERM)}

    def requests(self, state: TrainingState) -> set[str]:
        return {STOP, CHECKPOINT} if self.signal is not None else set()

    def close(self) -> None:
        for s, handler in self.previous.items():
            signal.signal(s, handler)
        self.previous = {}
