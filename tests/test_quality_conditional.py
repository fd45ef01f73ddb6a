import math

import numpy as np
import pytest
import torch
from scipy.special import softmax

from wgan.errors import WganError
from wgan.quality import (IS_ROW_SUM_ATOL, QualityWarning, conditional_accuracy, fid,
                          inception_score, inception_score_from_logits, intra_class_fid)


def reference_inception_score(preds: np.ndarray, splits: int) -> tuple[float, float]:
    """openai/improved-gan inception_score.py, the scoring loop as written there (plain
    np.log: only for rows without zeros)."""
    scores = []
    for i in range(splits):
        part = preds[(i * preds.shape[0] // splits):((i + 1) * preds.shape[0] // splits), :]
        kl = part * (np.log(part) - np.log(np.expand_dims(np.mean(part, 0), 0)))
        kl = np.mean(np.sum(kl, 1))
        scores.append(np.exp(kl))
    return float(np.mean(scores)), float(np.std(scores))


def exact_gaussian_sample(mu, variances, n: int, seed: int) -> np.ndarray:
    """n points whose mean is exactly mu and whose unbiased covariance is exactly
    diag(variances) (up to round-off): normal noise, centred and whitened, then scaled."""
    z = np.random.default_rng(seed).normal(size=(n, len(mu)))
    z -= z.mean(axis=0)
    w, v = np.linalg.eigh(np.cov(z, rowvar=False))
    z = z @ v @ np.diag(w ** -0.5) @ v.T                # unbiased covariance exactly I
    return np.asarray(mu) + z * np.sqrt(np.asarray(variances))


# --------------------------------------------------------------------------------------
# Inception Score


def test_confident_balanced_predictions_score_the_number_of_classes():
    k, n = 10, 1000
    one_hot = np.eye(k)[np.arange(n) % k]         # every split of 100 rows has 10 of each class
    mean, std = inception_score(one_hot, splits=10)
    assert mean == pytest.approx(k, rel=1e-12)
    assert std == pytest.approx(0.0, abs=1e-12)
    assert inception_score(torch.from_numpy(one_hot).float(), splits=1)[0] == pytest.approx(k, rel=1e-6)


def test_identical_rows_score_one():
    row = np.array([0.1, 0.2, 0.0, 0.7])
    mean, std = inception_score(np.tile(row, (50, 1)), splits=5)
    assert mean == pytest.approx(1.0, abs=1e-12)
    assert std == pytest.approx(0.0, abs=1e-12)


def test_two_class_example_by_hand():
    # Rows (1, 0) and (1/2, 1/2): p(y) = (3/4, 1/4).
    # KL_1 = 1 log(1 / (3/4)) = log(4/3);
    # KL_2 = 1/2 log((1/2) / (3/4)) + 1/2 log((1/2) / (1/4)) = 1/2 log(2/3) + 1/2 log 2 = 1/2 log(4/3).
    # Mean KL = 3/4 log(4/3), so IS = (4/3)^(3/4) = 1.24081...
    mean, std = inception_score([[1.0, 0.0], [0.5, 0.5]], splits=1)
    assert mean == pytest.approx((4 / 3) ** 0.75, rel=1e-12)
    assert mean == pytest.approx(1.2408064788027997, rel=1e-12)
    assert std == 0.0
    # Two splits: {(1, 0), (0, 1)} scores exp(log 2) = 2 and {(1/2, 1/2) twice} scores 1:
    # mean 1.5, std (ddof=0) 0.5.
    mean, std = inception_score([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.5, 0.5]], splits=2)
    assert (mean, std) == (pytest.approx(1.5, rel=1e-12), pytest.approx(0.5, rel=1e-12))


@pytest.mark.parametrize("n, k, splits, alpha", [(1000, 10, 10, 1.0), (1003, 7, 10, 0.3),
                                                  (257, 3, 4, 5.0), (50, 100, 1, 1.0)])
def test_agrees_with_the_reference_implementation_on_dirichlet_rows(n, k, splits, alpha):
    rng = np.random.default_rng(n + k)
    p = rng.dirichlet(np.full(k, alpha), size=n)
    p = np.clip(p, 1e-300, None)
    p /= p.sum(axis=1, keepdims=True)            # no exact zeros for the plain np.log
    expected = reference_inception_score(p, splits)
    mean, std = inception_score(p, splits=splits)
    assert mean == pytest.approx(expected[0], rel=1e-10)
    assert std == pytest.approx(expected[1], rel=1e-8, abs=1e-12)
    assert 1.0 <= mean <= k
    mean32, _ = inception_score(torch.from_numpy(p).float(), splits=splits)
    assert mean32 == pytest.approx(expected[0], rel=1e-4)


def test_from_logits_is_softmax_then_inception_score():
    logits = np.random.default_rng(0).normal(scale=3.0, size=(400, 6))
    expected = inception_score(softmax(logits, axis=1), splits=4)
    got = inception_score_from_logits(logits, splits=4)
    assert got[0] == pytest.approx(expected[0], rel=1e-12)
    assert got[1] == pytest.approx(expected[1], rel=1e-9, abs=1e-12)
    assert inception_score_from_logits(torch.from_numpy(logits).float(), 4)[0] == pytest.approx(expected[0], rel=1e-5)
    # Huge logits do not overflow: softmax in float64 is one-hot, 2 balanced classes score 2.
    huge = np.array([[1000.0, 0.0], [0.0, 1000.0]] * 5)
    assert inception_score_from_logits(huge, splits=5)[0] == pytest.approx(2.0, rel=1e-12)


def test_zero_probabilities_use_zero_log_zero():
    mean, _ = inception_score([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], splits=1)
    assert math.isfinite(mean) and mean == pytest.approx(2.0, rel=1e-12)


@pytest.mark.parametrize("probabilities, splits, match", [
    ([[0.5, float("nan")], [0.5, 0.5]], 1, r"probabilities\[0, 1\] is NaN"),
    ([[1.2, -0.2], [0.5, 0.5]], 1, r"probabilities\[0, 1\] = -0.2 is negative"),
    ([[0.6, 0.3], [0.5, 0.5]], 1, r"row 0 sums to 0.9"),
    ([[2.0, -1.0]], 1, r"is negative.*inception_score_from_logits"),
    ([[0.5, 0.5]] * 3, 4, r"3 samples, fewer than splits = 4"),
    ([[0.5, 0.5]] * 3, 0, r"splits = 0: expected an integer >= 1"),
    ([[0.5, 0.5]] * 3, 1.5, r"splits = 1.5"),
    ([0.5, 0.5], 1, r"expected an \(n, K\) array"),
    ([["a", "b"]], 1, r"expected an array of numbers"),
])
def test_bad_probabilities_raise(probabilities, splits, match):
    with pytest.raises(WganError, match=match):
        inception_score(probabilities, splits=splits)


def test_row_sums_within_the_tolerance_are_accepted():
    p = np.array([[0.5, 0.5 + IS_ROW_SUM_ATOL / 2], [1.0, 0.0]])
    assert inception_score(p, splits=1)[0] > 1.0
    with pytest.raises(WganError, match="row 0 sums to"):
        inception_score(np.array([[0.5, 0.5 + 2 * IS_ROW_SUM_ATOL], [1.0, 0.0]]), splits=1)


def test_bad_logits_raise():
    with pytest.raises(WganError, match=r"logits\[1, 0\] is infinite"):
        inception_score_from_logits([[0.0, 1.0], [float("inf"), 0.0]], splits=1)
    with pytest.raises(WganError, match=r"logits has 2 samples, fewer than splits = 10"):
        inception_score_from_logits([[0.0, 1.0], [1.0, 0.0]])


# --------------------------------------------------------------------------------------
# Conditional accuracy


def test_conditional_accuracy_by_hand():
    requested = [0, 0, 1, 1, 1, 2]
    probabilities = np.array([[0.9, 0.1, 0.0, 0.0],     # predicted 0: right
                              [0.2, 0.7, 0.1, 0.0],     # predicted 1: wrong (requested 0)
                              [0.1, 0.8, 0.1, 0.0],     # 1: right
                              [0.0, 0.6, 0.0, 0.4],     # 1: right
                              [0.5, 0.3, 0.2, 0.0],     # 0: wrong (requested 1)
                              [0.0, 0.0, 1.0, 0.0]])    # 2: right
    expected = {"conditional_accuracy": 4 / 6, "per_class": {0: 1 / 2, 1: 2 / 3, 2: 1.0},
                "counts": {0: 2, 1: 3, 2: 1}}
    got = conditional_accuracy(probabilities, requested)
    assert got["conditional_accuracy"] == pytest.approx(4 / 6)
    assert got["per_class"] == pytest.approx(expected["per_class"])
    assert got["counts"] == expected["counts"]
    assert set(got["per_class"]) == {0, 1, 2}               # class 3 was never requested
    assert all(type(k) is int for k in got["per_class"])
    # Logits, torch tensors and predicted labels give the same answer.
    logits = torch.from_numpy(np.log(probabilities + 1e-9)).float()
    assert conditional_accuracy(logits, torch.tensor(requested)) == got
    assert conditional_accuracy([0, 1, 1, 1, 0, 2], np.array(requested, dtype=np.int32)) == got
    assert conditional_accuracy(np.array([0.0, 1, 1, 1, 0, 2]), requested) == got


@pytest.mark.parametrize("scores, requested, match", [
    ([[0.5, 0.5]] * 3, [0, 1], r"requested_labels has 2 labels for 3 samples"),
    ([[0.5, 0.5]] * 2, [0, 2], r"requested_labels\[1\] = 2 but .* 2 classes only"),
    ([[0.5, 0.5]] * 2, [0, 0.5], r"requested_labels\[1\] = 0.5: expected an integer"),
    ([[0.5, 0.5]] * 2, [0, -1], r"requested_labels\[1\] = -1: class labels must be >= 0"),
    ([[0.5, 0.5]] * 2, [[0], [1]], r"requested_labels: expected a 1-D array"),
    ([[0.5, 0.5]] * 2, [True, False], r"requested_labels: expected integer class labels"),
    ([[0.5, float("nan")]] * 2, [0, 1], r"probabilities_or_predictions\[0, 1\] is NaN"),
    ([[[0.5]]], [0], r"got 3 dimensions"),
    ([0, 1.5], [0, 1], r"probabilities_or_predictions\[1\] = 1.5"),
    ([], [], r"no labels"),
])
def test_bad_conditional_accuracy_inputs_raise(scores, requested, match):
    with pytest.raises(WganError, match=match):
        conditional_accuracy(scores, requested)


# --------------------------------------------------------------------------------------
# Intra-class FID


def test_intra_class_fid_is_the_mean_of_per_class_fids():
    rng = np.random.default_rng(0)
    d = 4
    y_real, y_fake = rng.integers(0, 3, size=600), rng.integers(0, 3, size=450)
    real = rng.normal(size=(600, d)) + y_real[:, None]
    fake = 1.3 * rng.normal(size=(450, d)) + 0.8 * y_fake[:, None]
    got = intra_class_fid(real, y_real, fake, y_fake)
    assert set(got) == {"intra_fid", "per_class"}
    assert sorted(got["per_class"]) == [0, 1, 2]
    for k in range(3):
        assert got["per_class"][k] == pytest.approx(fid(real[y_real == k], fake[y_fake == k]), rel=1e-12)
    assert got["intra_fid"] == pytest.approx(np.mean([got["per_class"][k] for k in range(3)]), rel=1e-12)
    # Tensors (float32 features, int64 labels) give the same values.
    t = intra_class_fid(torch.from_numpy(real).float(), torch.from_numpy(y_real),
                        torch.from_numpy(fake).float(), torch.from_numpy(y_fake))
    assert t["intra_fid"] == pytest.approx(got["intra_fid"], rel=1e-5)
    # Pooled FID ignores the classes; per-class FID does not: matching pools, mismatched classes.
    swapped = intra_class_fid(real, y_real, real, (y_real + 1) % 3)
    assert fid(real, real) == pytest.approx(0.0, abs=1e-8)
    assert swapped["intra_fid"] > 1.0


def test_intra_class_fid_of_identical_features_per_class_is_zero():
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(5), 40)
    x = rng.normal(size=(200, 3)) * (1 + y[:, None]) + y[:, None]
    order = rng.permutation(200)                          # same per-class sets, shuffled
    got = intra_class_fid(x, y, x[order], y[order])
    assert got["intra_fid"] == pytest.approx(0.0, abs=1e-8)
    assert all(v == pytest.approx(0.0, abs=1e-8) for v in got["per_class"].values())


