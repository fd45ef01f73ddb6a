"""A user's own parts (tests/own_parts.py: a generator and a critic as plain nn.Modules, a
least-squares objective, AdamW with warmup and cosine decay, a callback with state): train,
are killed, resume bit for bit, sample and evaluate, from Python and from the command line
by import path; and every object that lacks something is refused in one line."""
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import wgan
from own_parts import AdamWCosine, Critic, Generator, LeastSquares, StepLedger, cosine_lr
from wgan.cli import main
from wgan.data import load_data_of
from wgan.errors import ConfigError, WganError
from wgan.runs import PAUSE_IN_SAVE_ENV, load_checkpoint, read_metrics

STEPS = 12
SETTINGS = [f"train.steps={STEPS}", "train.batch_size=32", "train.n_critic=2", "train.threads=1",
            "model.latent_dim=4", "eval.every=6", "eval.log_every=2", "eval.samples=200", "eval.checkpoint_every=4",
            "eval.figures=false", "eval.tensorboard='off'"]
TESTS = Path(__file__).parent


class Crash(Exception):
    pass


class CrashAt(wgan.Callback):
    """Dies at generator step `step`: whatever the run did since its last checkpoint is lost."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_step(self, state) -> None:
        if state.step == self.step:
            raise Crash(f"killed at step {state.step}")


def own_parts() -> dict:
    """The parts, their initial weights drawn from seed 0 (as a user seeds before building them)."""
    torch.manual_seed(0)
    return dict(generator=Generator(latent_dim=4, dim=2), critic=Critic(dim=2), objective=LeastSquares(),
                constraint=wgan.GradientPenalty(weight=1.0), optimizers=AdamWCosine(STEPS))


def same_tensors(a, b) -> bool:
    """Nested state dicts equal bit for bit."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_tensors(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_tensors(x, y) for x, y in zip(a, b))
    if isinstance(a, torch.Tensor):
        return torch.equal(a, b)
    return a == b


def without_wall_clock(records):
    return [{k: v for k, v in r.items() if k not in ("wall_s", "seconds")} for r in records]


def test_own_parts_train_crash_resume_bit_for_bit_sample_and_evaluate_from_python(tmp_path):
    config = wgan.load_config(None, SETTINGS)
    reference, run = tmp_path / "reference", tmp_path / "run"
    whole = StepLedger()
    wgan.train(config, reference, **own_parts(), callbacks=[whole], progress=False)

    with pytest.raises(Crash):
        wgan.train(config, run, **own_parts(), callbacks=[StepLedger(), CrashAt(7)], progress=False)
    saved = load_checkpoint(run)
    assert saved["step"] == 4 and saved["callbacks"]["StepLedger"]["steps_seen"] == 4

    ledger = StepLedger()
    result = wgan.train(config, run, **own_parts(), callbacks=[ledger], resume=True, progress=False)
    assert result.step == STEPS and ledger.loaded == saved["callbacks"]["StepLedger"]
    assert (ledger.steps_seen, ledger.loss_sum) == (whole.steps_seen, whole.loss_sum) == (STEPS, whole.loss_sum)

    final, expected = load_checkpoint(run), load_checkpoint(reference)
    for key in ("generator", "critic", "critic_optimizer", "generator_optimizer", "critic_scheduler",
                "generator_scheduler", "noise_rng", "torch_rng", "callbacks"):
        assert same_tensors(final[key], expected[key]), key
    assert without_wall_clock(read_metrics(run)) == without_wall_clock(read_metrics(reference))

    # AdamW with its weight decay, warmup then cosine decay, by hand
    group = final["generator_optimizer"]["param_groups"][0]
    assert group["weight_decay"] == 1e-2 and group["initial_lr"] == 2e-3
    for record in read_metrics(run)[1:]:
        assert record["lr_generator"] == pytest.approx(cosine_lr(record["step"], STEPS), rel=1e-6, abs=1e-12)
    assert read_metrics(run)[-1]["lr_critic"] == pytest.approx(0.0, abs=1e-12)
    assert "critic_ls_estimate" in read_metrics(run)[-1]

    loaded = wgan.load_run(run, generator=Generator(latent_dim=4, dim=2), critic=Critic(dim=2))
    twin = wgan.load_run(reference, generator=Generator(latent_dim=4, dim=2), critic=Critic(dim=2))
    assert loaded.step == STEPS and isinstance(loaded.generator, Generator)
    z = torch.randn(5, 4)
    assert loaded.generator(z).shape == (5, 2) and torch.equal(loaded.generator(z), twin.generator(z))
    data = load_data_of(config)
    score = wgan.evaluate_generator(loaded.generator, data, n=200, memorisation=False)
    assert np.isfinite(score["w1"]) and score["w1"] > 0
    assert score["w1"] == wgan.evaluate_generator(twin.generator, data, n=200, memorisation=False)["w1"]
    with pytest.raises(WganError, match=r"load_run\(run_dir, generator=\.\.\., critic=\.\.\.\)"):
        wgan.load_run(run)  # the config alone builds the default MLPs, which do not fit


