"""Weights & Biases, offline: a local run folder run_dir/wandb/offline-run-*, nothing sent
(`wgan[wandb]`). `wandb sync` uploads it later, if one wishes; `wandb leet inspect --json`
reads it back here.

The mode and folder are set explicitly, whatever WANDB_MODE, WANDB_DIR or a login say. Each
row carries the run's step as the `step` metric (W&B's own step counts rows), so figures that
the drawing process finishes after later scalars still land at their own step.
"""
from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any, Mapping




class WandbLogger:
    """One offline W&B run per process that trains the run directory."""

    requires = "wandb"  # the package it needs, checked before the run starts

    def __init__(self, project: str = "wgan") -> None:
        self.project, self.run = project, None

    def start(self, run_dir: Path, config: Mapping[str, Any]) -> None:
        from ..config import flat_settings, plain_data

        try:
            import wandb
        except ImportError:
            from . import missing_extra

            raise missing_extra("wandb", "wandb") from None
        self.wandb = wandb
        self.run = wandb.init(mode="offline", dir=str(run_dir), project=self.project, name=Path(run_dir).name,
                              config=flat_settings(plain_data(config)), reinit="create_new",
                              settings=wandb.Settings(console="off", silent=True))
        self.run.define_metric("step")
        self.run.define_metric("*", step_metric="step")

    def log_metrics(self, step: int, metrics: Mapping[str, float]) -> None:
        finite = {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and math.isfinite(v)}
        self.run.log({**finite, "step": step})

    def log_image(self, step: int, name: str, png: bytes) -> None:
        """The PNG bytes as they are (W&B copies the file it is given)."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{name}.png"
            path.write_bytes(png)
            self.run.log({name: self.wandb.Image(str(path)), "step": step})

    def close(self) -> None:
        if self.run is not None:
            self.run.finish()
            self.run = None
