"""The hinge objective and the R1 penalty (with lazy regularisation), against hand-computed
values, through the training state, and from the command line."""
import json
from contextlib import nullcontext

import numpy as np
import pytest
import torch
from torch import nn

import wgan.callbacks.stop
import wgan.steps
from wgan.conditional import NoConditioning
from wgan.cli import main
from wgan.config import ConstraintConfig, load_config
from wgan.data import load_data_of
from wgan.errors import ConfigError
from wgan.input_gradients import CriticScore, input_gradients
from wgan.lipschitz import GradientPenalty, R1Penalty
from wgan.networks import DCGANCritic, MLPCritic
from wgan.objectives import Hinge
from wgan.recipe import build_parts, build_state, make_constraint, make_objective
from wgan.runs import load_checkpoint, read_metrics


def linear_critic(weight, bias=0.5):
    layer = nn.Linear(len(weight), 1)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([weight]))
        layer.bias.fill_(bias)
    return nn.Sequential(layer, nn.Flatten(0))


class QuadraticCritic(nn.Module):
    """f(x) = x^T A x / 2 + b . x, whose input gradient is (A + A^T) / 2 x + b."""

    def __init__(self, a, b):
        super().__init__()
        self.a, self.b = nn.Parameter(torch.as_tensor(a)), nn.Parameter(torch.as_tensor(b))

    def forward(self, x):
        return 0.5 * ((x @ self.a) * x).sum(1) + x @ self.b


def r1(constraint, critic, real, fake=None, step=0):
    fake = torch.randn_like(real) if fake is None else fake
    return constraint.penalty(critic, constraint.penalty_inputs(real, fake, torch.Generator().manual_seed(0), step))


# ---------------------------------------------------------------- hinge

def test_hinge_losses_of_a_linear_critic_match_hand_calculation():
    # D(x) = x1 - 2 x2 + 0.5
    critic = linear_critic([1.0, -2.0], bias=0.5)
    real = torch.tensor([[1.0, 0.0], [0.0, -1.0], [2.0, 1.0]])   # D = 1.5, 2.5, 0.5
    fake = torch.tensor([[0.0, 1.0], [-1.0, 0.0], [1.0, 1.0]])   # D = -1.5, -0.5, -0.5
    d_real, d_fake = critic(real), critic(fake)
    hinge = make_objective("hinge")
    assert isinstance(hinge, Hinge) and hinge.name == "hinge" and hinge.estimate_key == "critic_hinge_estimate"
    # relu(1 - D(real)) = 0, 0, 0.5 -> 1/6; relu(1 + D(fake)) = 0, 0.5, 0.5 -> 1/3
    assert hinge.critic_loss(d_real, d_fake).item() == pytest.approx(1 / 6 + 1 / 3, abs=1e-6)
    assert hinge.generator_loss(d_fake).item() == pytest.approx(2.5 / 3, abs=1e-6)          # -E D(fake)
    assert hinge.estimate(d_real, d_fake).item() == pytest.approx(4.5 / 3 + 2.5 / 3, abs=1e-6)  # E D(r) - E D(f)
    assert torch.equal(hinge.critic_values(d_real), d_real)


def test_hinge_critic_loss_stops_pushing_at_the_margins():
    real = torch.tensor([2.0, 0.5], requires_grad=True)    # beyond the margin, inside it
    fake = torch.tensor([-3.0, 0.0], requires_grad=True)
    Hinge().critic_loss(real, fake).backward()
    assert real.grad.tolist() == [0.0, -0.5] and fake.grad.tolist() == [0.0, 0.5]


def test_hinge_estimate_of_the_optimal_critic_is_twice_the_total_variation():
    # P uniform on {0, 1, 2}, Q uniform on {1, 2, 3}: TV = 1/3, D* = +1 on {0}, -1 on {3}, anything in
    # [-1, 1] on {1, 2} (p = q there); the hinge loss is 2 (1 - TV) and the gap 2 TV.
    d = {0: 1.0, 1: 0.3, 2: -0.2, 3: -1.0}
    real, fake = torch.tensor([d[0], d[1], d[2]]), torch.tensor([d[1], d[2], d[3]])
    hinge = Hinge()
    assert hinge.critic_loss(real, fake).item() == pytest.approx(2 * (1 - 1 / 3), abs=1e-6)
    assert hinge.estimate(real, fake).item() == pytest.approx(2 / 3, abs=1e-6)
    assert hinge.runaway_estimate(None) == hinge.runaway_estimate(0.01) == 100.0


