"""Offline evaluation of any generator against held-out real data (`wgan evaluate`).

Reports, as applicable: the exact W1 between m generated and m held-out samples with the
real-vs-real floor on as many (m: `floors.w1_pair_size`, up to 2,000, fewer for large
pictures); modes captured and high-quality share for Gaussian mixtures; for images with a
feature network, W1 on features, FID and KID (each with its real-vs-real reference),
precision / recall / density / coverage, and (with the shipped digit classifiers) the
class histogram and the share of confidently classified samples; optionally the
Parzen-window log-likelihood of held-out data, with a reference row built from real
training data; for data with a finite training set (point files, images), the memorisation
check (`wgan.memorisation`): nearest-training-example distances of generated and held-out
samples, their ratio and the share of likely copies. Toy distributions have no finite
training set: no memorisation keys.

Key names: `<key>_std` is reserved for the spread of `<key>` over repeated draws
(`repeats`); the spread of KID over its random subsets within one draw is `kid_subset_sd`.
"""
from __future__ import annotations

import json
import time
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch
from torch import Tensor, nn

from .conditional import balanced_labels
from .errors import WganError
from .features import FeatureNetwork
from .formatting import significant
from .feature_cache import dataset_features
from .floors import EvaluationDraw, evaluation_draw, w1_floor, w1_pair_size, w1_sample_count
from .latent import random_latents
from .memorisation import COPY_PERCENTILE, check_embedded, embed
from .metrics import mode_metrics
from .networks import generate as generate_from
from .networks import num_classes_of
from .runs import json_safe
from .transport import wasserstein

KDE_SIGMAS = tuple(float(s) for s in np.logspace(-1.5, 0.5, 13))


@torch.no_grad()
def generate(generator: nn.Module, n: int, seed: int, labels: Tensor | None = None) -> np.ndarray:
    """n samples (n, *shape) from fixed latent draws, in eval mode (the generator's modes
    are restored afterwards); labels (n,): the classes asked of a conditional generator
    (default: every class in turn)."""
    return generate_from(generator, random_latents(n, generator.latent_dim, seed), 1000, labels).cpu().numpy()


def _flat(x: np.ndarray) -> np.ndarray:
    return x.reshape(len(x), -1)


def feature_metrics(network: FeatureNetwork, real: np.ndarray, fake: np.ndarray,
                    reference: np.ndarray, k: int = 5) -> dict[str, Any]:
    """FID, KID, PRDC and exact W1 on features; class histograms when the network classifies.

    real: held-out images (n, C, H, W); fake: generated images (n', C, H, W); reference:
    other real images (n, C, H, W), for the real-vs-real references `fid_real_vs_real`,
    `kid_real_vs_real` and `w1_features_floor`, each the same metric with `reference` in the
    place of `fake`. KID comes with `kid_subset_sd`, its spread over random subsets. W1 on
    features and its floor: on the first m of each set (`floors.w1_sample_count`), `w1_features_n`.
    """
    f_real = network.features(torch.as_tensor(real)).numpy()
    f_fake = network.features(torch.as_tensor(fake)).numpy()
    f_ref = network.features(torch.as_tensor(reference)).numpy()
    return metrics_on_features(network, f_real, f_fake, f_ref, k)


