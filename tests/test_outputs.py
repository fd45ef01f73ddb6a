"""Files that cannot be written: every command that writes, into a folder it may not write to,
onto a "full disk" (a file-size limit: the same failed write, EFBIG, that ENOSPC is) and under
a file where a folder should be, ends in one line that names the path, with status 2, no
traceback and no temporary file left behind; a run whose disk fills keeps its last checkpoint."""
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from wgan import outputs
from wgan.cli import main
from wgan.runs import load_checkpoint

TINY = ["--no-progress", "--set", "train.batch_size=32", "--set", "eval.every=10", "--set", "eval.samples=200",
        "--set", "eval.log_every=5", "--set", "eval.checkpoint_every=10", "--set", "eval.tensorboard='off'",
        "--set", "train.threads=1"]
SRC = str(Path(__file__).resolve().parents[1] / "src")


@pytest.fixture(scope="module")
def point_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "ring"
    assert main(["train", "--data", "8gaussians", "--steps", "20", "--out", str(out), *TINY]) == 0
    return out


def commands(run: Path, out: Path, points: Path) -> dict[str, tuple[list[str], Path]]:
    """name -> (argv, the file it writes first) for every command that writes, into `out`."""
    return {
        "sample": (["sample", "--run", str(run), "--out", str(out / "s.png")], out / "s.png"),
        "sample --npy": (["sample", "--run", str(run), "--npy", str(out / "s.npy")], out / "s.npy"),
        "evaluate": (["evaluate", "--run", str(run), "-n", "200", "--out", str(out / "e.json")], out / "e.json"),
        "explore": (["explore", "--run", str(run), "--out", str(out / "ex")], out / "ex"),
        "emd --plot": (["emd", "--points-a", str(points), "--points-b", str(points), "--plot", str(out / "p.png")],
                       out / "p.png"),
        "demo": (["demo", "vanishing-gradients", "--steps", "5", "--out", str(out / "v.png")], out / "v.png"),
        "divergences": (["divergences", "--num", "3", "--plot", str(out / "d.png")], out / "d.png"),
        "compare": (["compare", str(run), "--out", str(out / "c")], out / "c"),
        "score": (["score", str(points), str(points), "--out", str(out / "score.json")], out / "score.json"),
        "timelapse": (["timelapse", str(run), "--out", str(out / "t.gif")], out / "t.gif"),
    }


NAMES = list(commands(Path("r"), Path("o"), Path("p")))


def wgan(argv: list[str], file_size_limit: int | None = None) -> subprocess.CompletedProcess:
    """`python -m wgan ARGV` in a fresh process, optionally under RLIMIT_FSIZE (bytes). Python
    ignores SIGXFSZ, so a write past the limit fails with EFBIG instead of killing it."""
    def limit():
        if file_size_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "wgan", *argv], capture_output=True, text=True,
                          preexec_fn=limit, env=env, timeout=300)


def assert_one_line(result: subprocess.CompletedProcess, path: Path, reason: str) -> None:
    errors = [line for line in result.stderr.splitlines() if line.startswith("wgan: error:")]
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert len(errors) == 1 and result.stderr.rstrip().endswith(errors[0]), result.stderr
    assert str(path) in errors[0] and reason in errors[0], errors[0]


def temporaries(folder: Path) -> list[Path]:
    return [p for p in Path(folder).rglob("*") if p.name.endswith(".tmp")]