# ---------------------------------------------------------------- R1

def test_r1_of_a_linear_critic_is_half_gamma_times_the_squared_weight_norm():
    w = [0.6, -1.2, 2.0]  # |w|^2 = 5.8
    for gamma in (10.0, 1.0, 0.0):
        value = r1(R1Penalty(gamma), linear_critic(w), torch.randn(32, 3)).item()
        assert value == pytest.approx(gamma / 2 * 5.8, rel=1e-6, abs=1e-12)


def test_r1_of_a_quadratic_critic_matches_the_closed_form():
    # f = (x1^2 + 3 x2^2) / 2: grad = (x1, 3 x2), ||grad||^2 = 1, 9, 40 at the three points
    critic = QuadraticCritic(torch.diag(torch.tensor([1.0, 3.0])), torch.zeros(2))
    real = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
    assert r1(R1Penalty(2.0), critic, real).item() == pytest.approx(50 / 3, rel=1e-6)
    # any A (not symmetric) and b: gamma / 2 * mean ||(A + A^T) / 2 x + b||^2
    torch.manual_seed(0)
    a, b, real = torch.randn(4, 4), torch.randn(4), torch.randn(64, 4)
    grads = real @ ((a + a.T) / 2) + b
    expected = 10.0 / 2 * grads.square().sum(1).mean()
    assert r1(R1Penalty(10.0), QuadraticCritic(a, b), real).item() == pytest.approx(expected.item(), rel=1e-5)


def test_r1_is_differentiable_in_the_weights_and_the_closed_form_route_agrees_with_autograd():
    torch.manual_seed(0)
    critic = R1Penalty().prepare(MLPCritic(2, width=16, depth=2))
    real = torch.randn(32, 2)
    score = CriticScore(critic, Hinge())
    assert score.input_gradient(real) is not None  # the closed form of a ReLU MLP
    penalty = r1(R1Penalty(3.0), score, real)
    autograd = input_gradients(lambda x: critic(x), real, create_graph=True)  # a plain callable: autograd
    assert penalty.item() == pytest.approx(1.5 * autograd.square().sum(1).mean().item(), rel=1e-5)
    # the weight gradients too (biases only move the slope pattern, which is constant almost everywhere)
    weights = [p for p in critic.parameters() if p.dim() == 2]
    closed = torch.autograd.grad(penalty, weights)
    plain = torch.autograd.grad(1.5 * autograd.square().sum(1).mean(), weights)
    for a, b in zip(closed, plain):
        assert a.abs().sum() > 0 and torch.allclose(a, b, rtol=1e-4, atol=1e-6)


def test_r1_looks_only_at_the_real_batch():
    torch.manual_seed(0)
    critic = MLPCritic(2, width=16, depth=2)
    real = torch.randn(16, 2)
    constraint = R1Penalty(10.0)
    inputs = [constraint.penalty_inputs(real, torch.randn(16, 2) * s, torch.Generator().manual_seed(s), 0)
              for s in (1, 5)]
    assert torch.equal(inputs[0], real) and torch.equal(inputs[1], real)
    assert r1(constraint, critic, real, torch.randn(16, 2)).item() == r1(constraint, critic, real,
                                                                         100 + torch.randn(16, 2)).item()
    # through the critic's loss function: another fake batch changes the loss, not the penalty
    objective = Hinge()
    outs = [wgan.steps.critic_losses(critic, objective, constraint, NoConditioning(), True, nullcontext, real, fake,
                                     {}, inputs[0])
            for fake in (torch.randn(16, 2), 3 + torch.randn(16, 2))]
    assert outs[0][2].item() == outs[1][2].item() and outs[0][0].item() != outs[1][0].item()


@pytest.mark.parametrize("k", [1, 2, 3])
def test_lazy_r1_acts_every_kth_step_scaled_by_k(k):
    critic = linear_critic([0.6, -1.2, 2.0])
    real = torch.randn(32, 3)
    every_step = r1(R1Penalty(10.0), critic, real).item()
    values = [r1(R1Penalty(10.0, every=k), critic, real, step=s).item() for s in range(2 * k)]
    for step, value in enumerate(values):
        if step % k == 0:
            assert value == pytest.approx(k * 10.0 / 2 * 5.8, rel=1e-6)
        else:
            assert value == 0.0
    assert np.mean(values) == pytest.approx(every_step, rel=1e-6)
    # a step it skips asks for no inputs, so it costs no gradient of the critic
    skipped = R1Penalty(10.0, every=2).penalty_inputs(real, real, None, 1)
    assert skipped.shape == (0, 3)