def metrics_on_features(network: FeatureNetwork, f_real: np.ndarray, f_fake: np.ndarray, f_ref: np.ndarray,
                        k: int = 5, w1_n: int | None = None) -> dict[str, Any]:
    """`feature_metrics` on features already computed; W1 on features and its floor on the
    first w1_n of each set (default: `floors.w1_sample_count` of the smallest set)."""
    from . import quality

    m = w1_sample_count(min(len(f_real), len(f_fake), len(f_ref)), f_real.shape[1]) if w1_n is None else w1_n
    kid_mean, kid_sd = quality.kid(f_fake, f_real)
    kid_ref_mean, kid_ref_sd = quality.kid(f_ref, f_real)
    out: dict[str, Any] = {
        "feature_network": network.name,
        "fid": quality.fid(f_fake, f_real),
        "fid_real_vs_real": quality.fid(f_ref, f_real),
        "kid": kid_mean, "kid_subset_sd": kid_sd,
        "kid_real_vs_real": kid_ref_mean, "kid_real_vs_real_subset_sd": kid_ref_sd,
        "w1_features": wasserstein(f_fake[:m], f_real[:m]),
        "w1_features_floor": w1_floor(f_ref[:m], f_real[:m]), "w1_features_n": m,
        **{f"{key}": value for key, value in quality.prdc(f_real, f_fake, k=k).items()},
    }
    if network.protocol is not None:
        out["resize_protocol"] = network.protocol
    if network.inception_score_unavailable is not None:
        out["inception_score_unavailable"] = network.inception_score_unavailable
    if network.classifier is not None:
        from .classifier import confident_share

        share, histogram = confident_share(network.probabilities_from_features(torch.as_tensor(f_fake)))
        real_share, real_histogram = confident_share(network.probabilities_from_features(torch.as_tensor(f_real)))
        out.update({"confident_share": share, "class_histogram": histogram.tolist(),
                    "real_confident_share": real_share, "real_class_histogram": real_histogram.tolist()})
        out.update(zip(("inception_score", "inception_score_split_sd"), _inception_score(network, f_fake)))
        out.update(zip(("inception_score_real", "inception_score_real_split_sd"), _inception_score(network, f_real)))
    return out


def _inception_score(network: FeatureNetwork, features: np.ndarray) -> tuple[float, float]:
    """The Inception Score (Salimans et al. 2016) of the network's class probabilities, over
    10 splits (fewer for under 10 samples), as (mean, sd over splits)."""
    from . import quality

    probabilities = network.probabilities_from_features(torch.as_tensor(features)).double()
    return quality.inception_score(probabilities, splits=min(10, len(features)))


def conditional_metrics(network: FeatureNetwork, f_real: np.ndarray, real_labels: np.ndarray,
                        f_fake: np.ndarray, fake_labels: np.ndarray) -> dict[str, Any]:
    """Intra-class FID (FID per class, averaged; Miyato & Koyama 2018) of a conditional
    generator's samples (n, d) with their requested classes (n,) against held-out features
    with their labels; and, when the network is a classifier over the same classes, the
    conditional accuracy (the share classified as the requested class, per class too)."""
    from . import quality

    out: dict[str, Any] = {}
    if set(np.unique(fake_labels)) <= set(np.unique(real_labels)) and len(fake_labels) >= 2 * (fake_labels.max() + 1):
        keep = np.isin(real_labels, np.unique(fake_labels))
        intra = quality.intra_class_fid(f_real[keep], real_labels[keep], f_fake, fake_labels)
        out.update(intra_class_fid=intra["intra_fid"], intra_class_fid_per_class=list(intra["per_class"].values()))
    if network.classifier is not None and network.classifier.classes == int(fake_labels.max()) + 1:
        probabilities = network.probabilities_from_features(torch.as_tensor(f_fake))
        accuracy = quality.conditional_accuracy(probabilities, fake_labels)
        out.update(conditional_accuracy=accuracy["conditional_accuracy"],
                   conditional_accuracy_per_class=list(accuracy["per_class"].values()))
    return out


def kde_metrics(fake: np.ndarray, train: np.ndarray, validation: np.ndarray, test: np.ndarray) -> dict[str, Any]:
    """Parzen-window log-likelihood (nats) of `test` under a KDE on generated samples, with
    the bandwidth chosen on `validation`; and the same with a KDE on real training samples
    `train` (`kde_reference`; `validation` and `test` must be disjoint from `train`, see
    `kde_real_sets`; its log-likelihood also flat as `kde_reference_log_likelihood`, so
    that repeated draws give it a mean and a spread)."""
    from . import quality

    rows = {}
    for name, centres in (("generated", fake), ("train", train)):
        sigma = quality.select_bandwidth(_flat(centres), _flat(validation), KDE_SIGMAS)
        mean, sem = quality.parzen_log_likelihood(_flat(centres), _flat(test), sigma)
        rows[name] = {"log_likelihood": mean, "sem": sem, "sigma": sigma, "centres": len(centres)}
    return {"kde_log_likelihood": rows["generated"]["log_likelihood"], "kde_sem": rows["generated"]["sem"],
            "kde_sigma": rows["generated"]["sigma"], "kde_reference": rows["train"],
            "kde_reference_log_likelihood": rows["train"]["log_likelihood"]}