def test_intra_class_fid_matches_the_closed_form_for_exact_gaussian_samples():
    # Class 0: real N((0, 0), diag(1, 4)), fake N((1, 2), diag(4, 1)):
    #   ||mu1 - mu2||^2 = 1 + 4 = 5; tr = (1 + 4 - 2 sqrt(1 * 4)) + (4 + 1 - 2 sqrt(4 * 1)) = 1 + 1 = 2: 7.
    # Class 3: real N((3, -1), diag(9, 1)), fake N((3, -1), diag(1, 1)):
    #   0 + (9 + 1 - 2 sqrt(9)) + (1 + 1 - 2 sqrt(1)) = 4 + 0 = 4.
    # Mean over the classes: 5.5.
    real = np.concatenate([exact_gaussian_sample([0, 0], [1, 4], 50, 0),
                           exact_gaussian_sample([3, -1], [9, 1], 70, 1)])
    fake = np.concatenate([exact_gaussian_sample([1, 2], [4, 1], 60, 2),
                           exact_gaussian_sample([3, -1], [1, 1], 40, 3)])
    y_real, y_fake = np.repeat([0, 3], [50, 70]), np.repeat([0, 3], [60, 40])
    got = intra_class_fid(real, y_real, fake, y_fake)
    assert got["per_class"] == {0: pytest.approx(7.0, rel=1e-9), 3: pytest.approx(4.0, rel=1e-9)}
    assert got["intra_fid"] == pytest.approx(5.5, rel=1e-9)


