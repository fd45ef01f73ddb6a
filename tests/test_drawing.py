"""The Painter draws in a second process, reports files in order, and surfaces errors."""
import os
from pathlib import Path

import numpy as np
import pytest

from wgan.plots.painter import Painter
from wgan.plots import plot_image_grid


def _fail(path):
    raise ValueError(f"cannot draw {path}")


def _pid(path):
    Path(path).write_text(str(os.getpid()))
    return Path(path)


def test_drawings_run_elsewhere_and_are_reported_in_order(tmp_path):
    painter = Painter()
    done = []
    images = np.random.default_rng(0).uniform(-1, 1, size=(4, 1, 8, 8)).astype(np.float32)
    for i in range(3):
        painter.submit(plot_image_grid, images, tmp_path / f"g{i}.png", f"grid {i}", done=done.append)
    painter.submit(_pid, tmp_path / "pid.txt", done=done.append)
    painter.close()
    assert done == [tmp_path / "g0.png", tmp_path / "g1.png", tmp_path / "g2.png", tmp_path / "pid.txt"]
    assert all(p.stat().st_size > 0 for p in done)
    assert int((tmp_path / "pid.txt").read_text()) != os.getpid()


def test_a_drawing_error_is_raised_in_the_training_process(tmp_path):
    painter = Painter()
    painter.submit(_fail, tmp_path / "x.png")
    with pytest.raises(ValueError, match="cannot draw"):
        painter.close()


def test_without_a_worker_it_draws_inline(tmp_path):
    painter = Painter()
    painter.close()  # the pool is gone: submit falls back to drawing here
    done = []
    painter.submit(_pid, tmp_path / "pid.txt", done=done.append)
    assert done == [tmp_path / "pid.txt"] and int((tmp_path / "pid.txt").read_text()) == os.getpid()


def test_the_drawing_worker_starts_without_torch():
    """The worker runs this module's initializer and matplotlib only: importing torch there would
    take a core from the training run's start for 1-2 s."""
    import subprocess
    import sys

    code = ("import sys; from wgan.plots.painter import _worker_start; _worker_start(); "
            "print('torch' in sys.modules, 'matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


def test_a_long_title_and_row_labels_are_not_clipped(tmp_path):
    """A grid narrower than its title widens to fit it (a conditional run's title was cut at both
    sides), and row labels sit left of the grid: the picture's edges stay white, and the label
    column left of the grid has ink at the height of each row."""
    from PIL import Image

    images = np.full((3 * 2, 1, 8, 8), 0.5, np.float32)
    title = "run: 6 samples at step 2000 (seed 0), one row per class, a title far wider than the grid"
    path = plot_image_grid(images, tmp_path / "g.png", title, nrow=2, row_labels=["zero", "one", "two"])
    pixels = np.asarray(Image.open(path).convert("L"))
    assert pixels[:, :2].min() == 255 and pixels[:, -2:].min() == 255  # nothing reaches an edge
    inked = np.flatnonzero(pixels[: len(pixels) // 8].min(axis=0) < 128)  # the title's band
    assert inked.size and inked[0] > 2 and inked[-1] < pixels.shape[1] - 3
    cells = pixels == round((0.5 + 1) * 127.5)  # the images' grey
    grid_cols = np.flatnonzero(cells.sum(axis=0) > 20)
    label_band = pixels[:, : grid_cols[0] - 1]
    grid_rows = np.flatnonzero(cells.sum(axis=1) > 20)
    rows = np.split(grid_rows, np.flatnonzero(np.diff(grid_rows) > 1) + 1)  # each row of cells
    assert len(rows) == 3
    for r, pixel_rows in enumerate(rows):
        centre = int(pixel_rows.mean())
        assert label_band[centre - 4:centre + 5].min() < 128, f"row {r} has no label"


@pytest.mark.parametrize("n, rows, cols", [(64, 8, 8), (40, 5, 8), (20, 4, 5), (12, 3, 4), (6, 2, 3), (1, 1, 1),
                                           (31, 6, 6)])
def test_a_grid_of_n_images_is_a_full_rectangle_where_n_allows(n, rows, cols):
    from wgan.plots import image_grid

    images = np.zeros((n, 1, 4, 4), np.float32)
    grid = image_grid(images, padding=1)
    assert grid.shape[:2] == (rows * 5 + 1, cols * 5 + 1)  # 31 is prime: 6 x 6, its last row short
