"""Exact transport at scale: memory checked before a solve, `wgan emd` on point sets through
the sparse solver, its plan summarised, written sparse (--plan, --json) and drawn."""
import json

import numpy as np
import pytest
import scipy.sparse
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from wgan.cli import main
from wgan.errors import WganError
from wgan.transport import memory, sparse_wasserstein, wasserstein


def write_points(path, points):
    np.savetxt(path, points, delimiter=",")
    return str(path)


@pytest.fixture
def clouds(tmp_path):
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(150, 2)), rng.normal(size=(150, 2)) + [0.7, 0.0]
    return x, y, write_points(tmp_path / "x.csv", x), write_points(tmp_path / "y.csv", y)


def test_available_memory_reads_meminfo_and_the_cgroup(tmp_path):
    (tmp_path / "meminfo").write_text("MemTotal:  100 kB\nMemAvailable:    2048 kB\n")
    assert memory._meminfo_available(str(tmp_path / "meminfo")) == 2048 * 1024
    (tmp_path / "memory.max").write_text("1000000\n")
    (tmp_path / "memory.current").write_text("400000\n")
    assert memory._cgroup_room(str(tmp_path)) == 600000
    (tmp_path / "memory.max").write_text("max\n")
    assert memory._cgroup_room(str(tmp_path)) is None
    assert memory.available_bytes() is None or memory.available_bytes() > 0


def test_a_dense_solve_that_cannot_fit_is_refused_in_one_line(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 2 * 2 ** 30)
    with pytest.raises(WganError) as caught:
        memory.check_fits("simplex", 20_000, 20_000)
    message = str(caught.value)
    assert "\n" not in message
    assert "20,000 x 20,000" in message
    assert f"needs about {memory.gib(memory.estimate_bytes('simplex', 20_000, 20_000))} of memory" in message and "2.0 GiB is available" in message
    for alternative in ("--solver sparse", "sinkhorn", "sliced", "fewer points"):
        assert alternative in message
    memory.check_fits("sparse", 20_000, 20_000)  # O(n + m): fits
    memory.check_fits("simplex", 1_000, 1_000)


def test_library_refuses_before_building_the_matrix(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 10 * 2 ** 20)
    x = np.zeros((600, 2))
    with pytest.raises(WganError, match="needs about .* of memory, 10 MiB is available"):
        wasserstein(x, x, solver="simplex")


def test_cli_refusal_names_the_numbers(monkeypatch, clouds, capsys):
    monkeypatch.setattr(memory, "available_bytes", lambda: 100 * 2 ** 20)
    *_, fx, fy = clouds
    assert main(["emd", "--points-a", fx, "--points-b", fy, "--solver", "simplex"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "100 MiB is available" in err and "--solver sparse" in err


@pytest.mark.parametrize("n, m, d, metric, p", [
    (120, 120, 2, "euclidean", 1), (200, 90, 2, "cityblock", 1), (150, 150, 3, "euclidean", 2),
    (300, 250, 1, "chebyshev", 1), (80, 130, 5, "euclidean", 1), (400, 400, 2, "sqeuclidean", 1)])
@pytest.mark.parametrize("tiles", [False, True])
def test_sparse_solver_equals_pot_on_a_matrix_of_problems(n, m, d, metric, p, tiles, monkeypatch):
    import ot

    from wgan.transport import sparse

    monkeypatch.setattr(sparse, "_TILE_MIN_PAIRS", 0 if tiles else 10**18)

    rng = np.random.default_rng(n + m + d)
    x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d)) * 1.3 + 0.4
    result = sparse_wasserstein(x, y, p=p, metric=metric, coarse_size=50)
    expected = ot.emd2(np.full(n, 1 / n), np.full(m, 1 / m), cdist(x, y, metric) ** p, numItermax=10**7)
    assert result.cost == pytest.approx(expected, rel=1e-9)
    # Certified: the potentials are feasible for every pair and bound the optimum from below.
    c = cdist(x, y, metric) ** p
    assert (result.u[:, None] + result.v[None, :] <= c + 1e-9 * c.max()).all()
    assert 0 <= result.gap <= 1e-9 * result.cost + 1e-12
    assert result.lower_bound == pytest.approx(result.u.mean() + result.v.mean(), rel=1e-9)
    if n == m:
        rows, cols = linear_sum_assignment(c)
        assert result.cost == pytest.approx(c[rows, cols].mean(), rel=1e-9)


