"""What a run says while it trains: `run directory: DIR` first, one flushed line per evaluation
on stderr through `logging` (so `nohup wgan train ... > log 2>&1` and `tail -f log` follow it),
a last line after SIGTERM naming the step, exit status 143; --quiet; no print in the library;
the Python API's errors in Python's words, the command line's in flags."""
import ast
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import wgan
from wgan.callbacks.live import describe_evaluation
from wgan.cli import main
from wgan.config import load_config
from wgan.errors import WganError
from wgan.formatting import significant
from wgan.loop import train
from wgan.runs import RunLock, load_checkpoint, read_metrics

# the mnist recipe (DCGAN, gradient penalty, layer-norm critic) on the bundled digits, small
MNIST_LIKE = ["--config", "mnist", "--data", "digits", "--image-size", "16", "--set", "model.generator_width=8",
              "--set", "model.critic_width=8", "--set", "train.batch_size=16", "--set", "eval.samples=64",
              "--set", "eval.every=5", "--set", "eval.log_every=5", "--set", "eval.checkpoint_every=5",
              "--set", "train.threads=1", "--set", "eval.figures=false", "--set", "eval.tensorboard='off'"]
EVALUATION = re.compile(r"^step (\d+)/100000: exact W1 [0-9.]+ \(real-vs-real floor [0-9.]+( \+- [0-9.e-]+)?; one draw of n = 64\), critic estimate of W \S+, "
                        r"empirical Lipschitz \S+(; \S+ steps/s, ETA .+)?$")