@pytest.mark.parametrize("one_sided", [False, True])
def test_lazy_gradient_penalty_acts_every_kth_step_scaled_by_k(one_sided):
    critic = linear_critic([1.2, 1.6])  # ||grad|| = 2: (2 - 1)^2 = 1 per step, either side
    real, fake = torch.randn(16, 2), torch.randn(16, 2)
    noise = torch.Generator().manual_seed(0)
    lazy = GradientPenalty(10.0, one_sided=one_sided, every=2)
    values = []
    for step in range(4):
        before = noise.get_state()
        values.append(lazy.penalty(critic, lazy.penalty_inputs(real, fake, noise, step)).item())
        assert torch.equal(noise.get_state(), before) == (step % 2 == 1)  # no interpolates drawn when skipped
    assert values[1] == values[3] == 0.0
    assert values[0] == pytest.approx(20.0, rel=1e-5) and values[2] == pytest.approx(20.0, rel=1e-5)
    assert make_constraint(ConstraintConfig(name="one_sided_penalty", every=4)).every == 4


def test_the_critic_step_counts_critic_steps_in_the_training_state_and_penalises_what_the_critic_sees(
        monkeypatch):
    """every = 2 with n_critic 5: the penalty acts on critic steps 0, 2, 4, ... of the run, across
    generator steps, on the real batch after instance noise and augmentation."""
    config = load_config("dcgan-wgan-gp", ["data.name='digits'", "data.image_size=16", "train.batch_size=8",
                                           "model.generator_width=8", "model.critic_width=8",
                                           "constraint.name='r1'", "constraint.every=2",
                                           "data.augment='translation,cutout'", "objective.instance_noise=0.1",
                                           "objective.name='hinge'"])
    data = load_data_of(config)
    objective, constraint = build_parts(config)
    state = build_state(config, data.shape, torch.device("cpu"))
    seen = []
    real_losses = wgan.steps.critic_losses

    def spy(critic, objective, constraint, conditioning, fused, autocast, real, fake, batches, penalty_inputs,
            labels):
        seen.append((real, penalty_inputs))
        return real_losses(critic, objective, constraint, conditioning, fused, autocast, real, fake, batches,
                           penalty_inputs, labels)

    monkeypatch.setattr(wgan.steps, "critic_losses", spy)
    wgan.steps.train_step(state, data, objective, constraint, config, 8)
    wgan.steps.train_step(state, data, objective, constraint, config, 8)
    assert state.critic_iterations == 10 and state.state_dict()["critic_iterations"] == 10
    for i, (real, inputs) in enumerate(seen):
        if i % 2 == 0:
            assert torch.equal(inputs, real)  # the critic's own real batch: noised and augmented
        else:
            assert inputs.shape == (0, *real.shape[1:])
    assert float(state.log_sums["penalty"]) > 0 and state.log_sums["critic_steps"] == 10


def test_r1_refuses_a_batch_norm_critic():
    with pytest.raises(ConfigError, match="r1 constraint cannot be used with a batch-norm critic"):
        make_constraint(ConstraintConfig(name="r1")).prepare(DCGANCritic(1, 32, width=8, norm="batch"))
    assert make_constraint(ConstraintConfig(name="r1", r1_gamma=2.0, every=3)) == R1Penalty(2.0, 3)