@pytest.fixture
def points(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("".join(f"{i % 3},{i % 5}\n" for i in range(12)))
    return path


def test_atomic_leaves_the_old_file_and_no_temporary_when_the_writer_fails(tmp_path):
    target = outputs.write_text(tmp_path / "a.txt", "old")
    with pytest.raises(ZeroDivisionError):
        with outputs.atomic(target, "w") as f:
            f.write("half")
            1 / 0
    assert target.read_text() == "old" and temporaries(tmp_path) == []
    outputs.write_text(target, "new")
    assert target.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_files_get_the_permissions_open_would_give(tmp_path):
    mask = os.umask(0o022)
    os.umask(mask)
    assert (outputs.write_text(tmp_path / "a.txt", "x").stat().st_mode & 0o777) == 0o666 & ~mask


def test_training_into_a_folder_under_a_file_is_one_line(tmp_path, capsys):
    (tmp_path / "f").write_text("a file")
    assert main(["train", "--data", "8gaussians", "--steps", "2", "--out", str(tmp_path / "f" / "run"), *TINY]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{tmp_path / 'f' / 'run'}" in err and "is a file, not a folder" in err, err


def test_a_missing_output_folder_is_made_by_every_command(point_run, tmp_path, points):
    out = tmp_path / "new" / "deeper"
    for argv, first in commands(point_run, out, points).values():
        assert main(argv) == 0, argv
        assert first.exists(), first


@pytest.mark.parametrize("name", NAMES)
def test_a_file_where_the_output_folder_should_be_is_one_line(point_run, tmp_path, points, capsys, name):
    (tmp_path / "f").write_text("a file")
    argv, _ = commands(point_run, tmp_path / "f" / "sub", points)[name]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{tmp_path / 'f'}" in err and "is a file, not a folder" in err, err


@pytest.mark.parametrize("name", NAMES)
def test_a_full_disk_is_one_line_and_leaves_no_temporary_file(point_run, tmp_path, points, name):
    out = tmp_path / "out"
    argv, first = commands(point_run, out, points)[name]
    result = wgan(argv, file_size_limit=200)  # every file these commands write is larger
    assert_one_line(result, first, "file-size limit")
    assert temporaries(tmp_path) == [] and temporaries(point_run) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders (chmod does not stop it)")
@pytest.mark.parametrize("name", NAMES)
def test_a_read_only_folder_is_one_line(point_run, tmp_path, points, name):
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        argv, first = commands(point_run, out, points)[name]
        result = wgan(argv)
        assert_one_line(result, first, "permission denied")
        assert list(out.iterdir()) == []
    finally:
        out.chmod(0o755)


def test_a_full_disk_during_training_keeps_the_last_checkpoint(tmp_path):
    run = tmp_path / "ring"
    assert main(["train", "--data", "8gaussians", "--steps", "20", "--out", str(run), *TINY]) == 0
    size = (run / "checkpoint.pt").stat().st_size
    figure = max(p.stat().st_size for p in (run / "figures").iterdir())
    assert figure < 0.7 * size  # so that the figures fit under the limit and the checkpoint does not
    result = wgan(["train", "--resume", str(run), "--steps", "40", "--no-progress"], file_size_limit=int(0.8 * size))
    assert_one_line(result, run / "checkpoint.pt", "file-size limit")
    assert temporaries(run) == []
    assert load_checkpoint(run)["step"] == 20  # the last good one, whole
    assert main(["sample", "--run", str(run), "--npy", str(tmp_path / "s.npy")]) == 0
    assert np.isfinite(np.load(tmp_path / "s.npy")).all()


def test_a_checkpoint_of_another_run_is_refused(point_run, tmp_path, capsys):
    other = tmp_path / "other"
    assert main(["train", "--data", "25gaussians", "--steps", "10", "--out", str(other), *TINY]) == 0
    capsys.readouterr()
    assert main(["sample", "--run", str(point_run), "--checkpoint", str(other / "checkpoint.pt"),
                 "--npy", str(tmp_path / "s.npy")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--run {other}" in err and "not of" in err, err
    assert not (tmp_path / "s.npy").exists()
    # the run's own checkpoints, under any path, still load
    assert main(["sample", "--run", str(point_run), "--checkpoint", str(point_run / "checkpoint.prev.pt"),
                 "--npy", str(tmp_path / "s.npy")]) == 0


def test_the_cli_turns_an_unwrapped_write_error_into_one_line(monkeypatch, capsys):
    from wgan.commands import divergences

    def fails(args):
        raise OSError(28, "No space left on device", "/somewhere/events.out")

    monkeypatch.setattr(divergences, "run", fails)
    assert main(["divergences"]) == 2
    err = capsys.readouterr().err
    assert err == "wgan: error: cannot write /somewhere/events.out: no space left on the device; free some space, or write elsewhere\n"
