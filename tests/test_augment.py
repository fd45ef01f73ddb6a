"""Differentiable augmentation (DiffAugment, Zhao et al. 2020): each family against a hand
computation, differentiable, seeded, the identity at zero strength, and seen by the critic
in both steps when the policy is set."""
import numpy as np
import pytest
import torch

from wgan.augment import FAMILIES, DiffAugment, make_augment, parse_policy
from wgan.config import load_config
from wgan.errors import ConfigError


def images(n=4, c=3, size=8, seed=0):
    return torch.rand(n, c, size, size, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def seeded(seed=1):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_is_differentiable(family):
    augment = DiffAugment((family,))
    x = images(n=2, c=2, size=8).double().requires_grad_()
    params = augment.draw(x, seeded())
    assert torch.autograd.gradcheck(lambda t: augment.apply(t, params), (x,))


@pytest.mark.parametrize("family", FAMILIES)
def test_zero_strength_is_the_identity_and_shapes_are_kept(family):
    x = images()
    assert torch.equal(DiffAugment((family,), strength=0.0)(x, seeded()), x)
    assert DiffAugment((family,))(x, seeded()).shape == x.shape


def test_the_same_seed_draws_the_same_transforms():
    augment = DiffAugment(FAMILIES)
    x = images()
    assert torch.equal(augment(x, seeded(5)), augment(x, seeded(5)))
    assert not torch.equal(augment(x, seeded(5)), augment(x, seeded(6)))


def test_translation_moves_each_image_by_its_own_shift_with_zeros_beyond_the_border():
    augment = DiffAugment(("translation",))
    x = images(n=6, c=1, size=16)
    params = augment.draw(x, seeded(3))
    assert params["shift_rows"].abs().max() <= 2 and params["shift_cols"].abs().max() <= 2  # 16 // 8
    out = augment.apply(x, params).numpy()
    for k in range(6):
        dr, dc = int(params["shift_rows"][k]), int(params["shift_cols"][k])
        expected = np.zeros((16, 16), np.float32)
        padded = np.pad(x[k, 0].numpy(), 2)
        expected[:, :] = padded[2 + dr:18 + dr, 2 + dc:18 + dc]  # out[i, j] = x[i + dr, j + dc]
        np.testing.assert_array_equal(out[k, 0], expected)
    assert out.min() >= min(x.min(), 0) and out.max() <= max(x.max(), 0)  # values from x, or 0


def test_cutout_zeroes_one_square_of_half_the_side_clipped_to_the_image():
    augment = DiffAugment(("cutout",))
    x = images(n=50, c=2, size=16) * 0.5 + 2.0  # no zeros of its own
    params = augment.draw(x, seeded(4))
    out = augment.apply(x, params)
    for k in range(50):
        (r0, r1), (c0, c1) = params["cut_rows"][k].tolist(), params["cut_cols"][k].tolist()
        assert r1 - r0 == c1 - c0 == 8
        zero = (out[k, 0] == 0).numpy()
        expected = np.zeros((16, 16), bool)
        expected[max(r0, 0):min(r1, 16), max(c0, 0):min(c1, 16)] = True
        np.testing.assert_array_equal(zero, expected)
        assert torch.equal(out[k][:, ~torch.from_numpy(expected)], x[k][:, ~torch.from_numpy(expected)])


def test_color_shifts_brightness_then_scales_saturation_and_contrast():
    augment = DiffAugment(("color",))
    x = images(n=3, c=3, size=4).double()
    params = augment.draw(x, seeded(2))
    b, s, c = (params[k].double() for k in ("brightness", "saturation", "contrast"))
    y = x + b
    y = (y - y.mean(1, keepdim=True)) * s + y.mean(1, keepdim=True)
    y = (y - y.mean((1, 2, 3), keepdim=True)) * c + y.mean((1, 2, 3), keepdim=True)
    torch.testing.assert_close(augment.apply(x, params), y)
    assert ((-0.5 <= b) & (b <= 0.5)).all() and ((0 <= s) & (s <= 2)).all() and ((0.5 <= c) & (c <= 1.5)).all()


def test_policies_are_checked():
    assert parse_policy("translation, color,cutout") == ("translation", "color", "cutout")
    assert parse_policy("") == ()
    with pytest.raises(ConfigError, match="unknown family 'flip'"):
        parse_policy("color,flip")
    with pytest.raises(ConfigError, match="transforms images, but this data is points"):
        make_augment("color", 1.0, (2,))
    assert make_augment("", 1.0, (2,)) is None


def test_the_critic_sees_augmented_inputs_in_both_steps(monkeypatch):
    from wgan.data import load_data_of
    from wgan.recipe import build_parts, build_state
    from wgan.steps import train_step

    config = load_config("dcgan-wgan-gp", ["data.name='digits'", "data.image_size=16", "data.augment='cutout'",
                                           "model.generator_width=8", "model.critic_width=8", "train.n_critic=1"])
    data = load_data_of(config)
    objective, constraint = build_parts(config)
    state = build_state(config, data.shape, torch.device("cpu"))
    seen = []
    real_apply = type(state.augment).apply

    def spy(self, x, params):
        seen.append(x.requires_grad)
        return real_apply(self, x, params)

    monkeypatch.setattr(type(state.augment), "apply", spy)
    inputs = []
    state.critic.register_forward_pre_hook(lambda module, args: inputs.append(args[0].detach()))
    train_step(state, data, objective, constraint, config, 8)
    # critic step: real and fake (no grad); generator step: the fake batch, with the generator's grad
    assert seen == [False, False, True]
    # every critic input but the penalty's interpolates has a cut-out square of exact zeros
    squares = [int((x == 0).all(dim=1).flatten(1).sum(1).min()) for x in inputs]
    assert squares[0] >= 1 and squares[-1] >= 1


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("family", FAMILIES)
def test_half_precision_inputs_get_the_float32_transform_to_their_precision(family, dtype):
    augment = DiffAugment((family,))
    x = images()
    params = augment.draw(x, seeded(3))
    low = augment.apply(x.to(dtype), params)
    assert low.dtype == dtype and low.shape == x.shape
    torch.testing.assert_close(low.float(), augment.apply(x, params), rtol=0, atol=0.05)


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_training_with_augmentation_and_an_average_in_half_precision(tmp_path, precision):
    from wgan.cli import main
    from wgan.runs import read_metrics

    run = tmp_path / precision
    assert main(["train", "--config", "small-folder", "--data", "digits", "--image-size", "16", "--steps", "4",
                 "--out", str(run), "--no-progress", "--set", f"train.precision={precision}",
                 "--set", "data.augment='translation,color,cutout'", "--set", "train.ema_start=2",
                 "--set", "eval.every=4", "--set", "eval.samples=64", "--set", "eval.tensorboard='off'",
                 "--set", "eval.figures=false", "--set", "model.generator_width=8",
                 "--set", "model.critic_width=8"]) == 0
    last = read_metrics(run)[-1]
    assert last["step"] == 4 and np.isfinite(last["w1"]) and np.isfinite(last["critic_w_estimate"])
