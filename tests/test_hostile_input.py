"""No input to the config loader or the CLI's argument handling ends in a traceback."""
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wgan import cli
from wgan.config import Config, config_from_dict, load_config
from wgan.errors import ConfigError

SECTIONS = ["data", "model", "objective", "constraint", "optim", "train", "eval", "name", "bogus"]
KEYS = ["name", "steps", "batch_size", "n_critic", "lr_critic", "betas", "clip_value", "penalty_weight",
        "latent_dim", "kind", "critic_norm", "every", "samples", "seed", "image_size", "channels", "x"]
values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    max_leaves=6)
configs = st.dictionaries(st.sampled_from(SECTIONS),
                          st.dictionaries(st.sampled_from(KEYS), values, max_size=4) | values, max_size=4)


@settings(max_examples=300, deadline=None)
@given(configs)
def test_config_loader_returns_a_config_or_a_config_error(data):
    try:
        assert isinstance(config_from_dict(data), Config)
    except ConfigError as exc:
        assert str(exc) and "\n" not in str(exc)


overrides = st.builds(lambda k, v: f"{k}={v}",
                      st.sampled_from([f"{s}.{k}" for s in SECTIONS for k in KEYS] + ["", ".", "a.b.c"]),
                      st.text(alphabet=string.printable, max_size=15))


@settings(max_examples=300, deadline=None)
@given(st.lists(overrides, max_size=4))
def test_overrides_return_a_config_or_a_config_error(items):
    try:
        load_config("default", items)
    except ConfigError as exc:
        assert str(exc) and "\n" not in str(exc)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["--steps", "--seed", "--data", "--config", "--set", "--image-size", "--out",
                                 "--resume", "--overwrite", "-1", "0", "5", "x", "digits", "default", "--objective", "gan",
                                 "--constraint", "none", "--divergence", "kl", "fgan",
                                 "train.steps=3", "nan", "=", "eight_gaussians", "--no-progress"]),
                max_size=8))
def test_train_arguments_end_in_a_clear_exit(monkeypatch, capsys, argv):
    """Parsing and validation only: training itself is replaced by a stub."""
    import wgan.loop

    monkeypatch.setattr(wgan.loop, "train", lambda *a, **k: (_ for _ in ()).throw(_Reached()))
    capsys.readouterr()
    try:
        code = cli.main(["train", *argv])
    except _Reached:
        return
    except SystemExit as exc:  # argparse's own usage errors
        assert exc.code == 2
        return
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("wgan: error: ") and "Traceback" not in err


class _Reached(Exception):
    pass
