"""Sample-quality metrics on features (n, d): FID, KID, precision/recall/density/coverage,
Parzen-window log-likelihood.

Pure functions of two sets of feature vectors (numpy arrays or torch tensors), one row
per sample; no networks here. The features usually come from a feature network (the
penultimate layer of `wgan.classifier.SmallCNN`) or, for the Parzen estimate, are the
samples themselves (pixels).

- FID: the Frechet distance between Gaussians fitted to the two sets (Heusel et al. 2017),
  computed as pytorch-fid does (scipy's sqrtm in float64).
- KID: the unbiased MMD^2 with the cubic polynomial kernel, averaged over random subsets
  (Binkowski et al. 2018), as in their code and torch-fidelity.
- PRDC: improved precision and recall (Kynkaanniemi et al. 2019), density and coverage
  (Naeem et al. 2020), with the definitions of the `prdc` package, in chunks.
- Parzen window: the log-likelihood of samples under a Gaussian kernel density estimate
  (Breuleux et al. 2011), with the bandwidth chosen on validation data (Goodfellow et al.
  2014's protocol).

Every input is checked first: a bad value raises `WganError` naming it. Tensors keep their
device (CUDA when given CUDA tensors); numpy inputs are computed on the CPU.
"""
from __future__ import annotations

import math
import warnings
from typing import Sequence, Union

import numpy as np
import torch
from torch import Tensor

from .errors import WganError

Features = Union[np.ndarray, Tensor, Sequence[Sequence[float]]]

# pytorch-fid: offset added to the covariances' diagonals when sqrtm of their product fails,
# and the largest imaginary part allowed on the diagonal of the square root.
FID_EPS = 1e-6
FID_IMAG_ATOL = 1e-3
# Relative tolerances for what counts as a covariance matrix: |S - S^T| and negative
# eigenvalues up to this fraction of the largest |entry| / |eigenvalue| are round-off.
_SYMMETRY_RTOL = 1e-6
_PSD_RTOL = 1e-6
# Entries per block of a distance matrix (64 MB in float64, 64 MB at float32 for Parzen).
_BLOCK_ELEMENTS = 1 << 23
_PARZEN_BLOCK_ELEMENTS = 1 << 24
# Smallest kernel exponent evaluated: e^-80 is a normal float32 (subnormals are slow on CPUs).
_PARZEN_MIN_EXPONENT = -80.0
_FLOAT32_MAX_SCALE = 1e36


class QualityWarning(UserWarning):
    """A metric was computed, but on input that makes it unreliable (e.g. fewer samples than
    feature dimensions for FID), or after a numerical fix that the user should know about."""


# --------------------------------------------------------------------------------------
# Checking inputs


def _to_tensor(x, name: str) -> Tensor:
    """x as a float32/float64 tensor (tensors keep their device and floating dtype)."""
    if isinstance(x, Tensor):
        t = x.detach()
        if t.is_complex() or t.dtype == torch.bool:
            raise WganError(f"{name}: expected real numbers, got a tensor of dtype {t.dtype}")
        return t if t.dtype in (torch.float32, torch.float64) else t.to(torch.float64)
    if isinstance(x, np.ndarray) and x.dtype in (np.float32, np.float64):
        with warnings.catch_warnings():     # read-only arrays: nothing here writes to them
            warnings.simplefilter("ignore", UserWarning)
            return torch.from_numpy(x)
    try:
        array = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise WganError(f"{name}: expected an array of numbers") from None
    return torch.from_numpy(array)


def _check_finite(t: Tensor, name: str) -> None:
    # A finite sum proves every entry finite (NaN and inf propagate) in one cheap pass; a
    # sum that overflows is checked entry by entry.
    if t.numel() == 0 or bool(torch.isfinite(t.sum())):
        return
    bad = ~torch.isfinite(t)
    if bool(bad.any()):
        where = tuple(int(i) for i in bad.nonzero()[0])
        kind = "NaN" if bool(torch.isnan(t[where])) else "infinite"
        index = where[0] if t.ndim == 1 else f"{where[0]}, {where[1]}" if t.ndim == 2 else where
        raise WganError(f"{name}[{index}] is {kind}: features must be finite")


