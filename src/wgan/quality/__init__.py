"""Sample-quality metrics on features (n, d): FID, KID, precision/recall/density/coverage,
Parzen-window log-likelihood; for class-conditional GANs, the Inception Score, conditional
accuracy and intra-class FID.

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
- Conditional: the Inception Score of classifier probabilities (n, K) (Salimans et al. 2016),
  over splits as in their reference code; the conditional accuracy (the share of generated
  samples classified as their requested class); the intra-class FID (FID per class,
  averaged; Miyato & Koyama 2018).

Modules: `inputs` (the checks shared by every metric), `blocks` (block sizes), `frechet`
(FID), `mmd` (KID), `precision_recall` (PRDC), `parzen` (Parzen window and bandwidth),
`conditional` (Inception Score, conditional accuracy, intra-class FID).

Every input is checked first: a bad value raises `WganError` naming it. Tensors keep their
device (CUDA when given CUDA tensors); numpy inputs are computed on the CPU.
"""
from __future__ import annotations

from .conditional import (IS_ROW_SUM_ATOL, conditional_accuracy, inception_score,
                          inception_score_from_logits, intra_class_fid)
from .frechet import FID_EPS, FID_IMAG_ATOL, QualityWarning, fid, frechet_distance, gaussian_statistics
from .inputs import Features
from .mmd import kid
from .parzen import parzen_log_densities, parzen_log_likelihood, select_bandwidth
from .precision_recall import prdc

__all__ = ["FID_EPS", "FID_IMAG_ATOL", "Features", "IS_ROW_SUM_ATOL", "QualityWarning",
           "conditional_accuracy", "fid", "frechet_distance", "gaussian_statistics",
           "inception_score", "inception_score_from_logits", "intra_class_fid", "kid",
           "parzen_log_densities", "parzen_log_likelihood", "prdc", "select_bandwidth"]
