import numpy as np
import pytest
import scipy.stats

from wgan.errors import WganError
from wgan.transport import exact_solver_iterations, wasserstein, wasserstein_1d


@pytest.mark.parametrize("seed", range(3))
def test_w1_matches_scipy_in_one_dimension(seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=50), rng.exponential(size=70) + 0.5
    a, b = rng.random(50), rng.random(70)
    expected = scipy.stats.wasserstein_distance(x, y, a, b)
    assert wasserstein_1d(x, y, a, b) == pytest.approx(expected, rel=1e-10)
    # The network simplex route on the same 1-D points (forced through a 2-D embedding).
    x2, y2 = np.stack([x, np.zeros_like(x)], 1), np.stack([y, np.zeros_like(y)], 1)
    assert wasserstein(x2, y2, a, b) == pytest.approx(expected, rel=1e-9)


def test_w1_of_a_translate_is_the_translation_length():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    c = np.array([0.3, -0.4])
    assert wasserstein(x, x + c) == pytest.approx(0.5, rel=1e-9)
    assert wasserstein(x, x) == pytest.approx(0.0, abs=1e-12)


def test_w2_is_a_distance_not_its_square():
    x = np.zeros((4, 2))
    assert wasserstein(x, x + np.array([3.0, 4.0]), p=2) == pytest.approx(5.0)


def test_iteration_cap_exceeds_pot_default():
    assert exact_solver_iterations(10_000, 10_000) > 100_000 * 1000


def test_bad_points_are_errors():
    with pytest.raises(WganError, match="NaN"):
        wasserstein(np.array([[0.0, np.nan]]), np.zeros((1, 2)))
    with pytest.raises(WganError, match="dimension"):
        wasserstein(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(WganError, match="weights"):
        wasserstein(np.zeros((3, 2)), np.zeros((3, 2)), a=np.array([1.0, -1.0, 1.0]))


# --------------------------------------------------------------------------------------
# Discrete transport: hand-solved problems, the lecture notes' examples, properties, bad input.

import itertools
import warnings
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from wgan.transport import (TransportWarning, earth_movers_distance, ground_cost, monge_assignment,
                            sinkhorn, sliced_wasserstein, random_directions, transport_plan)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "bakeries"

# The lecture notes' "Parisian Bakeries": delivery minutes from bakery x_i (row) to cafe y_j (column),
# the loaves each bakery holds and each cafe wants, and the optimal plan the notes show.
BAKERY_COST = np.array([[12, 10, 31, 27, 10, 30],
                        [22, 7, 25, 15, 11, 14],
                        [19, 7, 19, 10, 15, 15],
                        [10, 6, 21, 19, 14, 24],
                        [15, 23, 14, 24, 31, 34],
                        [35, 26, 16, 9, 34, 15]], dtype=float)
BAKERY_SUPPLY = np.array([24, 9, 3, 16, 21, 27], dtype=float)
BAKERY_DEMAND = np.array([3, 23, 18, 26, 16, 14], dtype=float)
BAKERY_NOTES_PLAN = np.array([[1, 7, 0, 0, 16, 0],
                             [0, 0, 0, 0, 0, 9],
                             [0, 0, 0, 0, 0, 3],
                             [0, 16, 0, 0, 0, 0],
                             [2, 0, 18, 1, 0, 0],
                             [0, 0, 0, 25, 0, 2]], dtype=float)


def assert_optimal(result, a, b, cost, rtol=1e-9):
    """Primal feasibility, the cost of the plan, dual feasibility and zero duality gap."""
    scale = max(a.sum(), 1e-300)
    np.testing.assert_allclose(result.plan.sum(axis=1), a, atol=1e-9 * scale)
    np.testing.assert_allclose(result.plan.sum(axis=0), b, atol=1e-9 * scale)
    assert (result.plan >= -1e-12 * scale).all()
    assert result.cost == pytest.approx(float(np.sum(result.plan * cost)), rel=rtol, abs=1e-12 * scale)
    top = max(cost.max(), 1.0)
    assert (result.u[:, None] + result.v[None, :] <= cost + 1e-9 * top).all()
    assert a @ result.u + b @ result.v == pytest.approx(result.cost, rel=rtol, abs=1e-9 * top * scale)


def test_two_by_two_solved_on_paper():
    # x1 holds 3, x2 holds 1; y1 and y2 want 2 each. With t = plan[0, 0] in [1, 2] the cost is
    # t*1 + (3 - t)*4 + (2 - t)*2 + (t - 1)*1 = 15 - 4t: minimal at t = 2, cost 7.
    # Duals on the basic cells (0,0), (0,1), (1,1): u1 = 0, v1 = 1, v2 = 4, u2 = -3.
    a, b, cost = np.array([3.0, 1.0]), np.array([2.0, 2.0]), np.array([[1.0, 4.0], [2.0, 1.0]])
    result = earth_movers_distance(a, b, cost)
    assert result.cost == pytest.approx(7.0)
    np.testing.assert_allclose(result.plan, [[2.0, 1.0], [0.0, 1.0]], atol=1e-12)
    shift = result.u[0]  # potentials are unique up to u + c, v - c
    np.testing.assert_allclose(result.u - shift, [0.0, -3.0], atol=1e-12)
    np.testing.assert_allclose(result.v + shift, [1.0, 4.0], atol=1e-12)
    assert_optimal(result, a, b, cost)


def test_three_by_three_solved_on_paper():
    # Three sites on a line at 0, 1, 2 with cost (i - j)^2, strictly convex: the monotone
    # (north-west corner) plan is the unique optimum. CDFs (.5, .8, 1) and (.2, .5, 1):
    # x0 sends .2 to y0 and .3 to y1, x1 sends .3 to y2, x2 keeps .2: cost .3 + .3 = 0.6.
    # Moving .3 from x0 to y2 directly would cost 4 per unit instead of 1 + 1.
    a, b = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5])
    cost = np.subtract.outer(np.arange(3.0), np.arange(3.0)) ** 2
    result = earth_movers_distance(a, b, cost)
    assert result.cost == pytest.approx(0.6)
    np.testing.assert_allclose(result.plan, [[0.2, 0.3, 0.0], [0.0, 0.0, 0.3], [0.0, 0.0, 0.2]], atol=1e-12)
    assert_optimal(result, a, b, cost)