def _check_features(x, name: str, min_rows: int, why: str) -> Tensor:
    """An (n, d) float tensor after checking: 2-D, d >= 1, n >= min_rows, finite."""
    t = _to_tensor(x, name)
    if t.ndim != 2 or t.shape[1] == 0:
        raise WganError(f"{name}: expected an (n, d) array of features, one row per sample, "
                        f"got shape {tuple(t.shape)} (reshape to (n, -1))")
    if t.shape[0] < min_rows:
        raise WganError(f"{name}: {t.shape[0]} samples, need at least {min_rows} ({why})")
    _check_finite(t, name)
    return t


def _pair(a: Tensor, b: Tensor, name_a: str, name_b: str) -> tuple[Tensor, Tensor]:
    """The two sets on one device (the first CUDA one if any), with the same dimension."""
    if a.shape[1] != b.shape[1]:
        raise WganError(f"{name_a} has {a.shape[1]} features per sample but {name_b} has "
                        f"{b.shape[1]}: both must come from the same feature network")
    device = a.device if a.device.type != "cpu" else b.device
    return a.to(device), b.to(device)


def _check_int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise WganError(f"{name} = {value!r}: expected an integer >= {minimum}")
    return int(value)


def _check_sigma(sigma, name: str = "sigma") -> float:
    try:
        value = float(sigma)
    except (TypeError, ValueError):
        raise WganError(f"{name} = {sigma!r}: expected a number") from None
    if not math.isfinite(value) or value <= 0:
        raise WganError(f"{name} = {value!r}: the kernel bandwidth must be finite and > 0")
    return value


# --------------------------------------------------------------------------------------
# FID


def _as_numpy(x, name: str) -> np.ndarray:
    t = _to_tensor(x, name)
    return t.cpu().numpy().astype(np.float64, copy=False)


def _check_mean(mu, name: str) -> np.ndarray:
    mu = _as_numpy(mu, name)
    if mu.ndim != 1 or mu.size == 0:
        raise WganError(f"{name}: expected a mean vector of shape (d,), got shape {mu.shape}")
    _check_finite(torch.from_numpy(mu), name)
    return mu


def _check_covariance(sigma, name: str, d: int) -> np.ndarray:
    """A (d, d) symmetric positive semi-definite float64 matrix (up to round-off)."""
    sigma = _as_numpy(sigma, name)
    if sigma.shape != (d, d):
        raise WganError(f"{name}: expected a ({d}, {d}) covariance matrix to match the mean, "
                        f"got shape {sigma.shape}")
    _check_finite(torch.from_numpy(sigma), name)
    scale = float(np.abs(sigma).max())
    asymmetry = float(np.abs(sigma - sigma.T).max())
    if asymmetry > _SYMMETRY_RTOL * scale:
        raise WganError(f"{name} is not symmetric (max |S - S^T| = {asymmetry:.3g}): expected a "
                        f"covariance matrix")
    eigenvalues = np.linalg.eigvalsh(sigma)
    if eigenvalues[0] < -_PSD_RTOL * max(abs(eigenvalues[-1]), abs(eigenvalues[0])):
        raise WganError(f"{name} is not positive semi-definite (smallest eigenvalue "
                        f"{eigenvalues[0]:.3g}): expected a covariance matrix")
    return sigma


def _sqrtm(matrix: np.ndarray) -> np.ndarray:
    """scipy's principal square root; its 'singular matrix' LinAlgWarning is not an error here
    (singular covariance products are common and handled by the caller)."""
    import scipy.linalg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        return scipy.linalg.sqrtm(matrix)


