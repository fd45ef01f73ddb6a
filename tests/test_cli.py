import subprocess
import sys

import pytest

from wgan.cli import main
from wgan.config import preset_names
from wgan.runs import read_metrics

TINY = ["--steps", "4", "--no-progress", "--set", "train.batch_size=16", "--set", "eval.every=2",
        "--set", "eval.samples=100", "--set", "eval.log_every=2", "--set", "eval.tensorboard='off'",
        "--set", "train.threads=1"]


@pytest.mark.parametrize("preset", preset_names())
def test_train_runs_every_preset(tmp_path, capsys, preset):
    from wgan.config import load_config
    from wgan.data import UNBUNDLED

    out = tmp_path / preset
    images = load_config(preset).data.name in ("digits", "mnist", "faces", *UNBUNDLED)
    extra = ["--set", "data.image_size=16"] if images else []  # an image size on points is an error
    if load_config(preset).data.name in UNBUNDLED:  # CIFAR-10 presets: a folder the user exported
        import numpy as np
        from PIL import Image

        (tmp_path / "pictures").mkdir()
        for i in range(10):
            pixels = np.random.default_rng(i).integers(0, 255, (32, 32, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / "pictures" / f"{i}.png")
        extra = ["--data", str(tmp_path / "pictures"), "--set", "data.image_size=32", "--set", "model.generator_width=8",
                 "--set", "model.critic_width=8", "--set", "train.n_critic=1"]
    assert main(["train", "--config", preset, "--out", str(out), *TINY, *extra]) == 0
    printed = capsys.readouterr().err
    assert f"run directory: {out}" in printed and "exact W1" in printed
    records = read_metrics(out)
    assert records[-1]["step"] == 4 and "w1" in records[-1]
    snapshot = "samples.png" if images else "landscape.png"
    assert (out / "checkpoint.pt").is_file() and (out / "figures" / snapshot).is_file()


def test_train_on_a_users_csv_and_data_alias(tmp_path, capsys):
    import numpy as np

    points = np.random.default_rng(0).normal(size=(300, 2)) * [1.0, 0.2]
    csv = tmp_path / "my points.csv"
    csv.write_text("\n".join(f"{x},{y}" for x, y in points))
    assert main(["train", "--data", str(csv), "--out", str(tmp_path / "a"), *TINY]) == 0
    config = (tmp_path / "a" / "config.toml").read_text()
    assert "my points.csv" in config
    assert main(["train", "--data", "25gaussians", "--seed", "7", "--out", str(tmp_path / "b"), *TINY]) == 0
    assert "modes" in read_metrics(tmp_path / "b")[-1]


def test_default_out_never_overwrites(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", *TINY]) == 0
    assert main(["train", *TINY]) == 0
    printed = capsys.readouterr().err
    assert "run directory: runs/default\n" in printed and "run directory: runs/default-2\n" in printed


def test_resume_extends_a_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), *TINY]) == 0
    assert main(["train", "--resume", str(out), "--steps", "6", "--no-progress"]) == 0
    assert [r["step"] for r in read_metrics(out)] == [0, 2, 4, 6]
    assert main(["train", "--resume", str(out), "--seed", "3"]) == 2
    assert "cannot be combined with --resume" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--set", "train.bogus=1"], "unknown key 'train.bogus'"),
    (["--set", "optim.lr_critic=-1e-4"], "optim.lr_critic = -0.0001: must be > 0"),
    (["--set", "train.n_critic=0"], "train.n_critic = 0: must be >= 1"),
    (["--data", "mnist_typo"], "unknown data set 'mnist_typo'"),
    (["--config", "nope"], "neither a file nor a preset"),
    (["--steps", "0"], "train.steps = 0: must be >= 1"),
])
def test_bad_input_is_one_clear_line(tmp_path, capsys, args, message):
    assert main(["train", "--out", str(tmp_path / "x"), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("wgan: error: ") and message in err and "\n" not in err


def test_bad_input_from_a_real_shell_has_no_traceback(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("1,2\n3,4\n5\n")
    result = subprocess.run([sys.executable, "-m", "wgan", "train", "--data", str(csv),
                             "--out", str(tmp_path / "x")], capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"wgan: error: {csv}, line 3: 1 columns, but the first row has 2")
    assert not (tmp_path / "x").exists()


def test_presets_lists_each_recipe(capsys):
    assert main(["presets"]) == 0
    printed = capsys.readouterr().out
    assert all(name in printed for name in preset_names())


def _buffered_env() -> dict[str, str]:
    """The environment of a user's shell: stdout into a pipe is block-buffered."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def test_output_into_a_closed_pipe_ends_quietly(tmp_path):
    """`wgan emd ... --json | head -c 100`: the reader leaves after 100 bytes while more than a
    pipe buffer (64 KiB) is still to come (the plan's non-zero entries and both potentials), so a
    write fails for sure."""
    import numpy as np

    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        np.savetxt(tmp_path / f"{name}.csv", rng.normal(size=(2000, 2)), delimiter=",")
    proc = subprocess.Popen([sys.executable, "-m", "wgan", "emd", "--points-a", str(tmp_path / "a.csv"),
                             "--points-b", str(tmp_path / "b.csv"), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_buffered_env())
    first = proc.stdout.read(100)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 141  # 128 + SIGPIPE, what a shell shows for `seq 1e6 | head -1`
    assert first.startswith(b'{"cost": ')
    assert "Traceback" not in err and "BrokenPipe" not in err and err == ""


def test_buffered_output_into_a_pipe_closed_before_the_final_flush(tmp_path):
    """The reader is gone before the command writes anything: its few lines sit in the buffer
    until the end, where a flush at interpreter exit would print 'Exception ignored ...'."""
    proc = subprocess.Popen([sys.executable, "-m", "wgan", "presets"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_buffered_env())
    proc.stdout.close()  # long before the interpreter has even imported wgan
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err


def test_a_broken_pipe_in_any_command_is_one_exit_status(monkeypatch):
    """main() handles it once for every command: here `presets`, whose print meets a closed pipe."""
    class ClosedPipe:
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["presets"]) == 141


def test_help_and_presets_do_not_import_torch():
    """`wgan --help`, `wgan COMMAND --help` and `wgan presets` answer without importing torch."""
    import subprocess
    import sys

    code = """
import contextlib, io, sys
from wgan.cli import COMMANDS, build_parser, main
commands = build_parser()._subparsers._group_actions[0].choices
help_texts = [parser.format_help() for parser in commands.values()]
with contextlib.redirect_stdout(io.StringIO()):
    main(["presets"])
assert len(help_texts) == len(COMMANDS) and "torch" not in sys.modules, sorted(m for m in sys.modules if "torch" in m)[:3]
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def test_version_is_the_installed_packages(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out == f"wgan {version('wgan')}\n"


@pytest.mark.parametrize("command, required", [("train", []), ("sample", ["--run", "r"]), ("evaluate", ["--run", "r"]),
                                               ("compare", ["r"]), ("emd", [])])
def test_an_unknown_option_is_reported_with_its_commands_usage(command, required, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, *required, "--bogus"])
    err = capsys.readouterr().err
    assert done.value.code == 2 and err.startswith(f"usage: wgan {command} ")
    assert err.rstrip().splitlines()[-1] == f"wgan {command}: error: unrecognized arguments: --bogus"
