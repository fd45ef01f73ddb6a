import math

import numpy as np
import pytest
import torch
from scipy.special import logsumexp
from scipy.spatial.distance import cdist

from wgan.quality import frechet, mmd, parzen, precision_recall
from wgan.errors import WganError
from wgan.quality import (QualityWarning, fid, frechet_distance, gaussian_statistics, kid,
                          parzen_log_densities, parzen_log_likelihood, prdc, select_bandwidth)


def rotation(d: int, seed: int) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(d, d)))
    return q


def closed_form_w2_squared(mu1, s1, mu2, s2) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2), through symmetric
    eigendecompositions only (no sqrtm of a non-symmetric product)."""
    w, v = np.linalg.eigh(s1)
    root = (v * np.sqrt(w)) @ v.T
    inner = np.linalg.eigvalsh(root @ s2 @ root)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2)
                 - 2 * np.sqrt(np.clip(inner, 0, None)).sum())


def random_covariance(d: int, seed: int) -> np.ndarray:
    a = np.random.default_rng(seed).normal(size=(d, d))
    return a @ a.T + 0.5 * np.eye(d)


# --------------------------------------------------------------------------------------
# FID


def test_frechet_distance_of_commuting_covariances_by_hand():
    # S1 = R diag(1, 4, 9) R^T, S2 = R diag(4, 1, 9) R^T commute, so (S1 S2)^1/2 = R diag(2, 2, 9) R^T:
    # ||(1, 2, 2)||^2 + (1 + 4 - 4) + (4 + 1 - 4) + (9 + 9 - 18) = 9 + 1 + 1 + 0 = 11.
    r = rotation(3, 0)
    s1, s2 = r @ np.diag([1.0, 4.0, 9.0]) @ r.T, r @ np.diag([4.0, 1.0, 9.0]) @ r.T
    s1, s2 = (s1 + s1.T) / 2, (s2 + s2.T) / 2
    assert frechet_distance(np.zeros(3), s1, np.array([1.0, 2.0, 2.0]), s2) == pytest.approx(11.0, rel=1e-10)
    assert frechet_distance(np.ones(3), np.eye(3), np.ones(3), np.eye(3)) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_frechet_distance_matches_closed_form_for_non_commuting_covariances(seed):
    d = 6
    rng = np.random.default_rng(seed)
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    s1, s2 = random_covariance(d, 10 + seed), random_covariance(d, 20 + seed)
    expected = closed_form_w2_squared(mu1, s1, mu2, s2)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-9)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(frechet_distance(mu2, s2, mu1, s1), rel=1e-9)


def test_fid_of_gaussian_samples_approaches_the_true_frechet_distance():
    d, n = 3, 100_000
    mu1, mu2 = np.zeros(d), np.array([1.0, -0.5, 0.25])
    s1, s2 = random_covariance(d, 1), random_covariance(d, 2)
    expected = closed_form_w2_squared(mu1, s1, mu2, s2)          # 7.28
    rng = np.random.default_rng(5)
    a, b = rng.multivariate_normal(mu1, s1, size=n), rng.multivariate_normal(mu2, s2, size=n)
    # The estimator's standard deviation at this n is 0.036 (measured over 20 seeds): 4 sd.
    assert fid(a, b) == pytest.approx(expected, abs=0.15)
    # fid is frechet_distance on the sets' mean and unbiased covariance.
    assert fid(a, b) == pytest.approx(frechet_distance(a.mean(0), np.cov(a, rowvar=False),
                                                       b.mean(0), np.cov(b, rowvar=False)), rel=1e-12)


def test_fid_of_a_set_with_itself_is_zero_for_arrays_and_tensors():
    x = np.random.default_rng(0).normal(size=(500, 16)) @ rotation(16, 1)
    assert fid(x, x) == pytest.approx(0.0, abs=1e-8)
    assert fid(torch.from_numpy(x).float(), x.astype(np.float32)) == pytest.approx(0.0, abs=1e-6)
    shifted = fid(x, x + 0.5)
    assert shifted == pytest.approx(16 * 0.25, rel=1e-8)     # only the means differ


def test_gaussian_statistics_are_the_mean_and_unbiased_covariance():
    x = np.random.default_rng(0).normal(size=(40, 3))
    mu, sigma = gaussian_statistics(x)
    np.testing.assert_allclose(mu, x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(sigma, (x - mu).T @ (x - mu) / 39, rtol=1e-12)
    assert gaussian_statistics(x[:, :1])[1].shape == (1, 1)


def test_fid_warns_when_a_covariance_is_singular():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(10, 20)), rng.normal(size=(30, 20))
    with pytest.warns(QualityWarning, match="features_a has 10 samples for 20"):
        value = fid(a, b)
    assert math.isfinite(value) and value > 0


def test_frechet_distance_adds_eps_to_the_diagonals_when_sqrtm_fails(monkeypatch):
    s1, s2 = random_covariance(4, 1), random_covariance(4, 2)
    mu = np.zeros(4)
    calls = []
    real_sqrtm = frechet._sqrtm

    def failing_once(matrix):
        calls.append(matrix)
        return np.full_like(matrix, np.nan) if len(calls) == 1 else real_sqrtm(matrix)

    monkeypatch.setattr(frechet, "_sqrtm", failing_once)
    with pytest.warns(QualityWarning, match="adding 1e-06"):
        value = frechet_distance(mu, s1, mu, s2)
    np.testing.assert_allclose(calls[1], (s1 + 1e-6 * np.eye(4)) @ (s2 + 1e-6 * np.eye(4)))
    assert value == pytest.approx(closed_form_w2_squared(mu, s1 + 1e-6 * np.eye(4), mu, s2 + 1e-6 * np.eye(4))
                                  - 2 * 4 * 1e-6, rel=1e-9)


# --------------------------------------------------------------------------------------
# KID


def polynomial_kernel(x, y):
    return (np.dot(x, y) / len(x) + 1.0) ** 3


def mmd2_unbiased_loop(x, y) -> float:
    """Gretton et al. (2012), eq. 3, for sets of any sizes, one kernel evaluation at a time."""
    n, m = len(x), len(y)
    xx = sum(polynomial_kernel(x[i], x[j]) for i in range(n) for j in range(n) if i != j)
    yy = sum(polynomial_kernel(y[i], y[j]) for i in range(m) for j in range(m) if i != j)
    xy = sum(polynomial_kernel(x[i], y[j]) for i in range(n) for j in range(m))
    return xx / (n * (n - 1)) + yy / (m * (m - 1)) - 2 * xy / (n * m)


def test_kid_equals_a_direct_loop_when_subsets_are_the_whole_sets():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(25, 4)), rng.normal(size=(25, 4)) * 1.3 + 0.4
    expected = mmd2_unbiased_loop(a, b)
    mean, std = kid(a, b, subsets=3, subset_size=1000)      # subset_size is clipped to 25
    assert mean == pytest.approx(expected, rel=1e-12)
    assert std == pytest.approx(0.0, abs=1e-12)              # every subset is a permutation
    direct = mmd._mmd2_unbiased(torch.from_numpy(a), torch.from_numpy(b))
    assert direct == pytest.approx(expected, rel=1e-12)


def test_kid_subset_mean_is_an_unbiased_estimate_of_the_full_sets_mmd():
    # A U-statistic on random subsets (without replacement) has the full sets' U-statistic
    # as its expectation; subsets are independent draws, so the mean lands within a few
    # standard errors of it.
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(60, 3)), rng.normal(size=(50, 3)) + 0.3
    expected = mmd2_unbiased_loop(a, b)
    subsets = 2000
    mean, std = kid(a, b, subsets=subsets, subset_size=20, seed=3)
    assert std > 0
    assert abs(mean - expected) < 4 * std / math.sqrt(subsets)


def test_kid_is_reproducible_from_its_seed():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(100, 5)), rng.normal(size=(80, 5))
    assert kid(a, b, subsets=5, subset_size=30, seed=7) == kid(a, b, subsets=5, subset_size=30, seed=7)
    assert kid(a, b, subsets=5, subset_size=30, seed=7) != kid(a, b, subsets=5, subset_size=30, seed=8)


# --------------------------------------------------------------------------------------
# Precision, recall, density, coverage


def test_prdc_by_hand_on_the_line():
    # k = 1: every real ball has radius 1 (neighbours 1 apart); the fake balls 8.5.
    real = np.array([[0.0], [1.0], [2.0], [3.0]])
    fake = np.array([[10.0], [1.5]])
    # 1.5 lies in the balls of 1 and 2; 10 in none; every real lies within 8.5 of 1.5.
    assert prdc(real, fake, k=1) == {"precision": 0.5, "recall": 1.0, "density": 1.0, "coverage": 0.5}


def test_prdc_of_identical_sets_is_one():
    x = np.random.default_rng(0).normal(size=(300, 10))
    # Each ball holds its own centre and k - 1 neighbours: density is exactly 1 without ties.
    assert prdc(x, x, k=5) == {"precision": 1.0, "recall": 1.0, "density": 1.0, "coverage": 1.0}


@pytest.mark.parametrize("kind", ["float64", "float32", "integer ties"])
@pytest.mark.parametrize("small_blocks", [False, True])
def test_prdc_matches_the_prdc_package(kind, small_blocks, monkeypatch):
    package = pytest.importorskip("prdc")
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(230, 6)), rng.normal(size=(170, 6)) * 1.2 + 0.3
    if kind == "float32":
        real, fake = real.astype(np.float32), fake.astype(np.float32)
    elif kind == "integer ties":       # many equal distances: strict "<" and duplicates matter
        real, fake = np.round(2 * real), np.round(2 * fake)
    if small_blocks:                   # blocks of a few rows, and a last block that is shorter
        monkeypatch.setattr(precision_recall, "_BLOCK_ELEMENTS", 7 * 230)
    for k in (1, 3, 5):
        expected = package.compute_prdc(real, fake, nearest_k=k)
        got = prdc(real, fake, k=k)
        assert got == pytest.approx({key: float(v) for key, v in expected.items()}, abs=1e-12)
    assert prdc(torch.from_numpy(real), torch.from_numpy(fake), k=3) == prdc(real, fake, k=3)


def test_kth_neighbour_distances_count_the_point_itself_like_prdc():
    x = np.array([[0.0], [0.0], [1.0], [3.0]])
    # Sorted distances from x[0]: 0 (itself), 0 (its duplicate), 1, 3; from x[3]: 0, 2, 3, 3.
    radii = precision_recall._kth_neighbour_distances(torch.from_numpy(x), k=2)      # squared
    np.testing.assert_allclose(radii.numpy(), [1.0, 1.0, 1.0, 9.0])


# --------------------------------------------------------------------------------------
# Parzen window


def direct_log_densities(centres, points, sigma):
    d2 = cdist(points, centres, "sqeuclidean")
    d = centres.shape[1]
    return (logsumexp(-d2 / (2 * sigma ** 2), axis=1) - math.log(len(centres))
            - 0.5 * d * math.log(2 * math.pi * sigma ** 2))


@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.0])
def test_parzen_matches_sklearn_kernel_density(sigma):
    from sklearn.neighbors import KernelDensity

    rng = np.random.default_rng(0)
    centres, points = rng.normal(size=(400, 3)), rng.normal(size=(60, 3)) * 1.2 + 0.1
    expected = KernelDensity(kernel="gaussian", bandwidth=sigma).fit(centres).score_samples(points)
    values = parzen_log_densities(centres, points, sigma)
    np.testing.assert_allclose(values, expected, rtol=1e-5)
    mean, sem = parzen_log_likelihood(centres, points, sigma)
    assert mean == pytest.approx(expected.mean(), rel=1e-5)
    assert sem == pytest.approx(expected.std(ddof=1) / math.sqrt(len(points)), rel=1e-4)


def test_parzen_does_not_underflow_far_from_the_centres():
    # Kernel values of e^-500,000: a naive sum of exponentials gives log 0 = -inf.
    rng = np.random.default_rng(0)
    centres, points = rng.normal(size=(50, 4)) * 0.01, rng.normal(size=(20, 4)) * 0.01 + 100.0
    sigma = 0.1
    values = parzen_log_densities(centres, points, sigma)
    expected = direct_log_densities(centres, points, sigma)
    assert np.isfinite(values).all() and expected.max() < -1e5
    np.testing.assert_allclose(values, expected, rtol=1e-6)


def test_parzen_blocks_do_not_change_the_result(monkeypatch):
    rng = np.random.default_rng(1)
    centres, points = rng.random((300, 20)), rng.random((45, 20))
    whole = parzen_log_densities(centres, points, 0.3)
    monkeypatch.setattr(parzen, "_PARZEN_BLOCK_ELEMENTS", 7 * 37)     # 37 centres per block
    blocked = parzen_log_densities(centres, points, 0.3, batch_size=7)
    np.testing.assert_allclose(blocked, whole, rtol=1e-6)
    np.testing.assert_allclose(whole, direct_log_densities(centres, points, 0.3), rtol=1e-5)
    tensors = parzen_log_densities(torch.from_numpy(centres).float(), torch.from_numpy(points).float(), 0.3)
    np.testing.assert_allclose(tensors, whole, rtol=1e-5)


@pytest.mark.parametrize("scale", [0.01, 1.0, 100.0])
def test_select_bandwidth_finds_the_scale_of_a_known_gaussian(scale):
    rng = np.random.default_rng(1)
    centres, validation = rng.normal(size=(1000, 2)) * scale, rng.normal(size=(500, 2)) * scale
    grid = scale * np.logspace(-3, 1, 17)
    chosen = select_bandwidth(centres, validation, grid)
    # Silverman's rule for this n and d gives 0.32 * scale; the likelihood agrees.
    assert 0.1 * scale <= chosen <= scale
    assert chosen / scale == pytest.approx(10 ** -0.5, rel=1e-9)
    # The same choice as the best mean log-likelihood, one sigma at a time.
    means = [parzen_log_likelihood(centres, validation, s)[0] for s in grid]
    assert chosen == grid[int(np.argmax(means))]


# --------------------------------------------------------------------------------------
# Bad input


GOOD = np.random.default_rng(0).normal(size=(20, 3))
WITH_NAN = GOOD.copy()
WITH_NAN[4, 1] = np.nan


@pytest.mark.parametrize("call, message", [
    (lambda: fid(WITH_NAN, GOOD), r"features_a\[4, 1\] is NaN"),
    (lambda: fid(GOOD, GOOD[:, :2]), "features_a has 3 features per sample but features_b has 2"),
    (lambda: fid(GOOD[:1], GOOD), "need at least 2"),
    (lambda: fid(GOOD[:, 0], GOOD), r"expected an \(n, d\) array"),
    (lambda: fid("abc", GOOD), "expected an array of numbers"),
    (lambda: frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3)),
     "mu1 has 2 dimensions but mu2 has 3"),
    (lambda: frechet_distance(np.zeros(2), np.eye(3), np.zeros(2), np.eye(2)), r"sigma1: expected a \(2, 2\)"),
    (lambda: frechet_distance(np.zeros(2), [[1, 0.5], [0, 1]], np.zeros(2), np.eye(2)),
     "sigma1 is not symmetric"),
    (lambda: frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), np.diag([1.0, -1.0])),
     "sigma2 is not positive semi-definite"),
    (lambda: frechet_distance([0, np.inf], np.eye(2), np.zeros(2), np.eye(2)), r"mu1\[1\] is infinite"),
    (lambda: kid(GOOD, GOOD, subsets=0), "subsets = 0"),
    (lambda: kid(GOOD, GOOD, subset_size=1), "subset_size = 1"),
    (lambda: kid(GOOD, torch.full((5, 3), float("inf"))), r"features_b\[0, 0\] is infinite"),
    (lambda: prdc(GOOD, GOOD, k=0), "k = 0"),
    (lambda: prdc(GOOD, GOOD[:5], k=5), "fake_features: 5 samples, need at least 6"),
    (lambda: prdc(GOOD, GOOD, k=2.5), "k = 2.5"),
    (lambda: parzen_log_likelihood(GOOD, GOOD, sigma=0.0), "sigma = 0.0"),
    (lambda: parzen_log_likelihood(GOOD, GOOD, sigma=float("nan")), "sigma = nan"),
    (lambda: parzen_log_likelihood(GOOD, GOOD, sigma=1e-20), "too small to evaluate in float32"),
    (lambda: parzen_log_likelihood(GOOD, GOOD[:1], sigma=1.0), "points: 1 samples, need at least 2"),
    (lambda: parzen_log_likelihood(GOOD[:0], GOOD, sigma=1.0), "centres: 0 samples"),
    (lambda: parzen_log_likelihood(GOOD, GOOD, sigma=1.0, batch_size=0), "batch_size = 0"),
    (lambda: select_bandwidth(GOOD, GOOD, []), "non-empty list of bandwidths"),
    (lambda: select_bandwidth(GOOD, GOOD, [1.0, -1.0]), r"sigmas\[1\] = -1.0"),
    (lambda: select_bandwidth(GOOD, GOOD[:, :2], [1.0]),
     "centres has 3 features per sample but validation has 2"),
])
def test_bad_input_is_a_wgan_error(call, message):
    with pytest.raises(WganError, match=message):
        call()
