"""What users do with samples: one PNG per sample for outside tools (`sample --images`), two
folders or point files scored against each other (`score`), a latent loop as a GIF
(`explore --gif`), the sample grids over training as a GIF (`timelapse`), and a conditional
run's grid with one labelled row per class."""
import json

import numpy as np
import pytest
import torch
from PIL import Image

from wgan import plots
from wgan.animation import loop_latents
from wgan.cli import main
from wgan.latent import random_latents
from wgan.loading import load_run
from wgan.networks import generate
from wgan.sample_images import file_names, to_uint8

TINY = ["--no-progress", "--set", "train.batch_size=8", "--set", "eval.samples=64", "--set", "eval.tensorboard='off'",
        "--set", "train.threads=1", "--set", "model.generator_width=8", "--set", "model.critic_width=8"]


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "digits"
    assert main(["train", "--config", "dcgan-wgan-gp", "--data", "digits", "--image-size", "16", "--steps", "4",
                 "--set", "eval.every=2", "--out", str(out), *TINY]) == 0
    return out


@pytest.fixture(scope="module")
def conditional_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "cond"
    assert main(["train", "--data", "digits", "--image-size", "16", "--steps", "2", "--set", "eval.every=2",
                 "--set", "model.conditional='projection'", "--set", "eval.figures=false", "--out", str(out),
                 *TINY]) == 0
    return out


def read_png(path):
    return np.asarray(Image.open(path))


def test_sample_images_writes_one_png_per_sample_equal_to_the_grid_and_npy(digits_run, tmp_path, capsys):
    folder = tmp_path / "pictures"
    assert main(["sample", "--run", str(digits_run), "-n", "25", "--images", str(folder),
                 "--npy", str(tmp_path / "s.npy"), "--seed", "3"]) == 0
    files = sorted(folder.iterdir())
    assert [p.name for p in files] == [f"{i:06d}.png" for i in range(25)]
    samples = np.load(tmp_path / "s.npy")  # the same draws as the grid's (the same seed)
    expected = np.clip((samples + 1) * 127.5, 0, 255).round().astype(np.uint8)[:, 0]
    for path, pixels in zip(files, expected):
        image = Image.open(path)
        assert image.mode == "L" and image.size == (16, 16)
        assert np.array_equal(np.asarray(image), pixels)
    assert "wrote 25 PNG files" in capsys.readouterr().out


def test_sample_images_draws_in_batches_and_the_names_widen_past_a_million(digits_run, tmp_path, monkeypatch):
    from wgan import sample_images

    monkeypatch.setattr(sample_images, "BATCH", 7)  # 3 batches of 7 and one of 1
    assert main(["sample", "--run", str(digits_run), "-n", "22", "--images", str(tmp_path / "a")]) == 0
    monkeypatch.setattr(sample_images, "BATCH", 1000)
    assert main(["sample", "--run", str(digits_run), "-n", "22", "--images", str(tmp_path / "b")]) == 0
    for name in (f"{i:06d}.png" for i in range(22)):
        assert np.array_equal(read_png(tmp_path / "a" / name), read_png(tmp_path / "b" / name))
    assert file_names(1_000_001)[-1] == "1000000.png" and file_names(3)[0] == "000000.png"


def test_sample_images_of_a_conditional_run_name_the_class(conditional_run, tmp_path):
    loaded = load_run(conditional_run)
    assert main(["sample", "--run", str(conditional_run), "-n", "20", "--images", str(tmp_path / "c")]) == 0
    names = sorted(p.name for p in (tmp_path / "c").iterdir())
    assert len(names) == 20
    # one row per class as in the grid: 0 0 1 1 2 2 ... with -n 20 and 10 classes
    assert names[0] == f"000000_{loaded.classes[0]}.png" and names[19] == f"000019_{loaded.classes[9]}.png"
    assert file_names(2, torch.tensor([0, 1]), ("a/b", "..")) == ["000000_a_b.png", "000001_class1.png"]


