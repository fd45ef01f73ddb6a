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
