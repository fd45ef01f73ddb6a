"""Point files as users write them (np.savetxt, spreadsheets, pandas), and figures of every dimension.

Values are checked against numpy's own readers (np.loadtxt, np.load) on the same file.
"""
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from wgan import plots
from wgan.cli import main
from wgan.data import (POINT_SUFFIXES, data_summary, is_point_file, load_data, read_point_file,
                       read_points)
from wgan.errors import DataError

RNG = np.random.default_rng(0)
X3 = RNG.normal(size=(40, 3))
X1 = RNG.normal(size=40)


def savetxt(path: Path, x: np.ndarray, **kw) -> Path:
    np.savetxt(path, x, **kw)
    return path


# name, array, np.savetxt arguments, np.loadtxt arguments, describe()
FORMATS = [
    ("comma.csv", X3, {"delimiter": ","}, {"delimiter": ","}, "comma-separated, no header"),
    ("default.txt", X3, {}, {}, "whitespace-separated, no header"),
    ("default.csv", X3, {}, {}, "whitespace-separated, no header"),  # savetxt's default, named .csv
    ("tabs.tsv", X3, {"delimiter": "\t"}, {"delimiter": "\t"}, "tab-separated, no header"),
    ("semi.csv", X3, {"delimiter": ";"}, {"delimiter": ";"}, "semicolon-separated, no header"),
    ("header.csv", X3, {"delimiter": ",", "header": "x,y,z", "comments": ""},
     {"delimiter": ",", "skiprows": 1}, "comma-separated, with a header line"),
    ("header.txt", X3, {"header": "x y z", "comments": ""}, {"skiprows": 1},
     "whitespace-separated, with a header line"),
    ("header_semi.dat", X3, {"delimiter": ";", "header": "x;y;z", "comments": ""},
     {"delimiter": ";", "skiprows": 1}, "semicolon-separated, with a header line"),
    ("commented.csv", X3, {"delimiter": ",", "header": "x,y,z"}, {"delimiter": ","},
     "comma-separated, no header"),  # savetxt writes '# x,y,z': a comment
    ("one.txt", X1, {}, {}, "one number per line, no header"),
    ("one.csv", X1[:, None], {"delimiter": ","}, {"delimiter": ","}, "one number per line, no header"),
    ("one_header.dat", X1, {"header": "value", "comments": ""}, {"skiprows": 1},
     "one number per line, with a header line"),
]


@pytest.mark.parametrize("name, x, save, load, described", FORMATS, ids=[f[0] for f in FORMATS])
def test_text_formats_read_as_numpy_reads_them(tmp_path, name, x, save, load, described):
    path = savetxt(tmp_path / name, x, **save)
    result = read_point_file(path)
    truth = np.loadtxt(path, ndmin=2, **load)
    assert result.points.shape == truth.shape == (40, x.reshape(40, -1).shape[1])  # no row dropped
    np.testing.assert_array_equal(result.points, truth)
    assert result.describe() == described and result.format == "text"
    assert (result.header is not None) == ("with a header" in described)
    float32 = read_points(path)
    assert float32.dtype == np.float32 and np.array_equal(float32, truth.astype(np.float32))


def test_npy_files_read_as_np_load(tmp_path):
    np.save(tmp_path / "p.npy", X3)
    np.save(tmp_path / "one.npy", X1)
    assert np.array_equal(read_point_file(tmp_path / "p.npy").points, np.load(tmp_path / "p.npy"))
    one = read_point_file(tmp_path / "one.npy")
    assert one.points.shape == (40, 1) and np.array_equal(one.points[:, 0], np.load(tmp_path / "one.npy"))
    assert one.describe() == "NumPy .npy array" and one.delimiter is None


def test_any_amount_of_space_comments_and_crlf(tmp_path):
    text = "# made by hand\r\n  1.5   -2\r\n3\t\t4   # inline\r\n\r\n 5e-1\t 6 \r\n-7 8.25\r\n"
    path = tmp_path / "hand.txt"
    path.write_bytes(text.encode())
    result = read_point_file(path)
    np.testing.assert_array_equal(result.points, np.loadtxt(path))
    assert result.describe() == "whitespace-separated, no header"
    # A BOM (Excel's "CSV UTF-8") and quoted cells are CSV, not data errors.
    path = tmp_path / "excel.csv"
    path.write_text('"x","y"\n"1",2\n3,4\n5,6\n7,8\n', encoding="utf-8-sig")
    np.testing.assert_array_equal(read_points(path), [[1, 2], [3, 4], [5, 6], [7, 8]])