def test_lecture_notes_discrete_example_has_w_one_half():
    # The WGAN notes, eq. (4): W = 0.1*0 + 0.2*2 + 0.2*0 + 0.1*0 + 0.1*1 + 0.3*0 = 0.5. Its figure is
    # not in the text; these P, Q on the sites 0, 1, 2, 3 are the ones that plan transports:
    # 0.2 moves 0 -> 2, 0.1 moves 1 -> 2, the rest (0.1, 0.2, 0.1, 0.3) stays.
    sites = np.arange(4.0)
    notes_plan = np.zeros((4, 4))
    for (i, j), mass in {(0, 0): 0.1, (0, 2): 0.2, (1, 1): 0.2, (2, 2): 0.1, (1, 2): 0.1, (3, 3): 0.3}.items():
        notes_plan[i, j] = mass
    p, q = notes_plan.sum(axis=1), notes_plan.sum(axis=0)
    np.testing.assert_allclose(p, [0.3, 0.3, 0.1, 0.3])
    np.testing.assert_allclose(q, [0.1, 0.2, 0.4, 0.3])
    cost = np.abs(np.subtract.outer(sites, sites))
    assert np.sum(notes_plan * cost) == pytest.approx(0.5)
    result = earth_movers_distance(p, q, cost)
    assert result.cost == pytest.approx(0.5, rel=1e-12)  # so the notes' plan is an optimal one
    assert_optimal(result, p, q, cost)
    assert wasserstein_1d(sites, sites, p, q) == pytest.approx(0.5, rel=1e-12)
    assert scipy.stats.wasserstein_distance(sites, sites, p, q) == pytest.approx(0.5, rel=1e-12)


