"""The sparse candidate-graph solver (wgan.transport.sparse) against independent exact
solvers on the same inputs: POT's dense network simplex (ot.emd2 on the full cost matrix
from scipy's cdist) and scipy's linear_sum_assignment (Birkhoff: for two uniform sets of one
size the assignment optimum is the transport optimum)."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from wgan.errors import WganError
from wgan.transport import TransportWarning, sparse_wasserstein, wasserstein
from wgan.transport import sample_sets

RTOL = 1e-9


def pot_cost(x, y, a=None, b=None, p=1, metric="euclidean"):
    """W_p^p by POT's dense simplex on the full float64 cost matrix."""
    import ot

    x, y = np.asarray(x, float), np.asarray(y, float)
    a = np.full(len(x), 1 / len(x)) if a is None else np.asarray(a, float) / np.sum(a)
    b = np.full(len(y), 1 / len(y)) if b is None else np.asarray(b, float) / np.sum(b)
    cost = cdist(x, y, metric) ** p
    return float(ot.emd2(a, b, cost, numItermax=10**8)), cost, a, b


def assignment_cost(x, y, p=1):
    cost = cdist(x, y) ** p
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


def check_certificate(result, cost, a, b, truth):
    """The plan is feasible and costs `cost`, the potentials are feasible for all pairs,
    and lower_bound <= truth <= cost up to round-off."""
    plan = result.plan.toarray()
    scale = max(float(cost.max()), 1e-300)
    np.testing.assert_allclose(plan.sum(axis=1), a, atol=1e-12)
    np.testing.assert_allclose(plan.sum(axis=0), b, atol=1e-12)
    assert (plan >= 0).all()
    assert result.cost == pytest.approx(float(np.sum(plan * cost)), rel=1e-12, abs=1e-15 * scale)
    assert (cost - result.u[:, None] - result.v[None, :]).min() >= -1e-13 * scale
    assert a @ result.u + b @ result.v == pytest.approx(result.lower_bound, rel=1e-12, abs=1e-15 * scale)
    assert result.lower_bound <= truth + 1e-12 * scale
    # relative to the value, with a floor at the round-off of the costs (a value near 0 has no relative digits)
    assert result.gap <= 1e-9 * truth + 1e-13 * scale


def gaussians(n, m, shift, seed=0, d=2):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(size=(m, d)) + shift * (np.arange(d) == 0)


@pytest.mark.parametrize("shift", [0.0, 0.5, 3.0])
@pytest.mark.parametrize("coarse_size", [0, 100, 1000])
def test_gaussians_against_pot_and_assignment(shift, coarse_size):
    x, y = gaussians(500, 500, shift)
    truth, cost, a, b = pot_cost(x, y)
    result = sparse_wasserstein(x, y, coarse_size=coarse_size)
    assert result.cost == pytest.approx(truth, rel=RTOL)
    assert result.cost == pytest.approx(assignment_cost(x, y), rel=RTOL)
    check_certificate(result, cost, a, b, truth)
    assert result.levels == {0: 1, 100: 3, 1000: 1}[coarse_size]
    assert wasserstein(x, y, solver="sparse") == pytest.approx(truth, rel=RTOL)


def test_eight_gaussian_mixtures():
    from wgan.data import load_data

    data = load_data("eight_gaussians")
    x, y = data.sample(800, np.random.default_rng(1)), data.sample(700, np.random.default_rng(2))
    truth, cost, a, b = pot_cost(x, y)
    result = sparse_wasserstein(x, y, coarse_size=150)
    assert result.cost == pytest.approx(truth, rel=RTOL)
    check_certificate(result, cost, a, b, truth)
    x, y = x[:700], y
    assert sparse_wasserstein(x, y, coarse_size=150).cost == pytest.approx(
        assignment_cost(np.asarray(x, float), np.asarray(y, float)), rel=RTOL)


def test_unequal_sizes_with_random_weights_and_zero_masses():
    rng = np.random.default_rng(3)
    x, y = gaussians(400, 250, 0.7, seed=3)
    a, b = rng.random(400), rng.random(250) * 5
    a[::7] = 0.0
    b[[0, 5, 6]] = 0.0
    truth, cost, a_n, b_n = pot_cost(x, y, a, b)
    for coarse_size in (0, 60):
        result = sparse_wasserstein(x, y, a, b, coarse_size=coarse_size)
        assert result.cost == pytest.approx(truth, rel=RTOL)
        check_certificate(result, cost, a_n, b_n, truth)  # massless points' potentials too
    assert wasserstein(x, y, a, b, solver="sparse") == pytest.approx(truth, rel=RTOL)


