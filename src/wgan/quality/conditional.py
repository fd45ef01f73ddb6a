"""Metrics for class-conditional GANs: the Inception Score on classifier outputs (n, K)
(Salimans et al. 2016), the conditional accuracy of generated samples (the share classified
as the class they were requested for), and the intra-class FID on features (n, d) (FID per
class, averaged; Miyato & Koyama 2018, Zhang et al. 2019).

Pure functions of arrays (numpy arrays or torch tensors, any device); no networks here. The
probabilities usually come from a classifier trained on the real data (`wgan.classifier`),
the features from its penultimate layer. Everything is computed on the CPU in float64.
"""
from __future__ import annotations

import warnings
from typing import Sequence, Union

import numpy as np
import torch
from torch import Tensor

from ..errors import WganError
from .frechet import fid
from .inputs import Features, _check_features, _check_int, _to_tensor

Labels = Union[np.ndarray, Tensor, Sequence[int]]

# How far a row of `probabilities` may sum from 1 (float32 softmax over thousands of classes
# is well inside this); anything further is not a distribution (logits, unnormalised scores).
IS_ROW_SUM_ATOL = 1e-4


# --------------------------------------------------------------------------------------
# Input checks


def _as_numpy_2d(x, name: str, what: str) -> np.ndarray:
    """x as a finite (n, K) float64 array; `what` names the rows in the error messages."""
    t = _to_tensor(x, name)
    if t.ndim != 2 or t.shape[1] == 0 or t.shape[0] == 0:
        raise WganError(f"{name}: expected an (n, K) array of {what}, one row per sample and "
                        f"one column per class, got shape {tuple(t.shape)}")
    a = t.cpu().numpy().astype(np.float64, copy=False)
    bad = ~np.isfinite(a)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        kind = "NaN" if np.isnan(a[i, j]) else "infinite"
        raise WganError(f"{name}[{i}, {j}] is {kind}: {what} must be finite")
    return a


def _check_probabilities(probabilities, name: str = "probabilities") -> np.ndarray:
    """An (n, K) float64 array of rows that are probability distributions (to IS_ROW_SUM_ATOL)."""
    p = _as_numpy_2d(probabilities, name, "class probabilities")
    negative = p < 0
    if negative.any():
        i, j = (int(v) for v in np.argwhere(negative)[0])
        raise WganError(f"{name}[{i}, {j}] = {p[i, j]:.6g} is negative: expected class "
                        f"probabilities (softmax outputs); for logits use "
                        f"inception_score_from_logits")
    sums = p.sum(axis=1)
    off = np.abs(sums - 1.0) > IS_ROW_SUM_ATOL
    if off.any():
        i = int(np.argmax(off))
        raise WganError(f"{name}: row {i} sums to {sums[i]:.6g}, expected 1 (within "
                        f"{IS_ROW_SUM_ATOL:g}): each row must be a distribution over the classes "
                        f"(softmax outputs); for logits use inception_score_from_logits")
    return p


def _check_labels(labels, name: str, n: int | None = None) -> np.ndarray:
    """(n,) non-negative integer class labels as int64 (whole-valued floats are accepted)."""
    if isinstance(labels, Tensor):
        a = labels.detach().cpu().numpy()
    else:
        try:
            a = np.asarray(labels)
        except (TypeError, ValueError):
            raise WganError(f"{name}: expected a 1-D array of integer class labels") from None
    if a.dtype == np.bool_ or a.dtype.kind not in "iuf":
        raise WganError(f"{name}: expected integer class labels, got an array of dtype {a.dtype}")
    if a.ndim != 1:
        raise WganError(f"{name}: expected a 1-D array of class labels, one per sample, got "
                        f"shape {a.shape} (flatten it)")
    if n is not None and a.shape[0] != n:
        raise WganError(f"{name} has {a.shape[0]} labels for {n} samples: expected one label "
                        f"per sample")
    if a.size == 0:
        raise WganError(f"{name}: no labels (expected at least one sample)")
    if a.dtype.kind == "f":
        bad = ~np.isfinite(a) | (a != np.round(a))
        if bad.any():
            i = int(np.argmax(bad))
            raise WganError(f"{name}[{i}] = {a[i].item()!r}: expected an integer class label")
    if (a < 0).any():
        i = int(np.argmax(a < 0))
        raise WganError(f"{name}[{i}] = {a[i].item()!r}: class labels must be >= 0")
    return a.astype(np.int64)