@pytest.mark.parametrize("override, message", [
    ("constraint.r1_gamma=-1", r"constraint.r1_gamma = -1.0: must be >= 0"),
    ("constraint.every=0", r"constraint.every = 0: must be >= 1"),
    ("constraint.every=1.5", r"constraint.every = 1.5: expected an integer"),
])
def test_bad_r1_settings_name_the_key(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config("default", ["constraint.name='r1'", override])


@pytest.mark.parametrize("constraint, setting", [
    ("spectral_norm", "constraint.every=2"), ("none", "constraint.every=2"), ("weight_clipping", "constraint.every=2"),
    ("gradient_penalty", "constraint.r1_gamma=5.0"), ("r1", "constraint.penalty_weight=5.0"),
])
def test_r1_settings_are_refused_on_the_command_line_where_they_do_nothing(constraint, setting, capsys):
    assert main(["train", "--steps", "1", "--constraint", constraint, "--set", setting]) == 2
    key = setting.split("=")[0]
    assert f"{key} = " in capsys.readouterr().err


# ---------------------------------------------------------------- the command line

TINY = ["--no-progress", "--set", "train.batch_size=8", "--set", "eval.every=3", "--set", "eval.samples=48",
        "--set", "eval.log_every=1", "--set", "eval.tensorboard='off'", "--set", "train.threads=1",
        "--set", "train.n_critic=5", "--set", "model.generator_width=8", "--set", "model.critic_width=8",
        "--set", "eval.figures=false"]
DATA = {
    "points": ["--config", "default", "--set", "model.generator_depth=1", "--set", "model.critic_depth=1"],
    "images": ["--config", "dcgan-wgan-gp", "--data", "digits", "--image-size", "16"],
}


@pytest.mark.parametrize("kind", sorted(DATA))
@pytest.mark.parametrize("flags", [["--constraint", "spectral_norm"],
                                   ["--constraint", "r1", "--set", "constraint.every=2"]], ids=["sn", "r1-every2"])
def test_hinge_and_r1_train_sample_evaluate_and_resume_from_the_command_line(tmp_path, capsys, kind, flags):
    run = tmp_path / "run"
    assert main(["train", "--objective", "hinge", *flags, "--steps", "3", "--out", str(run), *DATA[kind],
                 *TINY]) == 0
    out = capsys.readouterr().err
    assert "critic estimate of hinge" in out
    records = read_metrics(run)
    assert all(np.isfinite(r["critic_hinge_estimate"]) for r in records if r["step"])
    if "r1" in flags:
        assert all(r["penalty"] > 0 for r in records if r["step"])  # every logged step has acting critic steps
        assert load_checkpoint(run)["critic_iterations"] == 3 * 5

    assert main(["sample", "--run", str(run), "-n", "6", "--out", str(tmp_path / "s.png"),
                 "--npy", str(tmp_path / "s.npy")]) == 0
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == ((6, 1, 16, 16) if kind == "images" else (6, 2)) and np.isfinite(samples).all()

    capsys.readouterr()
    assert main(["evaluate", "--run", str(run), "-n", "24", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["step"] == 3 and np.isfinite(result["w1"]) and result["w1"] > 0

    assert main(["train", "--resume", str(run), "--steps", "5", "--no-progress"]) == 0
    assert "extending" in capsys.readouterr().err
    assert load_checkpoint(run)["step"] == 5
    assert [r["step"] for r in read_metrics(run)] == [0, 1, 2, 3, 4, 5]


def test_an_interrupted_lazy_r1_run_resumes_bit_for_bit(tmp_path, monkeypatch):
    """n_critic 5 and every 2: the run stops after 15 critic steps (odd), so a resume that lost
    the count of critic steps, or took it from the generator step, would penalise other steps."""
    args = [*DATA["points"], "--objective", "gan", "--constraint", "r1", "--set", "constraint.every=2",
            "--steps", "6", *TINY, "--set", "eval.log_every=2", "--set", "eval.every=6"]
    reference, run = tmp_path / "reference", tmp_path / "run"
    assert main(["train", "--out", str(reference), *args]) == 0

    stop_at = 3
    original = wgan.callbacks.stop.StopOnSignal.requests
    monkeypatch.setattr(wgan.callbacks.stop.StopOnSignal, "requests",
                        lambda self, state: ({wgan.callbacks.stop.STOP, wgan.callbacks.stop.CHECKPOINT}
                                             if state.step == stop_at else original(self, state)))
    assert main(["train", "--out", str(run), *args]) == 130
    assert load_checkpoint(run)["step"] == stop_at and load_checkpoint(run)["critic_iterations"] == 15
    monkeypatch.setattr(wgan.callbacks.stop.StopOnSignal, "requests", original)
    assert main(["train", "--resume", str(run), "--no-progress"]) == 0

    ours, theirs = load_checkpoint(run), load_checkpoint(reference)
    assert ours["step"] == theirs["step"] == 6 and ours["critic_iterations"] == theirs["critic_iterations"] == 30
    for net in ("generator", "critic"):
        assert ours[net].keys() == theirs[net].keys()
        for key in ours[net]:
            assert torch.equal(ours[net][key], theirs[net][key]), f"{net} {key} differs"
    for i, group in ours["critic_optimizer"]["state"].items():
        for name, value in group.items():
            assert torch.equal(value, theirs["critic_optimizer"]["state"][i][name]), f"critic_optimizer {i} {name}"
    strip = lambda records: [{k: v for k, v in r.items() if k != "wall_s"} for r in records]
    assert strip(read_metrics(run)) == strip(read_metrics(reference))