def test_duplicate_points():
    rng = np.random.default_rng(4)
    grid = rng.integers(0, 4, size=(300, 2)).astype(float)  # 16 sites, ~19 copies each
    x, y = grid, np.concatenate([grid[:150], rng.integers(0, 4, size=(100, 2)).astype(float) + 0.5])
    truth, cost, a, b = pot_cost(x, y)
    result = sparse_wasserstein(x, y, coarse_size=50)
    assert result.cost == pytest.approx(truth, rel=RTOL)
    check_certificate(result, cost, a, b, truth)
    same = sparse_wasserstein(x, x, coarse_size=50)
    assert same.cost == pytest.approx(0.0, abs=1e-15)


def test_one_point_against_many():
    x, y = gaussians(1, 600, 1.0, seed=5)
    b = np.random.default_rng(5).random(600)
    expected = float(b @ cdist(x, y)[0] / b.sum())  # all of x's mass goes everywhere
    for coarse_size in (0, 100):
        assert sparse_wasserstein(x, y, b=b, coarse_size=coarse_size).cost == pytest.approx(expected, rel=RTOL)
        assert sparse_wasserstein(y, x, a=b, coarse_size=coarse_size).cost == pytest.approx(expected, rel=RTOL)
    assert sparse_wasserstein(x, x).cost == 0.0


def test_a_first_graph_that_is_not_optimal_takes_more_rounds():
    # One nearest neighbour per point, no coarse level: the first plan is far from optimal
    # for clouds a standard deviation apart, and the certification must add the pairs.
    x, y = gaussians(400, 400, 1.0, seed=6)
    truth, cost, a, b = pot_cost(x, y)
    result = sparse_wasserstein(x, y, k=1, coarse_size=0)
    assert result.rounds > 1
    assert result.cost == pytest.approx(truth, rel=RTOL)
    check_certificate(result, cost, a, b, truth)
    assert result.edges < 400 * 400 / 2  # never close to the dense problem


def test_w2_and_a_non_euclidean_metric():
    x, y = gaussians(450, 350, 0.8, seed=7)
    for p, metric in ((2, "euclidean"), (1, "cityblock"), (1.5, "chebyshev"), (2, "sqeuclidean")):
        truth, cost, a, b = pot_cost(x, y, p=p, metric=metric)
        result = sparse_wasserstein(x, y, p=p, metric=metric, coarse_size=80)
        assert result.cost == pytest.approx(truth, rel=RTOL), (p, metric)
        assert result.distance == pytest.approx(truth ** (1 / p), rel=RTOL)
        check_certificate(result, cost, a, b, truth)
    assert wasserstein(x, y, p=2, solver="sparse") == pytest.approx(
        wasserstein(x, y, p=2, solver="simplex"), rel=RTOL)


def test_metrics_with_parameters_from_the_data_match_cdist_on_the_full_sets():
    # cdist derives seuclidean's V and mahalanobis' VI from both sets: blocks must not.
    x, y = gaussians(300, 200, 0.5, seed=8, d=3)
    for metric in ("seuclidean", "mahalanobis"):
        truth, _, _, _ = pot_cost(x, y, metric=metric)
        assert sparse_wasserstein(x, y, metric=metric, coarse_size=50).cost == pytest.approx(truth, rel=RTOL)
    l1 = lambda u, v: float(np.abs(u - v).sum())  # noqa: E731
    x, y = x[:60], y[:50]
    assert sparse_wasserstein(x, y, metric=l1, coarse_size=10).cost == pytest.approx(
        pot_cost(x, y, metric="cityblock")[0], rel=RTOL)