def test_emd_points_take_the_sparse_solver_and_write_the_plan(clouds, tmp_path, capsys):
    import ot

    x, y, fx, fy = clouds
    npz, png = tmp_path / "plan.npz", tmp_path / "plan.png"
    assert main(["emd", "--points-a", fx, "--points-b", fy, "--solver", "sparse",
                 "--plan", str(npz), "--plot", str(png)]) == 0
    out = capsys.readouterr().out.splitlines()
    expected = ot.emd2(np.full(150, 1 / 150), np.full(150, 1 / 150), cdist(x, y), numItermax=10**7)
    assert out[0].startswith(f"W1 = {expected:.6g} ")
    assert out[1].startswith("certified optimal by the sparse solver")
    assert out[2] == "plan: 150 x 150, 150 non-zero entries; the heaviest 30:"
    assert out[-3].startswith("... and 120 more")
    assert out[-2] == f"plan: {npz} (150 non-zero entries)" and out[-1] == f"plot: {png}"
    saved = np.load(npz)
    plan = scipy.sparse.coo_array((saved["mass"], (saved["rows"], saved["cols"])), shape=tuple(saved["shape"]))
    dense = plan.toarray()
    np.testing.assert_allclose(dense.sum(axis=1), 1 / 150, rtol=1e-9)
    np.testing.assert_allclose(dense.sum(axis=0), 1 / 150, rtol=1e-9)
    assert float(saved["cost"]) == pytest.approx(expected, rel=1e-9)
    assert float((dense * cdist(x, y)).sum()) == pytest.approx(expected, rel=1e-9)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_listed_entries_are_the_heaviest_with_their_costs(tmp_path, capsys):
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(60, 2)), rng.normal(size=(45, 2))
    fx, fy = write_points(tmp_path / "x.csv", x), write_points(tmp_path / "y.csv", y)
    assert main(["emd", "--points-a", fx, "--points-b", fy, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    moves = report["nonzeros"]
    assert main(["emd", "--points-a", fx, "--points-b", fy]) == 0
    lines = capsys.readouterr().out.splitlines()
    listed = [ln.split() for ln in lines if ln.lstrip().startswith("x")]
    assert len(listed) == 30
    heaviest = sorted(moves["mass"], reverse=True)[:30]
    np.testing.assert_allclose([float(r[2]) for r in listed], heaviest, rtol=1e-5)
    for r in listed:
        i, j = int(r[0][1:]) - 1, int(r[1][1:]) - 1
        assert float(r[3]) == pytest.approx(np.linalg.norm(x[i] - y[j]), rel=1e-5)


def test_json_holds_the_non_zeros_and_the_dense_plan_only_when_small(clouds, tmp_path, capsys):
    x, y, fx, fy = clouds
    assert main(["emd", "--points-a", fx, "--points-b", fy, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "plan" not in report  # 150 x 150 > 10,000 entries
    moves = report["nonzeros"]
    plan = np.zeros((150, 150))
    plan[moves["from"], moves["to"]] = moves["mass"]
    np.testing.assert_allclose(plan.sum(axis=0), 1 / 150, rtol=1e-9)
    assert report["cost"] == pytest.approx((plan * cdist(x, y)).sum(), rel=1e-9)
    small_x, small_y = write_points(tmp_path / "a.csv", x[:20]), write_points(tmp_path / "b.csv", y[:30])
    assert main(["emd", "--points-a", small_x, "--points-b", small_y, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert np.asarray(report["plan"]).shape == (20, 30)
    assert report["solver"] == "simplex"


def test_a_large_plot_draws_the_heaviest_moves(tmp_path):
    from wgan.plots import plot_transport_points

    rng = np.random.default_rng(0)
    n = 3000
    x, y = rng.normal(size=(n, 2)), rng.normal(size=(n, 2))
    rows, cols, mass = np.arange(n), rng.permutation(n), rng.random(n)
    out = plot_transport_points(x, y, (rows, cols, mass), tmp_path / "p.png", title="t", max_moves=2000)
    assert out.stat().st_size > 0


@pytest.mark.parametrize("argv, message", [
    (["--solver", "sparse", "--cost", "{c}", "--assignment"], "--solver sparse applies to point sets"),
    (["--points-a", "{p}", "--points-b", "{p}", "--plan", "{d}/plan.txt"], "expected a .npz file name"),
    (["--points-a", "{p}", "--points-b", "{p}", "--plan", "{p}/plan.npz"], "is a file, not a folder"),
])
def test_bad_solver_and_plan_flags_are_one_line(tmp_path, capsys, argv, message):
    (tmp_path / "c.csv").write_text("1,2\n3,4\n")
    write_points(tmp_path / "p.csv", np.eye(3))
    argv = [a.format(c=tmp_path / "c.csv", p=tmp_path / "p.csv", d=tmp_path) for a in argv]
    assert main(["emd", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("sep, header, comment", [(",", "x,y,z", ""), (";", "", "# made by hand\n"),
                                                  ("\t", "a\tb\tc", ""), (" ", "", "")])
def test_point_reader_reads_exactly_the_numbers_written(tmp_path, sep, header, comment):
    from wgan.data.points import read_point_file

    rng = np.random.default_rng(1)
    values = rng.normal(size=(500, 3)) * 10.0 ** rng.integers(-8, 8, size=(500, 3))
    text = comment + (header + "\n" if header else "") + "\n".join(sep.join(repr(float(v)) for v in row)
                                                                     for row in values) + "\n"
    path = tmp_path / "p.csv"
    path.write_text(text)
    file = read_point_file(path)
    assert np.array_equal(file.points, values)  # the same float64 as Python's float(text)
    assert file.header == (header or None) and file.delimiter == sep


def test_point_reader_still_names_the_bad_line(tmp_path):
    from wgan.data.points import read_point_file
    from wgan.errors import DataError

    path = tmp_path / "p.csv"
    path.write_text("x,y\n" + "1,2\n" * 3000 + "3,oops\n")
    with pytest.raises(DataError, match="line 3002, column 2: 'oops' is not a number"):
        read_point_file(path)


@pytest.mark.parametrize("case", ["blob", "far", "duplicates", "lattice", "weights", "seuclidean"])
def test_tiled_passes_on_hard_cases(case, monkeypatch):
    """Tiles prune pairs by bounds; forced on at every level, the optimum stays POT's."""
    import ot

    from wgan.transport import sparse

    monkeypatch.setattr(sparse, "_TILE_MIN_PAIRS", 0)
    rng = np.random.default_rng(5)
    a = b = None
    metric = "euclidean"
    if case == "blob":
        x = 0.05 * rng.normal(size=(600, 2))
        angles = 2 * np.pi * rng.integers(8, size=500) / 8
        y = 2 * np.stack([np.cos(angles), np.sin(angles)], 1) + 0.02 * rng.normal(size=(500, 2))
    elif case == "far":
        x, y = rng.normal(size=(400, 2)), rng.normal(size=(400, 2)) + [50.0, -20.0]
    elif case == "duplicates":
        x = np.repeat(rng.normal(size=(40, 2)), 10, axis=0)
        y = np.repeat(rng.normal(size=(50, 2)), 8, axis=0)
    elif case == "lattice":
        g = np.stack(np.meshgrid(np.arange(20), np.arange(20)), -1).reshape(-1, 2).astype(float)
        x, y = g, g + [0.5, 0.0]
    elif case == "weights":
        x, y = rng.normal(size=(300, 3)), rng.normal(size=(350, 3)) + 0.5
        a, b = rng.random(300) * (rng.random(300) > 0.3), rng.random(350)
    else:
        x, y = rng.normal(size=(300, 2)) * [1.0, 30.0], rng.normal(size=(300, 2)) * [2.0, 10.0]
        metric = "seuclidean"
    wa = np.full(len(x), 1 / len(x)) if a is None else a / a.sum()
    wb = np.full(len(y), 1 / len(y)) if b is None else b / b.sum()
    options = {"V": np.var(np.vstack([x, y]), axis=0, ddof=1)} if metric == "seuclidean" else {}
    c = cdist(x, y, metric, **options)
    expected = ot.emd2(wa, wb, c, numItermax=10**8)
    result = sparse_wasserstein(x, y, a, b, metric=metric, coarse_size=60)
    assert result.cost == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert result.gap <= 1e-9 * result.cost + 1e-12
    keep = wa > 0
    assert (result.u[keep, None] + result.v[None, :] <= c[keep] + 1e-9 * c.max()).all()


@pytest.mark.parametrize("metric, p", [("euclidean", 1), ("cityblock", 1), ("chebyshev", 2), ("sqeuclidean", 1)])
def test_tile_bounds_hold_for_every_pair(metric, p):
    from wgan.transport.tiles import Tiles, cost_bounds

    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(700, 3)), rng.normal(size=(500, 3)) * 2
    tx, ty = Tiles(x, 16), Tiles(y, 8)
    assert sorted(tx.order.tolist()) == list(range(700)) and tx.sizes.max() <= 16
    lower, upper = cost_bounds(tx, ty, metric, p, {})
    c = cdist(x, y, metric) ** p
    assert (lower[tx.tile_of][:, ty.tile_of] <= c).all() and (c <= upper[tx.tile_of][:, ty.tile_of]).all()
    assert np.array_equal(np.sort(ty.gather(np.array([3, 1]))), np.sort(np.r_[ty.members(3), ty.members(1)]))


def test_long_solves_say_where_they_are(monkeypatch, caplog):
    import logging

    from wgan.transport import sparse

    monkeypatch.setattr(sparse, "_QUIET_SECONDS", 0.0)
    rng = np.random.default_rng(0)
    with caplog.at_level(logging.INFO, logger="wgan"):
        sparse_wasserstein(rng.normal(size=(300, 2)), rng.normal(size=(300, 2)), coarse_size=50)
    lines = [r.getMessage() for r in caplog.records]
    assert any(ln.startswith("exact transport: level 3/3 (300 x 300 points): solving on") for ln in lines)
    assert any("round 1:" in ln and "gap" in ln for ln in lines)


def test_ties_among_the_heaviest_moves_are_a_seeded_sample():
    from wgan.plots.transport import heaviest_moves

    mass = np.full(1000, 1e-3) * (1 + 1e-13 * np.arange(1000))  # equal up to round-off
    mass[[5, 700]] = 2e-3
    first = heaviest_moves(mass, 50)
    assert set(first[:2]) == {5, 700}
    assert np.array_equal(first, heaviest_moves(mass, 50))
    assert first[2:].max() > 500 and first[2:].min() < 500  # not the last 48 by round-off
