"""One rule for settings without effect, whatever the config came from: a key that the config's
own choices ignore is an error from `--set`, from a TOML file, from `load_config` and from a
Config built in Python; a preset's key that the command line's choice leaves without effect is
one warning line; a run's own config.toml, old or new, keeps loading."""
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
import tomli_w

import wgan
from wgan.cli import main
from wgan.config import (CONDITIONAL_SETTINGS, CONSTRAINTS, Config, check_config, load_config, preset_names,
                         settings_without_effect)
from wgan.errors import ConfigError

# Every setting that acts only under some choices: a value other than its default, a choice
# that ignores it and one under which it acts (written here by hand from each module's docs).
TABLE = {
    "data.image_size": (24, ("data.name", "eight_gaussians"), ("data.name", "digits")),
    "data.channels": (3, ("data.name", "swiss_roll"), ("data.name", "faces")),
    "data.root": ("somewhere", ("data.name", "digits"), ("data.name", "mnist")),
    "data.fit": ("pad", ("data.name", "mnist"), ("data.name", "pictures")),
    "data.workers": (2, ("data.name", "eight_gaussians"), ("data.name", "pictures")),
    "data.augment": ("cutout", ("data.name", "eight_gaussians"), ("data.name", "digits")),
    "data.augment_strength": (0.5, ("data.name", "eight_gaussians"), ("data.name", "digits")),
    "data.standardize": (False, ("data.name", "swiss_roll"), ("data.name", "points.csv")),
    "model.resnet": ("sngan", ("model.kind", "dcgan"), ("model.kind", "resnet")),
    "model.generator_depth": (2, ("model.kind", "resnet"), ("model.kind", "mlp")),
    "model.critic_depth": (2, ("model.kind", "dcgan"), ("model.kind", "mlp")),
    "model.activation": ("tanh", ("model.kind", "dcgan"), ("model.kind", "mlp")),
    "model.critic_norm": ("layer", ("model.kind", "mlp"), ("model.kind", "dcgan")),
    "model.generator_norm": ("none", ("model.kind", "resnet"), ("model.kind", "dcgan")),
    "objective.generator_loss": ("non_saturating", ("objective.name", "wasserstein"), ("objective.name", "gan")),
    "objective.divergence": ("pearson", ("objective.name", "gan"), ("objective.name", "fgan")),
    "objective.cramer_dim": (16, ("objective.name", "hinge"), ("objective.name", "cramer")),
    "objective.auxiliary_weight": (2.0, ("model.conditional", "projection"), ("model.conditional", "auxiliary")),
    "objective.auxiliary_generator_weight": (0.5, ("model.conditional", "none"), ("model.conditional", "auxiliary")),
    "constraint.clip_value": (0.05, ("constraint.name", "gradient_penalty"), ("constraint.name", "weight_clipping")),
    "constraint.penalty_weight": (5.0, ("constraint.name", "spectral_norm"), ("constraint.name", "one_sided_penalty")),
    "constraint.r1_gamma": (5.0, ("constraint.name", "gradient_penalty"), ("constraint.name", "r1")),
    "constraint.every": (2, ("constraint.name", "weight_clipping"), ("constraint.name", "r1")),
    "optim.betas": ([0.0, 0.9], ("optim.name", "rmsprop"), ("optim.name", "adam")),
}
# Where the penalty settings act, by constraint (lipschitz.py): the full rows of the rule.
PENALTY_ROWS = {"constraint.clip_value": {"weight_clipping"},
                "constraint.penalty_weight": {"gradient_penalty", "one_sided_penalty"},
                "constraint.r1_gamma": {"r1"}, "constraint.every": {"gradient_penalty", "one_sided_penalty", "r1"}}


def literal(value):
    """A value as the right-hand side of --set (TOML)."""
    return tomli_w.dumps({"v": value}).strip()[len("v = "):]


def nested(*pairs):
    """{'section': {'key': value}} of ('section.key', value) pairs."""
    out = {}
    for key, value in pairs:
        section, name = key.split(".")
        out.setdefault(section, {})[name] = value
    return out


def test_every_setting_with_a_condition_is_in_the_table():
    assert set(TABLE) == set(CONDITIONAL_SETTINGS)


def test_the_rule_of_each_penalty_setting_over_every_constraint():
    for key, acts in PENALTY_ROWS.items():
        for constraint in CONSTRAINTS:
            config = load_config(None, [f"constraint.name='{constraint}'"])
            assert bool(settings_without_effect(config, [key])) == (constraint not in acts), (key, constraint)


def _expected(key, chooser, choice):
    return f"{key} = ", f"has no effect under {chooser} = {choice!r}"