def test_high_dimension_takes_the_matrix_product_route():
    x, y = gaussians(400, 300, 0.5, seed=9, d=64)
    x += 100.0  # far from the origin: centring keeps |x|^2 - 2 x.y + |y|^2 accurate
    y += 100.0
    truth, cost, a, b = pot_cost(x, y)
    result = sparse_wasserstein(x, y, coarse_size=60)
    assert result.cost == pytest.approx(truth, rel=RTOL)
    check_certificate(result, cost, a, b, truth)
    truth2 = pot_cost(x, y, p=2, metric="euclidean")[0]
    assert sparse_wasserstein(x, y, p=2, coarse_size=60).cost == pytest.approx(truth2, rel=RTOL)


@pytest.mark.parametrize("scale", [1e-12, 1e-3, 1e9])
def test_any_cost_scale(scale):
    x, y = gaussians(300, 300, 0.5, seed=10)
    reference = sparse_wasserstein(x, y, coarse_size=50).cost
    assert sparse_wasserstein(x * scale, y * scale, coarse_size=50).cost == pytest.approx(reference * scale, rel=RTOL)


points = st.integers(1, 9).flatmap(
    lambda n: st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3)), min_size=n, max_size=n))
weights = st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.5]), min_size=9, max_size=9)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(x=points, y=points, wa=weights, wb=weights, p=st.sampled_from([1, 2]),
       k=st.integers(1, 3), coarse_size=st.sampled_from([0, 2, 4]))
def test_random_small_problems_against_pot(x, y, wa, wb, p, k, coarse_size):
    x, y = np.array(x, float), np.array(y, float)  # integer grid: ties and duplicates
    a, b = np.array(wa[:len(x)]), np.array(wb[:len(y)])
    if a.sum() == 0:
        a[0] = 1.0
    if b.sum() == 0:
        b[-1] = 1.0
    truth, cost, a_n, b_n = pot_cost(x, y, a, b, p=p)
    result = sparse_wasserstein(x, y, a, b, p=p, k=k, coarse_size=coarse_size)
    assert result.cost == pytest.approx(truth, rel=RTOL, abs=1e-12)
    check_certificate(result, cost, a_n, b_n, truth)


def test_auto_takes_the_sparse_route_for_large_sets(monkeypatch):
    import wgan.transport.sparse as sparse

    calls = []
    real = sparse.sparse_wasserstein
    monkeypatch.setattr(sparse, "sparse_wasserstein", lambda *args, **kw: calls.append(1) or real(*args, **kw))
    x, y = gaussians(300, 200, 0.5, seed=11)
    expected = pot_cost(x, y)[0]
    assert wasserstein(x, y) == pytest.approx(expected, rel=RTOL)
    assert not calls  # 6e4 pairs: the dense simplex
    monkeypatch.setattr(sample_sets, "_SPARSE_MIN_PAIRS", 300 * 200)
    assert wasserstein(x, y) == pytest.approx(expected, rel=RTOL)
    assert calls == [1]