def kde_real_sets(data, n_centres: int, n_validation: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Real training data for the KDE reference: its centres (<= n_centres, *shape) and a
    validation set (<= n_validation, *shape) to choose bandwidths on, disjoint from them.

    With a finite training set (point files, images), both are drawn without replacement
    from disjoint parts of it (validation first, at most half of it): a validation point
    that is also a centre favours a bandwidth near 0 and a reference KDE that scores
    held-out data far too low. A distribution (toy data) gives fresh independent draws.
    """
    if not has_training_set(data):
        return data.sample(n_centres, rng), data.sample(n_validation, rng)
    order = rng.permutation(len(data.train))
    n_validation = min(n_validation, len(order) // 2)
    to_float = getattr(data, "to_float", np.asarray)  # images are stored as uint8
    validation = to_float(data.train[order[:n_validation]])
    centres = to_float(data.train[order[n_validation:n_validation + n_centres]])
    return centres, validation


# the same in every draw, or summed
_COUNTS = {"n_generated", "n_real", "w1_n", "w1_features_n", "modes_total", "seconds"}
_SPREADS = {"kde_sem"}  # spreads within one draw: averaged over draws, no spread of their own


def has_training_set(data) -> bool:
    """Whether `data` is a finite sample with training and held-out parts (a point file or an
    image set), so that the memorisation check applies; toy distributions are not."""
    return getattr(data, "train", None) is not None and getattr(data, "holdout", None) is not None


def _training_vectors(train: np.ndarray, features: FeatureNetwork | None) -> np.ndarray:
    """`embed(train, features)`: a network's features of a training set (a forward pass over
    every training image) come from `feature_cache`, computed once per data set and network."""
    if features is None:
        return embed(train)  # a view of the data: nothing to compute
    return dataset_features(train, features)


def evaluate_generator(generator: nn.Module, data, n: int = 2000, features: FeatureNetwork | None = None,
                       kde: bool = False, seed: int = 0, repeats: int = 1, memorisation: bool = True,
                       details: dict[str, Any] | None = None, w1_samples: int = 0) -> dict[str, Any]:
    """Evaluate `generator` against `data` (a wgan data set) with n generated samples.
    `generator`: an nn.Module with `latent_dim`, z (n, latent_dim) -> samples (n, *data.shape)
    (see `wgan.protocols.Generator`).

    Exact W1 and its real-vs-real floor are solved on the same m samples a side, the first m
    generated, held-out and reference samples: m = `floors.w1_pair_size` (at most the held-out
    and training set sizes; w1_samples > 0 caps it there, 0 keeps the rule: up to 2,000 on
    points and small pictures, 500 at 64 x 64 RGB), under `w1_n`; W1 on features likewise,
    under `w1_features_n`. FID, KID, precision / recall and the memorisation check use every
    sample.

    repeats > 1: the whole evaluation on `repeats` independent draws (seeds seed, seed+1, ...);
    every scalar metric is then the mean over draws, with its sample standard deviation
    under `<key>_std` (exact W1 of n = 2000 points in 2-D moves by +-20% between draws);
    spreads within one draw (`kid_subset_sd`, `kde_sem`) are averaged, without a `_std`.
    Lists and tables (class histogram, KDE reference) are those of the first draw.

    memorisation: the memorisation check (`wgan.memorisation`) when the data has a finite
    training set (`has_training_set`): keys memorisation_ratio, copy_share,
    nn_distance_generated_median, nn_distance_heldout_median and memorisation_space, on the
    feature network's features when there is one, else on pixels or points. details: a dict
    that receives, from the first draw, "memorisation" (the MemorisationCheck) and
    "generated" (its generated samples), for a figure.
    """
    if repeats < 1:
        raise WganError(f"repeats = {repeats}: need at least one draw")
    latent_dim = getattr(generator, "latent_dim", None)
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
        raise WganError(f"generator ({type(generator).__name__}) has no latent_dim (got {latent_dim!r}): set "
                        "generator.latent_dim to the size of the latent vectors z (n, latent_dim) it takes")
    train_vectors, seconds = None, 0.0
    if memorisation and has_training_set(data):
        start = time.perf_counter()
        # the same in every draw; in pixel space where the network is too costly for the training set
        train_vectors = _training_vectors(data.train, features if _memorises_on(features) else None)
        seconds = time.perf_counter() - start
    draws = [_evaluate_once(generator, data, n, features, kde, seed + i, train_vectors,
                            details if i == 0 else None, w1_samples) for i in range(repeats)]
    draws[0]["seconds"] = round(draws[0]["seconds"] + seconds, 2)  # the training set's embedding
    if repeats == 1:
        return {**draws[0], "repeats": 1}
    result = dict(draws[0])
    for key, value in draws[0].items():
        if key in _COUNTS or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        values = np.array([d[key] for d in draws], dtype=float)
        result[key] = float(values.mean())
        if key not in _SPREADS and not key.endswith(("_subset_sd", "_split_sd")):
            result[f"{key}_std"] = float(values.std(ddof=1))
    result["repeats"] = repeats
    result["seconds"] = round(sum(d["seconds"] for d in draws), 2)
    return result


@contextmanager
def fid_singular_said_once() -> Iterator[None]:
    """FID's "covariance is singular" QualityWarning once for the block, however many FIDs in it
    meet it (fake and real-vs-real, each set of each, each class of an intra-class FID: one cause,
    fewer samples than feature dimensions); other warnings pass through unchanged."""
    from .quality import QualityWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    singular = [w for w in caught if issubclass(w.category, QualityWarning) and "singular" in str(w.message)]
    for w in caught:
        if w not in singular:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if singular:
        more = (f" (and {len(singular) - 1} more feature set(s) of this evaluation, intra-class FID's per-class "
                "sets included)") if len(singular) > 1 else ""
        warnings.warn_explicit(f"{singular[0].message}{more}", QualityWarning, singular[0].filename,
                               singular[0].lineno)


HELDOUT_KEPT = 10_000
"""Held-out sets of up to this many examples (or no more than are drawn) are embedded whole
once and kept on disk (`feature_cache`); larger ones are embedded draw by draw."""


def _real_features(data, features: FeatureNetwork, draw: EvaluationDraw,
                   train_vectors: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The features (m, d) of a draw's held-out and reference samples. Rows of the held-out
    set come from its features kept on disk (`feature_cache`, sets of up to HELDOUT_KEPT),
    reference rows from the training set's features when they were computed
    (`train_vectors`); the rest are embedded here."""
    def embedded(x: np.ndarray) -> np.ndarray:
        return features.features(torch.as_tensor(x)).numpy()

    if draw.heldout_index is not None and len(data.holdout) <= max(HELDOUT_KEPT, len(draw.real)):
        f_real = dataset_features(data.holdout, features)[draw.heldout_index]
    else:
        f_real = embedded(draw.real)
    if draw.reference_index is not None and train_vectors is not None and _memorises_on(features):
        f_ref = train_vectors[draw.reference_index]  # the training set's features, not its pixels
    else:
        f_ref = embedded(draw.reference)
    return f_real, f_ref