def test_bakery_example_files_are_the_lecture_notes_numbers():
    assert np.array_equal(np.loadtxt(EXAMPLES / "cost.csv", delimiter=","), BAKERY_COST)
    assert np.array_equal(np.loadtxt(EXAMPLES / "supply.csv"), BAKERY_SUPPLY)
    assert np.array_equal(np.loadtxt(EXAMPLES / "demand.csv", delimiter=","), BAKERY_DEMAND)
    # The notes' own optimal plan is feasible: each bakery ships what it holds, each cafe gets its order.
    np.testing.assert_array_equal(BAKERY_NOTES_PLAN.sum(axis=1), BAKERY_SUPPLY)
    np.testing.assert_array_equal(BAKERY_NOTES_PLAN.sum(axis=0), BAKERY_DEMAND)


def test_bakery_plan_against_an_independent_linear_program():
    from scipy.optimize import linprog

    n, m = BAKERY_COST.shape
    rows, cols = np.kron(np.eye(n), np.ones(m)), np.kron(np.ones(n), np.eye(m))
    lp = linprog(BAKERY_COST.ravel(), A_eq=np.vstack([rows, cols]),
                 b_eq=np.concatenate([BAKERY_SUPPLY, BAKERY_DEMAND]), bounds=(0, None), method="highs")
    assert lp.status == 0
    result = earth_movers_distance(BAKERY_SUPPLY, BAKERY_DEMAND, BAKERY_COST)
    assert result.cost == pytest.approx(lp.fun, rel=1e-12) == 1070.0
    assert np.sum(BAKERY_NOTES_PLAN * BAKERY_COST) == 1070.0
    # Every non-basic cell has a positive reduced cost, so the optimum is unique: it is the notes'.
    reduced = BAKERY_COST - result.u[:, None] - result.v[None, :]
    assert (reduced[result.plan == 0] > 1e-9).all()
    np.testing.assert_allclose(result.plan, BAKERY_NOTES_PLAN, atol=1e-9)
    np.testing.assert_allclose(lp.x.reshape(n, m), BAKERY_NOTES_PLAN, atol=1e-7)
    assert_optimal(result, BAKERY_SUPPLY, BAKERY_DEMAND, BAKERY_COST)


def brute_force_assignment(cost: np.ndarray) -> float:
    n = len(cost)
    perms = np.array(list(itertools.permutations(range(n))))
    return float(cost[np.arange(n), perms].sum(axis=1).min())


def test_bakery_monge_assignment_beats_the_notes_65():
    # The notes price their delivery at 10 + 7 + 15 + 10 + 14 + 9 = 65 (x1->y5, x2->y2, x3->y6,
    # x4->y1, x5->y3, x6->y4). Sending x2 to y6 (14) and x3 to y2 (7) instead saves a minute.
    notes_assignment = [4, 1, 5, 0, 2, 3]
    assert BAKERY_COST[np.arange(6), notes_assignment].sum() == 65
    result = monge_assignment(BAKERY_COST)
    assert result.cost == brute_force_assignment(BAKERY_COST) == 64
    assert result.assignment.tolist() == [4, 5, 1, 0, 2, 3]
    assert BAKERY_COST[np.arange(6), result.assignment].sum() == 64
    np.testing.assert_array_equal(result.plan.sum(axis=0), np.ones(6))


@pytest.mark.parametrize("n", range(1, 8))
def test_assignment_against_brute_force(n):
    rng = np.random.default_rng(n)
    for cost in (rng.random((n, n)), rng.integers(0, 4, size=(n, n)).astype(float)):  # with ties
        result = monge_assignment(cost)
        assert sorted(result.assignment.tolist()) == list(range(n))
        assert result.cost == pytest.approx(brute_force_assignment(cost), rel=1e-12, abs=1e-12)
        # Birkhoff: the Kantorovich problem with unit masses has the same value.
        assert earth_movers_distance(np.ones(n), np.ones(n), cost).cost == pytest.approx(result.cost, abs=1e-9)