def frechet_distance(mu1: Features, sigma1: Features, mu2: Features, sigma2: Features,
                     eps: float = FID_EPS) -> float:
    """The squared Frechet (W2) distance between N(mu1, sigma1) and N(mu2, sigma2):

        ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))

    (Dowson & Landau 1982; FID, Heusel et al. 2017). mu: (d,), sigma: (d, d) symmetric PSD.
    Computed in float64 as pytorch-fid does: scipy.linalg.sqrtm of the product; if that is
    not finite, again with `eps` added to both diagonals (with a QualityWarning); imaginary
    parts from round-off are dropped, larger ones (diagonal > 1e-3) raise WganError.
    """
    mu1, mu2 = _check_mean(mu1, "mu1"), _check_mean(mu2, "mu2")
    if mu1.shape != mu2.shape:
        raise WganError(f"mu1 has {mu1.size} dimensions but mu2 has {mu2.size}")
    d = mu1.size
    sigma1, sigma2 = _check_covariance(sigma1, "sigma1", d), _check_covariance(sigma2, "sigma2", d)
    diff = mu1 - mu2
    covmean = _sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():
        warnings.warn(f"FID: the square root of the covariance product is not finite (the "
                      f"product is singular); adding {eps:g} to the covariances' diagonals "
                      f"(as pytorch-fid does): use more samples than feature dimensions",
                      QualityWarning, stacklevel=2)
        offset = np.eye(d) * eps
        covmean = _sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        imaginary = float(np.abs(np.diagonal(covmean).imag).max())
        if not np.isfinite(covmean).all() or imaginary > FID_IMAG_ATOL:
            raise WganError(f"FID: (sigma1 sigma2)^(1/2) has an imaginary component of "
                            f"{imaginary:.3g} on its diagonal: the covariances are too "
                            f"ill-conditioned; use more samples or fewer feature dimensions")
        covmean = covmean.real
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean))


def gaussian_statistics(features: Features, name: str = "features") -> tuple[np.ndarray, np.ndarray]:
    """The mean (d,) and unbiased covariance (d, d) of features (n, d), n >= 2, in float64."""
    x = _as_numpy(_check_features(features, name, 2, "a covariance needs two samples"), name)
    return x.mean(axis=0), np.atleast_2d(np.cov(x, rowvar=False))


def fid(features_a: Features, features_b: Features) -> float:
    """Frechet Inception Distance between feature sets a (n, d) and b (m, d) (Heusel et al. 2017).

    The Frechet distance between Gaussians with the sets' means and unbiased covariances;
    0 for identical sets. Biased upwards at small n (by O(d / n)): compare values at the
    same n only. With n <= d a covariance is singular and FID is unreliable (QualityWarning).
    """
    a = _check_features(features_a, "features_a", 2, "a covariance needs two samples")
    b = _check_features(features_b, "features_b", 2, "a covariance needs two samples")
    a, b = _pair(a, b, "features_a", "features_b")
    d = a.shape[1]
    for name, x in (("features_a", a), ("features_b", b)):
        if len(x) <= d:
            warnings.warn(f"FID: {name} has {len(x)} samples for {d} feature dimensions, so its "
                          f"covariance is singular and FID is unreliable: use n >> d (or KID)",
                          QualityWarning, stacklevel=2)
    mu1, sigma1 = gaussian_statistics(a, "features_a")
    mu2, sigma2 = gaussian_statistics(b, "features_b")
    return frechet_distance(mu1, sigma1, mu2, sigma2)


# --------------------------------------------------------------------------------------
# KID


def _polynomial_kernel(x: Tensor, y: Tensor) -> Tensor:
    """k(x, y) = (x.y / d + 1)^3 for rows of x (n, d) and y (m, d): (n, m)."""
    k = torch.addmm(torch.ones((), dtype=x.dtype, device=x.device), x, y.T, alpha=1.0 / x.shape[1])
    return k.pow_(3)


def _mmd2_unbiased(x: Tensor, y: Tensor) -> float:
    """The unbiased MMD^2 between x (m, d) and y (m, d) with the cubic polynomial kernel:

        sum_{i != j} [k(x_i, x_j) + k(y_i, y_j)] / (m (m - 1)) - 2 sum_{i, j} k(x_i, y_j) / m^2

    (Gretton et al. 2012, eq. 3 with equal sizes; Binkowski et al. 2018, as in their code).
    """
    m = x.shape[0]
    kxx, kyy, kxy = _polynomial_kernel(x, x), _polynomial_kernel(y, y), _polynomial_kernel(x, y)
    within = (kxx.sum() - kxx.diagonal().sum()) + (kyy.sum() - kyy.diagonal().sum())
    return float(within / (m * (m - 1)) - 2.0 * kxy.sum() / (m * m))