def _memorises_on(features: FeatureNetwork | None) -> bool:
    """Whether the memorisation check runs on this network's features (else in pixel space)."""
    return features is not None and features.memorisation


def _evaluate_once(generator: nn.Module, data, n: int, features: FeatureNetwork | None, kde: bool,
                   seed: int, train_vectors: np.ndarray | None = None,
                   details: dict[str, Any] | None = None, w1_samples: int = 0) -> dict[str, Any]:
    if n < 2:
        raise WganError(f"n = {n}: need at least 2 samples")
    start = time.perf_counter()
    classes = num_classes_of(generator)
    draw = evaluation_draw(data, n, seed, labelled=bool(classes))
    real, real_labels, reference = draw.real, draw.labels, draw.reference
    rng = np.random.default_rng([seed, 12])  # the KDE's real sets
    fake = generate(generator, n, seed)  # a conditional generator: every class in turn
    fake_labels = balanced_labels(n, classes).numpy() if classes else None
    if fake.shape[1:] != real.shape[1:]:
        raise WganError(f"the generator makes samples of shape {fake.shape[1:]}, the data has {real.shape[1:]}")
    m = w1_pair_size(data, len(real), _flat(real[:1]).shape[1], w1_samples)
    result: dict[str, Any] = {
        "data": data.name, "n_generated": n, "n_real": len(real), "w1_n": m,
        "w1": wasserstein(_flat(fake[:m]), _flat(real[:m])),
        "w1_floor": w1_floor(reference[:m], real[:m]),
    }
    if data.mixture is not None:
        result.update(mode_metrics(fake, data.mixture))
    if features is not None:
        f_real, f_ref = _real_features(data, features, draw, train_vectors)
        f_fake = features.features(torch.as_tensor(fake)).numpy()
        with fid_singular_said_once():
            result.update(metrics_on_features(features, f_real, f_fake, f_ref,
                                           w1_n=w1_pair_size(data, len(f_real), f_real.shape[1], w1_samples)))
            if classes:
                result.update(conditional_metrics(features, f_real, real_labels, f_fake, fake_labels))
    if kde:
        train, validation = kde_real_sets(data, max(n, 1000), min(1000, len(real)), rng)
        result.update(kde_metrics(fake, train, validation, real))
    if train_vectors is not None:
        if _memorises_on(features):
            check = check_embedded(f_fake, train_vectors, f_real, "features")
        else:
            check = check_embedded(_flat(fake), train_vectors, _flat(real), "pixels" if fake.ndim >= 3 else "points")
        result.update(check.metrics())
        if details is not None:
            details.update(memorisation=check, generated=fake)
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result


