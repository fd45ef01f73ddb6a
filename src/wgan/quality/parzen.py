"""Parzen window: the log-likelihood of samples (n, d) under a Gaussian kernel density estimate
(Breuleux et al. 2011), with the bandwidth chosen on validation data (Goodfellow et al. 2014's
protocol)."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch
from torch import Tensor

from ..errors import WganError
from .blocks import _BLOCK_ELEMENTS, _rows_per_block
from .inputs import Features, _check_features, _check_int, _pair

# Entries per block of the float32 kernel matrix (64 MB).
_PARZEN_BLOCK_ELEMENTS = 1 << 24
# Smallest kernel exponent evaluated: e^-80 is a normal float32 (subnormals are slow on CPUs).
_PARZEN_MIN_EXPONENT = -80.0
_FLOAT32_MAX_SCALE = 1e36


def _check_sigma(sigma, name: str = "sigma") -> float:
    try:
        value = float(sigma)
    except (TypeError, ValueError):
        raise WganError(f"{name} = {sigma!r}: expected a number") from None
    if not math.isfinite(value) or value <= 0:
        raise WganError(f"{name} = {value!r}: the kernel bandwidth must be finite and > 0")
    return value


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