def test_intra_class_fid_approaches_the_closed_form_for_large_gaussian_samples():
    rng = np.random.default_rng(7)
    n = 40_000
    # Same two classes as above: 7 and 4, mean 5.5.
    real = np.concatenate([rng.normal([0, 0], [1, 2], size=(n, 2)), rng.normal([3, -1], [3, 1], size=(n, 2))])
    fake = np.concatenate([rng.normal([1, 2], [2, 1], size=(n, 2)), rng.normal([3, -1], [1, 1], size=(n, 2))])
    y = np.repeat([0, 1], n)
    got = intra_class_fid(real, y, fake, y)
    # The estimator's sd at this n (measured over 20 seeds): 0.034 and 0.043 per class, 0.028
    # for the mean; the tolerances are about 4.5 sd.
    assert got["per_class"][0] == pytest.approx(7.0, abs=0.16)
    assert got["per_class"][1] == pytest.approx(4.0, abs=0.2)
    assert got["intra_fid"] == pytest.approx(5.5, abs=0.13)


def test_intra_class_fid_names_the_class_in_fids_warning():
    rng = np.random.default_rng(2)
    y = np.array([0] * 3 + [1] * 20)
    x = rng.normal(size=(23, 4))
    with pytest.warns(QualityWarning, match=r"intra-class FID, class 0: .*3 samples for 4 feature"):
        intra_class_fid(x, y, x + 0.1, y)