@pytest.mark.parametrize("source", ["--set", "--config FILE", "load_config", "Config"])
@pytest.mark.parametrize("key", sorted(TABLE))
def test_a_setting_without_effect_is_an_error_from_every_source(tmp_path, capsys, source, key):
    value, (chooser, choice), (_, acting) = TABLE[key]
    names_key, names_choice = _expected(key, chooser, choice)
    if source == "--set":
        args = ["--set", f"{chooser}={literal(choice)}", "--set", f"{key}={literal(value)}"]
        assert main(["train", "--steps", "1", "--out", str(tmp_path / "run"), *args]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and names_key in err and names_choice in err
    elif source == "--config FILE":
        path = tmp_path / "mine.toml"
        path.write_text(tomli_w.dumps(nested((chooser, choice), (key, value))))
        assert main(["train", "--config", str(path), "--steps", "1", "--out", str(tmp_path / "run")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"config file {path}: {names_key}" in err and names_choice in err
    elif source == "load_config":
        with pytest.raises(ConfigError, match=f"{names_key}.*{names_choice}"):
            load_config(None, [f"{chooser}={literal(choice)}", f"{key}={literal(value)}"])
    else:
        config = Config()
        for k, v in ((chooser, choice), (key, tuple(value) if isinstance(value, list) else value)):
            section, name = k.split(".")
            setattr(getattr(config, section), name, v)
        with pytest.raises(ConfigError, match=f"{names_key}.*{names_choice}"):
            wgan.train(config, tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()
    # where it acts, the same setting is accepted from the file and from the overrides
    path = tmp_path / "acting.toml"
    path.write_text(tomli_w.dumps(nested((chooser, acting), (key, value))))
    assert load_config(path) == load_config(None, [f"{chooser}={literal(acting)}", f"{key}={literal(value)}"])


def test_the_first_setting_is_explained_and_the_others_named():
    with pytest.raises(ConfigError) as error:
        load_config(None, ["constraint.clip_value=0.05", "constraint.r1_gamma=2.0"])
    assert str(error.value) == (
        "constraint.clip_value = 0.05 has no effect under constraint.name = 'gradient_penalty': it applies "
        "only when constraint.name is 'weight_clipping'; remove it or change constraint.name "
        "(also without effect: constraint.r1_gamma)")


def test_a_python_config_at_its_defaults_passes_and_one_with_a_bad_value_is_refused():
    check_config(Config())
    config = Config()
    config.train.steps = 0
    with pytest.raises(ConfigError, match="train.steps = 0: must be >= 1"):
        check_config(config)


def test_switching_a_presets_choice_names_its_unused_settings_in_one_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="wgan"):
        config = load_config("dcgan-wgan-gp", ["constraint.name='weight_clipping'"])
    assert [r.getMessage() for r in caplog.records] == [
        "preset 'dcgan-wgan-gp' sets constraint.penalty_weight = 10.0, which has no effect under "
        "constraint.name = 'weight_clipping': ignored"]
    assert config.constraint.penalty_weight == Config().constraint.penalty_weight  # dropped, not kept
    check_config(config)  # what is left trains
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="wgan"):
        load_config("dcgan-wgan-gp", ["model.kind='resnet'", "data.name='swiss_roll'"])
    (line,) = [r.getMessage() for r in caplog.records]
    assert "data.image_size = 32" in line and "model.critic_norm = 'layer'" in line and "\n" not in line
    assert "model.kind = 'resnet'" in line and "data.name = 'swiss_roll' (a toy distribution of points)" in line
    # set again on the command line, the same key is the user's own input: an error
    with pytest.raises(ConfigError, match="constraint.penalty_weight = 5.0 has no effect"):
        load_config("dcgan-wgan-gp", ["constraint.name='weight_clipping'", "constraint.penalty_weight=5.0"])


@pytest.mark.parametrize("preset", preset_names())
def test_every_shipped_preset_passes_the_rule(preset, caplog):
    from wgan.config import read_toml

    with caplog.at_level(logging.WARNING, logger="wgan"):
        config = load_config(preset)
    assert not caplog.records
    assert not settings_without_effect(config, _keys(read_toml(preset)))


def _keys(data, prefix=""):
    return [k for key, v in data.items() for k in (_keys(v, f"{prefix}{key}.") if isinstance(v, dict)
                                                    else [prefix + key])]


def test_a_run_directorys_old_config_toml_keeps_loading_and_a_copy_of_it_is_checked(tmp_path):
    """tests/data/run_before_callbacks/config.toml holds every key, as wgan wrote them before the rule."""
    import tomllib

    old = Path(__file__).parent / "data" / "run_before_callbacks"
    run = tmp_path / "old"
    shutil.copytree(old, run)
    # one more key of no effect, with a value other than its default: a record, not input
    text = (run / "config.toml").read_text().replace("clip_value = 0.01\n", "clip_value = 0.05\n")
    (run / "config.toml").write_text(text)
    assert "image_size" in text and "clip_value = 0.05" in text
    config = load_config(run / "config.toml")  # --config runs/<name>/config.toml, as the README says
    assert (config.constraint.clip_value, config.model.generator_width) == (0.01, 8)
    assert main(["train", "--resume", str(run), "--steps", "12", "--no-progress"]) == 0
    assert main(["train", "--config", str(run / "config.toml"), "--steps", "2", "--no-progress",
                 "--out", str(tmp_path / "again")]) == 0
    # the config.toml a run writes now holds only the keys that act; as a file of its own it passes
    written = tomllib.loads((run / "config.toml").read_text())
    assert "image_size" not in written["data"] and "clip_value" not in written["constraint"]
    mine = tmp_path / "mine.toml"
    shutil.copy(run / "config.toml", mine)
    assert load_config(mine, ["train.steps=2"]) == load_config(tmp_path / "again" / "config.toml")
    # a copy of the old file outside its run is the user's input: one line naming what has no effect
    shutil.copy(old / "config.toml", mine)
    with pytest.raises(ConfigError, match=r"config file .*mine.toml: data.image_size = 32 has no effect under "
                                          r"data.name = 'eight_gaussians'.*also without effect: data.channels"):
        load_config(mine)


@pytest.mark.parametrize("args, message", [
    (["--image-size", "50"], "data.image_size = 50 has no effect under data.name = 'eight_gaussians' "
                             "(a toy distribution of points): it applies only to images"),
    (["--data", "{csv}", "--set", "data.channels=3"], "data.channels = 3 has no effect under data.name = "
                                                      "'{csv}' (a file of points)"),
    (["--data", "{csv}", "--image-size", "50"], "data.image_size = 50 has no effect"),
    (["--data", "digits", "--set", "data.root='x'"], "data.root = 'x' has no effect under data.name = 'digits'"),
])
def test_image_settings_on_point_data_are_one_line(tmp_path, capsys, args, message):
    csv = tmp_path / "points.csv"
    np.savetxt(csv, np.random.default_rng(0).normal(size=(40, 2)), delimiter=",")
    args = [a.format(csv=csv) for a in args]
    assert main(["train", "--steps", "1", "--out", str(tmp_path / "run"), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message.format(csv=csv) in err


def test_a_presets_image_settings_on_point_data_are_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="wgan"):
        config = load_config("small-folder", ["data.name='eight_gaussians'", "model.kind='mlp'"])
    (line,) = [r.getMessage() for r in caplog.records]
    assert line.startswith("preset 'small-folder' sets data.image_size = 32, data.augment = 'translation,cutout'")
    assert config.data.augment == ""


TINY = ["--no-progress", "--steps", "1", "--set", "train.batch_size=8", "--set", "eval.samples=32",
        "--set", "eval.tensorboard='off'", "--set", "eval.figures=false", "--set", "train.threads=1",
        "--set", "model.generator_width=8", "--set", "model.critic_width=8"]


def test_features_of_another_shipped_classifier_on_mnist_is_one_warning(tmp_path, caplog):
    from wgan.features import load_feature_network

    with caplog.at_level(logging.WARNING, logger="wgan"):
        assert load_feature_network("digits", "mnist", 1).name == "digits-cnn"
        assert load_feature_network("mnist", "mnist", 1).name == "mnist-cnn"
        assert load_feature_network("digits", "digits", 1).name == "digits-cnn"
    (line,) = [r.getMessage() for r in caplog.records]
    assert line.startswith("feature network 'digits' on mnist data") and "mnist classifier" in line


def test_features_digits_on_an_mnist_run_and_on_a_colour_run(tmp_path, capsys, caplog):
    from PIL import Image

    mnist = tmp_path / "mnist"
    assert main(["train", "--config", "mnist", "--set", "data.train_limit=64", "--out", str(mnist), *TINY]) == 0
    with caplog.at_level(logging.WARNING, logger="wgan"):
        assert main(["evaluate", "--run", str(mnist), "-n", "16", "--features", "digits", "--no-memorisation",
                     "--json"]) == 0
    (line,) = [r.getMessage() for r in caplog.records if "'digits'" in r.getMessage()]
    assert "'digits' on mnist data" in line and "docs/benchmarks.md" in line
    folder = tmp_path / "colour"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(12):
        Image.fromarray(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    run = tmp_path / "rgb"
    assert main(["train", "--config", "dcgan-wgan-gp", "--data", str(folder), "--image-size", "16",
                 "--out", str(run), *TINY]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--run", str(run), "-n", "16", "--features", "digits"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "reads greyscale images (1 channel), but these images have 3 channels" in err
