"""Run names are one folder name under runs/, and --overwrite without --out replaces runs/<name>."""
import pytest

from wgan.cli import main
from wgan.errors import WganError
from wgan.runs import check_run_name

TINY = ["--no-progress", "--steps", "2", "--set", "train.batch_size=16", "--set", "eval.samples=32",
        "--set", "eval.figures=false", "--set", "eval.tensorboard='off'", "--set", "train.threads=1",
        "--set", "model.generator_width=8", "--set", "model.critic_width=8"]


@pytest.mark.parametrize("name", ["", " ", ".", "..", "../../x", "a/b", "..\\x", "/tmp/x"])
def test_a_name_that_is_not_one_folder_is_refused_in_one_line(tmp_path, monkeypatch, capsys, name):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--set", f"name={name!r}".replace("'", '"'), *TINY]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"run name {name!r}" in err and "Traceback" not in err
    assert list(tmp_path.rglob("*")) == []  # nothing written, in runs/ or beside it
    with pytest.raises(WganError):
        check_run_name(name)


def test_a_plain_name_goes_to_its_own_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert check_run_name("ring-2.v1") == "ring-2.v1"
    assert main(["train", "--set", "name=ring", *TINY]) == 0
    assert (tmp_path / "runs" / "ring" / "checkpoint.pt").is_file()


def test_overwrite_without_out_replaces_the_run_the_name_denotes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--set", "name=ring", *TINY]) == 0
    (tmp_path / "runs" / "ring" / "stale.txt").write_text("from the first run")
    assert main(["train", "--set", "name=ring", *TINY]) == 0  # taken: a new folder beside it
    assert (tmp_path / "runs" / "ring-2").is_dir()
    capsys.readouterr()
    assert main(["train", "--set", "name=ring", "--overwrite", *TINY]) == 0
    assert "run directory: runs/ring\n" in capsys.readouterr().err
    assert not (tmp_path / "runs" / "ring" / "stale.txt").exists()
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["ring", "ring-2"]


def test_an_empty_out_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit:
        main(["train", "--out", "", *TINY])
    assert exit.value.code == 2 and "--out: empty directory name" in capsys.readouterr().err
