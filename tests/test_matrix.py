"""Every objective x constraint x conditioning, in process: each trains a few steps, checkpoints,
resumes to a longer run from its config.toml, evaluates (exact W1), loads with `load_run` and
samples; on points (no conditioning) and on 16-pixel digits (none, projection, auxiliary).
What does not depend on the pair (the commands a user types: sample's PNG, evaluate's table,
explore's probes) is run from the command line once per kind of run."""
import json
import logging

import numpy as np
import pytest
import torch

import wgan
from wgan.cli import main
from wgan.config import CONDITIONINGS, CONSTRAINTS, OBJECTIVES, load_config, resumed_config
from wgan.evaluation import generate
from wgan.runs import config_of_run, load_checkpoint, read_metrics

TINY = ["train.batch_size=8", "eval.every=2", "eval.samples=32", "eval.log_every=1", "eval.checkpoint_every=2",
        "eval.tensorboard='off'", "eval.figures=false", "train.threads=1", "model.generator_width=8",
        "model.critic_width=8", "train.steps=2", "train.n_critic=2"]
KINDS = {
    "points": ("default", ["model.generator_depth=1", "model.critic_depth=1"]),
    **{f"images-{c}": ("dcgan-wgan-gp", ["data.name='digits'", "data.image_size=16", f"model.conditional='{c}'"])
       for c in CONDITIONINGS},
}
PAIR_SETTINGS = {"fgan": ["objective.divergence='pearson'"], "cramer": ["objective.cramer_dim=4"]}


@pytest.fixture(autouse=True)
def data_read_once(monkeypatch):
    """The same digits for every pair, read and resized once: the pairs differ in what trains on them."""
    import wgan.run_data

    monkeypatch.setattr(wgan.run_data, "load_data_of", _cached_data)


_READ = {}


def _cached_data(config):
    from wgan.data import load_data_of

    key = (repr(config.data), config.train.seed)
    if key not in _READ:
        _READ[key] = load_data_of(config)
    return _READ[key]


def pair_config(kind, objective, constraint):
    preset, settings = KINDS[kind]
    return load_config(preset, [*settings, *TINY, f"objective.name='{objective}'", f"constraint.name='{constraint}'",
                                *PAIR_SETTINGS.get(objective, [])])


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_every_objective_constraint_and_conditioning(tmp_path, objective, constraint, kind):
    run = tmp_path / "run"
    config = pair_config(kind, objective, constraint)
    assert (config.objective.name, config.constraint.name) == (objective, constraint)
    assert wgan.train(config, run, progress=False).step == 2
    # resumed as `wgan train --resume RUN --steps 3` does: from the run's own config.toml
    longer = resumed_config(config_of_run(run), ["train.steps=3"])
    result = wgan.train(longer, run, resume=True, progress=False)
    assert result.step == 3 and [r["step"] for r in read_metrics(run)] == [0, 1, 2, 3]
    assert "steps = 3" in (run / "config.toml").read_text()
    assert result.final["step"] == 3 and np.isfinite(result.final["w1"]) and result.final["w1"] > 0

    loaded = wgan.load_run(run)
    assert loaded.step == 3 and loaded.config == longer
    labels = torch.arange(6) % len(loaded.classes) if loaded.classes else None
    assert len(loaded.classes) == (10 if kind in ("images-projection", "images-auxiliary") else 0)
    samples = generate(loaded.generator, 6, 0, labels)
    assert samples.shape == ((6, 1, 16, 16) if kind != "points" else (6, 2)) and np.isfinite(samples).all()
    if kind == "images-none":  # the checkpoint of step 3 is what load_run rebuilt
        state = load_checkpoint(run)
        assert state["step"] == 3
        assert all(torch.equal(v, state["critic"][k]) for k, v in loaded.critic.state_dict().items())


COMMON = ["--no-progress", "--set", "train.batch_size=8", "--set", "eval.every=3", "--set", "eval.samples=48",
          "--set", "eval.log_every=1", "--set", "eval.tensorboard='off'", "--set", "train.threads=1",
          "--set", "model.generator_width=8", "--set", "model.critic_width=8"]
CLI_RUNS = {
    # the flags a user types, the figures drawn, and a preset's choice switched (one warning line)
    "points": ["--config", "default", "--set", "model.generator_depth=1", "--set", "model.critic_depth=1",
               "--objective", "fgan", "--divergence", "pearson", "--constraint", "one_sided_penalty",
               "--set", "eval.figures=true"],
    "images": ["--config", "dcgan-wgan-gp", "--data", "digits", "--image-size", "16", "--objective", "hinge",
               "--constraint", "weight_clipping", "--set", "eval.figures=true"],
    "conditional": ["--config", "mnist-conditional", "--data", "digits", "--image-size", "16",
                    "--objective", "cramer", "--set", "objective.cramer_dim=4", "--constraint", "r1",
                    "--set", "eval.figures=false"],
}


@pytest.mark.parametrize("kind", sorted(CLI_RUNS))
def test_the_commands_a_user_types_on_each_kind_of_run(tmp_path, capsys, caplog, kind):
    run = tmp_path / "run"
    with caplog.at_level(logging.WARNING, logger="wgan.config"):
        assert main(["train", "--steps", "3", "--out", str(run), *CLI_RUNS[kind], *COMMON]) == 0
    if kind == "images":  # the preset's penalty weight is named once, not an error
        assert [r.getMessage() for r in caplog.records] == [
            "preset 'dcgan-wgan-gp' sets constraint.penalty_weight = 10.0, which has no effect under "
            "constraint.name = 'weight_clipping': ignored"]
        assert "penalty_weight" not in (run / "config.toml").read_text()
    assert main(["train", "--resume", str(run), "--steps", "5", "--no-progress"]) == 0
    assert "extending" in capsys.readouterr().err
    assert load_checkpoint(run)["step"] == 5 and [r["step"] for r in read_metrics(run)] == [0, 1, 2, 3, 4, 5]
    if kind != "conditional":
        drawn = "landscape.png" if kind == "points" else "samples.png"
        assert {p.name for p in (run / "figures").glob("*.png")} >= {drawn, "curves.png"}

    assert main(["sample", "--run", str(run), "-n", "20", "--out", str(tmp_path / "s.png"),
                 "--npy", str(tmp_path / "s.npy")]) == 0
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == ((20, 1, 16, 16) if kind != "points" else (20, 2)) and np.isfinite(samples).all()
    assert (tmp_path / "s.png").stat().st_size > 0

    capsys.readouterr()
    assert main(["evaluate", "--run", str(run), "-n", "24", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["step"] == 5 and np.isfinite(result["w1"]) and result["w1"] > 0
    if kind != "points":
        assert np.isfinite(result["fid"]) and "memorisation_ratio" in result

    assert main(["explore", "--run", str(run), "--out", str(tmp_path / "probes"), "--steps", "2",
                 "--sweep-dims", "0"]) == 0
    assert len(list((tmp_path / "probes").glob("*.png"))) == (6 if kind == "conditional" else 5)  # + classes.png