def mnist_kde_protocol(generator: nn.Module, data, seed: int = 0, generated: int = 16384) -> dict[str, Any]:
    """The f-GAN paper's Table 4 protocol (Nowozin et al. 2016; Goodfellow et al. 2014):
    a KDE on 16,384 generated samples scores the 10,000 MNIST test images (mean
    log-likelihood in nats, +- standard error); the reference KDE is built from the
    60,000 training images. Images are cropped back to 28x28 and scaled to [0, 1];
    bandwidths are chosen on 10,000 training images held out from the KDE's own centres.
    """
    from . import quality

    if data.name != "mnist" or data.shape != (1, 32, 32):
        raise WganError("the MNIST KDE protocol needs --data mnist at image size 32")
    to_unit = lambda x: (x[:, :, 2:30, 2:30].reshape(len(x), -1).astype(np.float64) + 1.0) / 2.0
    train = to_unit(data.to_float(data.train))
    test = to_unit(data.to_float(data.holdout))
    fake = to_unit(generate(generator, generated, seed))
    validation = train[-10000:]
    rows = {}
    for name, centres, tune in (("generated", fake, fake), ("train (60k)", train, train[:-10000])):
        sigma = quality.select_bandwidth(tune, validation, KDE_SIGMAS)
        mean, sem = quality.parzen_log_likelihood(centres, test, sigma)
        rows[name] = {"log_likelihood": mean, "sem": sem, "sigma": sigma, "centres": len(centres)}
    return rows


def write_evaluation(result: dict[str, Any], path: Path) -> Path:
    """result as JSON at path, non-finite floats as in metrics.jsonl (runs.json_safe)."""
    from .outputs import write_text

    return write_text(path, json.dumps({k: json_safe(v) for k, v in result.items()}, indent=2) + "\n")


