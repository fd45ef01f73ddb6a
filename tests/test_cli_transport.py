import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from wgan.cli import main
from wgan.transport import wasserstein

BAKERIES = Path(__file__).resolve().parents[1] / "examples" / "bakeries"
BAKERY_ARGS = ["--supply", str(BAKERIES / "supply.csv"), "--demand", str(BAKERIES / "demand.csv"),
               "--cost", str(BAKERIES / "cost.csv")]
SEED_PLAN = [[1, 7, 0, 0, 16, 0], [0, 0, 0, 0, 0, 9], [0, 0, 0, 0, 0, 3],
             [0, 16, 0, 0, 0, 0], [2, 0, 18, 1, 0, 0], [0, 0, 0, 25, 0, 2]]


def test_emd_prints_the_bakery_plan_as_a_table(capsys):
    assert main(["emd", *BAKERY_ARGS]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "cost: 1070 (total mass 100; 10.7 per unit)"
    rows = {ln.split()[0]: ln.split("|")[0].split()[1:] for ln in lines if ln.startswith(("x", "demand"))}
    assert [[int(c) for c in rows[f"x{i + 1}"]] for i in range(6)] == SEED_PLAN
    assert rows["demand"] == ["3", "23", "18", "26", "16", "14"]
    # Aligned: every row of the table puts its bar in the same column.
    table = [ln for ln in lines if "|" in ln]
    assert len({ln.index("|") for ln in table}) == 1


def test_emd_json_and_plot(tmp_path, capsys):
    out = tmp_path / "plan.png"
    assert main(["emd", *BAKERY_ARGS, "--json", "--plot", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["cost"] == 1070.0
    np.testing.assert_allclose(report["plan"], SEED_PLAN, atol=1e-9)
    cost = np.loadtxt(BAKERIES / "cost.csv", delimiter=",")
    u, v = np.array(report["u"]), np.array(report["v"])
    assert (u[:, None] + v[None, :] <= cost + 1e-9).all()
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_emd_assignment_finds_64(tmp_path, capsys):
    assert main(["emd", "--cost", str(BAKERIES / "cost.csv"), "--assignment", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["cost"] == 64.0 and report["assignment"] == [4, 5, 1, 0, 2, 3]
    assert main(["emd", "--cost", str(BAKERIES / "cost.csv"), "--assignment",
                 "--plot", str(tmp_path / "a.png")]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("assignment cost: 64 (6 units;")
    assert "x1 -> y5, x2 -> y6, x3 -> y2, x4 -> y1, x5 -> y3, x6 -> y4" in printed
    assert (tmp_path / "a.png").stat().st_size > 0


def test_emd_between_point_files(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(30, 2)), rng.normal(size=(20, 2)) + [1.0, 0.0]
    (tmp_path / "x.csv").write_text("x,y\n" + "\n".join(f"{a},{b}" for a, b in x))  # with a header
    np.savetxt(tmp_path / "y.csv", y, delimiter=",")
    points = ["--points-a", str(tmp_path / "x.csv"), "--points-b", str(tmp_path / "y.csv")]
    assert main(["emd", *points, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["wasserstein"] == pytest.approx(wasserstein(x, y), rel=1e-12)
    assert main(["emd", *points, "--power", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["wasserstein"] == pytest.approx(wasserstein(x, y, p=2), rel=1e-12)
    assert main(["emd", *points, "--metric", "cityblock", "--plot", str(tmp_path / "p.png")]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"W1 = {wasserstein(x, y, metric='cityblock'):.6g} (cityblock")
    assert "plan: 30 x 20," in printed and (tmp_path / "p.png").is_file()
    # Masses for the points; a 1-D point file.
    np.savetxt(tmp_path / "a.csv", np.arange(1.0, 31.0))
    np.savetxt(tmp_path / "b.csv", np.ones(20))
    assert main(["emd", *points, "--supply", str(tmp_path / "a.csv"), "--demand", str(tmp_path / "b.csv"),
                 "--normalize", "--json"]) == 0
    weighted = json.loads(capsys.readouterr().out)["wasserstein"]
    assert weighted == pytest.approx(wasserstein(x, y, np.arange(1.0, 31.0), np.ones(20)), rel=1e-12)


def test_emd_reads_point_files_with_the_training_reader(tmp_path, capsys):
    """Whitespace (np.savetxt's default), tab and comma files give the same cost; 1-D and 2-D
    costs match scipy and POT computed on the arrays np.loadtxt reads from the same files."""
    import ot
    import scipy.stats

    rng = np.random.default_rng(4)

    def cost(a: Path, b: Path) -> float:
        assert main(["emd", "--points-a", str(a), "--points-b", str(b), "--json"]) == 0
        return json.loads(capsys.readouterr().out)["cost"]

    for d in (1, 2):
        x, y = rng.normal(size=(25, d)), rng.normal(size=(15, d)) + 0.5
        costs = []
        for suffix, kw in ((".txt", {}), (".csv", {}), (".tsv", {"delimiter": "\t"}), (".csv", {"delimiter": ","}),
                           (".dat", {"delimiter": ";", "header": ";".join("xyz"[:d]), "comments": ""})):
            a, b = tmp_path / f"a{len(costs)}{suffix}", tmp_path / f"b{len(costs)}{suffix}"
            np.savetxt(a, x, **kw)
            np.savetxt(b, y, **kw)
            costs.append(cost(a, b))
        assert costs == pytest.approx([costs[0]] * len(costs), rel=1e-12)
        xa = np.loadtxt(tmp_path / "a0.txt", ndmin=2)
        yb = np.loadtxt(tmp_path / "b0.txt", ndmin=2)
        assert xa.shape == (25, d) and yb.shape == (15, d)
        expected = ot.emd2(np.full(25, 1 / 25), np.full(15, 1 / 15), ot.dist(xa, yb, metric="euclidean"))
        assert costs[0] == pytest.approx(expected, rel=1e-9)
        if d == 1:
            assert costs[0] == pytest.approx(scipy.stats.wasserstein_distance(xa[:, 0], yb[:, 0]), rel=1e-9)
    # Bad point files get the training reader's messages.
    write(tmp_path, "bad.txt", "1 2\n3 x\n")
    assert main(["emd", "--points-a", str(tmp_path / "bad.txt"), "--points-b", str(tmp_path / "a0.txt")]) == 2
    assert "bad.txt, line 2, column 2: 'x' is not a number; expected numbers separated by spaces or tabs" \
        in capsys.readouterr().err
    write(tmp_path, "pts.xyz", "1 2\n")
    assert main(["emd", "--points-a", str(tmp_path / "pts.xyz"), "--points-b", str(tmp_path / "a0.txt")]) == 2
    assert "expected a .npy or .csv / .txt / .tsv / .dat file of points" in capsys.readouterr().err


def test_emd_cost_and_mass_files_in_any_separator(tmp_path, capsys):
    """The bakery problem written with spaces, semicolons and tabs still costs 1070."""
    cost = np.loadtxt(BAKERIES / "cost.csv", delimiter=",")
    supply, demand = (np.loadtxt(BAKERIES / f"{n}.csv", delimiter=",") for n in ("supply", "demand"))
    for k, delimiter in enumerate((" ", ";", "\t")):
        np.savetxt(tmp_path / f"c{k}.txt", cost, delimiter=delimiter, fmt="%g")
        np.savetxt(tmp_path / f"s{k}.txt", supply, fmt="%g")
        np.savetxt(tmp_path / f"d{k}.txt", demand[None], delimiter=delimiter, fmt="%g")  # one row
        assert main(["emd", "--supply", str(tmp_path / f"s{k}.txt"), "--demand", str(tmp_path / f"d{k}.txt"),
                     "--cost", str(tmp_path / f"c{k}.txt"), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["cost"] == 1070.0


def test_divergences_table_json_and_plot(tmp_path, capsys):
    out = tmp_path / "div.png"
    assert main(["divergences", "--theta-min", "-1", "--theta-max", "1", "--num", "21", "--plot", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [ln.split() for ln in lines[3:3 + 21]]
    assert len(rows) == 21 and lines[-1] == f"plot: {out}"
    assert rows[10] == ["0", "0.0000", "0.0000", "0.0000", "0.0000"]
    assert rows[0] == ["-1", "1.0000", "inf", "0.6931", "1.0000"]
    assert rows[13] == ["0.3", "1.0000", "inf", "0.6931", "0.3000"]
    assert out.read_bytes()[:4] == b"\x89PNG"
    # A grid whose middle point is only rounding away from 0 still shows theta = 0.
    assert main(["divergences", "--theta-min", "-0.3", "--theta-max", "0.3", "--num", "7", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["theta"][3] == 0.0 and report["kl"][3] == 0.0 and report["kl"][2] is None
    np.testing.assert_allclose(report["w"], np.abs(np.linspace(-0.3, 0.3, 7)), atol=1e-12)
    np.testing.assert_allclose(report["js"], [np.log(2)] * 3 + [0] + [np.log(2)] * 3)


def write(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(text)
    return str(tmp_path / name)


@pytest.mark.parametrize("files, args, message", [
    ({}, ["--supply", "{d}/none.csv", "--demand", "{d}/b.csv", "--cost", "{d}/c.csv"], "none.csv does not exist"),
    ({"a.csv": "1,two,3"}, [], "a.csv, line 1: 'two' is not a number"),
    ({"a.csv": "1\nnan\n2"}, [], "a.csv, line 2: NaN"),
    ({"c.csv": "1,1,1\n1,inf,1\n1,1,1"}, [], "c.csv, line 2, column 2: infinite value 'inf'"),
    ({"a.csv": "1,-1,6"}, [], "a.csv, entry 2: mass -1 is negative; masses must be >= 0"),
    ({"c.csv": "1,1,1\n1,1,-3\n1,1,1"}, [], "c.csv, row 2, column 3: cost -3 is negative"),
    ({"c.csv": "1,1,1\n1,1\n1,1,1"}, [], "c.csv, line 2: 2 columns, but the first row has 3"),
    ({"c.csv": "1,1\n1,1\n1,1"}, [], "c.csv is a 3 x 2 matrix, but"),
    ({"b.csv": "2,2,3"}, [], "supply totals 6 but demand totals 7"),
    ({"a.csv": "# nothing here\n"}, [], "a.csv: no numbers in the file"),
    ({"c.csv": ""}, [], "c.csv: no rows of numbers"),
])
def test_bad_files_are_one_clear_line(tmp_path, capsys, files, args, message):
    base = {"a.csv": "1,2,3", "b.csv": "2\n2\n2", "c.csv": "1,2,3\n4,5,6\n7,8,9"}
    base.update(files)
    for name, text in base.items():
        write(tmp_path, name, text)
    argv = [a.format(d=tmp_path) for a in args] or [
        "--supply", str(tmp_path / "a.csv"), "--demand", str(tmp_path / "b.csv"), "--cost", str(tmp_path / "c.csv")]
    assert main(["emd", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wgan: error: ") and message in err and err.count("\n") == 1, err


def test_unbalanced_masses_work_with_normalize(tmp_path, capsys):
    argv = ["--supply", write(tmp_path, "a.csv", "1,2,3"), "--demand", write(tmp_path, "b.csv", "2,2,3"),
            "--cost", write(tmp_path, "c.csv", "0,1,1\n1,0,1\n1,1,0")]
    assert main(["emd", *argv]) == 2
    assert "--normalize" in capsys.readouterr().err
    assert main(["emd", *argv, "--normalize", "--json"]) == 0
    # Shares (1, 2, 3)/6 against (2, 2, 3)/7 at unit cost off the diagonal: TV = 1/2 sum |p - q|.
    p, q = np.array([1, 2, 3]) / 6, np.array([2, 2, 3]) / 7
    assert json.loads(capsys.readouterr().out)["cost"] == pytest.approx(0.5 * np.abs(p - q).sum(), rel=1e-12)


@pytest.mark.parametrize("argv, message", [
    (["emd"], "nothing to solve"),
    (["emd", "--cost", "{c}"], "--cost needs --supply and --demand"),
    (["emd", "--cost", "{c}", "--supply", "{a}"], "--demand is missing"),
    (["emd", "--cost", "{c}", "--points-a", "{p}", "--points-b", "{p}"], "either --cost or --points-a"),
    (["emd", "--points-a", "{p}"], "--points-b is missing"),
    (["emd", "--cost", "{c}", "--assignment", "--supply", "{a}", "--demand", "{a}"], "drop --supply/--demand"),
    (["emd", "--cost", "{r}", "--assignment"], "as many supply points as demand points"),
    (["emd", "--cost", "{c}", "--assignment", "--normalize"], "--normalize applies to masses"),
    (["emd", "--points-a", "{p}", "--points-b", "{q}"], "holds 2-D points but"),
    (["emd", "--points-a", "{p}", "--points-b", "{p}", "--power", "0.5"], "--power 0.5: must be >= 1"),
    (["emd", "--points-a", "{p}", "--points-b", "{p}", "--power", "two"], "--power 'two': expected a number"),
    (["emd", "--points-a", "{p}", "--points-b", "{p}", "--metric", "bogus"], "ground metric 'bogus'"),
    (["emd", "--cost", "{c}", "--assignment", "--metric", "cityblock"], "--metric and --power apply to point sets"),
    (["emd", "--points-a", "{p}", "--points-b", "{p}", "--supply", "{a}", "--demand", "{a}"],
     "--supply has 3 masses but"),
    (["emd", "--cost", "{c}", "--assignment", "--plot", "{p}/dir/p.png"], "is a file, not a folder"),
    (["emd", "--cost", "{c}", "--assignment", "--plot", "{d}/p.txt"], "expected a .png"),
    (["emd", "--cost", "{c}", "--assignment", "--time-limit", "5"], "--time-limit applies to the sparse solver"),
    (["emd", "--points-a", "{p}", "--points-b", "{p}", "--solver", "simplex", "--time-limit", "5"],
     "--time-limit applies to the sparse solver"),
    (["emd", "--points-a", "{p}", "--points-b", "{p}", "--time-limit", "0"], "--time-limit 0: give a positive"),
    (["emd", "--points-a", "{p}", "--points-b", "{p}", "--time-limit", "nan"], "--time-limit nan: give a positive"),
    (["divergences", "--num", "0"], "--num 0: must be between 1 and 100000"),
    (["divergences", "--num", "ten"], "--num 'ten': expected a whole number"),
    (["divergences", "--theta-min", "2", "--theta-max", "1"], "--theta-min 2 must be below --theta-max 1"),
    (["divergences", "--theta-min", "nan"], "--theta-min nan: expected a finite number"),
    (["divergences", "--resolution", "0"], "--resolution 0: must be between 1 and 2000"),
    (["divergences", "--plot", "{p}/f.png"], "is a file, not a folder"),
])
def test_bad_arguments_are_one_clear_line(tmp_path, capsys, argv, message):
    paths = {"a": write(tmp_path, "a.csv", "1,2,3"), "c": write(tmp_path, "c.csv", "1,2\n3,4"),
             "r": write(tmp_path, "r.csv", "1,2,3\n3,4,5"), "p": write(tmp_path, "p.csv", "0,0\n1,1\n2,0\n3,3"),
             "q": write(tmp_path, "q.csv", "0,0,0\n1,1,1"), "d": str(tmp_path)}
    assert main([a.format(**paths) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wgan: error: ") and message in err and err.count("\n") == 1, err


def test_bad_input_from_a_real_shell_has_no_traceback(tmp_path):
    cost = write(tmp_path, "c.csv", "1,2\n3,nan")
    result = subprocess.run([sys.executable, "-m", "wgan", "emd", "--cost", cost, "--assignment"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"wgan: error: {cost}, line 2, column 2: NaN\n"


def test_emd_time_limit_says_the_answer_is_a_bracket(tmp_path, capsys):
    from wgan.data import load_data

    x = np.random.default_rng(15).normal(size=(2500, 2)) * 0.05
    y = np.asarray(load_data("eight_gaussians").sample(2500, np.random.default_rng(16)), float)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    np.savetxt(a, x, delimiter=",", fmt="%.17g")
    np.savetxt(b, y, delimiter=",", fmt="%.17g")
    truth = wasserstein(x, y)
    assert main(["emd", "--points-a", str(a), "--points-b", str(b), "--time-limit", "1e-9", "--power", "2",
                 "--plan", str(tmp_path / "plan.npz")]) == 0
    out = capsys.readouterr().out
    assert "NOT certified optimal: stopped at --time-limit 1e-09 s" in out and "W2 = cost^(1/2) lies in [" in out
    saved = np.load(tmp_path / "plan.npz")
    assert not bool(saved["certified"]) and float(saved["gap"]) > 0
    assert main(["emd", "--points-a", str(a), "--points-b", str(b), "--time-limit", "1e-9", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["certified"] is False
    assert report["wasserstein_lower_bound"] <= truth <= report["wasserstein"] + 1e-12
    assert main(["emd", "--points-a", str(a), "--points-b", str(b), "--time-limit", "600", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["certified"] is True and report["wasserstein"] == pytest.approx(truth, rel=1e-9)
