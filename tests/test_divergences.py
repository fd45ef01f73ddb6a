import itertools

import numpy as np
import pytest
import scipy.spatial.distance
import scipy.stats

from wgan.divergences import (discrete_wasserstein, divergences, energy_distance, js_divergence,
                              kl_divergence, parallel_lines, parallel_lines_closed_form, total_variation)
from wgan.errors import WganError
from wgan.transport import wasserstein_1d

LOG2 = np.log(2.0)


def test_divergences_of_overlapping_distributions_against_scipy():
    rng = np.random.default_rng(0)
    for _ in range(5):
        p, q = rng.random(6), rng.random(6)
        p, q = p / p.sum(), q / q.sum()
        assert kl_divergence(p, q) == pytest.approx(scipy.stats.entropy(p, q), rel=1e-12)
        assert js_divergence(p, q) == pytest.approx(scipy.spatial.distance.jensenshannon(p, q) ** 2, rel=1e-9)
        assert total_variation(p, q) == pytest.approx(0.5 * np.abs(p - q).sum())
        # TV = sup_A |P(A) - Q(A)|, attained at A = {p > q}: brute force over all 64 events.
        events = itertools.product([0, 1], repeat=6)
        assert total_variation(p, q) == pytest.approx(max(abs((p - q) @ np.array(e)) for e in events))


def test_hand_computed_partial_overlap():
    # p = (1/2, 1/2, 0), q = (0, 1/2, 1/2): TV = 1/2; KL(p || q) = inf (q1 = 0 < p1);
    # m = (1/4, 1/2, 1/4): KL(p || m) = 1/2 log 2 + 1/2 log 1, so JS = 1/2 log 2.
    p, q, support = [0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.0, 1.0, 2.0]
    assert total_variation(p, q) == 0.5
    assert kl_divergence(p, q) == np.inf
    assert js_divergence(p, q) == pytest.approx(0.5 * LOG2, rel=1e-12)
    assert discrete_wasserstein(p, q, support) == pytest.approx(1.0)  # each half moves by 1
    assert divergences(p, q, support) == {"tv": 0.5, "kl": np.inf, "js": pytest.approx(0.5 * LOG2),
                                          "w": pytest.approx(1.0)}


def test_disjoint_supports_and_equal_distributions():
    p, q = [0.2, 0.8, 0.0, 0.0], [0.0, 0.0, 0.6, 0.4]
    assert total_variation(p, q) == 1.0
    assert kl_divergence(p, q) == kl_divergence(q, p) == np.inf
    assert js_divergence(p, q) == pytest.approx(LOG2, rel=1e-15)
    assert total_variation(p, p) == kl_divergence(p, p) == js_divergence(p, p) == 0.0
    assert discrete_wasserstein(p, p, np.arange(4.0)) == 0.0


def test_discrete_wasserstein_on_a_line_matches_sorting():
    rng = np.random.default_rng(1)
    support = rng.normal(size=8)
    p, q = rng.random(8), rng.random(8)
    p, q = p / p.sum(), q / q.sum()
    assert discrete_wasserstein(p, q, support) == pytest.approx(wasserstein_1d(support, support, p, q), rel=1e-9)
    # On 2-D support points too: two unit masses one diagonal step apart.
    square = [[0, 0], [1, 1]]
    assert discrete_wasserstein([1, 0], [0, 1], square) == pytest.approx(np.sqrt(2))
    assert discrete_wasserstein([1, 0], [0, 1], square, metric="cityblock") == pytest.approx(2.0)


def test_parallel_lines_match_the_closed_form():
    thetas = np.array([-1.0, -0.5, -1e-6, 0.0, 1e-6, 0.1, 0.7, 2.0])
    table = parallel_lines(thetas, resolution=20)
    exact = parallel_lines_closed_form(thetas)
    np.testing.assert_array_equal(table["theta"], thetas)
    np.testing.assert_array_equal(table["tv"], exact["tv"])
    np.testing.assert_array_equal(table["kl"], exact["kl"])
    np.testing.assert_allclose(table["js"], exact["js"], rtol=1e-15, atol=0)
    np.testing.assert_allclose(table["w"], np.abs(thetas), rtol=1e-9, atol=1e-15)
    apart = thetas != 0
    assert (table["tv"][apart] == 1).all() and np.isinf(table["kl"][apart]).all()
    assert np.allclose(table["js"][apart], LOG2) and np.allclose(table["w"][apart], np.abs(thetas[apart]))
    zero = thetas == 0
    assert table["tv"][zero] == table["kl"][zero] == table["js"][zero] == table["w"][zero] == 0


def test_energy_distance_in_one_dimension_against_scipy():
    # scipy's energy distance is sqrt(2 int (F - G)^2) = sqrt(E), for weighted samples too.
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=40), rng.standard_t(3, size=30) + 0.3
    a, b = rng.random(40), rng.random(30)
    assert energy_distance(x, y) == pytest.approx(scipy.stats.energy_distance(x, y) ** 2, rel=1e-9)
    assert energy_distance(x, y, a, b) == pytest.approx(scipy.stats.energy_distance(x, y, a, b) ** 2, rel=1e-9)
    assert energy_distance(x, x) == pytest.approx(0.0, abs=1e-12)