# --------------------------------------------------------------------------------------
# Inception Score


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x log y with 0 log y = 0 (also for y = 0)."""
    out = np.zeros(np.broadcast(x, y).shape)
    positive = np.broadcast_to(x > 0, out.shape)
    xb, yb = np.broadcast_to(x, out.shape), np.broadcast_to(y, out.shape)
    out[positive] = xb[positive] * np.log(yb[positive])
    return out


def _inception_score(p: np.ndarray, splits: int, name: str) -> tuple[float, float]:
    splits = _check_int(splits, "splits", 1)
    n = p.shape[0]
    if n < splits:
        raise WganError(f"{name} has {n} samples, fewer than splits = {splits}: use "
                        f"splits <= n (the reference uses 10 splits of 5000 samples)")
    scores = []
    for i in range(splits):
        part = p[i * n // splits:(i + 1) * n // splits]
        marginal = part.mean(axis=0, keepdims=True)
        # KL(p(y|x) || p(y)) = sum_y p(y|x) (log p(y|x) - log p(y)); p(y) > 0 wherever p(y|x) > 0.
        kl = (_xlogy(part, part) - _xlogy(part, marginal)).sum(axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def inception_score(probabilities: Features, splits: int = 10) -> tuple[float, float]:
    """Inception Score of class probabilities p(y|x) (n, K): (mean, std) over splits.

        IS = exp(E_x KL(p(y|x) || p(y)))

    (Salimans et al. 2016), computed as their reference code does (openai/improved-gan,
    inception_score.py): the rows are cut into `splits` consecutive chunks
    [i n // splits, (i + 1) n // splits); in each chunk p(y) is the chunk's mean row and the
    score is exp(mean KL); the result is the mean and the standard deviation (ddof=0) of the
    chunk scores. Between 1 (every row the same) and K (confident, balanced predictions).
    0 log 0 = 0. Rows must be non-negative and sum to 1 (within IS_ROW_SUM_ATOL); n >= splits.
    Depends on n (compare at the same n and splits) and on the classifier (Barratt & Sharma
    2018): not comparable across classifiers. float64.
    """
    return _inception_score(_check_probabilities(probabilities), splits, "probabilities")


def inception_score_from_logits(logits: Features, splits: int = 10) -> tuple[float, float]:
    """Inception Score of classifier logits (n, K): `inception_score` of their softmax,
    taken in float64 (so that confident rows keep their small probabilities)."""
    z = _as_numpy_2d(logits, "logits", "logits")
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return _inception_score(e / e.sum(axis=1, keepdims=True), splits, "logits")


# --------------------------------------------------------------------------------------
# Conditional accuracy


def conditional_accuracy(probabilities_or_predictions: Features | Labels,
                         requested_labels: Labels) -> dict:
    """How often a classifier assigns generated samples to the class they were generated for.

    probabilities_or_predictions: (n, K) class scores (probabilities or logits; the
    predicted class is the argmax of each row, the first one on ties) or (n,) predicted
    class labels; requested_labels: (n,) the classes given to the generator.

    Returns {"conditional_accuracy": the share of samples whose predicted class equals the
    requested one, "per_class": {k: that share among samples requested as k},
    "counts": {k: the number of samples requested as k}}, for the classes k (ints, sorted)
    present in requested_labels. (The "classification accuracy score" of generated samples
    in e.g. Odena et al. 2017's AC-GAN evaluation.)
    """
    name = "probabilities_or_predictions"
    if isinstance(probabilities_or_predictions, Tensor):
        ndim = probabilities_or_predictions.ndim
    else:
        try:
            ndim = np.ndim(probabilities_or_predictions)
        except (TypeError, ValueError):
            raise WganError(f"{name}: expected an (n, K) array of class scores or an (n,) "
                            f"array of predicted labels") from None
    if ndim == 2:
        scores = _as_numpy_2d(probabilities_or_predictions, name, "class scores")
        predicted, k = scores.argmax(axis=1), scores.shape[1]
    elif ndim == 1:
        predicted, k = _check_labels(probabilities_or_predictions, name), None
    else:
        raise WganError(f"{name}: expected an (n, K) array of class scores or an (n,) array of "
                        f"predicted labels, got {ndim} dimensions")
    requested = _check_labels(requested_labels, "requested_labels", predicted.shape[0])
    if k is not None and requested.max() >= k:
        i = int(np.argmax(requested >= k))
        raise WganError(f"requested_labels[{i}] = {requested[i]} but {name} has scores for "
                        f"{k} classes only (0..{k - 1}): the classifier and the generator must "
                        f"use the same classes")
    correct = predicted == requested
    classes = np.unique(requested)
    return {"conditional_accuracy": float(correct.mean()),
            "per_class": {int(c): float(correct[requested == c].mean()) for c in classes},
            "counts": {int(c): int((requested == c).sum()) for c in classes}}


# --------------------------------------------------------------------------------------
# Intra-class FID


def intra_class_fid(features_real: Features, labels_real: Labels, features_fake: Features,
                    labels_fake: Labels, min_per_class: int = 2) -> dict:
    """Intra-class FID: FID between the real and the generated features of each class, and
    their mean over classes (Miyato & Koyama 2018, cGANs with projection discriminator;
    Zhang et al. 2019).

    features_real (n, d) with labels_real (n,); features_fake (m, d) with labels_fake (m,)
    (the classes the samples were generated for). Both must have the same set of classes,
    each with at least `min_per_class` (>= 2) samples on both sides. Each class's value is
    `fid` (the Frechet distance of the Gaussians fitted to that class's features), so the
    same caveats hold, more so: FID is biased upwards by O(d / n_k) at small per-class n_k,
    and a class with n_k <= d samples gets a QualityWarning naming it.

    Returns {"intra_fid": the mean of the per-class values, "per_class": {k: FID_k}} with
    the classes k as sorted ints.
    """
    min_per_class = _check_int(min_per_class, "min_per_class", 2)
    real = _check_features(features_real, "features_real", 1, "FID needs samples")
    fake = _check_features(features_fake, "features_fake", 1, "FID needs samples")
    if real.shape[1] != fake.shape[1]:
        raise WganError(f"features_real has {real.shape[1]} features per sample but "
                        f"features_fake has {fake.shape[1]}: both must come from the same "
                        f"feature network")
    y_real = _check_labels(labels_real, "labels_real", real.shape[0])
    y_fake = _check_labels(labels_fake, "labels_fake", fake.shape[0])
    classes_real, counts_real = np.unique(y_real, return_counts=True)
    classes_fake, counts_fake = np.unique(y_fake, return_counts=True)
    if not np.array_equal(classes_real, classes_fake):
        only_real = sorted(int(c) for c in np.setdiff1d(classes_real, classes_fake))
        only_fake = sorted(int(c) for c in np.setdiff1d(classes_fake, classes_real))
        raise WganError(f"labels_real and labels_fake have different classes (only in real: "
                        f"{only_real}, only in fake: {only_fake}): generate samples for exactly "
                        f"the classes of the real data")
    for side, classes, counts in (("labels_real", classes_real, counts_real),
                                  ("labels_fake", classes_fake, counts_fake)):
        few = counts < min_per_class
        if few.any():
            c, count = int(classes[few][0]), int(counts[few][0])
            raise WganError(f"class {c} has {count} sample(s) in {side}, need at least "
                            f"min_per_class = {min_per_class} (a covariance needs two): "
                            f"use more samples of class {c}")
    per_class = {}
    for c in classes_real:
        a = real[torch.from_numpy(y_real == c).to(real.device)]
        b = fake[torch.from_numpy(y_fake == c).to(fake.device)]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            per_class[int(c)] = fid(a, b)
        for w in caught:        # name the class in fid's warnings
            warnings.warn(f"intra-class FID, class {int(c)}: {w.message}", w.category,
                          stacklevel=2)
    return {"intra_fid": float(np.mean(list(per_class.values()))), "per_class": per_class}