def kid(features_a: Features, features_b: Features, subsets: int = 100,
        subset_size: int = 1000, seed: int | np.random.Generator = 0) -> tuple[float, float]:
    """Kernel Inception Distance between feature sets a (n, d) and b (n', d): (mean, std).

    The unbiased MMD^2 with k(x, y) = (x.y / d + 1)^3 on `subsets` pairs of random subsets
    of size m = min(subset_size, n, n'), each drawn without replacement from `seed` (an int
    or a numpy Generator) (Binkowski et al. 2018; torch-fidelity): the mean and the
    standard deviation (ddof=0) over subsets. Unbiased, so it can be slightly negative when the sets match. float64.
    """
    a = _check_features(features_a, "features_a", 2, "the unbiased MMD needs two samples")
    b = _check_features(features_b, "features_b", 2, "the unbiased MMD needs two samples")
    a, b = _pair(a, b, "features_a", "features_b")
    subsets = _check_int(subsets, "subsets", 1)
    subset_size = _check_int(subset_size, "subset_size", 2)
    a, b = a.to(torch.float64), b.to(torch.float64)
    m = min(subset_size, len(a), len(b))
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    values = np.empty(subsets)
    for s in range(subsets):
        x = a[torch.from_numpy(rng.choice(len(a), m, replace=False)).to(a.device)]
        y = b[torch.from_numpy(rng.choice(len(b), m, replace=False)).to(b.device)]
        values[s] = _mmd2_unbiased(x, y)
    return float(values.mean()), float(values.std())


# --------------------------------------------------------------------------------------
# Precision, recall, density, coverage


def _squared_distances(x: Tensor, y: Tensor, xx: Tensor, yy: Tensor) -> Tensor:
    """||x_i - y_j||^2 (n, m) from rows x (n, d), y (m, d) and their squared norms."""
    d2 = torch.addmm(yy.expand(len(x), len(y)), x, y.T, alpha=-2.0)
    return d2.add_(xx[:, None]).clamp_(min=0.0)


