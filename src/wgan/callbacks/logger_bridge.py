"""A logger object (`wgan.protocols.Logger`) given to `wgan.train(loggers=...)`, as a callback:
started with the run, sent every logged line's numbers, closed at the end (main process)."""
from __future__ import annotations

import numbers
from pathlib import Path
from typing import Any

from ..config import Config, plain_data
from ..steps import TrainingState
from .base import Callback


class LoggerBridge(Callback):
    """Calls logger.start, logger.log_metrics (the numbers of each logged line) and logger.close."""

    def __init__(self, logger: Any, run_dir: Path, config: Config) -> None:
        self.logger, self.run_dir, self.config = logger, Path(run_dir), config

    def on_start(self, state: TrainingState) -> None:
        self.logger.start(self.run_dir, plain_data(self.config.to_dict()))

    def on_log(self, state: TrainingState, record: dict[str, Any], evaluate: bool) -> None:
        numbers_only = {k: float(v) for k, v in record.items()
                        if k != "step" and isinstance(v, numbers.Real) and not isinstance(v, bool)}
        self.logger.log_metrics(int(record["step"]), numbers_only)

    def close(self) -> None:
        self.logger.close()
