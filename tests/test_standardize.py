"""Point files are standardised for training (data.standardize) and reported in their own units."""
import json
import warnings

import numpy as np
import pytest

from wgan.cli import main
from wgan.data.standardize import Standardization
from wgan.loading import load_run
from wgan.runs import read_metrics
from wgan.transport import wasserstein

FAST = ["--no-progress", "--set", "eval.figures=false", "--set", "eval.tensorboard='off'", "--set", "train.threads=1"]


def test_standardization_by_hand():
    train = np.array([[1.0, 5.0], [3.0, 5.0]])
    units = Standardization.fit(train)
    assert units.mean.tolist() == [2.0, 5.0] and units.scale.tolist() == [1.0, 1.0]  # a constant column keeps 1
    assert units.to_model(train).tolist() == [[-1.0, 0.0], [1.0, 0.0]]
    x = np.array([[100.0, -7.0]])
    np.testing.assert_allclose(units.to_data(units.to_model(x)), x)
    assert Standardization.from_dict(json.loads(json.dumps(units.to_dict()))).to_dict() == units.to_dict()


@pytest.fixture(scope="module")
def ring(tmp_path_factory):
    """1,000 integer points: 8 modes on a ring of radius 30 around (100, 100), std 2."""
    rng = np.random.default_rng(0)
    angle = 2 * np.pi * rng.integers(8, size=1000) / 8
    points = 100 + 30 * np.stack([np.cos(angle), np.sin(angle)], 1) + rng.normal(0, 2, (1000, 2))
    path = tmp_path_factory.mktemp("ring") / "ring.csv"
    np.savetxt(path, np.round(points), fmt="%d", delimiter=",")
    return path


def test_raw_point_data_trains_when_standardised_and_comes_back_in_its_units(ring, tmp_path, capsys):
    ratios = {}
    for standardize in ("true", "false"):
        run = tmp_path / standardize
        assert main(["train", "--data", str(ring), "--steps", "600", "--set", "eval.every=600", "--out", str(run),
                     "--set", f"data.standardize={standardize}", *FAST]) == 0
        final = read_metrics(run)[-1]
        ratios[standardize] = final["w1"] / final["w1_floor"]
    out = capsys.readouterr().err
    assert "2-D (comma-separated, no header); standardised per column (mean (99.81, 98.58), scale (21.32, 21.17))" in out
    assert "not standardised (data.standardize = false)" in out
    assert ratios["true"] < 3.5 and ratios["false"] > 2 * ratios["true"], ratios
    run = tmp_path / "true"
    # W1 and its floor in the data's units: the floor of 200 held-out points of spread ~21 is a few units
    assert 2 < read_metrics(run)[-1]["w1_floor"] < 8
    assert main(["sample", "--run", str(run), "-n", "2000", "--out", str(tmp_path / "s.png"),
                 "--npy", str(tmp_path / "s.npy")]) == 0
    samples = np.load(tmp_path / "s.npy")
    capsys.readouterr()
    assert np.abs(samples.mean(0) - 100).max() < 5 and 15 < samples.std(0).mean() < 28
    radius = np.linalg.norm(samples - 100, axis=1)
    assert abs(np.median(radius) - 30) < 5
    assert main(["evaluate", "--run", str(run), "--json", "--no-memorisation"]) == 0
    result = json.loads(capsys.readouterr().out)
    real = np.loadtxt(ring, delimiter=",")
    assert result["w1"] < 3.5 * result["w1_floor"] and 2 < result["w1_floor"] < 8
    # the same number by hand: the run's samples against a draw of the file's own points
    loaded = load_run(run)
    assert loaded.units is not None
    np.testing.assert_allclose(loaded.units.mean, [99.805, 98.58375])  # the 800 training points' means
    assert wasserstein(samples[:200].astype(np.float64), real[:200]) < 4 * result["w1_floor"]


def test_toy_distributions_and_images_are_not_standardised(tmp_path):
    run = tmp_path / "toy"
    assert main(["train", "--steps", "2", "--out", str(run), "--set", "train.batch_size=8",
                 "--set", "eval.samples=16", *FAST]) == 0
    assert "standardization" not in json.loads((run / "data.json").read_text())
    assert load_run(run).units is None


def test_the_runaway_watch_reads_w1_in_the_critics_units():
    """W1 is logged in the data's units; a critic on standardised points (scale 20) works in units
    20 times smaller, so an estimate of 300 is far beyond 100 x (W1 40 / 20) = 200."""
    from wgan.callbacks import CriticWatch
    from wgan.objectives import Wasserstein

    record = {"step": 10, "w1": 40.0, "critic_w_estimate": 300.0}
    with pytest.warns(UserWarning, match="beyond the 200"):
        CriticWatch(Wasserstein(), constrained=True, data_units_per_critic_unit=20.0).check(dict(record))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # in the data's own units (no standardisation) 300 < 4000
        CriticWatch(Wasserstein(), constrained=True).check(dict(record))