def test_sample_images_refuses_a_point_run_a_full_folder_and_is_one_line(digits_run, tmp_path, capsys):
    run = tmp_path / "points"
    assert main(["train", "--data", "8gaussians", "--steps", "2", "--out", str(run), "--no-progress",
                 "--set", "eval.every=2", "--set", "eval.samples=100", "--set", "train.threads=1"]) == 0
    capsys.readouterr()
    assert main(["sample", "--run", str(run), "--images", str(tmp_path / "i")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--npy" in err and "points" in err
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.png").write_bytes(b"")
    assert main(["sample", "--run", str(digits_run), "--images", str(tmp_path / "full")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds 1 file already" in err
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["x.png"]


def test_a_conditional_grid_has_one_labelled_row_per_class(conditional_run, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(plots, "plot_image_grid", lambda images, path, title, nrow=None, row_labels=None:
                        calls.append((images, nrow, row_labels)))
    classes = load_run(conditional_run).classes
    for n in (10, 23, 64):
        assert main(["sample", "--run", str(conditional_run), "-n", str(n), "--out", str(tmp_path / "g.png")]) == 0
        images, nrow, row_labels = calls[-1]
        assert tuple(row_labels) == classes and len(images) == nrow * len(classes) == n // 10 * 10


def test_score_of_a_folder_against_itself_is_at_the_floor_and_has_evaluates_keys(digits_run, tmp_path, capsys):
    folder = tmp_path / "pictures"
    assert main(["sample", "--run", str(digits_run), "-n", "120", "--images", str(folder)]) == 0
    assert main(["evaluate", "--run", str(digits_run), "-n", "40", "--features", "digits", "--json",
                 "--no-memorisation", "--out", str(tmp_path / "e.json")]) == 0
    capsys.readouterr()
    assert main(["score", str(folder), str(folder) + "/", "-n", "40", "--features", "digits", "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    evaluated = json.loads((tmp_path / "e.json").read_text())
    assert set(scored) - {"a", "b"} == set(evaluated) - {"run", "step", "data"}
    assert scored["n_generated"] == scored["n_real"] == 40
    # A against itself: both W1 and its floor compare two draws of one set
    assert 0.7 < scored["w1"] / scored["w1_floor"] < 1.3
    assert 0.5 < scored["fid"] / scored["fid_real_vs_real"] < 2.0


def test_score_is_wassersteins_exact_value_on_point_files_and_shrinks_n_to_fit(tmp_path, capsys):
    import ot

    a, b = tmp_path / "a.csv", tmp_path / "b.npy"
    rng = np.random.default_rng(0)
    np.savetxt(a, rng.normal(0, 1, (30, 2)), delimiter=",")
    np.save(b, rng.normal(3, 1, (20, 2)))
    assert main(["score", str(a), str(b), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_generated"] == 10  # half of B's 20: the other half is the floor's reference
    assert result["w1"] > 3 * result["w1_floor"]  # means 3 * sqrt(2) apart
    # the exact value, recomputed with POT on the draws score makes
    order_rng = np.random.default_rng([0, 13])
    pa = np.loadtxt(a, delimiter=",")[order_rng.permutation(30)[:10]]
    pb = np.load(b)[order_rng.permutation(20)[:10]]
    assert result["w1"] == pytest.approx(ot.emd2([], [], ot.dist(pa, pb, metric="euclidean")), rel=1e-6)


@pytest.mark.parametrize("argv, message", [
    (["{a}", "{p}"], "score two folders of pictures, or two point files"),
    (["{p}", "{p}", "--image-size", "8"], "apply to folders of pictures"),
    (["{a}", "{a}", "-n", "1"], "-n 1: need at least 2"),
    (["{p}", "{missing}"], "does not exist"),
    (["{missing}", "{a}"], "none.csv does not exist"),  # not "holds points"
    (["{a}", "{a}", "--out", "{p}"], "expected a .json"),
])
def test_score_bad_input_is_one_line(digits_run, tmp_path, capsys, argv, message):
    folder = tmp_path / "a"
    assert main(["sample", "--run", str(digits_run), "-n", "4", "--images", str(folder)]) == 0
    p = tmp_path / "p.csv"
    p.write_text("0,0\n1,1\n2,2\n3,3\n")
    capsys.readouterr()
    assert main(["score", *(x.format(a=folder, p=p, missing=tmp_path / "none.csv") for x in argv)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_explore_gif_is_a_seamless_loop_of_the_generators_pictures(digits_run, tmp_path, capsys):
    gif = tmp_path / "loop.gif"
    assert main(["explore", "--run", str(digits_run), "--gif", str(gif), "--gif-keys", "3", "--gif-frames", "12"]) == 0
    assert not (digits_run / "explore").exists()  # --gif alone: only the GIF
    image = Image.open(gif)
    assert image.n_frames == 12 and image.info["loop"] == 0
    frames = []
    for i in range(image.n_frames):
        image.seek(i)
        frames.append(np.asarray(image.convert("L")))
    generator = load_run(digits_run).generator
    keys = random_latents(3, generator.latent_dim, 0)
    z = loop_latents(keys, 12)
    # frame 0 is the first key's picture (enlarged 8x to 128 px); key k starts frame 4k
    for frame, key in ((0, 0), (4, 1), (8, 2)):
        assert torch.equal(z[frame], keys[key])
        pixels = to_uint8(generate(generator, keys[key:key + 1]).numpy())[0, :, :, 0]
        assert np.array_equal(frames[frame], pixels.repeat(8, 0).repeat(8, 1))
    # the loop closes: the step from the last frame back to the first is like every other step
    steps = torch.linalg.norm(torch.diff(torch.cat([z, z[:1]]), dim=0), dim=1)
    assert steps.max() < 2 * steps.min()


def test_loop_latents_counts_and_bad_gif_options(digits_run, tmp_path, capsys):
    keys = random_latents(4, 5, 0)
    for frames in (4, 10, 48):
        assert len(loop_latents(keys, frames)) == frames
    for argv, message in ((["--gif", str(tmp_path / "x.png")], "expected a .gif"),
                          (["--gif", str(tmp_path / "x.gif"), "--gif-keys", "1"], "at least 2"),
                          (["--gif", str(tmp_path / "x.gif"), "--gif-frames", "2"], "between --gif-keys")):
        assert main(["explore", "--run", str(digits_run), *argv]) == 2
        assert message in capsys.readouterr().err


def test_timelapse_has_one_frame_per_evaluation_grid(digits_run, tmp_path, capsys):
    grids = sorted((digits_run / "figures").glob("samples_step*.png"))
    assert len(grids) == 3  # steps 0, 2, 4
    out = tmp_path / "t.gif"
    assert main(["timelapse", str(digits_run), "--out", str(out)]) == 0
    image = Image.open(out)
    assert image.n_frames == len(grids)
    first = np.asarray(Image.open(grids[0]).convert("RGB"))
    image.seek(0)
    frame = np.asarray(image.convert("RGB"))
    assert frame.shape[:2] == first.shape[:2] or frame.shape[0] >= first.shape[0]
    assert "3 frames" in capsys.readouterr().out


def test_timelapse_without_grids_is_one_line(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["timelapse", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no per-evaluation figures" in err