def format_table(result: dict[str, Any]) -> str:
    """The evaluation as aligned `metric  value  reference` lines.

    Every number with a `<key>_std` in result (repeated draws) is printed as mean +- sd;
    after a single draw KID and the Parzen log-likelihoods show their own spread instead
    (over KID's subsets; the standard error over held-out points). The memorisation rows
    come last: the ratio, the copy share and both medians, with the space they were measured in.
    """
    repeated = result.get("repeats", 1) > 1

    def pm(key: str, fmt: str, scale: float = 1.0, unit: str = "") -> str:
        """result[key], with +- its standard deviation over repeated draws when there is one;
        fmt "sig": significant digits (`wgan.formatting`, as training's lines print them)."""
        def show(v: float) -> str:
            return significant(v) if fmt == "sig" else format(v, fmt)
        value = show(scale * result[key]) + unit
        if key + "_std" in result:
            value += f" +- {show(scale * result[key + '_std'])}{unit}"
        return value

    def pair(key: str) -> str:
        """'; m generated vs m held-out': the samples a side W1 and its floor were solved on."""
        return f"; {result[key]} generated vs {result[key]} held-out" if key in result else ""

    rows: list[tuple[str, str, str]] = [
        ("exact W1 (generated vs held-out)", pm("w1", "sig"),
         f"real-vs-real floor {pm('w1_floor', 'sig')}{pair('w1_n')}"),
    ]
    if "modes" in result:
        modes = (f"{pm('modes', '.1f')} of {result['modes_total']}" if "modes_std" in result
                 else f"{result['modes']}/{result['modes_total']}")
        rows += [("modes captured", modes, ""),
                 ("high-quality samples", pm("high_quality", ".1f", 100, "%"), "perfect samples: ~98.9%")]
    if "fid" in result:
        kid = pm("kid", ".5f") if repeated else f"{result['kid']:.5f} +- {result['kid_subset_sd']:.5f}"
        network = result["feature_network"]
        rows += [("feature network", network, f"n = {result['n_generated']} generated, {result['n_real']} real"
                  + (f", resized to 299 px by the {result['resize_protocol']} protocol"
                     if "resize_protocol" in result else "")),
                 ("FID", pm("fid", ".3f"), f"real vs real {pm('fid_real_vs_real', '.3f')}"),
                 ("KID", kid, f"real vs real {pm('kid_real_vs_real', '.5f')}"),
                 ("exact W1 on features", pm("w1_features", ".4f"),
                  f"real-vs-real floor {pm('w1_features_floor', '.4f')}{pair('w1_features_n')}"),
                 ("precision / recall", f"{pm('precision', '.3f')} / {pm('recall', '.3f')}", ""),
                 ("density / coverage", f"{pm('density', '.3f')} / {pm('coverage', '.3f')}", "")]
    if "confident_share" in result:
        hist = " ".join(f"{i}:{100 * h:.0f}%" for i, h in enumerate(result["class_histogram"]))
        rows += [("confidently classified (p >= 0.9)", pm("confident_share", ".1f", 100, "%"),
                  f"real {pm('real_confident_share', '.1f', 100, '%')}"),
                 ("class histogram", hist, f"smallest {100 * min(result['class_histogram']):.1f}%")]
    if "inception_score_unavailable" in result:
        rows.append(("Inception Score", "unavailable", result["inception_score_unavailable"]))
    if "inception_score" in result:
        score = pm("inception_score", ".3f") if repeated else (
            f"{result['inception_score']:.3f} +- {result['inception_score_split_sd']:.3f}")
        rows.append(("Inception Score (classifier's)", score, f"real {pm('inception_score_real', '.3f')}"))
    if "conditional_accuracy" in result:
        per_class = result["conditional_accuracy_per_class"]
        rows.append(("conditional accuracy (asked class)", pm("conditional_accuracy", ".1f", 100, "%"),
                     f"worst class {100 * min(per_class):.1f}%"))
    if "intra_class_fid" in result:
        rows.append(("intra-class FID (mean over classes)", pm("intra_class_fid", ".3f"),
                     f"worst class {max(result['intra_class_fid_per_class']):.3f}"))
    if "kde_log_likelihood" in result:
        ref = result["kde_reference"]
        if repeated:
            ll, ref_ll = pm("kde_log_likelihood", ".1f"), pm("kde_reference_log_likelihood", ".1f")
        else:
            ll = f"{result['kde_log_likelihood']:.1f} +- {result['kde_sem']:.1f}"
            ref_ll = f"{ref['log_likelihood']:.1f} +- {ref['sem']:.1f}"
        rows.append(("Parzen log-likelihood (nats)", ll, f"KDE on real training data: {ref_ll}"))
    if "memorisation_ratio" in result:
        space = result["memorisation_space"]
        if space == "features" and "feature_network" in result:
            space = f"{result['feature_network']} features"
        rows += [("memorisation ratio (NN distance)", pm("memorisation_ratio", ".3f"),
                  "generated / held-out median: ~1 novel, ~0 copies"),
                 (f"copy share (NN < held-out p{COPY_PERCENTILE:g})", pm("copy_share", ".1f", 100, "%"),
                  f"fresh real data: ~{COPY_PERCENTILE:g}%, copies: ~100%"),
                 ("median distance to training set", pm("nn_distance_generated_median", ".4f"),
                  f"held-out real {pm('nn_distance_heldout_median', '.4f')} (in {space})")]
    width = max(len(r[0]) for r in rows)
    lines = [f"{name:{width}s}  {value:>16s}  {ref}".rstrip() for name, value, ref in rows]
    return "\n".join(lines)
