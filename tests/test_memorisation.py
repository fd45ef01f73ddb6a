"""The memorisation check: exact nearest neighbours, and its two numbers against known truths
(a held-out split of real data is novel; training examples with tiny noise are copies)."""
import json

import numpy as np
import pytest
import torch
from PIL import Image

import wgan
from wgan.cli import main
from wgan.data import ImageDataset, PointCloud
from wgan.evaluation import evaluate_generator, format_table
from wgan.memorisation import COPY_PERCENTILE, memorisation_check, nearest_neighbours

TINY = ["--steps", "2", "--no-progress", "--set", "train.batch_size=8", "--set", "eval.every=2",
        "--set", "eval.samples=64", "--set", "eval.tensorboard='off'", "--set", "train.threads=1",
        "--set", "eval.figures=false", "--set", "model.generator_width=8", "--set", "model.critic_width=8"]
KEYS = {"memorisation_ratio", "copy_share", "nn_distance_generated_median", "nn_distance_heldout_median",
        "memorisation_space"}


def brute_force(queries: np.ndarray, reference: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Every distance in float64 numpy, then a full sort."""
    q = queries.reshape(len(queries), -1).astype(np.float64)
    r = reference.reshape(len(reference), -1).astype(np.float64)
    all_d = np.sqrt(((q[:, None, :] - r[None, :, :]) ** 2).sum(-1))
    idx = np.argsort(all_d, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(all_d, idx, 1), idx


@pytest.mark.parametrize("block_size", [1, 7, 64, 10_000])
@pytest.mark.parametrize("k", [1, 3])
def test_nearest_neighbours_equal_brute_force(block_size, k):
    rng = np.random.default_rng(block_size)
    queries, reference = rng.standard_normal((50, 6)), rng.standard_normal((40, 6)) + 0.3
    distances, indices = nearest_neighbours(queries, reference, k, block_size)
    true_d, true_i = brute_force(queries, reference, k)
    assert np.array_equal(indices, true_i)
    np.testing.assert_allclose(distances, true_d, rtol=1e-12, atol=1e-12)


def test_nearest_neighbours_of_images_and_of_near_copies_far_from_the_origin():
    rng = np.random.default_rng(0)
    # uint8 images are compared as the [-1, 1] floats a model trains on, whatever the block
    train = rng.integers(0, 256, size=(50, 1, 4, 4), dtype=np.uint8)
    fake = rng.uniform(-1, 1, size=(33, 1, 4, 4)).astype(np.float32)
    distances, indices = nearest_neighbours(fake, train, 2, block_size=16)
    true_d, true_i = brute_force(fake, ImageDataset.to_float(train), 2)
    assert np.array_equal(indices, true_i)
    np.testing.assert_allclose(distances, true_d, rtol=1e-12)
    # distances of 1e-3 between points of norm 1e3: float32 ||a||^2 - 2ab + ||b||^2 alone
    # would be off by far more than the distance; the float64 re-ranking gets them exactly
    reference = 1000.0 * rng.standard_normal((200, 3))
    queries = reference[rng.permutation(200)[:40]] + 1e-3 * rng.standard_normal((40, 3))
    distances, indices = nearest_neighbours(queries, reference, 1, block_size=64)
    true_d, true_i = brute_force(queries, reference, 1)
    assert np.array_equal(indices, true_i)
    np.testing.assert_allclose(distances, true_d, rtol=1e-7)


def _three_splits(x: np.ndarray, seed: int = 0):
    order = np.random.default_rng(seed).permutation(len(x))
    return np.array_split(x[order], 3)


@pytest.mark.parametrize("kind", ["digits", "gaussian"])
def test_a_held_out_split_of_real_data_is_as_novel_as_held_out_data(kind):
    if kind == "digits":
        from sklearn.datasets import load_digits

        x = (load_digits().images / 8.0 - 1.0).astype(np.float32)[:, None]  # (1797, 1, 8, 8), pixels
    else:
        x = np.random.default_rng(1).standard_normal((1200, 2))
    train, heldout, generated = _three_splits(x)
    check = memorisation_check(generated, train, heldout)
    assert check.space == ("pixels" if kind == "digits" else "points")
    assert 0.85 < check.ratio < 1.15, check.ratio
    assert 0.01 < check.copy_share < 0.10, check.copy_share
    assert check.threshold == pytest.approx(np.percentile(check.heldout_distances, COPY_PERCENTILE))
    assert check.ratio == pytest.approx(np.median(check.generated_distances[:, 0]) / np.median(check.heldout_distances))


def test_training_examples_with_tiny_noise_are_copies():
    from sklearn.datasets import load_digits

    x = (load_digits().images / 8.0 - 1.0).astype(np.float32)[:, None]
    train, heldout, _ = _three_splits(x)
    rng = np.random.default_rng(2)
    picked = rng.integers(len(train), size=400)
    copies = train[picked] + 1e-3 * rng.standard_normal((400, *train.shape[1:])).astype(np.float32)
    check = wgan.memorisation_check(copies, train, heldout)
    assert isinstance(check, wgan.MemorisationCheck)
    assert check.ratio < 0.05 and check.copy_share > 0.95
    nearest = check.generated_neighbours[:, 0]
    assert np.array_equal(train[nearest], train[picked])  # each copy found its original (or a twin)
    assert check.generated_neighbours.shape == (400, 3)
    assert np.all(np.diff(check.generated_distances, axis=1) >= 0)
    # the same on a feature network's features (a function of float arrays will do)
    project = np.random.default_rng(3).standard_normal((64, 16)).astype(np.float32)
    features = lambda images: images.reshape(len(images), -1) @ project
    on_features = memorisation_check(copies, train, heldout, features=features)
    assert on_features.space == "features" and on_features.ratio < 0.05 and on_features.copy_share > 0.95


class Replay(torch.nn.Module):
    """A 'generator' that returns stored samples."""

    def __init__(self, samples: np.ndarray) -> None:
        super().__init__()
        self.samples, self.latent_dim, self.i = torch.as_tensor(samples), 2, 0
        self.anchor = torch.nn.Parameter(torch.zeros(1))

    def forward(self, z):
        out = self.samples[self.i:self.i + len(z)]
        self.i += len(z)
        return out


def test_evaluate_generator_reports_memorisation_for_finite_data_sets_only():
    rng = np.random.default_rng(4)
    cloud = PointCloud("cloud", rng.standard_normal((300, 2)).astype(np.float32),
                       rng.standard_normal((200, 2)).astype(np.float32))
    copies = np.tile(cloud.train, (2, 1))[:400] + np.float32(1e-3)
    details: dict = {}
    result = evaluate_generator(Replay(copies), cloud, n=200, details=details)
    assert KEYS <= set(result) and result["memorisation_space"] == "points"
    assert result["memorisation_ratio"] < 0.05 and result["copy_share"] > 0.95
    assert details["memorisation"].generated_distances.shape == (200, 3) and len(details["generated"]) == 200
    table = format_table(result)
    assert "memorisation ratio" in table and "copy share" in table and "in points" in table
    repeated = evaluate_generator(Replay(copies), cloud, n=200, repeats=2)
    assert {"memorisation_ratio_std", "copy_share_std", "nn_distance_generated_median_std",
            "nn_distance_heldout_median_std"} <= set(repeated)
    assert "+-" in next(line for line in format_table(repeated).splitlines() if line.startswith("memorisation ratio"))
    assert not KEYS & set(evaluate_generator(Replay(copies), cloud, n=200, memorisation=False))
    assert not KEYS & set(evaluate_generator(Replay(copies[:, :2]), wgan.data.load_data("eight_gaussians"), n=200))


def _is_png(path) -> tuple[int, int]:
    with Image.open(path) as image:
        assert image.format == "PNG"
        image.load()
        return image.size


def test_evaluate_cli_on_digits_writes_the_numbers_and_the_figure(tmp_path, capsys):
    run = tmp_path / "digits"
    # 200 training images, as in a small folder (and the check then searches those 200 only)
    assert main(["train", "--config", "dcgan-wgan-gp", "--data", "digits", "--image-size", "16",
                 "--out", str(run), "--set", "data.train_limit=200", *TINY]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--run", str(run), "-n", "64", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert KEYS <= set(result) and result["memorisation_space"] == "features"
    assert result["memorisation_figure"] == str(run / "memorisation.png")
    assert json.loads((run / "evaluation.json").read_text())["copy_share"] == result["copy_share"]
    width, height = _is_png(run / "memorisation.png")
    assert width > 300 and height > 600  # 8 rows of 4 images
    out = tmp_path / "elsewhere" / "eval.json"
    out.parent.mkdir()
    assert main(["evaluate", "--run", str(run), "-n", "64", "--features", "none", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "memorisation ratio" in printed and "in pixels" in printed
    assert f"wrote {out.parent / 'memorisation.png'}" in printed
    _is_png(out.parent / "memorisation.png")
    (run / "memorisation.png").unlink()
    assert main(["evaluate", "--run", str(run), "-n", "64", "--json", "--no-memorisation"]) == 0
    assert not KEYS & set(json.loads(capsys.readouterr().out)) and not (run / "memorisation.png").exists()


def test_evaluate_cli_on_a_point_file_and_on_a_toy_distribution(tmp_path, capsys):
    points = tmp_path / "points.npy"
    np.save(points, np.random.default_rng(5).standard_normal((300, 2)))
    run = tmp_path / "points"
    assert main(["train", "--data", str(points), "--out", str(run), *TINY]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--run", str(run), "-n", "64", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert KEYS <= set(result) and result["memorisation_space"] == "points"
    assert result["nn_distance_heldout_median"] > 0
    _is_png(run / "memorisation.png")
    toy = tmp_path / "toy"
    assert main(["train", "--data", "eight_gaussians", "--out", str(toy), *TINY]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--run", str(toy), "-n", "64"]) == 0
    printed = capsys.readouterr().out
    assert "memorisation: not applicable (the data is a distribution, not a finite training set)" in printed
    assert not KEYS & set(json.loads((toy / "evaluation.json").read_text()))
    assert not (toy / "memorisation.png").exists()
