"""Messages that must say what is true of the run in hand: the divergence guard before any
checkpoint, the Lipschitz advice per constraint, a data path that does not exist, and the
memorisation figure's legend on point runs."""
import re
import types
import warnings

import numpy as np
import pytest
import torch

from wgan.callbacks import CriticWatch, DivergenceWarning, FiniteGuard, TrainingDiverged
from wgan.cli import main
from wgan.config import CONSTRAINTS, applies_when
from wgan.objectives import Wasserstein
from wgan.plots import base, plot_memorisation


def _state():
    return types.SimpleNamespace(generator=torch.nn.Linear(2, 2), critic=torch.nn.Linear(2, 1))


def test_the_divergence_guard_says_whether_a_checkpoint_is_kept(tmp_path):
    record = {"step": 7, "critic_w_estimate": float("nan"), "penalty": 0.0, "generator_loss": 0.0}
    with pytest.raises(TrainingDiverged) as before:
        FiniteGuard(tmp_path).on_log(_state(), record, False)
    assert "no checkpoint had been written yet" in str(before.value) and "is kept" not in str(before.value)
    (tmp_path / "checkpoint.pt").write_bytes(b"")
    with pytest.raises(TrainingDiverged, match="the last good checkpoint is kept"):
        FiniteGuard(tmp_path).on_log(_state(), record, False)


@pytest.mark.parametrize("constraint", [c for c in CONSTRAINTS if c not in ("none", "r1")])
def test_the_lipschitz_warning_names_only_settings_of_the_constraint_in_use(constraint):
    watch = CriticWatch(Wasserstein(), constrained=True, constraint=constraint)
    with pytest.warns(DivergenceWarning, match="Lipschitz constant is 45.0") as caught:
        watch.check({"step": 5, "critic_lipschitz": 45.0})
    message = str(caught[0].message)
    named = re.findall(r"\b(constraint\.\w+|optim\.\w+|model\.\w+)", message)
    assert named, message
    for key in named:  # every setting it advises acts under this constraint
        for when in applies_when(key):
            assert when.key != "constraint.name" or constraint in when.values, (key, message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        watch.check({"step": 6, "critic_lipschitz": 50.0})  # once


def test_a_data_path_that_does_not_exist_is_said_so(tmp_path, capsys):
    missing = tmp_path / "pictures" / "cats"
    assert main(["train", "--data", f"{missing}/", "--steps", "1", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "does not exist" in err and str(missing) in err
    assert "unknown data set" not in err


@pytest.mark.parametrize("d", [1, 2, 5])
def test_the_memorisation_legend_is_inside_the_figure_and_off_the_points(monkeypatch, tmp_path, d):
    boxes = []
    save = base.save

    def measure_then_save(fig, path, dpi=110):
        fig.tight_layout()  # as save lays it out
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        boxes.append((fig.bbox, ax.get_legend().get_window_extent(renderer), ax.get_window_extent(renderer)))
        return save(fig, path, dpi)

    monkeypatch.setattr(base, "save", measure_then_save)
    rng = np.random.default_rng(0)
    train, generated = rng.standard_normal((300, d)), rng.standard_normal((200, d)) * 0.5 - 2
    distances = np.abs(rng.standard_normal((200, 1)))
    neighbours = rng.integers(300, size=(200, 1))
    plot_memorisation(generated, train, neighbours, distances, 0.1, tmp_path / "m.png", "title\nsecond line")
    page, legend, axes = boxes[0]
    assert page.x0 <= legend.x0 and legend.x1 <= page.x1 and page.y0 <= legend.y0 and legend.y1 <= page.y1
    assert not legend.overlaps(axes)  # the points stay visible