def _rows_per_block(columns: int, budget: int) -> int:
    return max(1, budget // max(1, columns))


def _kth_neighbour_distances(x: Tensor, k: int) -> Tensor:
    """Squared distance from each row of x (n, d), float64, to its k-th nearest other row: (n,).

    As the `prdc` package: the (k+1)-th smallest distance in the row, the point itself
    included (so duplicates count as neighbours). In blocks of rows.
    """
    xx = (x * x).sum(1)
    rows = _rows_per_block(len(x), _BLOCK_ELEMENTS)
    # topk: several times faster than torch.kthvalue on the CPU.
    return torch.cat([torch.topk(_squared_distances(x[i:i + rows], x, xx[i:i + rows], xx), k + 1,
                                 dim=1, largest=False).values[:, -1] for i in range(0, len(x), rows)])


def prdc(real_features: Features, fake_features: Features, k: int = 5) -> dict:
    """Precision, recall, density and coverage of fake (m, d) against real (n, d) features.

    With B(x, r) the open ball around x whose radius r is the distance to x's k-th nearest
    neighbour in its own set:
      precision: share of fakes inside some real ball (Kynkaanniemi et al. 2019);
      recall:    share of reals inside some fake ball (ibid.);
      density:   mean over fakes of (number of real balls that contain it) / k (Naeem et al. 2020);
      coverage:  share of real balls that contain some fake (ibid.).
    The definitions of the `prdc` package (Naeem et al.'s code), strict "<" and duplicates
    included; identical sets score 1 on all four (density exactly 1 when no distances tie).
    Euclidean distances in float64, in blocks of about 64 MB: n = m = 10,000 never holds an
    n x m matrix.
    """
    k = _check_int(k, "k", 1)
    why = f"k = {k} neighbours need k + 1 samples"
    real = _check_features(real_features, "real_features", k + 1, why)
    fake = _check_features(fake_features, "fake_features", k + 1, why)
    real, fake = _pair(real, fake, "real_features", "fake_features")
    real, fake = real.to(torch.float64), fake.to(torch.float64)
    real_radii, fake_radii = _kth_neighbour_distances(real, k), _kth_neighbour_distances(fake, k)
    rr, ff = (real * real).sum(1), (fake * fake).sum(1)
    balls_per_fake = torch.zeros(len(fake), dtype=torch.int64, device=fake.device)
    recalled = torch.zeros(len(real), dtype=torch.bool, device=real.device)
    covered = torch.zeros(len(real), dtype=torch.bool, device=real.device)
    rows = _rows_per_block(len(fake), _BLOCK_ELEMENTS)
    for i in range(0, len(real), rows):
        d2 = _squared_distances(real[i:i + rows], fake, rr[i:i + rows], ff)   # (rows, m)
        inside = d2 < real_radii[i:i + rows, None]                           # fake j in real ball i
        balls_per_fake += inside.sum(0, dtype=torch.int32)
        covered[i:i + rows] = inside.any(1)
        recalled[i:i + rows] = (d2 < fake_radii[None, :]).any(1)
    return {
        "precision": float((balls_per_fake > 0).double().mean()),
        "recall": float(recalled.double().mean()),
        "density": float(balls_per_fake.sum()) / (k * len(fake)),
        "coverage": float(covered.double().mean()),
    }


# --------------------------------------------------------------------------------------
# Parzen window (Gaussian kernel density) log-likelihood


def _check_sigmas(sigmas) -> list[float]:
    try:
        values = np.asarray(sigmas, dtype=np.float64)
    except (TypeError, ValueError):
        raise WganError(f"sigmas = {sigmas!r}: expected a list of bandwidths") from None
    if values.ndim != 1 or values.size == 0:
        raise WganError(f"sigmas: expected a non-empty list of bandwidths to try, got shape "
                        f"{values.shape}")
    return [_check_sigma(s, f"sigmas[{i}]") for i, s in enumerate(values)]


def _centred_float32(x: Tensor, mean: Tensor) -> tuple[Tensor, Tensor]:
    """(x - mean) as float32 (n, d) and half its squared norms in float64 (n,), in blocks."""
    out = torch.empty(x.shape, dtype=torch.float32, device=x.device)
    half_norms = torch.empty(len(x), dtype=torch.float64, device=x.device)
    rows = _rows_per_block(x.shape[1], _BLOCK_ELEMENTS)
    for i in range(0, len(x), rows):
        out[i:i + rows] = x[i:i + rows].to(torch.float64) - mean
        rounded = out[i:i + rows].to(torch.float64)      # the norms of the values the matmul sees
        half_norms[i:i + rows] = 0.5 * torch.einsum("ij,ij->i", rounded, rounded)
    return out, half_norms


def _parzen_log_densities(centres: Tensor, points: Tensor, sigmas: list[float],
                          batch_size: int) -> Tensor:
    """log p_sigma(x) for each sigma and point: (len(sigmas), n) float64.

    With h_ij = x_i.c_j - ||c_j||^2 / 2 (centred coordinates), -||x_i - c_j||^2 / (2 s^2)
    = (h_ij - ||x_i||^2 / 2) / s^2, so one float32 matmul per block serves every sigma. Each
    block's logsumexp subtracts the row maximum of h (no underflow at any sigma) and the
    blocks over centres are combined in float64.
    """
    n_centres, d = centres.shape
    mean = centres.sum(0, dtype=torch.float64) / n_centres
    c, c_half = _centred_float32(centres, mean)
    neg_c_half = (-c_half).to(torch.float32)
    scales = [1.0 / (s * s) for s in sigmas]
    if max(scales) > _FLOAT32_MAX_SCALE:
        raise WganError(f"sigma = {min(sigmas):g} is too small to evaluate in float32 "
                        f"(1 / sigma^2 overflows): use sigma > {_FLOAT32_MAX_SCALE ** -0.5:g}")
    out = torch.empty(len(sigmas), len(points), dtype=torch.float64, device=points.device)
    columns = min(n_centres, _rows_per_block(batch_size, _PARZEN_BLOCK_ELEMENTS))
    block_size = min(batch_size, len(points)) * columns
    # Reused block buffers (fresh 64 MB allocations per block cost page faults).
    h_memory = torch.empty(block_size, dtype=torch.float32, device=points.device)
    terms_memory = torch.empty(block_size if len(scales) > 1 else 0, dtype=torch.float32,
                               device=points.device)
    for i in range(0, len(points), batch_size):
        x, x_half = _centred_float32(points[i:i + batch_size], mean)
        total = torch.full((len(sigmas), len(x)), -math.inf, dtype=torch.float64, device=x.device)
        for j in range(0, n_centres, columns):
            cols = min(columns, n_centres - j)
            h = h_memory[:len(x) * cols].view(len(x), cols)
            torch.addmm(neg_c_half[j:j + cols], x, c[j:j + cols].T, out=h)    # (b, cols) float32
            top = h.amax(1)
            h.sub_(top[:, None])                                                # <= 0
            for s, scale in enumerate(scales):
                # Exponents below -80 (terms < 1e-34 of the largest) are raised to -80: exp()
                # of large negative float32 values takes a slow (subnormal) path on CPUs.
                if len(scales) == 1:
                    terms = h.mul_(scale)
                else:
                    terms = torch.mul(h, scale, out=terms_memory[:h.numel()].view(h.shape))
                terms.clamp_(min=_PARZEN_MIN_EXPONENT).exp_()
                block = terms.sum(1).to(torch.float64).log_() + top.to(torch.float64) * scale
                total[s] = torch.logaddexp(total[s], block)
        for s, (sigma, scale) in enumerate(zip(sigmas, scales)):
            constant = math.log(n_centres) + 0.5 * d * math.log(2.0 * math.pi * sigma * sigma)
            out[s, i:i + len(x)] = total[s] - x_half * scale - constant
    return out


def _parzen_inputs(centres, points, points_name: str, batch_size) -> tuple[Tensor, Tensor, int]:
    c = _check_features(centres, "centres", 1, "the kernel density needs a centre")
    x = _check_features(points, points_name, 2, "a mean and its standard error need two points")
    c, x = _pair(c, x, "centres", points_name)
    return c, x, _check_int(batch_size, "batch_size", 1)


def parzen_log_densities(centres: Features, points: Features, sigma: float,
                         batch_size: int = 1024) -> np.ndarray:
    """log p(x) (n,) in nats for points (n, d) under the isotropic Gaussian KDE on centres (N, d):

        log p(x) = logsumexp_i(-||x - c_i||^2 / (2 sigma^2)) - log N - (d / 2) log(2 pi sigma^2)

    (Parzen 1962; Breuleux et al. 2011). Squared distances come from a float32 matmul in
    centred coordinates (error ~1e-6 relative to the spread of the data, divided by
    2 sigma^2); the logsumexp is exact at any sigma and combined in float64. `batch_size`
    points at a time, against blocks of centres of at most 64 MB.
    """
    c, x, batch_size = _parzen_inputs(centres, points, "points", batch_size)
    return _parzen_log_densities(c, x, [_check_sigma(sigma)], batch_size)[0].cpu().numpy()


def parzen_log_likelihood(centres: Features, points: Features, sigma: float,
                          batch_size: int = 1024) -> tuple[float, float]:
    """Mean log-likelihood (nats) of points (n, d) under the Gaussian KDE on centres (N, d)
    with bandwidth sigma, and its standard error (std with ddof=1 over sqrt(n)).

    The Parzen-window estimate of Breuleux et al. (2011) used by Goodfellow et al. (2014):
    centres are generated samples, points held-out test data; choose sigma with
    `select_bandwidth` on validation data. See `parzen_log_densities` for the formula.
    10,000 points x 60,000 centres x 784 dims is ~1e12 flops: about 15 s of one CPU core
    (AVX-512, MKL), nearly all of it in the matmul.
    """
    values = parzen_log_densities(centres, points, sigma, batch_size)
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))


def select_bandwidth(centres: Features, validation: Features, sigmas: Sequence[float],
                     batch_size: int = 1024) -> float:
    """The sigma in `sigmas` with the highest mean log-likelihood of validation (n, d) under
    the Gaussian KDE on centres (N, d) (Goodfellow et al. 2014, by cross-validation;
    Breuleux et al. 2011). All sigmas share one pass of distance computations; the first
    of equal scores wins. A choice at either end of the grid means the grid should widen.
    """
    sigma_list = _check_sigmas(sigmas)
    c, x, batch_size = _parzen_inputs(centres, validation, "validation", batch_size)
    scores = _parzen_log_densities(c, x, sigma_list, batch_size).mean(1)
    return sigma_list[int(torch.argmax(scores))]
