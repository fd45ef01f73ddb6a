"""A run records what data it read (data.json); --resume and evaluate say in one line what changed,
and refuse what the run's networks cannot follow (other classes for a conditional run)."""
import json
import warnings

import numpy as np
import pytest

from wgan.cli import main
from wgan.data.fingerprint import data_changes, fingerprint
from wgan.data import load_data
from pictures import grey_pictures

IMAGES = ["--no-progress", "--image-size", "16", "--set", "data.channels=1", "--set", "model.kind='dcgan'",
          "--set", "model.generator_width=8", "--set", "model.critic_width=8", "--set", "model.critic_norm='layer'",
          "--set", "train.batch_size=8", "--set", "eval.samples=8", "--set", "eval.tensorboard='off'",
          "--set", "eval.figures=false", "--set", "train.threads=1"]
EVALUATE = ["-n", "8", "--no-memorisation", "--features", "none"]


def one_error_line(err):
    return err.count("\n") == 1 and err.startswith("wgan: error: ") and "Traceback" not in err


def test_the_fingerprint_and_its_comparison_by_hand(tmp_path):
    points = tmp_path / "p.csv"
    np.savetxt(points, np.arange(40.0).reshape(20, 2), delimiter=",")
    then = fingerprint(load_data(str(points), 0.25, 0), str(points))
    assert (then["kind"], then["shape"], then["train"], then["heldout"], then["classes"]) == ("points", [2], 15, 5, [])
    assert data_changes(then, fingerprint(load_data(str(points), 0.25, 0), str(points)), False) == (None, False)
    with open(points, "a") as f:  # four points added: 24 in all, 6 held out, so another split
        f.write("".join(f"{k},{k + 1}\n" for k in range(100, 108, 2)))
    line, fatal = data_changes(then, fingerprint(load_data(str(points), 0.25, 0), str(points)), False)
    assert not fatal and line == ("data: 4 points added since the run started (20, now 24); the held-out split "
                                  "differs, so W1 is measured against other points")
    np.savetxt(points, np.arange(60.0).reshape(20, 3), delimiter=",")  # another dimension: not resumable
    line, fatal = data_changes(then, fingerprint(load_data(str(points), 0.25, 0), str(points)), False)
    assert fatal and "shape (2,)" in line and "shape (3,)" in line
    toy = fingerprint(load_data("eight_gaussians"), "eight_gaussians")
    assert toy["kind"] == "distribution" and data_changes(toy, toy, False) == (None, False)


def test_pictures_added_are_said_on_resume_and_evaluate(tmp_path, capsys):
    folder = grey_pictures(tmp_path / "pictures", 20)
    run = tmp_path / "run"
    assert main(["train", "--data", str(folder), "--steps", "2", "--out", str(run), *IMAGES]) == 0
    record = json.loads((run / "data.json").read_text())["fingerprint"]
    assert (record["train"], record["heldout"], record["kind"]) == (16, 4, "images")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # unchanged: nothing to say
        assert main(["evaluate", "--run", str(run), *EVALUATE]) == 0
    grey_pictures(folder, 12, start=20, seed=1)
    said = ("data: 12 images added since the run started (20, now 32); the held-out split differs, "
            "so W1 is measured against other images")
    assert main(["train", "--resume", str(run), "--steps", "3", "--no-progress"]) == 0
    assert f"{said}; training goes on with the data as it is now\n" in capsys.readouterr().err
    with pytest.warns(UserWarning) as seen:
        assert main(["evaluate", "--run", str(run), *EVALUATE]) == 0
    assert [str(w.message) for w in seen] == [said]
    # what the run read is what it started with: the note stays until the data is restored
    assert json.loads((run / "data.json").read_text())["fingerprint"] == record


def test_a_class_added_to_a_conditional_run_is_refused_in_one_line(tmp_path, capsys):
    folder = tmp_path / "tones"
    grey_pictures(folder / "dark", 10, level=40)
    grey_pictures(folder / "light", 10, level=215)
    run = tmp_path / "run"
    assert main(["train", "--data", str(folder), "--steps", "2", "--out", str(run),
                 "--set", "model.conditional='projection'", *IMAGES]) == 0
    grey_pictures(folder / "mid", 4)
    capsys.readouterr()
    assert main(["train", "--resume", str(run), "--steps", "3", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert one_error_line(err) and "class mid added since the run started (2 classes, now 3)" in err
    assert "cannot be resumed" in err and "size mismatch" not in err
    assert main(["evaluate", "--run", str(run), *EVALUATE]) == 2
    err = capsys.readouterr().err
    assert one_error_line(err) and "class mid added" in err
    # a run written before data.json: its checkpoint's classes are checked instead
    (run / "data.json").unlink()
    assert main(["train", "--resume", str(run), "--steps", "3", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert one_error_line(err) and "classes were dark, light, the data's are now dark, light, mid" in err


def test_a_run_without_a_data_record_loads_and_resumes_as_before(tmp_path, capsys):
    points = tmp_path / "p.csv"
    np.savetxt(points, np.random.default_rng(0).normal(size=(60, 2)), delimiter=",")
    run = tmp_path / "run"
    assert main(["train", "--data", str(points), "--steps", "2", "--out", str(run), "--no-progress",
                 "--set", "eval.figures=false", "--set", "train.batch_size=8", "--set", "eval.samples=8",
                 "--set", "data.standardize=false"]) == 0
    (run / "data.json").unlink()
    with open(points, "a") as f:
        f.write("0.5,0.5\n")
    capsys.readouterr()
    assert main(["train", "--resume", str(run), "--steps", "3", "--no-progress"]) == 0
    assert "data:" not in capsys.readouterr().out.replace(f"data: {points}", "")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["evaluate", "--run", str(run), *EVALUATE]) == 0
