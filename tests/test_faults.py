"""Crash safety: SIGKILL at random moments (one during a checkpoint write), resume, and the
run ends exactly as an uninterrupted one; SIGTERM stops cleanly with a checkpoint."""
import random
import signal
import subprocess
import sys
import time

import pytest
import torch

from wgan.runs import load_checkpoint, read_metrics

ARGS = ["--steps", "240", "--no-progress", "--set", "train.batch_size=32", "--set", "eval.every=60",
        "--set", "eval.samples=200", "--set", "eval.log_every=5", "--set", "eval.checkpoint_every=10",
        "--set", "eval.tensorboard='off'", "--set", "eval.figures=false", "--set", "train.threads=1",
        "--set", "model.generator_width=32", "--set", "model.critic_width=32"]

# Runs the CLI with torch.save wrapped so that each checkpoint write announces itself halfway
# through its bytes (and pauses there), and each finished checkpoint prints its step.
BOOTSTRAP = """
import io, sys, time, torch, wgan.runs as runs
real_save = torch.save
def slow_save(state, f):
    buffer = io.BytesIO(); real_save(state, buffer); data = buffer.getvalue()
    f.write(data[: len(data) // 2]); f.flush()
    print("WRITING", state["step"], flush=True); time.sleep(0.05)
    f.write(data[len(data) // 2:])
runs.torch.save = slow_save
real_checkpoint = runs.save_checkpoint
def announced(run_dir, state):
    path = real_checkpoint(run_dir, state); print("CHECKPOINT", state["step"], flush=True); return path
runs.save_checkpoint = announced
import wgan.training; wgan.training.save_checkpoint = announced
from wgan.cli import main
sys.exit(main(sys.argv[1:]))
"""


def launch(args, cwd):
    return subprocess.Popen([sys.executable, "-c", BOOTSTRAP, "train", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def run_until(proc, predicate, delay):
    """Read the child's lines until predicate(line) holds, then SIGKILL it after `delay` s."""
    for line in proc.stdout:
        if predicate(line.split()):
            time.sleep(delay)
            proc.kill()
            proc.wait()
            return True
    proc.wait()
    return False


def test_sigkill_at_random_moments_then_resume_matches_uninterrupted_run(tmp_path):
    reference = tmp_path / "reference"
    subprocess.run([sys.executable, "-m", "wgan", "train", "--out", str(reference), *ARGS], check=True,
                   cwd=tmp_path, capture_output=True)
    run = tmp_path / "killed"
    rng = random.Random(7)
    kills = 0
    # kill k: after the checkpoint of a random step, a random moment later; kill 3 mid-write
    targets = sorted(rng.sample(range(10, 230, 10), 5))
    for k, target in enumerate(targets):
        args = ["--resume", str(run), "--no-progress"] if (run / "checkpoint.pt").exists() else \
            ["--out", str(run), "--overwrite", *ARGS]
        proc = launch(args, tmp_path)
        if k == 2:
            killed = run_until(proc, lambda w: w[:1] == ["WRITING"] and int(w[1]) >= target, 0.01)
        else:
            killed = run_until(proc, lambda w: w[:1] == ["CHECKPOINT"] and int(w[1]) >= target,
                               rng.uniform(0.0, 0.08))
        kills += killed
        assert load_checkpoint(run)["step"] <= 240  # always loadable
        read_metrics(run)  # always readable
    assert kills == 5
    final = subprocess.run([sys.executable, "-m", "wgan", "train", "--resume", str(run), "--no-progress"],
                           cwd=tmp_path, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    ours, theirs = load_checkpoint(run), load_checkpoint(reference)
    assert ours["step"] == theirs["step"] == 240
    for net in ("generator", "critic", "critic_optimizer"):
        flat_ours, flat_theirs = _flatten(ours[net]), _flatten(theirs[net])
        assert flat_ours.keys() == flat_theirs.keys()
        for key, value in flat_ours.items():
            same = torch.equal(value, flat_theirs[key]) if torch.is_tensor(value) else value == flat_theirs[key]
            assert same, f"{net} {key} differs"
    strip = lambda rs: [{k: v for k, v in r.items() if k != "wall_s"} for r in rs]
    ours_log, ref_log = read_metrics(run), read_metrics(reference)
    assert [r["step"] for r in ours_log] == [r["step"] for r in ref_log]  # every step exactly once
    assert strip(ours_log) == strip(ref_log)
    assert not list(run.glob("*.tmp")) and not list(run.glob(".*.tmp"))


def _flatten(tree, prefix=""):
    out = {}
    if isinstance(tree, dict):
        for k, v in tree.items():
            out.update(_flatten(v, f"{prefix}{k}."))
    elif isinstance(tree, (list, tuple)):
        for i, v in enumerate(tree):
            out.update(_flatten(v, f"{prefix}{i}."))
    else:
        out[prefix] = tree
    return out


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_finishes_the_step_writes_a_checkpoint_and_says_how_to_resume(tmp_path, sig):
    run = tmp_path / "run"
    proc = launch(["--out", str(run), *ARGS[2:], "--steps", "100000"], tmp_path)
    for line in proc.stdout:
        if line.startswith("CHECKPOINT"):
            break
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert f"wgan train --resume {run}" in out
    state = load_checkpoint(run)
    assert 10 <= state["step"] < 100000
    # the log keeps its cadence (every 5 steps here); the sums since the last line are in the checkpoint
    assert state["step"] - 5 < read_metrics(run)[-1]["step"] <= state["step"]
    assert state["log_sums"]["critic_steps"] == 5 * (state["step"] - read_metrics(run)[-1]["step"])
