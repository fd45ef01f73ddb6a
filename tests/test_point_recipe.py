"""The default recipe for point files of more than two columns (`wgan.point_recipe`), and the
critic's Lipschitz watch."""
import json
import math
import tomllib

import numpy as np
import pytest

from wgan.callbacks import DivergenceWarning
from wgan.cli import main
from wgan.config import flat_settings, load_config
from wgan.point_recipe import RECIPE_KEYS, adapted_to_points, point_recipe

# The default preset's own values of the recipe's keys, written out (configs/default.toml).
PRESET = {"model.latent_dim": 8, "model.generator_width": 64, "model.critic_width": 64,
          "constraint.penalty_weight": 0.1, "optim.lr_critic": 3e-3, "optim.lr_generator": 3e-3,
          "train.n_critic": 1, "train.steps": 5000, "eval.every": 2500}


def mixture(path, dim, n=3000, seed=0):
    """8 unit Gaussians 10 apart on orthogonal directions in `dim` dimensions, as a user's .npy;
    returns the path and the centres."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((dim, 8)))
    centres = 10 / math.sqrt(2) * q.T
    np.save(path, (centres[rng.integers(8, size=n)] + rng.standard_normal((n, dim))).astype(np.float32))
    return path, centres


def settings(config):
    return {k: v for k, v in flat_settings(config.to_dict()).items() if k in RECIPE_KEYS}


def test_the_recipe_grows_with_the_dimension_and_leaves_two_dimensions_alone():
    assert point_recipe(1) is None and point_recipe(2) is None
    assert settings(load_config("default")) == PRESET
    widths = {d: point_recipe(d)["model.critic_width"] for d in (3, 8, 9, 16, 32, 33, 64, 200)}
    assert widths == {3: 64, 8: 64, 9: 128, 16: 128, 32: 128, 33: 256, 64: 256, 200: 256}
    for d in (3, 8, 16, 64):
        recipe = point_recipe(d)
        assert set(recipe) == set(RECIPE_KEYS)
        assert recipe["model.latent_dim"] == d + 8  # noise for the spread of a full-dimensional cloud, and more
        assert recipe["constraint.penalty_weight"] == 10.0  # the WGAN-GP paper's lambda
        assert recipe["model.generator_width"] == recipe["model.critic_width"]
        assert recipe["eval.every"] * 2 == recipe["train.steps"]
    steps = [point_recipe(d)["train.steps"] for d in (8, 16, 64)]
    assert steps == sorted(steps, reverse=True)  # wider nets, fewer steps: minutes either way


def test_the_default_preset_takes_the_recipe_and_says_so():
    config, note = adapted_to_points(load_config("default", ["data.name='x.npy'"]), 16)
    assert settings(config) == point_recipe(16)
    assert note.startswith("the default recipe for 16-D points: model.latent_dim = 24")
    assert "16-D points" in config.description
    two, none = adapted_to_points(load_config("default"), 2)
    assert none is None and settings(two) == PRESET


def test_explicit_settings_win_even_at_the_presets_value():
    given = load_config("default", ["train.steps=5000", "constraint.penalty_weight=1", "model.latent_dim=4"])
    config, note = adapted_to_points(given, 16, given=["train.steps"])
    assert config.train.steps == 5000  # set, though equal to the preset's value
    assert config.constraint.penalty_weight == 1 and config.model.latent_dim == 4  # differ from the preset
    assert config.model.critic_width == 128 and config.train.n_critic == 3
    assert "train.steps" not in note and "penalty_weight" not in note


@pytest.mark.parametrize("preset", ["wgan-gp-toy", "toy-25gaussians"])
def test_other_presets_and_other_constraints_are_left_as_they_are(preset):
    config = load_config(preset)
    assert adapted_to_points(config, 16) == (config, None)
    clipped = load_config("default", ["constraint.name=weight_clipping"])
    assert adapted_to_points(clipped, 16) == (clipped, None)


def test_a_run_records_the_recipe_and_resumes_and_evaluates_with_it(tmp_path, capsys):
    path, _ = mixture(tmp_path / "m16.npy", 16)
    run = tmp_path / "run"
    assert main(["train", "--data", str(path), "--steps", "20", "--out", str(run), "--no-progress",
                 "--set", "eval.figures=false", "--set", "eval.tensorboard=off"]) == 0
    err = capsys.readouterr().err
    data_line = next(line for line in err.splitlines() if line.startswith("data: "))
    assert "in 16-D" in data_line and "the default recipe for 16-D points" in data_line
    assert "model.critic_width = 128" in data_line and "train.steps" not in data_line  # --steps was given
    saved = tomllib.loads((run / "config.toml").read_text())
    assert saved["model"]["critic_width"] == saved["model"]["generator_width"] == 128
    assert saved["model"]["latent_dim"] == 24 and saved["constraint"]["penalty_weight"] == 10.0
    assert saved["train"]["n_critic"] == 3 and saved["train"]["steps"] == 20
    assert saved["optim"]["lr_critic"] == saved["optim"]["lr_generator"] == 1e-3
    assert main(["train", "--resume", str(run), "--steps", "30", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "Error" not in err and "default recipe" not in err  # the run keeps what it recorded
    assert tomllib.loads((run / "config.toml").read_text())["model"]["critic_width"] == 128
    assert main(["evaluate", "--run", str(run), "--json", "-n", "200"]) == 0
    assert json.loads(capsys.readouterr().out)["step"] == 30


def test_a_two_column_file_and_the_toy_data_keep_the_default(tmp_path, capsys):
    path = tmp_path / "flat.npy"
    np.save(path, np.random.default_rng(0).normal(size=(500, 2)).astype(np.float32))
    for data, out in ((str(path), tmp_path / "points"), ("eight_gaussians", tmp_path / "toy")):
        assert main(["train", "--data", data, "--steps", "2", "--out", str(out), "--no-progress",
                     "--set", "eval.figures=false", "--set", "eval.tensorboard=off"]) == 0
        assert "default recipe for" not in capsys.readouterr().err
        saved = flat_settings(tomllib.loads((out / "config.toml").read_text()))
        assert {k: saved[k] for k in PRESET if k != "train.steps"} == {k: v for k, v in PRESET.items()
                                                                       if k != "train.steps"}


def test_a_short_sixteen_dimensional_run_gets_closer_to_the_data(tmp_path):
    path, _ = mixture(tmp_path / "m16.npy", 16, n=5000)
    run = tmp_path / "run"
    assert main(["train", "--data", str(path), "--steps", "300", "--out", str(run), "--no-progress",
                 "--set", "eval.figures=false", "--set", "eval.tensorboard=off", "--set", "eval.samples=500",
                 "--set", "eval.every=150"]) == 0
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    w1 = {r["step"]: r["w1"] for r in records if "w1" in r}
    floor = next(r["w1_floor"] for r in records if r["step"] == 0)
    assert w1[300] < w1[150] < w1[0], w1  # it learns, where the 2-D recipe's W1 rose
    assert w1[300] - floor < 0.6 * (w1[0] - floor), (w1, floor)  # most of the way to the floor
    lipschitz = [r["critic_lipschitz"] for r in records if "critic_lipschitz" in r]
    assert max(lipschitz) < 3, lipschitz  # the penalty holds: the estimate can be read


def test_the_lipschitz_warning_fires_once_on_an_unconstrained_critic(tmp_path, recwarn):
    path, _ = mixture(tmp_path / "m16.npy", 16)
    run = tmp_path / "run"
    assert main(["train", "--data", str(path), "--steps", "120", "--out", str(run), "--no-progress",
                 "--set", "eval.figures=false", "--set", "eval.tensorboard=off", "--set", "eval.samples=300",
                 "--set", "eval.every=30", "--set", "constraint.penalty_weight=0",
                 "--set", "optim.lr_critic=0.01"]) == 0
    warned = [str(w.message) for w in recwarn if issubclass(w.category, DivergenceWarning)
              and "empirical Lipschitz constant is" in str(w.message)]
    assert len(warned) == 1, [str(w.message) for w in recwarn]  # once, over four evaluations above the limit
    assert "cannot be trusted" in warned[0] and "constraint.penalty_weight" in warned[0]
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert max(r.get("critic_lipschitz", 0) for r in records) > 3
