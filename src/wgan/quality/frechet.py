"""The Frechet distance between Gaussians and FID on features (n, d) (Heusel et al. 2017),
computed as pytorch-fid does (scipy's sqrtm in float64)."""
from __future__ import annotations

import warnings

import numpy as np
import torch

from ..errors import WganError
from .inputs import Features, _check_features, _check_finite, _pair, _to_tensor

# pytorch-fid: offset added to the covariances' diagonals when sqrtm of their product fails,
# and the largest imaginary part allowed on the diagonal of the square root.
FID_EPS = 1e-6
FID_IMAG_ATOL = 1e-3
# Relative tolerances for what counts as a covariance matrix: |S - S^T| and negative
# eigenvalues up to this fraction of the largest |entry| / |eigenvalue| are round-off.
_SYMMETRY_RTOL = 1e-6
_PSD_RTOL = 1e-6


class QualityWarning(UserWarning):
    """A metric was computed, but on input that makes it unreliable (e.g. fewer samples than
    feature dimensions for FID), or after a numerical fix that the user should know about."""


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
