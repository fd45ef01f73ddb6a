"""Figures during training: at each evaluation the critic's landscape (points) or a grid of
samples from fixed noise (images), and the training curves at the end; also to TensorBoard.

The only training code that draws (through `wgan.plots`); drawing leaves the networks'
modes, parameters and random states as they were.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..metrics import Evaluator
from ..networks import evaluating
from ..runs import read_metrics
from ..steps import TrainingState
from .base import Callback
from .metrics_log import TensorBoard

GRID_SIZE = 64
ANCHORS = 256  # anchors averaged over in a Cramer critic's landscape


class Figures(Callback):
    """Writes run_dir/figures/{landscape,samples}_stepNNNNNN.png, the last as {landscape,samples}.png,
    and curves.png; TensorBoard gets the same images."""

    def __init__(self, run_dir: Path, evaluator: Evaluator, is_image: bool, title: str,
                 tensorboard: TensorBoard) -> None:
        self.dir = Path(run_dir) / "figures"
        self.evaluator, self.title, self.tensorboard = evaluator, title, tensorboard
        self.kind = "samples" if is_image else "landscape"

    def path(self, step: int | None) -> Path:
        return self.dir / (f"{self.kind}.png" if step is None else f"{self.kind}_step{step:06d}.png")

    def on_log(self, state: TrainingState, record: dict[str, Any], evaluate: bool) -> None:
        if evaluate:
            self.snapshot(state, record)

    def snapshot(self, state: TrainingState, record: dict[str, Any]) -> None:
        """Draw the figure of this evaluation step; leaves the networks' modes as they were."""
        with evaluating(state.generator, state.critic):
            path = self._draw(state, record)
        self.tensorboard.add_image(self.kind, path, record["step"])

    def _draw(self, state: TrainingState, record: dict[str, Any]) -> Path:
        from .. import plots

        step = record["step"]
        title = f"step {step}: exact W1 {record['w1']:.3f} (floor {record['w1_floor']:.3f})"
        if "modes" in record:
            title += f", {record['modes']}/{record['modes_total']} modes, {100 * record['high_quality']:.1f}% HQ"
        generator, critic, evaluator = state.sampler, state.critic, self.evaluator
        if self.kind == "samples":
            images = evaluator.generate(generator, GRID_SIZE).cpu().numpy()
            return plots.plot_image_grid(images, self.path(step), title)
        context = evaluator.critic_context(generator, critic, ANCHORS)

        @torch.no_grad()
        def critic_fn(points: np.ndarray) -> np.ndarray:
            out = critic(torch.from_numpy(points).to(state.noise.device))
            return evaluator.objective.mean_critic_values(out, **context).cpu().numpy()

        fake = evaluator.generate(generator).cpu().numpy()
        return plots.plot_landscape(critic_fn, evaluator.real, fake, self.path(step), title)

    def on_end(self, state: TrainingState, interrupted: bool) -> None:
        from .. import plots

        if self.path(state.step).exists():
            shutil.copyfile(self.path(state.step), self.path(None))
        path = plots.plot_training_curves(read_metrics(self.dir.parent), self.dir / "curves.png", self.title)
        self.tensorboard.add_image("curves", path, state.step)