masses = arrays(np.float64, st.integers(1, 7), elements=st.floats(0, 10, allow_subnormal=False))


@settings(max_examples=60, deadline=None)
@given(a=masses, b=masses, data=st.data())
def test_plan_marginals_and_duality_on_random_problems(a, b, data):
    if a.sum() == 0 or b.sum() == 0:
        a, b = a + 1.0, b + 1.0
    b = b * (a.sum() / b.sum())
    cost = data.draw(arrays(np.float64, (len(a), len(b)), elements=st.floats(0, 100, allow_subnormal=False)))
    result = earth_movers_distance(a, b, cost)
    assert result.cost >= 0.0
    assert_optimal(result, a, b, cost, rtol=1e-7)
    normalised = earth_movers_distance(a, b * 1.5, cost, normalize=True)
    assert normalised.cost == pytest.approx(result.cost / a.sum(), rel=1e-7, abs=1e-9)


points = st.integers(1, 8).flatmap(
    lambda n: arrays(np.float64, (n, 2), elements=st.floats(-10, 10, allow_subnormal=False)))


@settings(max_examples=60, deadline=None)
@given(x=points, y=points, z=points, p=st.sampled_from([1, 2]))
def test_wasserstein_is_a_metric_on_random_triples(x, y, z, p):
    wxy, wyx = wasserstein(x, y, p=p), wasserstein(y, x, p=p)
    assert wasserstein(x, x, p=p) == pytest.approx(0.0, abs=1e-12)  # the simplex's round-off only
    assert wxy >= 0.0
    assert wxy == pytest.approx(wyx, rel=1e-9, abs=1e-9)
    assert wasserstein(x, z, p=p) <= wxy + wasserstein(y, z, p=p) + 1e-9
    # Slicing never increases W_p (a projection is 1-Lipschitz), and it is symmetric too.
    sw = sliced_wasserstein(x, y, p=p, n_projections=16, seed=1)
    assert sw <= wxy + 1e-9
    assert sw == pytest.approx(sliced_wasserstein(y, x, p=p, n_projections=16, seed=1), rel=1e-9, abs=1e-12)


line = arrays(np.float64, st.integers(1, 30), elements=st.floats(-100, 100, allow_subnormal=False))


@settings(max_examples=60, deadline=None)
@given(x=line, y=line, data=st.data())
def test_one_dimensional_route_against_scipy_and_the_simplex(x, y, data):
    w = st.floats(0.01, 5)
    a = np.asarray(data.draw(st.lists(w, min_size=len(x), max_size=len(x))))
    b = np.asarray(data.draw(st.lists(w, min_size=len(y), max_size=len(y))))
    expected = scipy.stats.wasserstein_distance(x, y, a, b)
    assert wasserstein_1d(x, y, a, b) == pytest.approx(expected, rel=1e-9, abs=1e-9)
    # p = 2 by sorting against the network simplex on the same points.
    exact = transport_plan(x[:, None], y[:, None], a, b, p=2)
    assert wasserstein_1d(x, y, a, b, p=2) == pytest.approx(np.sqrt(exact.cost), rel=1e-7, abs=1e-7)


def test_ground_metrics_and_callables():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(20, 3)), rng.normal(size=(15, 3)) + 1
    from scipy.spatial.distance import cdist

    for metric in ("cityblock", "chebyshev"):
        cost = cdist(x, y, metric)
        expected = earth_movers_distance(np.full(20, 1 / 20), np.full(15, 1 / 15), cost).cost
        assert wasserstein(x, y, metric=metric) == pytest.approx(expected, rel=1e-12)
    l1 = lambda u, v: float(np.abs(u - v).sum())  # noqa: E731
    assert wasserstein(x, y, metric=l1) == pytest.approx(wasserstein(x, y, metric="cityblock"), rel=1e-12)
    np.testing.assert_allclose(ground_cost(x, y, p=2), cdist(x, y, "sqeuclidean"), rtol=1e-12)


