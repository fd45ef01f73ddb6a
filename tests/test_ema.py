"""The averaged generator (Yazici et al. 2019): the closed-form weighted average, decay 0 is
the raw generator, buffers copied, saved and resumed bit for bit (with augmentation too),
and what sampling uses by default."""
import pytest
import torch
from torch import nn

from wgan.cli import main
from wgan.ema import ExponentialMovingAverage
from wgan.loading import load_run
from wgan.runs import load_checkpoint


class Toy(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(3))
        self.norm = nn.BatchNorm1d(3)


def test_the_average_after_k_steps_is_the_closed_form_weighted_mean():
    toy, decay, start = Toy(), 0.9, 2
    ema = ExponentialMovingAverage(toy, decay, start)
    values = [torch.full((3,), float(v)) for v in (1.0, -2.0, 4.0, 0.5, 3.0, -1.0)]
    for step, v in enumerate(values, start=1):
        toy.w.data.copy_(v)
        ema.update(toy, step)
    # a copy up to step `start`, then theta_ema = d^(k-s) theta_s + sum_{t>s} (1-d) d^(k-t) theta_t
    k = len(values)
    expected = decay ** (k - start) * values[start - 1]
    for t in range(start + 1, k + 1):
        expected = expected + (1 - decay) * decay ** (k - t) * values[t - 1]
    torch.testing.assert_close(ema.average.w, expected, rtol=1e-6, atol=1e-7)


def test_decay_zero_is_the_raw_generator_and_buffers_are_copied():
    toy = Toy()
    ema = ExponentialMovingAverage(toy, 0.0)
    toy.w.data.normal_()
    toy.norm.running_mean.normal_()
    ema.update(toy, 1)
    assert torch.equal(ema.average.w, toy.w) and torch.equal(ema.average.norm.running_mean, toy.norm.running_mean)
    assert not ema.average.training and not ema.average.w.requires_grad


ARGS = ["--config", "dcgan-wgan-gp", "--data", "digits", "--image-size", "16", "--no-progress",
        "--set", "train.batch_size=8", "--set", "eval.every=4", "--set", "eval.samples=32",
        "--set", "eval.checkpoint_every=4", "--set", "eval.tensorboard='off'", "--set", "eval.figures=false",
        "--set", "model.generator_width=8", "--set", "model.critic_width=8", "--set", "train.ema_decay=0.8",
        "--set", "train.ema_start=2", "--set", "data.augment='translation,color,cutout'"]


def test_resume_with_augmentation_and_an_average_is_bit_for_bit(tmp_path):
    assert main(["train", "--steps", "8", "--out", str(tmp_path / "straight"), *ARGS]) == 0
    assert main(["train", "--steps", "4", "--out", str(tmp_path / "halves"), *ARGS]) == 0
    assert main(["train", "--resume", str(tmp_path / "halves"), "--steps", "8", "--no-progress"]) == 0
    a, b = load_checkpoint(tmp_path / "straight"), load_checkpoint(tmp_path / "halves")
    for net in ("generator", "critic", "ema_generator"):
        for key in a[net]:
            assert torch.equal(a[net][key], b[net][key]), f"{net} {key}"
    assert not all(torch.equal(a["generator"][k], a["ema_generator"][k]) for k in a["generator"])


def test_the_average_never_changes_what_is_trained(tmp_path):
    """A run with an average trains bit for bit the networks of one without (the data-efficiency
    benchmark takes the raw and the averaged rows from one run)."""
    with_average, without = tmp_path / "with", tmp_path / "without"
    assert main(["train", "--steps", "6", "--out", str(with_average), *ARGS]) == 0
    assert main(["train", "--steps", "6", "--out", str(without), *ARGS, "--set", "train.ema_decay=0"]) == 0
    a, b = load_checkpoint(with_average), load_checkpoint(without)
    assert "ema_generator" in a and "ema_generator" not in b
    for net in ("generator", "critic"):
        for key in a[net]:
            assert torch.equal(a[net][key], b[net][key]), f"{net} {key}"


def test_sampling_uses_the_average_unless_asked_for_the_raw_generator(tmp_path):
    run = tmp_path / "run"
    assert main(["train", "--steps", "4", "--out", str(run), *ARGS]) == 0
    state = load_checkpoint(run)
    averaged, raw = load_run(run), load_run(run, raw=True)
    assert averaged.averaged and not raw.averaged
    for key, value in averaged.generator.state_dict().items():
        assert torch.equal(value, state["ema_generator"][key])
        assert torch.equal(raw.generator.state_dict()[key], state["generator"][key])
    for flag in ([], ["--raw-generator"]):
        assert main(["sample", "--run", str(run), "-n", "4", "--out", str(tmp_path / "s.png"), *flag]) == 0


def test_resuming_with_an_average_a_run_that_kept_none_is_refused(tmp_path, capsys):
    from wgan.config import load_config
    from wgan.errors import WganError
    from wgan.loop import train

    run = tmp_path / "run"
    assert main(["train", "--steps", "4", "--out", str(run), *ARGS, "--set", "train.ema_decay=0"]) == 0
    config = load_config(run / "config.toml", ["train.ema_decay=0.5", "train.steps=8"])
    with pytest.raises(WganError, match="holds no averaged generator"):
        train(config, run, resume=True, progress=False)
    assert main(["train", "--resume", str(run), "--steps", "8", "--set", "train.ema_decay=0.5"]) == 2
    assert "train.ema_decay cannot change when a run is resumed" in capsys.readouterr().err