def test_pieces_are_built_from_plain_arguments_without_a_config():
    penalty = wgan.GradientPenalty(weight=10)
    critic = penalty.prepare(wgan.DCGANCritic(channels=1, image_size=16, width=8))
    assert penalty.weight == 10 and critic(torch.zeros(3, 1, 16, 16)).shape == (3,)
    for module in ("objectives", "lipschitz", "networks", "resnets", "conditional"):
        source = (Path(wgan.__file__).parent / f"{module}.py").read_text()
        assert "from .config" not in source and "import config" not in source, module
    from wgan.config import ConstraintConfig
    assert (wgan.GradientPenalty().weight, wgan.R1Penalty().gamma, wgan.GradientPenalty().every) == (
        ConstraintConfig.penalty_weight, ConstraintConfig.r1_gamma, ConstraintConfig.every)


@pytest.mark.parametrize("given, message", [
    (dict(generator=nn.Linear(4, 2)), r"generator= \(Linear\) lacks latent_dim"),
    (dict(critic=object()), r"critic= \(object\) lacks forward, parameters, state_dict, load_state_dict"),
    (dict(objective=object()), r"objective= \(object\) lacks critic_loss, generator_loss"),
    (dict(constraint=LeastSquares()), r"constraint= \(LeastSquares\) lacks prepare, penalty_inputs, penalty, after_critic_step"),
    (dict(generator=Generator(latent_dim=4, dim=3)), r"generator= gives \(2, 3\) for z of shape \(2, 4\); "
                                                     r"expected \(2, 2\)"),
    (dict(critic=Critic(dim=3)), r"critic= fails on samples of shape \(2, 2\): RuntimeError: mat1 and mat2"),
    (dict(optimizers=42), r"optimizers = int: expected a function \(params, role\)"),
    (dict(callbacks=[StepLedger(), object()]), r"callbacks\[1\] \(object\) lacks on_start, .*subclass wgan.Callback"),
    (dict(loggers=[object()]), r"loggers\[0\] \(object\) lacks start, log_metrics, log_image, close"),
    (dict(callbacks=StepLedger()), r"callbacks= takes a list or tuple of objects, got StepLedger"),
])
def test_an_object_that_lacks_a_member_is_refused_in_one_line_before_anything_runs(tmp_path, given, message):
    with pytest.raises(ConfigError, match=message) as error:
        wgan.train(wgan.load_config(None, SETTINGS), tmp_path / "run", **given, progress=False)
    assert "\n" not in str(error.value) and not (tmp_path / "run").exists()


class RecordingLogger:
    """A logger (wgan.protocols.Logger) that keeps what it is given."""

    def __init__(self) -> None:
        self.calls = []

    def start(self, run_dir, config) -> None:
        self.calls.append(("start", Path(run_dir).name, config["train"]["steps"]))

    def log_metrics(self, step, metrics) -> None:
        self.calls.append(("metrics", step, sorted(metrics)))

    def log_image(self, step, name, png) -> None:
        self.calls.append(("image", step, name))

    def close(self) -> None:
        self.calls.append(("close",))