def test_bad_intra_class_fid_inputs_raise():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(30, 2)), np.repeat([0, 1, 2], 10)
    with pytest.raises(WganError, match=r"different classes \(only in real: \[2\], only in fake: \[5\]\)"):
        intra_class_fid(x, y, x, np.where(y == 2, 5, y))
    with pytest.raises(WganError, match=r"only in real: \[2\], only in fake: \[\]"):
        intra_class_fid(x, y, x[:20], y[:20])
    one = y.copy()
    one[:9] = 1                                   # class 0 keeps one sample in labels_fake
    with pytest.raises(WganError, match=r"class 0 has 1 sample\(s\) in labels_fake, need at least min_per_class = 2"):
        intra_class_fid(x, y, x, one)
    with pytest.raises(WganError, match=r"class 0 has 10 sample\(s\) in labels_real, need at least min_per_class = 11"):
        intra_class_fid(x, y, x, y, min_per_class=11)
    with pytest.raises(WganError, match=r"min_per_class = 1: expected an integer >= 2"):
        intra_class_fid(x, y, x, y, min_per_class=1)
    with pytest.raises(WganError, match=r"features_real has 2 features per sample but features_fake has 3"):
        intra_class_fid(x, y, rng.normal(size=(30, 3)), y)
    with pytest.raises(WganError, match=r"labels_fake has 29 labels for 30 samples"):
        intra_class_fid(x, y, x, y[:29])
    with pytest.raises(WganError, match=r"features_fake\[0, 1\] is NaN"):
        intra_class_fid(x, y, np.where(np.arange(60).reshape(30, 2) == 1, np.nan, x), y)
    with pytest.raises(WganError, match=r"labels_real\[0\] = 0.5"):
        intra_class_fid(x, np.where(np.arange(30) == 0, 0.5, y), x, y)
