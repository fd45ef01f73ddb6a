"""Every command as a user types it with a name that is empty or leaves its folder, and on data that
changed under a run: one clear line each (an error, a warning or a note), never a traceback."""
import shutil
import warnings

import numpy as np
import pytest

from wgan.cli import main
from pictures import grey_pictures

TINY = ["--no-progress", "--steps", "2", "--set", "train.batch_size=8", "--set", "eval.samples=8",
        "--set", "eval.figures=false", "--set", "eval.tensorboard='off'", "--set", "train.threads=1",
        "--set", "model.generator_width=8", "--set", "model.critic_width=8"]
IMAGES = ["--image-size", "16", "--set", "data.channels=1", "--set", "model.kind='dcgan'",
          "--set", "model.critic_norm='layer'"]
EVALUATE = ["-n", "8", "--features", "none", "--no-memorisation"]


def cli(capsys, *args):
    """(exit status, stdout, stderr, warnings) of `wgan ARGS` run in this process; any exception but
    argparse's exit is a traceback, and fails the test."""
    capsys.readouterr()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            status = main([str(a) for a in args])
        except SystemExit as exit:  # argparse: usage and one error line
            status = exit.code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err, [str(w.message) for w in seen]


def refused(capsys, *args):
    """The one error line of a refused command."""
    status, out, err, _ = cli(capsys, *args)
    assert status == 2, (args, out, err)
    lines = [line for line in err.splitlines() if "error:" in line]
    assert len(lines) == 1 and err.strip().endswith(lines[0]), err
    return lines[0]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A finished 2-step run on 8 Gaussians."""
    out = tmp_path_factory.mktemp("battery") / "run"
    assert main(["train", "--out", str(out), *TINY]) == 0
    return out


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ------------------------------------------------------------------ empty names

def test_empty_names(capsys, here, run):
    assert "run name '' is empty" in refused(capsys, "train", "--set", "name=", *TINY)
    assert "--out: empty directory name" in refused(capsys, "train", "--out", "", *TINY)
    assert "neither a file nor a preset" in refused(capsys, "train", "--config", "", *TINY)
    assert "data.name = '' is empty" in refused(capsys, "train", "--data", "", *TINY)
    assert "not a run directory" in refused(capsys, "train", "--resume", "")
    for command in ("sample", "explore", "evaluate"):
        assert "is not a run directory (no checkpoint.pt or config.toml in it)" in refused(capsys, command, "--run", "")
    assert "expected a .png file name" in refused(capsys, "sample", "--run", run, "--out", "")
    assert "expected a .npy file name" in refused(capsys, "sample", "--run", run, "--npy", "")
    assert "no checkpoint at" in refused(capsys, "sample", "--run", run, "--checkpoint", "")
    assert "expected a .json file name" in refused(capsys, "evaluate", "--run", run, "--out", "")
    assert "expected a .npy or .csv" in refused(capsys, "emd", "--points-a", "", "--points-b", "")
    assert "expected a .png, .pdf or .svg" in refused(capsys, "divergences", "--plot", "")
    assert "expected a .png, .pdf or .svg" in refused(capsys, "demo", "vanishing-gradients", "--out", "")
    assert "expected a .png, .pdf or .svg" in refused(capsys, "demo", "biased-gradients", "--out", "")
    assert list(here.iterdir()) == []  # nothing written where the command ran


# ------------------------------------------------------------------ '..' in names

def test_names_that_leave_their_folder(capsys, here, run):
    for name in ("..", "../x", "../../x", "a/../b"):
        assert "is not one folder name" in refused(capsys, "train", "--set", f"name={name}", *TINY)
    assert "not a run directory" in refused(capsys, "train", "--resume", "..")
    assert "does not exist" in refused(capsys, "train", "--resume", "../nowhere")
    for command in ("sample", "explore", "evaluate"):
        assert "is not a run directory" in refused(capsys, command, "--run", "..")
        assert "run directory ../nowhere does not exist" in refused(capsys, command, "--run", "../nowhere")
    assert "expected a .json file name" in refused(capsys, "evaluate", "--run", run, "--out", "..")
    assert list(here.iterdir()) == [] and not (here.parent / "x").exists()


# ------------------------------------------------------------------ data changed under a run

def test_pictures_added_to_a_runs_folder(capsys, tmp_path):
    folder, run = grey_pictures(tmp_path / "pictures", 20), tmp_path / "run"
    assert cli(capsys, "train", "--data", folder, "--out", run, *IMAGES, *TINY)[0] == 0
    grey_pictures(folder, 6, start=20, seed=1)
    said = "data: 6 images added since the run started (20, now 26); the held-out split differs"
    status, _, out, _ = cli(capsys, "train", "--resume", run, "--steps", "3", "--no-progress")
    assert status == 0 and said in out
    status, _, _, seen = cli(capsys, "evaluate", "--run", run, *EVALUATE)
    assert status == 0 and len(seen) == 1 and seen[0].startswith(said)
    for command, args in (("sample", ["--out", tmp_path / "s.png"]), ("explore", ["--out", tmp_path / "e"])):
        assert cli(capsys, command, "--run", run, *args)[0] == 0
    # a class subfolder beside the pictures: more pictures, still one unlabelled set
    grey_pictures(folder / "new", 3, seed=2)
    status, _, out, _ = cli(capsys, "train", "--resume", run, "--steps", "4", "--no-progress")
    assert status == 0 and "data: 9 images added since the run started (20, now 29)" in out
    shutil.rmtree(folder)
    for args in (("train", "--resume", run, "--steps", "5", "--no-progress"), ("evaluate", "--run", run, *EVALUATE)):
        assert str(folder) in refused(capsys, *args)  # the folder named, in one line


@pytest.mark.parametrize("conditional", ["none", "projection"])
def test_a_class_subfolder_added_to_a_runs_folder(capsys, tmp_path, conditional):
    folder, run = tmp_path / "tones", tmp_path / "run"
    grey_pictures(folder / "dark", 8, level=40)
    grey_pictures(folder / "light", 8, level=215)
    assert cli(capsys, "train", "--data", folder, "--out", run, "--set", f"model.conditional='{conditional}'",
               *IMAGES, *TINY)[0] == 0
    grey_pictures(folder / "mid", 4, seed=3)
    said = "data: class mid added since the run started (2 classes, now 3)"
    if conditional == "none":  # more pictures for an unconditional run: it goes on, and says so
        status, _, out, _ = cli(capsys, "train", "--resume", run, "--steps", "3", "--no-progress")
        assert status == 0 and said in out
        status, _, _, seen = cli(capsys, "evaluate", "--run", run, *EVALUATE)
        assert status == 0 and len(seen) == 1 and seen[0].startswith(said)
    else:  # its class layers have one row per class: refused, where today a size mismatch ends it
        for args in (("train", "--resume", run, "--steps", "3", "--no-progress"), ("evaluate", "--run", run, *EVALUATE)):
            line = refused(capsys, *args)
            assert said in line and "class-conditional" in line and "size mismatch" not in line
        for command, args in (("sample", ["--out", tmp_path / "s.png"]), ("explore", ["--out", tmp_path / "e"])):
            assert cli(capsys, command, "--run", run, *args)[0] == 0  # the run's own classes, by name


def test_points_added_to_a_runs_file(capsys, tmp_path):
    points, run = tmp_path / "p.csv", tmp_path / "run"
    np.savetxt(points, np.random.default_rng(0).normal(size=(40, 2)), delimiter=",")
    assert cli(capsys, "train", "--data", points, "--out", run, *TINY)[0] == 0
    with open(points, "a") as f:
        f.write("0.5,0.5\n" * 10)
    said = "data: 10 points added since the run started (40, now 50); the held-out split differs"
    status, _, out, _ = cli(capsys, "train", "--resume", run, "--steps", "3", "--no-progress")
    assert status == 0 and said in out
    for command, args in (("evaluate", EVALUATE), ("sample", ["--out", tmp_path / "s.png"]),
                          ("explore", ["--out", tmp_path / "e"])):
        status, _, _, seen = cli(capsys, command, "--run", run, *args)
        assert status == 0 and [w for w in seen if w.startswith("data:")] == [seen[0]] and seen[0].startswith(said)
    np.savetxt(points, np.zeros((40, 3)), delimiter=",")  # another dimension: nothing can go on
    for args in (("train", "--resume", run, "--steps", "4", "--no-progress"), ("evaluate", "--run", run, *EVALUATE),
                 ("sample", "--run", run, "--out", tmp_path / "s.png")):
        line = refused(capsys, *args)
        assert "shape (2,)" in line and "shape (3,)" in line