def test_high_dimensional_costs_take_the_matrix_product_route():
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(50, 100)), rng.normal(size=(40, 100)) + 0.1
    np.testing.assert_allclose(ground_cost(x, y), cdist(x, y), rtol=1e-12)
    np.testing.assert_allclose(ground_cost(x, y, p=2), cdist(x, y, "sqeuclidean"), rtol=1e-12)
    expected = earth_movers_distance(np.full(50, 1 / 50), np.full(40, 1 / 40), cdist(x, y)).cost
    assert wasserstein(x, y) == pytest.approx(expected, rel=1e-9)


def test_exact_w1_matches_a_direct_pot_call():
    import ot

    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(300, 2)), rng.normal(size=(250, 2)) + [0.5, 0.0]
    a, b = rng.random(300), rng.random(250)
    a, b = a / a.sum(), b / b.sum()
    expected = ot.emd2(a, b, ot.dist(x, y, metric="euclidean"), numItermax=10**8)
    assert wasserstein(x, y, a, b) == pytest.approx(expected, rel=1e-9)


def test_sliced_wasserstein_matches_pot_and_is_seeded():
    import ot

    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(60, 3)), rng.normal(size=(40, 3)) + 1.0
    a, b = rng.random(60), rng.random(40)
    directions = random_directions(3, 50, seed=7)
    for p in (1, 2):
        ours = sliced_wasserstein(x, y, a, b, p=p, directions=directions)
        theirs = ot.sliced_wasserstein_distance(x, y, a / a.sum(), b / b.sum(), p=p, projections=directions.T)
        assert ours == pytest.approx(theirs, rel=1e-9)
    assert sliced_wasserstein(x, y, seed=5) == sliced_wasserstein(x, y, seed=5)
    assert sliced_wasserstein(x, y, seed=5) != sliced_wasserstein(x, y, seed=6)
    # In 1-D every direction is +-1: slicing is exact.
    assert sliced_wasserstein(x[:, 0], y[:, 0], n_projections=3) == pytest.approx(wasserstein_1d(x[:, 0], y[:, 0]))


def test_sinkhorn_approaches_the_exact_value_from_above():
    import ot

    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(200, 2)), rng.normal(size=(150, 2)) + [1.0, 0.0]
    exact = wasserstein(x, y)
    errors = []
    for reg in (0.2, 0.05, 0.01):
        value = sinkhorn(x, y, reg=reg)
        a, b = np.full(200, 1 / 200), np.full(150, 1 / 150)
        direct = ot.sinkhorn2(a, b, ground_cost(x, y), reg, numItermax=10_000, stopThr=1e-6)
        assert value == pytest.approx(float(direct), rel=1e-9)
        errors.append((value - exact) / exact)
    assert all(e > -1e-4 for e in errors) and errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.01
    assert sinkhorn(x, y, p=2, reg=0.01) == pytest.approx(wasserstein(x, y, p=2), rel=0.02)