def test_a_redirected_run_shows_each_evaluation_while_it_runs_and_a_stop_line_after_sigterm(tmp_path):
    run, log_path = tmp_path / "run", tmp_path / "log"
    with open(log_path, "w") as log:  # nohup wgan train ... > log 2>&1
        proc = subprocess.Popen([sys.executable, "-m", "wgan", "train", *MNIST_LIKE, "--steps", "100000",
                                 "--out", str(run)], stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        deadline, lines = time.monotonic() + 120, []
        while time.monotonic() < deadline:  # tail -f
            lines = log_path.read_text().splitlines()
            if any(EVALUATION.match(line) and int(EVALUATION.match(line)[1]) >= 10 for line in lines):
                break
            assert proc.poll() is None, log_path.read_text()
            time.sleep(0.1)
        assert proc.poll() is None  # still training, and the file already shows its evaluations
        evaluated = [int(EVALUATION.match(line)[1]) for line in lines if EVALUATION.match(line)]
        assert lines[0] == f"run directory: {run}" and evaluated[:3] == [0, 5, 10]
        assert [r["step"] for r in read_metrics(run) if "w1" in r][:3] == [0, 5, 10]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert proc.returncode == 143  # 128 + SIGTERM, as a shell reports a program that SIGTERM ended
    lines = log_path.read_text().splitlines()
    step, last = load_checkpoint(run)["step"], [r for r in read_metrics(run) if "w1" in r][-1]
    assert lines[-1] == (f"stopped at step {step} by SIGTERM, checkpoint written; the last evaluation, at step "
                         f"{last['step']}: {describe_evaluation(last)}. Continue with: wgan train --resume {run}")
    assert "it/s" not in log_path.read_text() and "\r" not in log_path.read_text()  # no bar in a file


TINY = ["--steps", "4", "--no-progress", "--set", "train.batch_size=16", "--set", "eval.every=2",
        "--set", "eval.samples=64", "--set", "eval.tensorboard='off'", "--set", "eval.figures=false",
        "--set", "train.threads=1"]


def test_quiet_silences_the_info_lines_and_verbose_is_accepted(tmp_path, capsys):
    assert main(["--quiet", "train", "--out", str(tmp_path / "a"), *TINY]) == 0
    assert main(["train", "-q", "--out", str(tmp_path / "b"), *TINY]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["train", "--out", str(tmp_path / "c"), *TINY]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"run directory: {tmp_path / 'c'}" and [line.split(":")[0] for line in lines[1:4]] == [
        "step 0/4", "step 2/4", "step 4/4"]
    assert main(["--verbose", "train", "--out", str(tmp_path / "d"), *TINY]) == 0
    assert f"run directory: {tmp_path / 'd'}" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="2"):  # one or the other
        main(["train", "--quiet", "--verbose", "--out", str(tmp_path / "e"), *TINY])
    assert "argument -v/--verbose: not allowed with argument -q/--quiet" in capsys.readouterr().err


def test_a_busy_directory_is_refused_before_anything_is_said_or_written(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--out", str(run), *TINY]) == 0
    capsys.readouterr()
    before = {p: p.stat().st_mtime_ns for p in run.rglob("*")}
    with RunLock(run):
        assert main(["train", "--resume", str(run), "--steps", "8", "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert err == (f"wgan: error: run directory {run} is in use by another wgan process (pid {os.getpid()}); "
                       "wait for it to finish or stop it, or choose another --out\n")  # no "extending ..." first
        assert {p: p.stat().st_mtime_ns for p in run.rglob("*") if p.name != ".lock"} == {
            p: t for p, t in before.items() if p.name != ".lock"}
        with pytest.raises(WganError) as caught:  # the Python API says it in Python's words
            train(load_config(run / "config.toml", ["train.steps=8"]), run, resume=True)
        assert "choose another run directory" in str(caught.value) and "--" not in str(caught.value)


def test_python_errors_name_arguments_and_cli_errors_name_flags(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--out", str(run), *TINY]) == 0
    with pytest.raises(WganError, match=r"pass overwrite=True to replace it, resume=True to continue it") as caught:
        train(load_config(run / "config.toml"), run)
    assert "--" not in str(caught.value)
    with pytest.raises(WganError, match=r"past train.steps = 2; .* set train.steps above 4") as caught:
        train(load_config(run / "config.toml", ["train.steps=2"]), run, resume=True)
    assert "--" not in str(caught.value)
    capsys.readouterr()
    assert main(["train", "--out", str(run), *TINY]) == 2
    assert f"pass --overwrite to replace it, --resume {run} to continue it, or --out" in capsys.readouterr().err
    assert main(["train", "--resume", str(run), "--steps", "2"]) == 2
    assert "past --steps 2; a run cannot be shortened" in capsys.readouterr().err


def test_numbers_are_printed_with_significant_digits():
    assert [significant(v) for v in (1.3796, 1234.5, 0.01234, 1.234e-5, 13.0, -0.0004567, 0.0)] == [
        "1.38", "1234", "0.0123", "1.23e-05", "13.0", "-0.000457", "0"]
    # a weight-clipped critic's values of ~1e-5 are not "0.0000"
    record = {"step": 500, "w1": 0.3141, "w1_floor": 0.0213, "eval_critic_w_estimate": 1.234e-5,
              "critic_lipschitz": 2.5e-4, "modes": 7, "modes_total": 8, "high_quality": 0.9524}
    assert describe_evaluation(record) == ("exact W1 0.314 (real-vs-real floor 0.0213; one draw), critic estimate of W 1.23e-05, "
                                           "empirical Lipschitz 0.000250, modes 7/8, high-quality 95.2%")


def test_no_print_in_the_library():
    """The library says things through `logging`; only the commands print their results (tables,
    JSON, written paths) to stdout, and `wgan train` says everything through logging too."""
    root = Path(wgan.__file__).parent
    printing = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                where = path.relative_to(root).as_posix()
                printing.add(where)
                assert not any(k.arg == "file" for k in node.keywords), f"{where}:{node.lineno} prints to a file"
    assert printing and all(p.startswith("commands/") for p in printing), sorted(printing)
    assert "commands/train.py" not in printing


def test_a_figure_title_reads_a_tiny_w1_with_significant_digits():
    from wgan.callbacks.figures import evaluation_title

    title = evaluation_title({"step": 40, "w1": 1.234e-5, "w1_floor": 0.0213})
    assert title == "step 40: exact W1 1.23e-05 (floor 0.0213; one draw)"


def test_the_final_line_says_when_every_draw_holds_the_whole_held_out_set():
    from wgan.callbacks.live import describe_w1

    final = {"eval_n": 60, "w1_n": 60, "w1_mean": 65.8, "w1_std": 1e-4, "w1_floor_mean": 83.2,
             "w1_floor_std": 0.175, "draws": 5, "heldout_size": 60}
    assert describe_w1(final) == ("exact W1 65.8 +- 0.000100 (real-vs-real floor 83.2 +- 0.175; mean +- sd over 5 "
                                  "draws of n = 60; every draw holds all 60 held-out samples, so W1's spread is the "
                                  "generated side's)")
    # 500 of 1,000 held-out pictures a draw: the held-out side varies too, and nothing more is said
    assert describe_w1({**final, "eval_n": 2000, "w1_n": 500, "heldout_size": 1000}).endswith("draws of n = 2000)")
    assert describe_w1({k: v for k, v in final.items() if k != "heldout_size"}).endswith("draws of n = 60)")
