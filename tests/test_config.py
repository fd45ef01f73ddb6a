import pytest

from wgan.config import Config, apply_overrides, config_from_dict, load_config, parse_override, preset_names
from wgan.errors import ConfigError


def test_defaults_round_trip_through_toml():
    import tomllib

    config = Config()
    assert config_from_dict(tomllib.loads(config.to_toml())) == config


def test_presets_load_and_carry_paper_values():
    assert {"default", "wgan-algorithm1", "wgan-gp-toy"} <= set(preset_names())
    alg1 = load_config("wgan-algorithm1")
    assert (alg1.optim.name, alg1.optim.lr_critic, alg1.constraint.name, alg1.constraint.clip_value,
            alg1.train.batch_size, alg1.train.n_critic) == ("rmsprop", 5e-5, "weight_clipping", 0.01, 64, 5)
    gp = load_config("wgan-gp-toy")
    assert (gp.model.critic_width, gp.model.critic_depth, gp.constraint.penalty_weight, gp.optim.lr_critic,
            gp.optim.betas, gp.train.batch_size) == (512, 3, 0.1, 1e-4, (0.5, 0.9), 256)


def test_the_default_preset_stays_a_wgan_gp():
    """However its recipe is tuned for speed, `wgan train`'s default is a Wasserstein critic under
    the two-sided gradient penalty on every critic step, without augmentation or a weight average."""
    default = load_config("default")
    assert (default.objective.name, default.constraint.name, default.constraint.every) == (
        "wasserstein", "gradient_penalty", 1)
    assert default.constraint.penalty_weight > 0 and default.train.n_critic >= 1
    assert default.train.ema_decay == 0 and not default.data.augment and default.objective.instance_noise == 0


def test_overrides_are_parsed_as_toml_values():
    assert parse_override("train.steps=100") == (["train", "steps"], 100)
    assert parse_override("optim.betas=[0.0, 0.9]") == (["optim", "betas"], [0.0, 0.9])
    assert parse_override("data.name=swiss_roll") == (["data", "name"], "swiss_roll")
    config = load_config("default", ["optim.lr_critic=1e-4", "train.paper_schedule=true"])
    assert config.optim.lr_critic == 1e-4 and config.train.paper_schedule is True


def test_overrides_do_not_touch_the_input():
    data = {"train": {"steps": 5}}
    apply_overrides(data, ["train.steps=7"])
    assert data == {"train": {"steps": 5}}


@pytest.mark.parametrize("overrides, message", [
    (["train.stepz=5"], "unknown key 'train.stepz'.*allowed keys: steps"),
    (["trian.steps=5"], "unknown key 'trian'"),
    (["optim.lr_critic=-0.1"], r"optim.lr_critic = -0.1: must be > 0"),
    (["train.n_critic=0"], r"train.n_critic = 0: must be >= 1"),
    (["constraint.name='clipping'"], "allowed values are none, weight_clipping"),
    (["train.steps=1.5"], "expected an integer"),
    (["train.steps=true"], "expected an integer"),
    (["optim.betas=[0.5]"], "list of 2 numbers"),
    (["optim.betas=[0.5, 1.5]"], r"beta must be in \[0, 1\)"),
    (["train=3"], "must be a table"),
    (["noequals"], "expected SECTION.KEY=VALUE"),
])
def test_bad_values_name_the_key_and_what_is_allowed(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config(None, overrides)


def test_unknown_preset_or_bad_file(tmp_path):
    with pytest.raises(ConfigError, match="neither a file nor a preset"):
        load_config("no-such-recipe")
    bad = tmp_path / "bad.toml"
    bad.write_text("[train\nsteps = 3")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_shorthand_flags_set_the_config_keys(tmp_path):
    import argparse

    from wgan.commands.train import SHORTHANDS, _overrides

    args = argparse.Namespace(set=[], data="swiss_roll", image_size=None, steps=7, seed=None,
                              objective="fgan", divergence="jeffrey", constraint="none")
    config = load_config("default", _overrides(args))
    assert (config.data.name, config.train.steps, config.objective.name, config.objective.divergence,
            config.constraint.name) == ("swiss_roll", 7, "fgan", "jeffrey", "none")
    assert set(SHORTHANDS) >= {"objective", "divergence", "constraint"}