def test_energy_distance_multivariate_by_its_definition():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(7, 3)), rng.normal(size=(5, 3)) + 1
    d = lambda u, v: np.linalg.norm(u - v)  # noqa: E731
    exy = np.mean([d(u, v) for u in x for v in y])
    exx = np.mean([d(u, v) for u in x for v in x])
    eyy = np.mean([d(u, v) for u in y for v in y])
    assert energy_distance(x, y) == pytest.approx(2 * exy - exx - eyy, rel=1e-12)
    exx_u = sum(d(u, v) for u, v in itertools.permutations(x, 2)) / (7 * 6)
    eyy_u = sum(d(u, v) for u, v in itertools.permutations(y, 2)) / (5 * 4)
    assert energy_distance(x, y, unbiased=True) == pytest.approx(2 * exy - exx_u - eyy_u, rel=1e-12)
    # Large blocks: the chunked sums agree with the direct one.
    big_x, big_y = rng.normal(size=(2100, 2)), rng.normal(size=(300, 2))
    direct = scipy.spatial.distance.cdist(big_x, big_y).mean()
    assert energy_distance(big_x, big_y) == pytest.approx(
        2 * direct - scipy.spatial.distance.pdist(big_x).sum() * 2 / 2100**2
        - scipy.spatial.distance.pdist(big_y).sum() * 2 / 300**2, rel=1e-9)


def test_unbiased_estimator_is_exactly_unbiased():
    # Population: P on 3 atoms, Q on 2 atoms (weights). Enumerate every i.i.d. sample of size
    # n = 2 from P and m = 3 from Q with its probability: the U-statistic's expectation is the
    # population energy distance exactly; the plug-in V-statistic's is not.
    atoms_p, w_p = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]]), np.array([0.5, 0.3, 0.2])
    atoms_q, w_q = np.array([[1.0, 1.0], [3.0, 0.0]]), np.array([0.6, 0.4])
    truth = energy_distance(atoms_p, atoms_q, w_p, w_q)
    mean_u = mean_v = 0.0
    for ix in itertools.product(range(3), repeat=2):
        for iy in itertools.product(range(2), repeat=3):
            prob = np.prod(w_p[list(ix)]) * np.prod(w_q[list(iy)])
            mean_u += prob * energy_distance(atoms_p[list(ix)], atoms_q[list(iy)], unbiased=True)
            mean_v += prob * energy_distance(atoms_p[list(ix)], atoms_q[list(iy)])
    assert mean_u == pytest.approx(truth, rel=1e-12)
    # E[V] = E(P, Q) + E|X - X'| / n + E|Y - Y'| / m: the i = i' and j = j' zeros it averages in.
    exx = w_p @ scipy.spatial.distance.cdist(atoms_p, atoms_p) @ w_p
    eyy = w_q @ scipy.spatial.distance.cdist(atoms_q, atoms_q) @ w_q
    assert mean_v == pytest.approx(truth + exx / 2 + eyy / 3, rel=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: total_variation([0.5, 0.4], [0.5, 0.5]), "p sums to 0.9, not 1"),
    (lambda: kl_divergence([0.5, 0.5], [0.5, 0.5, 0.0]), "p has 2 entries but q has 3"),
    (lambda: js_divergence([0.5, 0.5], [1.5, -0.5]), r"q\[1\] = -0.5 is negative"),
    (lambda: js_divergence([np.nan, 1], [0.5, 0.5]), r"p\[0\] is NaN"),
    (lambda: discrete_wasserstein([0.5, 0.5], [0.5, 0.5], [0.0, 1.0, 2.0]), "support has 3 points"),
    (lambda: discrete_wasserstein([0.5, 0.5], [0.5, 0.5], [0.0, np.inf]), "support: point 1"),
    (lambda: parallel_lines([0.1, np.nan]), "theta: expected finite numbers"),
    (lambda: parallel_lines(0.1, resolution=0), "resolution = 0"),
    (lambda: energy_distance(np.zeros((1, 2)), np.zeros((3, 2)), unbiased=True), "at least 2 points"),
    (lambda: energy_distance(np.zeros((3, 2)), np.zeros((3, 2)), a=np.ones(3), unbiased=True), "unweighted"),
    (lambda: energy_distance(np.zeros((3, 2)), np.zeros((3, 1))), "dimension"),
])
def test_bad_input_names_the_problem(call, message):
    with pytest.raises(WganError, match=message):
        call()


def test_normalize_on_request():
    assert total_variation([1, 1], [2, 0], normalize=True) == 0.5
    assert kl_divergence([2, 2], [1, 1], normalize=True) == 0.0