def test_optimizers_as_a_plain_function_a_logger_and_a_scheduler_that_is_not_one(tmp_path):
    config = wgan.load_config(None, [*SETTINGS, "train.steps=2", "optim.lr_decay='none'"])
    roles, logger = [], RecordingLogger()

    def sgd(params, role):
        roles.append(role)
        return torch.optim.SGD(params, lr=0.01 if role == "critic" else 0.02)

    wgan.train(config, tmp_path / "sgd", optimizers=sgd, loggers=[logger], progress=False)
    records = read_metrics(tmp_path / "sgd")
    assert roles == ["critic", "generator"] and (records[-1]["lr_critic"], records[-1]["lr_generator"]) == (0.01, 0.02)
    assert logger.calls[0] == ("start", "sgd", 2) and logger.calls[-1] == ("close",)
    logged = [call for call in logger.calls if call[0] == "metrics"]
    assert [step for _, step, _ in logged] == [r["step"] for r in records] == [0, 2]
    assert "lr_critic" in logged[-1][2] and "w1" in logged[-1][2]
    with pytest.raises(ConfigError, match="the critic scheduler factory returned a str, which lacks step"):
        wgan.train(config, tmp_path / "bad", optimizers=wgan.OptimizerFactories(sgd, lambda o, role: "cosine"),
                   progress=False)


def test_a_conditional_run_needs_a_critic_with_features_and_head():
    from wgan.recipe import build_recipe

    config = wgan.load_config(None, ["data.name='digits'", "model.conditional='projection'",
                                     "model.critic=own_parts:Critic"])
    with pytest.raises(ConfigError, match=r"the critic under model.conditional = 'projection' \(Critic\) lacks "
                                          r"features, head: a FeatureCritic provides"):
        build_recipe(config, (256,), num_classes=10)


def test_evaluate_generator_names_a_missing_latent_dim():
    data = load_data_of(wgan.load_config(None, SETTINGS))
    with pytest.raises(WganError, match=r"generator \(Linear\) has no latent_dim .* set generator.latent_dim"):
        wgan.evaluate_generator(nn.Linear(4, 2), data, n=50)


CLI = ["--no-progress", *[a for s in SETTINGS for a in ("--set", s)],
       "--set", "model.generator=own_parts:Generator", "--set", "model.critic=own_parts:Critic",
       "--set", "objective.name=own_parts:LeastSquares", "--set", "constraint.penalty_weight=1.0"]


def test_own_parts_by_import_path_from_the_command_line_survive_sigkill(tmp_path, capsys, monkeypatch):
    reference, run = tmp_path / "reference", tmp_path / "run"
    assert main(["train", "--out", str(reference), *CLI]) == 0
    assert 'generator = "own_parts:Generator"' in (reference / "config.toml").read_text()

    env = {**os.environ, PAUSE_IN_SAVE_ENV: "0.15",
           "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "wgan", "train", "--out", str(run), *CLI], cwd=tmp_path, env=env,
                            text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for line in proc.stderr:  # killed halfway through writing the checkpoint of step 8
        if line.startswith("wgan: writing checkpoint of") and int(line.split()[-1]) >= 8:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL and load_checkpoint(run)["step"] == 4

    assert main(["train", "--resume", str(run), "--no-progress"]) == 0
    final, expected = load_checkpoint(run), load_checkpoint(reference)
    for key in ("generator", "critic", "critic_optimizer", "generator_optimizer", "noise_rng", "torch_rng"):
        assert same_tensors(final[key], expected[key]), key
    assert final["step"] == STEPS

    capsys.readouterr()
    assert main(["sample", "--run", str(run), "-n", "6", "--npy", str(tmp_path / "s.npy"),
                 "--out", str(tmp_path / "s.png")]) == 0
    assert np.load(tmp_path / "s.npy").shape == (6, 2)
    capsys.readouterr()
    assert main(["evaluate", "--run", str(run), "-n", "100", "--json"]) == 0
    assert np.isfinite(json.loads(capsys.readouterr().out)["w1"])
    assert main(["explore", "--run", str(run), "--out", str(tmp_path / "explore"), "--steps", "3"]) == 0
    assert any((tmp_path / "explore").iterdir())

    for setting, message in [("model.generator=no_such_module:Net", "model.generator = 'no_such_module:Net' cannot "
                              "be imported"),
                             ("model.critic=own_parts:Nothing", "model.critic = 'own_parts:Nothing' cannot be imported"),
                             ("model.generator=own_parts:Critic", "model.generator = 'own_parts:Critic' .* lacks "
                              "latent_dim"),
                             ("model.critic=own_parts:cosine_lr", "model.critic: its parameter 'step' is none of the "
                              "settings it may take")]:
        assert main(["train", "--out", str(tmp_path / "bad"), *CLI, "--set", setting]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and re.search(message, err), err