def test_iteration_cap_reached_is_a_warning():
    x, y = gaussians(200, 200, 0.5, seed=12)
    with pytest.warns(TransportWarning, match="iteration cap"):
        sparse_wasserstein(x, y, coarse_size=0, max_iter=5)
    with pytest.warns(TransportWarning, match="iteration cap"):
        wasserstein(x, y, solver="sparse", max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sparse_wasserstein(x, y, coarse_size=0)


@pytest.mark.parametrize("kwargs, message", [
    ({"k": 0}, r"k = 0: must be an integer >= 1"),
    ({"k": 2.5}, r"k = 2.5: must be an integer >= 1"),
    ({"k": True}, r"k = True: must be an integer >= 1"),
    ({"coarse_size": -1}, r"coarse_size = -1: must be an integer >= 0"),
    ({"p": 0.5}, r"p = 0.5: must be >= 1"),
    ({"metric": "bogus"}, r"ground metric 'bogus'"),
    ({"metric": lambda u, v: -1.0}, r"ground cost \(<lambda>\)\[\d, \d\] = -1 is negative"),
    ({"metric": lambda u, v: np.nan}, r"ground cost \(<lambda>\)\[\d, \d\] is NaN"),
    ({"a": [1.0, -1.0, 1.0]}, r"a\[1\] = -1"),
    ({"b": [1.0, 1.0]}, r"b: expected 3 weights"),
])
def test_bad_input_names_the_value(kwargs, message):
    x = np.arange(6.0).reshape(3, 2)
    with pytest.raises(WganError, match=message):
        sparse_wasserstein(x, x + 1, **kwargs)


def test_bad_points_and_solver_names():
    with pytest.raises(WganError, match="NaN"):
        sparse_wasserstein(np.array([[0.0, np.nan]]), np.zeros((1, 2)))
    with pytest.raises(WganError, match="dimension"):
        sparse_wasserstein(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(WganError, match=r"ground cost \(euclidean\)\[0, 0\] is infinite"):
        sparse_wasserstein(np.zeros((2, 2)), np.full((2, 2), 1e300))
    with pytest.raises(WganError, match="allowed values are auto, simplex, sparse, assignment"):
        wasserstein(np.zeros((2, 2)), np.zeros((2, 2)), solver="lp")


def test_ten_dimensions_against_pot_and_assignment():
    x, y = gaussians(400, 400, 0.5, seed=13, d=10)
    truth, cost, a, b = pot_cost(x, y)
    for p in (1, 2):
        truth = pot_cost(x, y, p=p)[0]
        result = sparse_wasserstein(x, y, p=p, coarse_size=80)
        assert result.cost == pytest.approx(truth, rel=RTOL)
        assert result.cost == pytest.approx(assignment_cost(x, y, p=p), rel=RTOL)
    check_certificate(sparse_wasserstein(x, y, coarse_size=0), cost, a, b, pot_cost(x, y)[0])


def test_far_apart_clouds_need_the_certificate():
    # Every point's nearest neighbours in the other cloud are the few at its near edge: the
    # first kNN graph carries the mass, but not optimally, and certification adds the pairs.
    x, y = gaussians(500, 500, 20.0, seed=14)
    truth, cost, a, b = pot_cost(x, y)
    result = sparse_wasserstein(x, y, coarse_size=0)
    assert result.rounds > 1
    assert result.cost == pytest.approx(truth, rel=RTOL)
    assert result.cost == pytest.approx(assignment_cost(x, y), rel=RTOL)
    check_certificate(result, cost, a, b, truth)


def test_a_tight_blob_against_eight_gaussians():
    # An untrained generator: all its samples in one blob, every blob point with the same
    # nearest neighbours; coarse potentials extended to the fine level are not optimal.
    from wgan.data import load_data

    x = np.random.default_rng(15).normal(size=(600, 2)) * 0.05
    y = np.asarray(load_data("eight_gaussians").sample(600, np.random.default_rng(16)), float)
    truth, cost, a, b = pot_cost(x, y)
    for coarse_size in (0, 100):
        result = sparse_wasserstein(x, y, coarse_size=coarse_size)
        assert result.rounds > 1
        assert result.cost == pytest.approx(truth, rel=RTOL)
        check_certificate(result, cost, a, b, truth)
    assert result.cost == pytest.approx(assignment_cost(x, y), rel=RTOL)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_tiny_sets_against_assignment(n):
    rng = np.random.default_rng(17 + n)
    for d in (2, 10):
        x, y = rng.normal(size=(n, d)), rng.normal(size=(n, d)) + 1.0
        for k, coarse_size in ((1, 0), (32, 0), (2, 1)):
            result = sparse_wasserstein(x, y, k=k, coarse_size=coarse_size)
            assert result.cost == pytest.approx(assignment_cost(x, y), rel=RTOL)
            assert result.cost == pytest.approx(pot_cost(x, y)[0], rel=RTOL)
        assert wasserstein(x, y, solver="sparse") == pytest.approx(assignment_cost(x, y), rel=RTOL)


def test_ties_on_a_lattice():
    # Two shifted copies of a lattice: many optimal plans, equal costs everywhere.
    g = np.stack(np.meshgrid(np.arange(15.0), np.arange(15.0)), -1).reshape(-1, 2)
    for shift in ((0.5, 0.5), (1.0, 0.0), (7.0, 0.0)):
        x, y = g, g + np.array(shift)
        truth, cost, a, b = pot_cost(x, y)
        result = sparse_wasserstein(x, y, coarse_size=40)
        assert result.cost == pytest.approx(truth, rel=RTOL)
        assert result.cost == pytest.approx(assignment_cost(x, y), rel=RTOL)
        check_certificate(result, cost, a, b, truth)


def test_auto_keeps_the_dense_simplex_for_a_metric_given_as_a_function(monkeypatch):
    import wgan.transport.sparse as sparse

    calls = []
    monkeypatch.setattr(sparse, "sparse_wasserstein", lambda *args, **kw: calls.append(1))
    monkeypatch.setattr(sample_sets, "_SPARSE_MIN_PAIRS", 1)
    x, y = gaussians(30, 20, 0.5, seed=18)
    l1 = lambda u, v: float(np.abs(u - v).sum())  # noqa: E731
    assert wasserstein(x, y, metric=l1) == pytest.approx(pot_cost(x, y, metric="cityblock")[0], rel=RTOL)
    assert not calls


@pytest.mark.parametrize("version", ["0.9.6", "0.9.8", "1.0.0", "unknown"])
def test_warm_starts_only_on_the_pot_releases_checked(monkeypatch, version):
    """POT's compiled warm-start routine is used on the releases in _WARM_START_POT only."""
    import ot

    from wgan.transport import exact

    assert exact.warm_start_solver() is not None  # the pinned POT (constraints.txt) is one of them
    monkeypatch.setattr(ot, "__version__", version)
    assert exact.warm_start_solver() is None


@pytest.mark.parametrize("coarse_size", [0, 100])
def test_sparse_solves_without_warm_starts_reach_the_same_certified_optimum(monkeypatch, coarse_size):
    """The fallback where POT's warm-start routine is not vouched for: every sparse solve goes
    through the public ot.emd on a COO cost matrix, from scratch."""
    from wgan.transport import exact

    x, y = gaussians(600, 500, 0.5, seed=3)
    truth, cost, a, b = pot_cost(x, y)
    warm = sparse_wasserstein(x, y, k=4, coarse_size=coarse_size)
    used = []
    monkeypatch.setattr(exact, "warm_start_solver", lambda: used.append(1))
    cold = sparse_wasserstein(x, y, k=4, coarse_size=coarse_size)
    assert used and cold.rounds > 1  # asked on every warm-started solve, and more than one solve
    check_certificate(cold, cost, a, b, truth)
    assert cold.cost == pytest.approx(truth, rel=RTOL) and warm.cost == pytest.approx(cold.cost, rel=RTOL)


def test_a_pot_older_than_the_floor_is_named_in_one_line(monkeypatch):
    """POT 0.9.5 and 0.9.6 (below pyproject's floor) have no sparse cost in ot.emd: say so."""
    import ot

    monkeypatch.setattr(ot, "__version__", "0.9.5")
    x, y = gaussians(60, 60, 0.5)
    with pytest.raises(WganError, match=r"POT 0.9.5 is installed, but the sparse exact solver needs POT >= 0.9.7"):
        sparse_wasserstein(x, y, coarse_size=0)


def test_a_time_limit_returns_a_feasible_plan_and_a_certified_bracket():
    # Past the limit every level solves once: the tight blob's first fine graph is not yet
    # optimal, so the answer is a bracket, and the dense optimum lies inside it.
    from wgan.data import load_data

    x = np.random.default_rng(15).normal(size=(3000, 2)) * 0.05
    y = np.asarray(load_data("eight_gaussians").sample(3000, np.random.default_rng(16)), float)
    truth, cost, a, b = pot_cost(x, y)
    stopped = sparse_wasserstein(x, y, time_limit=1e-9)
    assert stopped.rounds == 1 and not stopped.certified
    assert stopped.lower_bound <= truth <= stopped.cost + 1e-12
    assert stopped.gap > 1e-9 * truth  # not within the exact tolerance: that is why it says so
    plan = stopped.plan.toarray()
    np.testing.assert_allclose(plan.sum(axis=1), a, atol=1e-12)
    np.testing.assert_allclose(plan.sum(axis=0), b, atol=1e-12)
    assert stopped.cost == pytest.approx(float(np.sum(plan * cost)), rel=1e-12)
    exact = sparse_wasserstein(x, y, time_limit=3600)
    assert exact.certified and exact.cost == pytest.approx(truth, rel=RTOL)
    for bad in (0, -1.0, "10", True):
        with pytest.raises(WganError, match="time_limit"):
            sparse_wasserstein(x[:10], y[:10], time_limit=bad)