def test_iteration_cap_reached_is_a_warning_never_silent():
    rng = np.random.default_rng(0)
    cost = rng.random((60, 60))
    with pytest.warns(TransportWarning, match="iteration cap"):
        capped = earth_movers_distance(np.ones(60), np.ones(60), cost, max_iter=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        full = earth_movers_distance(np.ones(60), np.ones(60), cost)
    assert capped.cost != pytest.approx(full.cost, rel=1e-3)  # what a silent early stop would return
    with pytest.warns(TransportWarning, match="iteration cap"):
        wasserstein(rng.normal(size=(60, 2)), rng.normal(size=(60, 2)), max_iter=10)
    with pytest.warns(TransportWarning, match="Sinkhorn stopped"):
        sinkhorn(rng.normal(size=(30, 2)), rng.normal(size=(30, 2)) + 3, reg=0.05, max_iter=3)


@pytest.mark.parametrize("call, message", [
    (lambda: earth_movers_distance([1, -1, 2], [1, 1], [[1, 1]] * 3), r"supply\[1\] = -1 is negative"),
    (lambda: earth_movers_distance([np.nan, 1], [1], [[1], [1]]), r"supply\[0\] is NaN"),
    (lambda: earth_movers_distance([1, 1], [1, np.inf], [[1, 1]] * 2), r"demand\[1\] is infinite"),
    (lambda: earth_movers_distance([1, 2], [1, 1], [[1, 1]] * 2), "supply totals 3 but demand totals 2"),
    (lambda: earth_movers_distance([0, 0], [1, 1], [[1, 1]] * 2), "supply: all masses are 0"),
    (lambda: earth_movers_distance([[1, 1]], [2], [[1]]), "supply: expected a non-empty list"),
    (lambda: earth_movers_distance([], [1], [[1]]), "supply: expected a non-empty list"),
    (lambda: earth_movers_distance(["a", 1], [1], [[1], [1]]), "supply: expected numbers"),
    (lambda: earth_movers_distance([1, 1], [1, 1], [[1, np.nan], [1, 1]]), r"cost\[0, 1\] is NaN"),
    (lambda: earth_movers_distance([1, 1], [1, 1], [[1, 1], [np.inf, 1]]), r"cost\[1, 0\] is infinite"),
    (lambda: earth_movers_distance([1, 1], [1, 1], [[1, 1], [-2, 1]]), r"cost\[1, 0\] = -2 is negative"),
    (lambda: earth_movers_distance([1, 1], [1, 1], [[1, 1, 1]] * 2),
     "cost matrix is 2 x 3 but there are 2 supply and 2 demand masses"),
    (lambda: earth_movers_distance([1, 1], [1, 1], [1, 1]), "cost: expected a non-empty matrix"),
    (lambda: monge_assignment(np.ones((2, 3))), "as many supply points as demand points"),
    (lambda: monge_assignment([[1, np.nan], [1, 1]]), r"cost\[0, 1\] is NaN"),
    (lambda: monge_assignment([[1, -1], [1, 1]]), "is negative"),
    (lambda: wasserstein(np.zeros((3, 2)), np.zeros((3, 2)), p=0.5), "p = 0.5: must be >= 1"),
    (lambda: wasserstein(np.zeros((3, 2)), np.zeros((2, 2)), b=np.ones(3)), "expected 2 weights"),
    (lambda: wasserstein(np.zeros((3, 2)), np.zeros((2, 2)), a=[1, np.nan, 1]), r"a\[1\] = nan"),
    (lambda: wasserstein(np.zeros((0, 2)), np.zeros((2, 2))), "non-empty"),
    (lambda: wasserstein(np.zeros((3, 2)), np.ones((2, 2)), metric="bogus"), "ground metric 'bogus'"),
    (lambda: wasserstein(np.zeros((3, 2)), np.ones((2, 2)), metric=lambda u, v: -1.0), "is negative"),
    (lambda: sliced_wasserstein(np.zeros((3, 2)), np.ones((2, 2)), n_projections=0), "n_projections = 0"),
    (lambda: sinkhorn(np.zeros((3, 2)), np.ones((2, 2)), reg=0.0), "reg = 0.0"),
    (lambda: sinkhorn(np.zeros((3, 2)), np.full((2, 2), 50.0), reg=1e-3), "too small for Sinkhorn"),
])
def test_bad_input_names_the_problem(call, message):
    with pytest.raises(WganError, match=message):
        call()


def test_unbalanced_masses_can_be_normalised_on_request():
    result = earth_movers_distance([1, 3], [2], [[1], [5]], normalize=True)
    assert result.cost == pytest.approx(0.25 * 1 + 0.75 * 5)
    np.testing.assert_allclose(result.plan, [[0.25], [0.75]])
    # Totals equal up to floating-point rounding are balanced.
    assert earth_movers_distance([0.1, 0.2], [0.3], [[1], [1]]).cost == pytest.approx(0.3)


@pytest.mark.parametrize("scale", [1e-250, 1e-120, 1e-3, 1.0, 1e4, 1e9, 1e150])
def test_any_total_mass_is_solved(scale):
    # POT's simplex alone reports totals >= 1e8 "infeasible" and crashes on totals ~1e-200.
    rng = np.random.default_rng(0)
    a, b, cost = rng.random(20), rng.random(20), rng.random((20, 20))
    a, b = a / a.sum(), b / b.sum()
    reference = earth_movers_distance(a, b, cost)
    scaled = earth_movers_distance(a * scale, b * scale, cost)
    assert scaled.cost == pytest.approx(reference.cost * scale, rel=1e-12)
    np.testing.assert_allclose(scaled.plan, reference.plan * scale, rtol=1e-9, atol=1e-12 * scale)


@pytest.mark.parametrize("scale", [1e-300, 1e-14, 1e-10, 1e-3, 1e20, 1e300])
def test_any_cost_scale_is_solved(scale):
    # POT's simplex alone returns a wrong "optimal" plan for costs below ~1e-9 (7x too high at 1e-14).
    rng = np.random.default_rng(1)
    a, b, cost = rng.random(30), rng.random(30), rng.random((30, 30))
    a, b = a / a.sum(), b / b.sum()
    reference = earth_movers_distance(a, b, cost)
    scaled = earth_movers_distance(a, b, cost * scale)
    assert scaled.cost == pytest.approx(reference.cost * scale, rel=1e-12)
    assert_optimal(scaled, a, b, cost * scale)
    if scale < 1e150:  # beyond, the Euclidean distance itself overflows: an error (next line)
        x = rng.normal(size=(40, 2))
        assert wasserstein(x * scale, x * scale + [scale, 0.0]) == pytest.approx(scale, rel=1e-9)
    else:
        with pytest.raises(WganError, match=r"ground cost \(euclidean\)\[0, 0\] is infinite"):
            wasserstein(np.zeros((2, 2)), np.full((2, 2), scale))


@pytest.mark.parametrize("shift", [0.0, 0.7, 5.0])
def test_assignment_route_equals_pot_and_the_simplex(shift):
    """Two uniform sets of one size: the assignment optimum is the transport optimum (Birkhoff),
    checked against POT's emd2 on the same cost, near, overlapping and far apart."""
    import ot

    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(300, 3)), rng.normal(size=(300, 3)) + shift
    expected = ot.emd2(np.full(300, 1 / 300), np.full(300, 1 / 300), ot.dist(x, y, metric="euclidean"),
                       numItermax=10**7)
    for solver in ("assignment", "simplex", "auto"):
        assert wasserstein(x, y, solver=solver) == pytest.approx(expected, rel=1e-10, abs=1e-12)
    assert wasserstein(x, y, p=2, solver="assignment") == pytest.approx(
        wasserstein(x, y, p=2, solver="simplex"), rel=1e-10)


def test_solver_bad_input():
    x = np.zeros((4, 2))
    with pytest.raises(WganError, match="solver = 'lp'"):
        wasserstein(x, x, solver="lp")
    with pytest.raises(WganError, match="one size"):
        wasserstein(x, x[:3], solver="assignment")
    with pytest.raises(WganError, match="with weights"):
        wasserstein(x, x, a=[1, 2, 3, 4], solver="assignment")


def test_euclidean_by_matrix_product_matches_cdist():
    from scipy.spatial.distance import cdist

    from wgan.transport import ground_cost

    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(40, 64)), rng.normal(size=(30, 64))
    np.testing.assert_allclose(ground_cost(x, y), cdist(x, y), rtol=1e-10)
    np.testing.assert_allclose(ground_cost(x, y, "sqeuclidean"), cdist(x, y, "sqeuclidean"), rtol=1e-10)
    assert ground_cost(x, x).min() >= 0.0
