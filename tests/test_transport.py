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
