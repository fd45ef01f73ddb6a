"""Commands run as a user runs them (the `wgan` CLI in a subprocess, or main() in process) on
inputs that used to end in a traceback or in silence: each ends with its result or one clear
line, never a traceback."""
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

from wgan.cli import main
from wgan.evaluation import generate
from wgan.loading import load_run

TINY = ["--no-progress", "--set", "train.batch_size=16", "--set", "eval.samples=64",
        "--set", "eval.tensorboard='off'", "--set", "eval.figures=false",
        "--set", "model.generator_width=8", "--set", "model.critic_width=8"]


def wgan(*args, cwd=None) -> subprocess.CompletedProcess:
    """`wgan ARGS` in a fresh process, as a user types it."""
    return subprocess.run([sys.executable, "-m", "wgan", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr and "Error:" not in done.stderr.replace("wgan: error:", ""), done.stderr


@pytest.fixture(scope="module")
def conditional_run(tmp_path_factory):
    """A conditional run on digits (10 classes), one step."""
    run = tmp_path_factory.mktemp("battery") / "conditional"
    assert main(["train", "--data", "digits", "--image-size", "16", "--steps", "1", "--out", str(run),
                 "--set", "model.conditional='projection'", *TINY]) == 0
    return run


def test_sample_fewer_than_the_classes_draws_the_first_classes(conditional_run, tmp_path):
    done = wgan("sample", "--run", conditional_run, "-n", 9, "--out", tmp_path / "nine.png",
                "--npy", tmp_path / "nine.npy")
    no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert "fewer than the run's 10 classes" in done.stdout and (tmp_path / "nine.png").stat().st_size > 0
    samples = np.load(tmp_path / "nine.npy")
    expected = generate(load_run(conditional_run).generator, 9, 0, torch.arange(9))  # classes 0..8, one each
    assert samples.shape == (9, 1, 16, 16) and np.array_equal(samples, expected)
    for n in (1, 10, 11):  # one class; every class once; every class and one more
        assert main(["sample", "--run", str(conditional_run), "-n", str(n), "--npy", str(tmp_path / f"{n}.npy")]) == 0
        assert np.load(tmp_path / f"{n}.npy").shape == (n, 1, 16, 16)


def test_sample_refuses_a_giant_grid_but_writes_the_array_alone(conditional_run, tmp_path, capsys):
    assert main(["sample", "--run", str(conditional_run), "-n", "100000", "--out", str(tmp_path / "big.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "-n 100000" in err and "--npy" in err
    assert not (tmp_path / "big.png").exists()
    assert main(["sample", "--run", str(conditional_run), "-n", "4097", "--npy", str(tmp_path / "a.npy")]) == 0
    assert np.load(tmp_path / "a.npy").shape == (4097, 1, 16, 16)
    assert not (tmp_path / "samples.png").exists() and "samples.png" not in capsys.readouterr().out


def test_sample_says_where_its_picture_goes_by_default():
    done = wgan("sample", "--help")
    assert done.returncode == 0 and "samples.png" in done.stdout


def test_fp16_on_a_cpu_trains_with_a_warning_naming_what_to_use(tmp_path):
    done = wgan("train", "--steps", 2, "--out", tmp_path / "fp16", "--set", "train.precision='fp16'",
                "--set", "train.device='cpu'", "--set", "eval.every=2", *TINY)
    no_traceback(done)
    assert done.returncode == 0, done.stderr
    warning = next(line for line in done.stderr.splitlines() if "fp16" in line)
    assert "slow" in warning and "bf16" in warning


def test_fp32_and_bf16_on_a_cpu_say_nothing_about_speed(caplog, tmp_path):
    import wgan as library

    for precision in ("fp32", "bf16", "fp16"):
        caplog.clear()
        config = library.load_config("default", ["train.steps=1", "train.batch_size=8", "eval.samples=16",
                                                 "eval.figures=false", "eval.tensorboard='off'",
                                                 f"train.precision='{precision}'", "train.device='cpu'"])
        library.train(config, tmp_path / precision, progress=False)
        slow = [r for r in caplog.records if r.levelname == "WARNING" and "slow" in r.getMessage()]
        assert len(slow) == (precision == "fp16"), [r.getMessage() for r in slow]


def test_a_point_run_reports_its_draws_and_evaluate_writes_into_a_new_folder(tmp_path):
    points = np.random.default_rng(0).standard_normal((300, 3)).astype(np.float32)
    np.save(tmp_path / "p.npy", points)
    run = tmp_path / "points"
    done = wgan("train", "--data", tmp_path / "p.npy", "--steps", 2, "--out", run, "--set", "eval.final_draws=3", *TINY)
    no_traceback(done)
    assert done.returncode == 0, done.stderr
    line = next(li for li in done.stderr.splitlines() if li.startswith("step 2/2: "))
    assert "mean +- sd over 3 draws of n = 60" in line  # 20% of 300 held out: n is what was there
    done = wgan("evaluate", "--run", run, "--repeats", 3, "-n", 60, "--out", tmp_path / "new" / "e.json")
    no_traceback(done)
    assert done.returncode == 0, done.stderr
    row = next(li for li in done.stdout.splitlines() if li.startswith("exact W1"))
    pair = r"(\d+\.\d+) \+- (\d+\.\d+)"
    assert re.findall(pair, row) == re.findall(pair, line)[:2]  # the same draws, the same numbers
    assert (tmp_path / "new" / "e.json").exists() and (tmp_path / "new" / "memorisation.png").exists()
