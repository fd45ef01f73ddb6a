"""Every objective x constraint, on points and on images, from the CLI flags a user types:
each pair trains, resumes to a longer run, samples, evaluates and explores."""
import json

import numpy as np
import pytest

from wgan.cli import main
from wgan.config import CONSTRAINTS, OBJECTIVES
from wgan.runs import load_checkpoint, read_metrics

COMMON = ["--no-progress", "--set", "train.batch_size=8", "--set", "eval.every=3", "--set", "eval.samples=48",
          "--set", "eval.log_every=1", "--set", "eval.tensorboard='off'", "--set", "train.threads=1",
          "--set", "model.generator_width=8", "--set", "model.critic_width=8"]
DATA = {
    "points": ["--config", "default", "--set", "model.generator_depth=1", "--set", "model.critic_depth=1"],
    "images": ["--config", "dcgan-wgan-gp", "--data", "digits", "--image-size", "16"],
}


def objective_flags(objective):
    extra = {"fgan": ["--divergence", "pearson"], "cramer": ["--set", "objective.cramer_dim=4"]}
    return ["--objective", objective, *extra.get(objective, [])]


@pytest.mark.parametrize("kind", sorted(DATA))
@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_every_pair_trains_resumes_samples_evaluates_and_explores(tmp_path, capsys, objective, constraint, kind):
    run = tmp_path / "run"
    # training figures cost time: drawn for six pairs that cover every objective and constraint
    figures = (OBJECTIVES.index(objective) + CONSTRAINTS.index(constraint)) % 5 == 0
    args = [*DATA[kind], *objective_flags(objective), "--constraint", constraint, *COMMON,
            "--set", f"eval.figures={str(figures).lower()}"]
    assert main(["train", "--steps", "3", "--out", str(run), *args]) == 0
    assert main(["train", "--resume", str(run), "--steps", "5", "--no-progress"]) == 0
    assert "extending" in capsys.readouterr().err
    assert load_checkpoint(run)["step"] == 5
    assert [r["step"] for r in read_metrics(run)] == [0, 1, 2, 3, 4, 5]
    assert "steps = 5" in (run / "config.toml").read_text()

    assert main(["sample", "--run", str(run), "-n", "6", "--out", str(tmp_path / "s.png"),
                 "--npy", str(tmp_path / "s.npy")]) == 0
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == ((6, 1, 16, 16) if kind == "images" else (6, 2)) and np.isfinite(samples).all()

    capsys.readouterr()
    assert main(["evaluate", "--run", str(run), "-n", "24", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["step"] == 5 and np.isfinite(result["w1"]) and result["w1"] > 0

    if kind == "images" or figures:  # latent probes for every image pair, and six point pairs
        assert main(["explore", "--run", str(run), "--out", str(tmp_path / "probes"), "--steps", "2",
                     "--sweep-dims", "0"]) == 0
        assert len(list((tmp_path / "probes").glob("*.png"))) == 5
