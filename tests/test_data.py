import numpy as np
import pytest

from wgan.data import (EIGHT_GAUSSIANS, TWENTY_FIVE_GAUSSIANS, eight_gaussians, load_data, read_points,
                       swiss_roll, twenty_five_gaussians)
from wgan.errors import DataError


def test_eight_gaussians_constants_of_gan_toy():
    # Centres on a circle of radius 2 / 1.414, std 0.02 / 1.414.
    assert np.allclose(np.linalg.norm(EIGHT_GAUSSIANS.centers, axis=1), 2 / 1.414)
    assert EIGHT_GAUSSIANS.std == pytest.approx(0.02 / 1.414)
    x = eight_gaussians(20000, np.random.default_rng(0))
    assert x.shape == (20000, 2) and x.dtype == np.float32
    nearest = np.linalg.norm(x[:, None] - EIGHT_GAUSSIANS.centers[None], axis=2).argmin(1)
    residual = x - EIGHT_GAUSSIANS.centers[nearest]
    assert residual.std() == pytest.approx(0.02 / 1.414, rel=0.03)
    assert np.bincount(nearest, minlength=8).min() > 2200


def test_twenty_five_gaussians_constants_of_gan_toy():
    grid = np.array([-4, -2, 0, 2, 4]) / 2.828
    assert sorted(set(np.round(TWENTY_FIVE_GAUSSIANS.centers[:, 0], 6))) == pytest.approx(grid)
    assert TWENTY_FIVE_GAUSSIANS.std == pytest.approx(0.05 / 2.828)
    x = twenty_five_gaussians(5000, np.random.default_rng(0))
    assert x.shape == (5000, 2) and np.abs(x).max() < 4.3 / 2.828


def test_swiss_roll_is_sklearn_columns_0_and_2_over_7_5():
    from sklearn.datasets import make_swiss_roll

    rng = np.random.default_rng(3)
    seed = int(np.random.default_rng(3).integers(2**31 - 1))
    expected = make_swiss_roll(100, noise=0.25, random_state=seed)[0][:, [0, 2]] / 7.5
    assert np.allclose(swiss_roll(100, rng), expected, atol=1e-6)


def test_same_seed_same_points():
    a = load_data("eight_gaussians").sample(10, np.random.default_rng(5))
    b = load_data("8gaussians").sample(10, np.random.default_rng(5))
    assert np.array_equal(a, b)


def test_point_cloud_from_csv_and_npy(tmp_path):
    points = np.random.default_rng(0).normal(size=(50, 3))
    np.save(tmp_path / "p.npy", points)
    (tmp_path / "p.csv").write_text("x,y,z\n" + "\n".join(",".join(map(str, r)) for r in points))
    for name in ("p.npy", "p.csv"):
        data = load_data(str(tmp_path / name), holdout_fraction=0.2, seed=0)
        assert data.shape == (3,) and len(data.holdout) == 10 and len(data.train) == 40
        together = np.concatenate([data.train, data.holdout])
        assert np.allclose(np.sort(together, axis=0), np.sort(points, axis=0), atol=1e-6)
        assert data.heldout(1000, np.random.default_rng(0)).shape == (10, 3)


@pytest.mark.parametrize("content, message", [
    ("1,2\n3,4\n5\n", "line 3: 1 columns, but the first row has 2"),
    ("1,2\n3,x\n", "line 2, column 2: 'x' is not a number"),
    ("1,2\n3,4\n5,nan\n6,7\n", "NaN or infinite"),
    ("1,2\n", "at least 4 points"),
    ("", "no rows of numbers"),
])
def test_malformed_csv_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=message):
        read_points(path)


def test_unknown_data_set_and_missing_file(tmp_path):
    with pytest.raises(DataError, match="unknown data set 'nine_gaussians'"):
        load_data("nine_gaussians")
    with pytest.raises(DataError, match="does not exist"):
        load_data(str(tmp_path / "missing.csv"))
    (tmp_path / "pts.json").write_text("[1, 2]")
    with pytest.raises(DataError, match="expected a .npy or .csv / .txt / .tsv / .dat file"):
        read_points(tmp_path / "pts.json")


def test_whitespace_file_is_read_whole(tmp_path):
    """np.savetxt's default (spaces) in a .csv or .txt: every row read, none taken as a header."""
    points = np.random.default_rng(1).normal(size=(30, 2))
    for name in ("p.csv", "p.txt"):
        np.savetxt(tmp_path / name, points)
        data = load_data(str(tmp_path / name), holdout_fraction=0.2, seed=0)
        together = np.concatenate([data.train, data.holdout])
        assert together.shape == (30, 2)
        assert np.allclose(np.sort(together, axis=0), np.sort(np.loadtxt(tmp_path / name), axis=0), atol=1e-6)


def test_train_limit_keeps_the_first_training_examples_and_every_held_out_one():
    from wgan.config import load_config
    from wgan.data import load_data_of
    from wgan.errors import DataError

    full = load_data_of(load_config("default", ["data.name='digits'"]))
    cut = load_data_of(load_config("default", ["data.name='digits'", "data.train_limit=100"]))
    assert np.array_equal(cut.train, full.train[:100]) and np.array_equal(cut.train_labels, full.train_labels[:100])
    assert np.array_equal(cut.holdout, full.holdout)
    with pytest.raises(DataError, match="has 1438 training examples"):
        load_data_of(load_config("default", ["data.name='digits'", "data.train_limit=5000"]))
    with pytest.raises(DataError, match="no finite training set"):
        load_data_of(load_config("default", ["data.train_limit=10"]))
