"""Resume with any intent: nothing to do, extend, move machines, refuse what changes the
experiment; the wall-clock checkpoint cadence; one process per run directory."""
import pytest
import torch

import wgan.callbacks.checkpoints
import wgan.loop
from wgan.cli import main
from wgan.config import load_config
from wgan.errors import WganError
from wgan.runs import RunLock, load_checkpoint, read_metrics

ARGS = ["--no-progress", "--set", "train.batch_size=16", "--set", "eval.every=10", "--set", "eval.samples=64",
        "--set", "eval.log_every=5", "--set", "eval.checkpoint_every=10", "--set", "eval.tensorboard='off'",
        "--set", "eval.figures=false", "--set", "train.threads=1", "--set", "model.generator_width=16",
        "--set", "model.critic_width=16"]


@pytest.fixture
def run(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--steps", "20", "--out", str(out), *ARGS]) == 0
    return out


def test_resume_at_the_runs_step_says_there_is_nothing_to_do(run, capsys):
    capsys.readouterr()
    before = (run / "metrics.jsonl").read_text()
    assert main(["train", "--resume", str(run), "--no-progress"]) == 0
    assert "already at step 20 of 20: nothing to train" in capsys.readouterr().err
    assert main(["train", "--resume", str(run), "--steps", "20", "--no-progress"]) == 0
    assert (run / "metrics.jsonl").read_text() == before


def test_resume_below_the_runs_step_is_an_error(run, capsys):
    assert main(["train", "--resume", str(run), "--steps", "10", "--no-progress"]) == 2
    assert "past --steps 10; a run cannot be shortened" in capsys.readouterr().err


def test_extending_records_the_new_total_and_replans_the_decay(run, capsys):
    capsys.readouterr()
    assert main(["train", "--resume", str(run), "--steps", "40", "--no-progress"]) == 0
    out = capsys.readouterr().err
    assert "extending" in out and "from 20 to 40 steps" in out and "lr_critic goes from 0 to 0.0015" in out
    assert "steps = 40" in (run / "config.toml").read_text()
    lr = {r["step"]: r["lr_critic"] for r in read_metrics(run) if r["step"]}
    assert lr[20] == 0.0
    for step in (25, 30, 35, 40):  # the 40-step plan, lr = 3e-3 (1 - step / 40)
        assert lr[step] == pytest.approx(3e-3 * (1 - step / 40), rel=1e-9)
    # the recorded config is the extended run: resuming it again has nothing to do
    assert main(["train", "--resume", str(run), "--no-progress"]) == 0
    assert "already at step 40 of 40" in capsys.readouterr().err


def test_resume_may_move_machines_but_not_change_the_experiment(run, capsys):
    assert main(["train", "--resume", str(run), "--steps", "30", "--set", "train.threads=1",
                 "--set", "train.device=cpu", "--set", "eval.log_every=2", "--no-progress"]) == 0
    assert "log_every = 2" in (run / "config.toml").read_text()
    for setting in ("optim.lr_critic=1e-4", "model.critic_width=8", "train.seed=3", "objective.name=gan"):
        assert main(["train", "--resume", str(run), "--steps", "40", "--set", setting, "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert f"{setting.split('=')[0]} cannot change when a run is resumed" in err
    assert main(["train", "--resume", str(run), "--objective", "gan"]) == 2
    assert "--objective cannot be combined with --resume" in capsys.readouterr().err


def test_a_second_process_on_a_run_directory_is_refused(run, capsys):
    with RunLock(run):
        assert main(["train", "--resume", str(run), "--steps", "30", "--no-progress"]) == 2
        assert "in use by another wgan process" in capsys.readouterr().err
        assert main(["train", "--out", str(run), "--overwrite", "--steps", "5", *ARGS]) == 2
    assert main(["train", "--resume", str(run), "--steps", "30", "--no-progress"]) == 0  # released


@pytest.mark.parametrize("minutes, expected", [(0.0, [20]), (1e-9, list(range(1, 21)))])
def test_wall_clock_checkpoints_come_whichever_cadence_is_first(tmp_path, monkeypatch, minutes, expected):
    written = []
    real_save = wgan.callbacks.checkpoints.save_checkpoint
    monkeypatch.setattr(wgan.callbacks.checkpoints, "save_checkpoint",
                        lambda run_dir, state: (written.append(state["step"]), real_save(run_dir, state))[1])
    config = load_config("default", ["train.steps=20", "eval.checkpoint_every=1000", "eval.every=1000",
                                     f"eval.checkpoint_minutes={minutes}", "eval.figures=false",
                                     "eval.tensorboard='off'", "eval.samples=64", "train.batch_size=16"])
    wgan.loop.train(config, tmp_path / "run", progress=False)
    assert written == expected


def test_wall_clock_checkpoints_do_not_change_the_run(tmp_path):
    base = ["train.steps=12", "eval.every=6", "eval.log_every=3", "eval.figures=false", "eval.tensorboard='off'",
            "eval.samples=64", "train.batch_size=16"]
    often = wgan.loop.train(load_config("default", base + ["eval.checkpoint_minutes=1e-9"]),
                                tmp_path / "often", progress=False)
    never = wgan.loop.train(load_config("default", base + ["eval.checkpoint_minutes=0"]),
                                tmp_path / "never", progress=False)
    a, b = load_checkpoint(often.run_dir), load_checkpoint(never.run_dir)
    for name in ("generator", "critic"):
        for key in a[name]:
            assert torch.equal(a[name][key], b[name][key]), key
    strip = lambda records: [{k: v for k, v in r.items() if k != "wall_s"} for r in records]
    assert strip(read_metrics(often.run_dir)) == strip(read_metrics(never.run_dir))


def test_resume_of_a_directory_that_is_not_a_run_is_an_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["train", "--resume", str(tmp_path / "empty")]) == 2
    assert "not a run directory" in capsys.readouterr().err
    with pytest.raises(WganError, match="not a run directory"):
        from wgan.runs import config_of_run
        config_of_run(tmp_path / "empty")


def test_a_run_written_before_the_callbacks_still_loads_samples_and_resumes(tmp_path, capsys):
    """tests/data/run_before_callbacks: 10 steps of tiny nets, written by wgan at commit 80fa43a
    (no log sums in the checkpoint, no checkpoint_minutes in the config)."""
    import shutil
    from pathlib import Path

    from wgan.loading import load_run

    run = tmp_path / "old"
    shutil.copytree(Path(__file__).parent / "data" / "run_before_callbacks", run)
    assert load_run(run).step == 10
    assert main(["sample", "--run", str(run), "-n", "4", "--out", str(tmp_path / "s.png")]) == 0
    assert main(["train", "--resume", str(run), "--steps", "15", "--no-progress"]) == 0
    assert load_checkpoint(run)["step"] == 15
    assert [r["step"] for r in read_metrics(run)] == [0, 5, 10, 15]