def test_summary_line_and_which_names_are_point_files(tmp_path):
    path = savetxt(tmp_path / "p.txt", RNG.normal(size=500))
    assert data_summary(str(path)) == f"data: {path}, 500 points in 1-D (one number per line, no header)"
    path = savetxt(tmp_path / "q.csv", X3, delimiter=",", header="a,b,c", comments="")
    assert read_point_file(path).summary() == f"data: {path}, 40 points in 3-D (comma-separated, with a header line)"
    assert data_summary("eight_gaussians") is None and data_summary("digits") is None
    assert not is_point_file(str(tmp_path))  # a folder is images
    for suffix in POINT_SUFFIXES:
        path = tmp_path / f"p{suffix}"
        np.save(path, X3) if suffix == ".npy" else savetxt(path, X3)
        assert is_point_file(str(path)) and load_data(str(path)).shape == (3,)


@pytest.mark.parametrize("content, message", [
    ("1,2\n3,4\n5\n6,7\n", "ragged.csv, line 3: 1 columns, but the first row has 2"),
    ("1 2\n3 4\n5 6 7\n8 9\n", "ragged.csv, line 3: 3 columns, but the first row has 2"),
    ("1,2\n3,4\n5,x\n6,7\n", "ragged.csv, line 3, column 2: 'x' is not a number; expected numbers separated by commas"),
    ("1,2\n3,4\n5 6\n7,8\n", "line 3: 1 columns, but the first row has 2"),  # a line with other separators
    ("1,2\n3,\n5,6\n7,8\n", "line 2, column 2: empty cell"),
    ("1,2\n3,4\n5,nan\n6,7\n", "line 3, column 2: 'nan' is a NaN or infinite value"),
    ("1 2\n3 inf\n5 6\n6 7\n", "line 2, column 2: 'inf' is a NaN or infinite value"),
    ("1,2\n3,4\n5,6\n", "needs at least 4 points, got 3"),
    ("x,y\n1,2\n3,4\n5,6\n", "needs at least 4 points, got 3"),  # the header is not a point
    ("", "no rows of numbers"),
    ("# only comments\n\n", "no rows of numbers"),
    ("x,y\n", "no rows of numbers"),
    # A mistyped first row is an error, never a dropped "header".
    ("1.0,2.O\n1,2\n3,4\n5,6\n7,8\n", "line 1, column 2: '2.O' is not a number"),
    ("1,5;2,5\n1;2\n3;4\n5;6\n7;8\n", "line 1, column 1: '1,5' is not a number; expected numbers separated "
                                      "by semicolons; decimal commas are not read"),
    ("x,y\na,b\n1,2\n3,4\n5,6\n7,8\n", "line 2, column 1: 'a' is not a number"),  # one header line only
    (",x,y\n0,1,2\n1,3,4\n2,5,6\n3,7,8\n", "line 1: the header's first column has no name, as pandas"),
    ("x,y,z\n1,2\n3,4\n5,6\n7,8\n", "line 1: the header names 3 columns but line 2 has 2 numbers"),
])
def test_bad_text_files_are_one_clear_error(tmp_path, content, message):
    path = tmp_path / "ragged.csv"
    path.write_text(content)
    with pytest.raises(DataError, match="^[^\n]*$") as caught:
        read_points(path)
    assert message in str(caught.value) and str(path) in str(caught.value)


def test_bad_files_of_other_kinds(tmp_path):
    with pytest.raises(DataError, match="data file .*missing.txt does not exist"):
        read_points(tmp_path / "missing.txt")
    (tmp_path / "p.json").write_text("[[1, 2]]")
    with pytest.raises(DataError, match=r"expected a .npy or .csv / .txt / .tsv / .dat file of points, got '.json'"):
        read_points(tmp_path / "p.json")
    np.save(tmp_path / "cube.npy", np.zeros((4, 2, 2)))
    with pytest.raises(DataError, match=r"expected an \(n, d\) array of points, got shape \(4, 2, 2\)"):
        read_points(tmp_path / "cube.npy")
    np.save(tmp_path / "nan.npy", np.array([[0.0, 1], [2, 3], [4, np.nan], [6, 7]]))
    with pytest.raises(DataError, match=r"points\[2, 1\] is nan, a NaN or infinite value"):
        read_points(tmp_path / "nan.npy")
    (tmp_path / "bin.csv").write_bytes(b"\x93NUMPY\xff\xfe")
    with pytest.raises(DataError, match="not a text file"):
        read_points(tmp_path / "bin.csv")


# --------------------------------------------------------------------------------------
# Figures for points of any dimension


@pytest.fixture
def captured(monkeypatch):
    """The title, axis labels and suptitle of each figure wgan.plots saves."""
    texts = []
    original = plots.base.save

    def spy(fig, path, dpi=110):
        texts.append(" | ".join([fig._suptitle.get_text() if fig._suptitle else ""]
                                + [t for ax in fig.axes for t in (ax.get_title(), ax.get_xlabel(), ax.get_ylabel())]))
        return original(fig, path, dpi)

    monkeypatch.setattr(plots.base, "save", spy)
    return texts


