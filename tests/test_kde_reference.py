"""The Parzen reference of `wgan evaluate --kde`: a KDE on real training data whose bandwidth
is chosen on validation data disjoint from its centres, scored on held-out data."""
import json

import numpy as np
import torch

from wgan.cli import main
from wgan.data import load_data
from wgan.evaluation import evaluate_generator, kde_real_sets


def _five_d_points(path):
    """1,000 points in 5-D: four well-separated Gaussian clusters (sd 0.5)."""
    rng = np.random.default_rng(0)
    centres = 2.0 * rng.standard_normal((4, 5))
    points = centres[rng.integers(4, size=1000)] + 0.5 * rng.standard_normal((1000, 5))
    np.save(path, points.astype(np.float32))
    return path


class Collapsed(torch.nn.Module):
    """A collapsed generator: every sample near the data's mean, between its clusters."""
    latent_dim = 3

    def __init__(self) -> None:
        super().__init__()
        self.anchor = torch.nn.Parameter(torch.zeros(1))

    def forward(self, z):
        return 0.3 * z[:, :1].repeat(1, 5)


def test_reference_centres_and_validation_are_disjoint_parts_of_the_training_set(tmp_path):
    data = load_data(str(_five_d_points(tmp_path / "p.npy")), holdout_fraction=0.2, seed=0)
    centres, validation = kde_real_sets(data, 2000, 200, np.random.default_rng(1))
    assert len(validation) == 200 and len(centres) == len(data.train) - 200  # no point drawn twice
    rows = lambda x: {tuple(r) for r in np.round(x, 6)}
    assert not rows(centres) & rows(validation)
    assert not (rows(centres) | rows(validation)) & rows(data.holdout)
    assert len(rows(centres)) == len(centres)


def test_real_data_beats_a_collapsed_generator_on_a_5d_point_set(tmp_path):
    # 2,000 centres drawn with replacement from 800 training points, and validation points drawn
    # from the same 800, pick sigma 0.07 (most validation points are centres) and score the
    # held-out data at -25 nats, below the collapsed generator's -10: the comparison flips.
    data = load_data(str(_five_d_points(tmp_path / "p.npy")), holdout_fraction=0.2, seed=0)
    result = evaluate_generator(Collapsed(), data, n=2000, kde=True, memorisation=False)
    reference = result["kde_reference"]
    assert reference["log_likelihood"] > result["kde_log_likelihood"] + 5
    # within-cluster sd 0.5: a bandwidth of that order, not a fraction of the spacing of duplicates
    assert 0.2 <= reference["sigma"] <= 1.0
    # the 5-D Gaussian clusters' own entropy bounds what a good density can score: ~-4.7 nats each
    assert reference["log_likelihood"] > -8


def test_evaluate_kde_from_the_cli_on_a_point_run(tmp_path, capsys):
    path = _five_d_points(tmp_path / "p.npy")
    run = tmp_path / "run"
    assert main(["train", "--data", str(path), "--steps", "2", "--out", str(run), "--no-progress",
                 "--set", "eval.figures=false", "--set", "train.batch_size=16"]) == 0
    assert main(["evaluate", "--run", str(run), "--kde", "-n", "300", "--no-memorisation"]) == 0
    result = json.loads((run / "evaluation.json").read_text())
    assert result["kde_reference"]["log_likelihood"] > result["kde_log_likelihood"]
    assert result["kde_reference"]["sigma"] >= 0.2
