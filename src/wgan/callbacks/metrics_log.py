"""Every logged line and every figure to every logger of the run (`wgan.loggers`): the one
path by which scalars and images leave training."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

from ..runs import METRICS, MetricsLog
from ..steps import TrainingState
from .base import Callback

log = logging.getLogger(__name__)


class MetricsLogger(Callback):
    """Starts the loggers once the run directory is ready (a resumed run first drops the lines
    of metrics.jsonl past its checkpoint's step), hands each logged line to each, and
    `log_image` each figure; closes them all at the end, however it ends."""

    def __init__(self, run_dir: Path, config: dict[str, Any], loggers: Sequence[Any]) -> None:
        self.run_dir, self.config, self.loggers = Path(run_dir), config, list(loggers)
        self.started: list[Any] = []

    def on_start(self, state: TrainingState) -> None:
        if state.step:
            MetricsLog(self.run_dir / METRICS).truncate_after(state.step)
        for logger in self.loggers:
            logger.start(self.run_dir, self.config)
            self.started.append(logger)

    def on_log(self, state: TrainingState, record: dict[str, Any], evaluate: bool) -> None:
        step, metrics = record["step"], {k: v for k, v in record.items() if k != "step"}
        for logger in self.started:
            logger.log_metrics(step, metrics)

    def log_image(self, step: int, name: str, png: bytes) -> None:
        for logger in self.started:
            logger.log_image(step, name, png)

    def close(self) -> None:
        """Close every started logger, the last started first; one that fails to close is
        reported and does not keep the others open."""
        while self.started:
            logger = self.started.pop()
            try:
                logger.close()
            except Exception as error:  # noqa: BLE001 - closing the rest matters more
                log.warning("closing the %s logger failed: %s", type(logger).__name__, error)