def assert_png(path: Path) -> None:
    with Image.open(path) as image:
        assert image.format == "PNG" and min(image.size) > 300


def assert_projection_labels(texts: list[str], d: int) -> None:
    """d >= 3: every figure says it shows dimensions 0 and 1 of d (title and axes); else none does."""
    for text in texts:
        assert (f"projection on dimensions 0 and 1 of {d}" in text and f"dimension 0 (of {d})" in text
                and f"dimension 1 (of {d})" in text) == (d >= 3), text


@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_landscape_and_points_figures_in_any_dimension(tmp_path, captured, d):
    rng = np.random.default_rng(d)
    real, fake = rng.normal(size=(200, d)).astype(np.float32), rng.normal(1.0, 0.5, size=(150, d)).astype(np.float32)
    shapes = []

    def critic(points: np.ndarray) -> np.ndarray:
        shapes.append(points.shape)
        assert points.dtype == np.float32
        return -np.linalg.norm(points - 1.0, axis=1)

    assert_png(plots.plot_landscape(critic, real, fake, tmp_path / "l.png", "step 10", resolution=40))
    assert shapes and all(s[1] == d for s in shapes)  # the critic always sees d-dimensional points
    assert_png(plots.plot_points(fake, real, tmp_path / "p.png", "samples"))
    landscape, points = captured
    if d == 1:
        assert "critic f(x)" in landscape and "density" in landscape and landscape.endswith("| x | density")
        assert "density" in points and "| x |" in points
        assert_png(plots.plot_points(fake, None, tmp_path / "alone.png", "samples"))  # no real points
    assert_projection_labels(captured, d)
    if d >= 3:
        rest = "dimension 2" if d == 3 else f"dimensions 2-{d - 1}"
        assert f"critic f on the plane with {rest} at the real data's mean" in landscape


@pytest.mark.parametrize("d", [1, 3])
def test_probe_and_transport_figures_in_any_dimension(tmp_path, captured, d):
    rng = np.random.default_rng(d)
    real, outputs = rng.normal(size=(200, d)), rng.normal(size=(3, 5, d))
    assert_png(plots.plot_probe_points(real, outputs, ["a", "b", "c"], [str(k) for k in range(5)],
                                       tmp_path / "probe.png", "probe"))
    assert_png(plots.plot_transport_points(real[:6], outputs[0, :6], np.eye(5, 5) / 5, tmp_path / "t.png", "plan"))
    assert_projection_labels(captured, d)
    if d == 1:
        assert "generated x" in captured[0] and "real data (n = 200)" in captured[0]


def test_one_dimensional_landscape_covers_both_samples(tmp_path, captured):
    """Far-apart real and generated points are both in the x range, with a margin."""
    import matplotlib.pyplot as plt

    real, fake = np.linspace(-1, 1, 100)[:, None], np.linspace(9, 10, 100)[:, None]
    seen = []
    plots.plot_landscape(lambda p: seen.append(p[:, 0].copy()) or p[:, 0] * 0, real, fake, tmp_path / "l.png")
    assert seen[0].min() < -1 and seen[0].max() > 10
    assert plt.get_fignums() == []  # closed


# --------------------------------------------------------------------------------------
# The command line, as a user runs it

# eval.every=20: snapshots (landscape figures) at steps 0 and 20, to keep the test short.
TRAIN = ["--steps", "20", "--set", "train.batch_size=32", "--set", "eval.samples=100", "--set", "eval.every=20",
         "--set", "model.generator_width=16", "--set", "model.critic_width=16", "--set", "eval.tensorboard='off'",
         "--set", "train.threads=1", "--no-progress"]


@pytest.mark.parametrize("name, x, save", [
    ("p.txt", RNG.normal(size=300), {}),  # 1-D, np.savetxt's default: the crash in plot_landscape
    ("p.csv", RNG.normal(size=(300, 3)), {"delimiter": ",", "header": "a,b,c", "comments": ""}),
])
def test_train_then_sample_on_a_users_file(tmp_path, capsys, name, x, save):
    path = savetxt(tmp_path / name, x, **save)
    run = tmp_path / "run"
    assert main(["train", "--data", str(path), *TRAIN, "--out", str(run)]) == 0
    assert "exact W1" in capsys.readouterr().err
    assert_png(run / "figures" / "landscape.png")
    assert main(["sample", "--run", str(run), "--out", str(tmp_path / "x.png"), "-n", "50"]) == 0
    assert capsys.readouterr().out == f"wrote {tmp_path / 'x.png'}\n"
    assert_png(tmp_path / "x.png")
