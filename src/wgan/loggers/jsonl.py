"""metrics.jsonl: one JSON object per logged line, flushed (the run's own record, read by
resume, the curves figure and `wgan evaluate`). Figures are files in figures/ already."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping



class JsonlLogger:
    """Appends {"step": step, **metrics} to run_dir/metrics.jsonl."""

    def __init__(self) -> None:
        self.log: Any = None

    def start(self, run_dir: Path, config: Mapping[str, Any]) -> None:
        from ..runs import METRICS, MetricsLog  # torch: not at import, which wgan.config does

        self.log = MetricsLog(Path(run_dir) / METRICS)

    def log_metrics(self, step: int, metrics: Mapping[str, float]) -> None:
        self.log.write({"step": step, **metrics})

    def log_image(self, step: int, name: str, png: bytes) -> None:
        pass

    def close(self) -> None:
        self.log = None
