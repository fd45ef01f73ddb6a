"""A user's round trip from the command line, in one process each: train (with the exact W1
evaluations of 2,000 points, the sparse solver's route), resume, sample, evaluate, and `emd` on
points and on digits, each checked against an independent value. `make test-lowest` runs this
file with every dependency at its declared floor (constraints-lowest.txt)."""
import json
import subprocess
import sys

import numpy as np
import pytest
from scipy.spatial.distance import cdist

SMALL = ["--no-progress", "--set", "model.generator_width=16", "--set", "model.critic_width=16",
         "--set", "train.batch_size=32"]


def wgan(*args: str, said: bool = False) -> str:
    """The results `wgan ARGS` printed (stdout); with `said`, its log lines (stderr) too."""
    out = subprocess.run([sys.executable, "-m", "wgan", *args], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout + out.stderr if said else out.stdout


def test_train_resume_sample_evaluate(tmp_path):
    run = tmp_path / "run"
    wgan("train", "--steps", "4", "--out", str(run), "--set", "eval.every=2", "--set", "eval.checkpoint_every=2",
         "--set", "eval.tensorboard='on'", *SMALL)  # figures (matplotlib) and TensorBoard on
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if "w1" in r] == [0, 2, 4]
    assert all(0 < r["w1"] < 10 and r["w1_floor"] > 0 for r in records if "w1" in r)
    assert (run / "figures" / "curves.png").stat().st_size > 0 and list(run.rglob("events.out.tfevents.*"))
    assert "extending" in wgan("train", "--resume", str(run), "--steps", "6", "--no-progress", said=True)
    import torch

    checkpoint = torch.load(run / "checkpoint.pt", weights_only=True)
    assert checkpoint["step"] == 6 and checkpoint["critic_scheduler"]["last_epoch"] == 6
    wgan("sample", "--run", str(run), "-n", "50", "--npy", str(tmp_path / "s.npy"), "--out", str(tmp_path / "s.png"))
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (50, 2) and np.isfinite(samples).all() and (tmp_path / "s.png").stat().st_size > 0
    report = json.loads(wgan("evaluate", "--run", str(run), "-n", "300", "--json", "--no-memorisation"))
    assert 0 < report["w1"] < 10


def _emd(tmp_path, x, y) -> float:
    np.save(tmp_path / "a.npy", x)
    np.save(tmp_path / "b.npy", y)
    return json.loads(wgan("emd", "--points-a", str(tmp_path / "a.npy"), "--points-b", str(tmp_path / "b.npy"),
                           "--json"))["wasserstein"]


def test_emd_on_points_against_the_assignment(tmp_path):
    """Two uniform sets of one size: W1 is the optimal assignment's mean cost (Birkhoff)."""
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(300, 2)), rng.normal(size=(300, 2)) + [1.0, 0.0]
    cost = cdist(x, y)
    rows, cols = linear_sum_assignment(cost)
    assert _emd(tmp_path, x, y) == pytest.approx(cost[rows, cols].mean(), rel=1e-9)


def test_emd_on_digits_against_pot(tmp_path):
    """scikit-learn's 8x8 digits, the 0s against the 1s (64 dimensions), against ot.emd2."""
    import ot
    from sklearn.datasets import load_digits

    digits = load_digits()
    x, y = digits.data[digits.target == 0], digits.data[digits.target == 1]
    expected = ot.emd2(np.full(len(x), 1 / len(x)), np.full(len(y), 1 / len(y)), cdist(x, y), numItermax=10**7)
    assert _emd(tmp_path, x, y) == pytest.approx(expected, rel=1e-9)
