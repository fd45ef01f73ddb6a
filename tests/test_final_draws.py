"""The last evaluation of training reports exact W1 and its floor as mean +- sd over several
independent draws, the same numbers `wgan evaluate --repeats K` prints for the run."""
import json
import re

import numpy as np
import pytest

from wgan.cli import main
from wgan.data import load_data
from wgan.floors import evaluation_sets
from wgan.metrics import make_evaluator
from wgan.runs import read_metrics
from wgan.transport import wasserstein

TINY = ["--steps", "4", "--no-progress", "--set", "train.batch_size=16", "--set", "eval.every=2",
        "--set", "eval.samples=200", "--set", "eval.tensorboard='off'", "--set", "eval.figures=false",
        "--set", "model.generator_width=8", "--set", "model.critic_width=8"]
PAIR = r"(\d+\.\d+) \+- (\d+\.\d+)"


def test_the_final_line_is_what_evaluate_repeats_prints_for_the_run(tmp_path, capsys):
    run = tmp_path / "toy"
    assert main(["train", "--out", str(run), "--set", "eval.final_draws=3", *TINY]) == 0
    line = next(li for li in capsys.readouterr().err.splitlines() if li.startswith("step 4/4: "))
    assert "mean +- sd over 3 draws of n = 200" in line
    trained = re.findall(PAIR, line)[:2]  # W1, then its floor
    assert main(["evaluate", "--run", str(run), "--repeats", "3", "-n", "200"]) == 0
    row = next(li for li in capsys.readouterr().out.splitlines() if li.startswith("exact W1"))
    assert re.findall(PAIR, row) == trained
    last = read_metrics(run)[-1]
    assert last["draws"] == 3 and last["eval_n"] == 200
    evaluation = json.loads((run / "evaluation.json").read_text())
    assert evaluation["repeats"] == 3 and evaluation["n_generated"] == 200
    assert evaluation["w1"] == pytest.approx(last["w1_mean"]) and evaluation["w1_std"] == pytest.approx(last["w1_std"])
    for key in ("modes", "high_quality"):
        assert evaluation[key] == pytest.approx(last[f"{key}_mean"])


def test_every_evaluation_carries_the_floors_spread_solved_from_the_draws(tmp_path):
    data = load_data("eight_gaussians")
    evaluator = make_evaluator(data, 150, 2, seed=7, draws=4)
    # independent of the floor cache: the four draws' floors solved here
    floors = [wasserstein(ref, real) for real, _, ref in (evaluation_sets(data, 150, i) for i in range(4))]
    assert evaluator.floor_std == pytest.approx(np.std(floors, ddof=1), rel=1e-9)
    assert len(set(floors)) == 4 and evaluator.floor_std > 0
    assert np.isnan(make_evaluator(data, 150, 2, seed=7).floor_std)  # one draw: no spread


def test_one_final_draw_says_so(tmp_path, capsys):
    run = tmp_path / "one"
    assert main(["train", "--out", str(run), "--set", "eval.final_draws=1", *TINY]) == 0
    line = next(li for li in capsys.readouterr().err.splitlines() if li.startswith("step 4/4: "))
    assert "one draw of n = 200" in line and "+-" not in line
    assert main(["evaluate", "--run", str(run), "-n", "200"]) == 0
    assert "one draw" in capsys.readouterr().out
    assert json.loads((run / "evaluation.json").read_text())["repeats"] == 1
    assert main(["train", "--out", str(tmp_path / "bad"), "--set", "eval.final_draws=0", *TINY]) == 2
    assert "final_draws" in capsys.readouterr().err
