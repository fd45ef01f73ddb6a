"""Crash safety: SIGKILL at five moments of a run's life (inside its first checkpoint write,
halfway through a later one, and at random moments), resume each time, and the run ends
exactly as an uninterrupted one; SIGINT / SIGTERM stop cleanly with a checkpoint."""
import os
import random
import signal
import subprocess
import sys
import time

import pytest
import torch

from wgan.runs import PAUSE_IN_SAVE_ENV, load_checkpoint, read_metrics

ARGS = ["--steps", "120", "--no-progress", "--set", "train.batch_size=32", "--set", "eval.every=30",
        "--set", "eval.samples=200", "--set", "eval.log_every=5", "--set", "eval.checkpoint_every=10",
        "--set", "eval.tensorboard='off'", "--set", "eval.figures=false", "--set", "train.threads=1",
        "--set", "model.generator_width=32", "--set", "model.critic_width=32"]

PAUSE_S = 0.15  # each checkpoint write stops this long halfway through its bytes


def launch(args, cwd):
    """`wgan train ARGS` whose checkpoint writes announce themselves on stderr and pause halfway."""
    env = {**os.environ, PAUSE_IN_SAVE_ENV: str(PAUSE_S)}
    return subprocess.Popen([sys.executable, "-m", "wgan", "train", *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_write(proc, at_least, seen=None):
    """Read the child's stderr until it announces the write of a checkpoint of step >= at_least;
    return that step (the child is then paused inside the write), or None if it ended first.
    `seen`: a list that gets every line read."""
    for line in proc.stderr:
        if seen is not None:
            seen.append(line)
        words = line.split()
        if words[:4] == ["wgan:", "writing", "checkpoint", "of"] and int(words[-1]) >= at_least:
            return int(words[-1])
    return None


def kill(proc):
    proc.kill()
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()


def test_sigkill_at_five_moments_then_resume_matches_uninterrupted_run(tmp_path):
    reference = tmp_path / "reference"
    subprocess.run([sys.executable, "-m", "wgan", "train", "--out", str(reference), *ARGS], check=True,
                   cwd=tmp_path, capture_output=True)
    run = tmp_path / "killed"
    resume = ["--resume", str(run), "--no-progress"]
    rng = random.Random(7)

    # 1. inside the first checkpoint write: the run has its config and log but no checkpoint
    proc = launch(["--out", str(run), *ARGS], tmp_path)
    assert wait_for_write(proc, 0) == 10
    kill(proc)
    assert not (run / "checkpoint.pt").exists() and (run / "config.toml").exists()
    assert [r["step"] for r in read_metrics(run)][:1] == [0]

    # 2. it starts again from step 0, and is killed inside a later write, halfway through its bytes
    proc = launch(resume, tmp_path)
    said = []
    written = wait_for_write(proc, rng.randrange(20, 50, 10), said)
    assert said[0] == f"run directory: {run}\n" and "has no checkpoint yet" in said[1]
    kill(proc)
    assert load_checkpoint(run)["step"] == written - 10 and list(run.glob("*.tmp"))

    # 3-5. a random moment after a finished checkpoint (in a step, a log line, or the next write)
    for target in sorted(rng.sample(range(60, 115, 10), 3)):
        proc = launch(resume, tmp_path)
        assert wait_for_write(proc, target) is not None
        time.sleep(PAUSE_S + rng.uniform(0.0, 0.3))
        kill(proc)
        assert load_checkpoint(run)["step"] >= target - 10  # always loadable
        read_metrics(run)  # always readable

    final = subprocess.run([sys.executable, "-m", "wgan", "train", "--resume", str(run), "--no-progress"],
                           cwd=tmp_path, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    ours, theirs = load_checkpoint(run), load_checkpoint(reference)
    assert ours["step"] == theirs["step"] == 120
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
    assert wait_for_write(proc, 10) == 10
    time.sleep(PAUSE_S + 0.05)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig  # 130 for SIGINT, 143 for SIGTERM, as a shell reports them
    last = err.strip().splitlines()[-1]
    state = load_checkpoint(run)
    evaluated = [r for r in read_metrics(run) if "w1" in r][-1]
    assert last.startswith(f"stopped at step {state['step']} by {signal.Signals(sig).name}, checkpoint written; "
                           f"the last evaluation, at step {evaluated['step']}: exact W1 ")
    assert last.endswith(f"Continue with: wgan train --resume {run}") and out == ""
    assert 10 <= state["step"] < 100000
    # the log keeps its cadence (every 5 steps here); the sums since the last line are in the checkpoint
    assert state["step"] - 5 < read_metrics(run)[-1]["step"] <= state["step"]
    n_critic = state["config"]["train"]["n_critic"]
    assert state["log_sums"]["critic_steps"] == n_critic * (state["step"] - read_metrics(run)[-1]["step"])
