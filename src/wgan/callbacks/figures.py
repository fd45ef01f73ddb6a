"""Figures during training: at each evaluation the critic's landscape (points) or a grid of
samples from fixed noise (images), and the training curves at the end; each also to the
run's loggers (`log_image`, as the PNG bytes written).

The only training code that draws (through `wgan.plots`): the networks are read here (which
leaves their modes, parameters and random states as they were) and the drawing itself runs
in a second process (`Painter`), so training goes on meanwhile.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from ..metrics import Evaluator
from ..conditional import class_rows
from ..formatting import significant
from ..networks import evaluating, generate, num_classes_of
from ..outputs import write_bytes
from ..plots.painter import Painter
from ..runs import read_metrics
from ..steps import TrainingState
from .base import Callback

GRID_SIZE = 64
PER_CLASS = 8  # columns of a conditional generator's grid: one row per class
ANCHORS = 256  # anchors averaged over in a Cramer critic's landscape


class Figures(Callback):
    """Writes run_dir/figures/{landscape,samples}_stepNNNNNN.png, the last as {landscape,samples}.png,
    and curves.png; `log_image(step, name, png)` gets each (name: landscape, samples or curves)."""

    def __init__(self, run_dir: Path, evaluator: Evaluator, is_image: bool, title: str,
                 log_image: Callable[[int, str, bytes], None] | None = None,
                 classes: tuple[str, ...] = ()) -> None:
        self.dir = Path(run_dir) / "figures"
        self.classes = tuple(classes)  # a conditional run's class names: its grid's row labels
        self.evaluator, self.title, self.log_image = evaluator, title, log_image
        self.kind = "samples" if is_image else "landscape"
        self.painter = Painter()

    def path(self, step: int | None) -> Path:
        return self.dir / (f"{self.kind}.png" if step is None else f"{self.kind}_step{step:06d}.png")

    def on_log(self, state: TrainingState, record: dict[str, Any], evaluate: bool) -> None:
        self.painter.collect()
        if evaluate:
            self.snapshot(state, record)

    def snapshot(self, state: TrainingState, record: dict[str, Any]) -> None:
        """Read what the figure of this evaluation step shows from the networks (leaving their
        modes as they were) and hand the drawing to the painter."""
        from .. import plots

        step = record["step"]
        title = evaluation_title(record)
        with evaluating(state.generator, state.critic):
            if self.kind == "samples":
                classes = num_classes_of(state.sampler)
                names = self.classes if len(self.classes) == classes else tuple(map(str, range(classes)))
                draw = (partial(plots.plot_image_grid, nrow=PER_CLASS, row_labels=names) if classes
                        else plots.plot_image_grid)
                data = self._images(state, classes)
            else:
                draw, data = plots.plot_landscape, self._landscape(state)
        self.painter.submit(draw, *data, self.path(step), title,
                            done=lambda path: self._publish(step, self.kind, path))

    def _publish(self, step: int, name: str, path: Path) -> None:
        if self.log_image is not None:
            self.log_image(step, name, Path(path).read_bytes())

    def _images(self, state: TrainingState, classes: int) -> tuple[np.ndarray]:
        """GRID_SIZE samples; from a conditional generator one row per class, each column one
        latent vector."""
        if not classes:
            return (generate(state.sampler, self._grid_latents(GRID_SIZE)).cpu().numpy(),)
        latents = self._grid_latents(PER_CLASS).repeat(classes, 1)
        return (generate(state.sampler, latents, labels=class_rows(classes, len(latents) // classes)).cpu().numpy(),)

    def _grid_latents(self, n: int) -> torch.Tensor:
        """n fixed latent vectors (n, latent_dim): the evaluator's, topped up from a fixed seed
        where the held-out set (and so the evaluator's latents) is smaller than n, so a small
        folder's grid still has the n cells asked for."""
        latent = self.evaluator.latent
        if len(latent) >= n:
            return latent[:n]
        extra = torch.randn(n - len(latent), latent.shape[1],
                            generator=torch.Generator().manual_seed(self.evaluator.seed + 5))
        return torch.cat([latent, extra.to(latent.device, latent.dtype)])

    @torch.no_grad()
    def _landscape(self, state: TrainingState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(the critic's scores at the landscape's points, real, generated), the points in the
        data's own units."""
        from ..plots.training import landscape_points

        generator, critic, evaluator = state.sampler, state.critic, self.evaluator
        context = evaluator.critic_context(generator, critic, ANCHORS)
        fake = evaluator.in_data_units(evaluator.generate(generator).cpu().numpy())
        real = evaluator.in_data_units(evaluator.real)
        grid = landscape_points(real, fake)  # drawn in the data's units, scored in the critic's
        points = torch.from_numpy(grid if evaluator.units is None else evaluator.units.to_model(grid))
        scores = evaluator.objective.mean_critic_values(critic(points.to(state.noise.device)), **context).cpu().numpy()
        return scores, real, fake

    def on_end(self, state: TrainingState, interrupted: bool) -> None:
        from .. import plots

        self.painter.collect(wait=True)
        if self.path(state.step).exists():
            write_bytes(self.path(None), self.path(state.step).read_bytes())
        self.painter.submit(plots.plot_training_curves, read_metrics(self.dir.parent), self.dir / "curves.png",
                            self.title, done=lambda path: self._publish(state.step, "curves", path))
        self.painter.collect(wait=True)

    def close(self) -> None:
        self.painter.close()


def evaluation_title(record: dict[str, Any]) -> str:
    """The title of an evaluation's figure: W1 and its floor with significant digits
    (`wgan.formatting`), and the modes / high-quality share where measured."""
    step = record["step"]
    if "w1_mean" in record:
        title = (f"step {step}: exact W1 {significant(record['w1_mean'])} +- {significant(record['w1_std'])} (floor "
                 f"{significant(record['w1_floor_mean'])} +- {significant(record['w1_floor_std'])}; "
                 f"{record['draws']} draws)")
    else:
        title = f"step {step}: exact W1 {significant(record['w1'])} (floor {significant(record['w1_floor'])}; one draw)"
    if "high_quality_mean" in record:  # on a second line: the first is already long
        title += (f"\n{record['modes_mean']:.3g}/{record['modes_total']} modes, "
                  f"{100 * record['high_quality_mean']:.1f}% +- {100 * record['high_quality_std']:.1f}% high-quality")
    elif "modes" in record:
        title += f", {record['modes']}/{record['modes_total']} modes, {100 * record['high_quality']:.1f}% HQ"
    return title
