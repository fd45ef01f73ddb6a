import json
import re

import numpy as np
import pytest
import torch

from wgan.cli import main
from wgan.data import load_data
from wgan.errors import WganError
from wgan import quality
from wgan.evaluation import evaluate_generator, format_table
from wgan.features import load_feature_network, shipped_classifier

TINY = ["--steps", "2", "--no-progress", "--set", "train.batch_size=8", "--set", "eval.every=2",
        "--set", "eval.samples=64", "--set", "eval.tensorboard='off'", "--set", "eval.figures=false",
        "--set", "model.generator_width=8", "--set", "model.critic_width=8"]


class Replay(torch.nn.Module):
    """A 'generator' that returns stored samples: evaluation of a known set."""

    def __init__(self, samples: np.ndarray, latent_dim: int = 4) -> None:
        super().__init__()
        self.samples = torch.as_tensor(samples)
        self.latent_dim = latent_dim
        self.anchor = torch.nn.Parameter(torch.zeros(1))
        self.i = 0

    def forward(self, z):
        out = self.samples[self.i:self.i + len(z)]
        self.i += len(z)
        return out


def test_shipped_digit_classifier_is_accurate():
    net = shipped_classifier("digits")
    data = load_data("digits", image_size=32, seed=0)
    probs = net.probabilities(torch.as_tensor(data.to_float(data.holdout)))
    assert (probs.argmax(1).numpy() == data.holdout_labels).mean() > 0.97
    assert net.features(torch.as_tensor(data.to_float(data.holdout[:10]))).shape == (10, 128)


def test_real_data_evaluated_as_generated_scores_like_the_floor():
    data = load_data("digits", image_size=32, seed=0)
    real = data.to_float(data.holdout)
    # the held-out images themselves, in another order, as the "generated" set
    generator = Replay(real[np.random.default_rng(0).permutation(len(real))])
    result = evaluate_generator(generator, data, n=len(real), features=shipped_classifier("digits"))
    assert result["w1"] == pytest.approx(0.0, abs=1e-6)           # the same set: W1 = 0
    assert result["fid"] == pytest.approx(0.0, abs=1e-6)
    assert result["precision"] == 1.0 and result["recall"] == 1.0
    assert result["confident_share"] == pytest.approx(result["real_confident_share"])


def test_fid_grows_as_samples_degrade():
    data = load_data("digits", image_size=32, seed=0)
    net = shipped_classifier("digits")
    rng = np.random.default_rng(0)
    clean = data.to_float(data.train[:359])
    fids = []
    for noise in (0.0, 0.3, 0.6, 1.2):
        noisy = np.clip(clean + noise * rng.standard_normal(clean.shape).astype(np.float32), -1, 1)
        fids.append(evaluate_generator(Replay(noisy), data, n=len(noisy), features=net)["fid"])
    assert fids == sorted(fids) and fids[-1] > 10 * max(fids[0], 1e-3)


def test_feature_network_files_that_do_not_load_or_give_the_wrong_shape(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a torchscript file")
    with pytest.raises(WganError, match="not a TorchScript file that loads"):
        load_feature_network(str(bad), "digits")
    with pytest.raises(WganError, match="no such file"):
        load_feature_network(str(tmp_path / "missing.pt"), "digits")
    with pytest.raises(WganError, match="cannot be imported"):
        load_feature_network("no_such_module:net", "digits")
    flat = torch.jit.script(torch.nn.Flatten(0))  # (n, C, H, W) -> 1-D: the wrong shape
    path = tmp_path / "flat.pt"
    flat.save(str(path))
    net = load_feature_network(str(path), "digits")
    with pytest.raises(WganError, match=r"expected \(n, d\)"):
        net.features(torch.zeros(3, 1, 32, 32))


def test_user_torchscript_feature_network(tmp_path):
    pool = torch.jit.script(torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(4), torch.nn.Flatten(1)))
    path = tmp_path / "pool.pt"
    pool.save(str(path))
    data = load_data("digits", image_size=16, seed=0)
    real = data.to_float(data.holdout)
    result = evaluate_generator(Replay(real[::-1].copy()), data, n=len(real),
                                features=load_feature_network(str(path), "digits"))
    assert result["feature_network"] == "pool.pt" and result["fid"] == pytest.approx(0.0, abs=1e-6)
    assert "confident_share" not in result


def test_evaluate_a_toy_run_from_the_cli(tmp_path, capsys):
    run = tmp_path / "toy"
    assert main(["train", "--out", str(run), *TINY]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--run", str(run), "-n", "300", "--kde"]) == 0
    printed = capsys.readouterr().out
    assert "exact W1" in printed and "modes captured" in printed and "Parzen" in printed
    result = json.loads((run / "evaluation.json").read_text())
    assert result["n_generated"] == 300 and 0 <= result["high_quality"] <= 1
    assert result["kde_reference"]["log_likelihood"] > result["kde_log_likelihood"]  # real beats 2 steps
    assert main(["evaluate", "--run", str(run), "--features", "digits"]) == 2


def test_evaluate_an_image_run_from_the_cli(tmp_path, capsys):
    run = tmp_path / "digits"
    assert main(["train", "--config", "dcgan-sn", "--data", "digits", "--image-size", "16", "--out", str(run),
                 *TINY]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--run", str(run), "-n", "200", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"fid", "kid", "precision", "recall", "density", "coverage", "class_histogram",
            "w1_features"} <= set(result)
    assert len(result["class_histogram"]) == 10 and sum(result["class_histogram"]) == pytest.approx(1.0)
    bad = tmp_path / "broken.pt"
    bad.write_text("x")
    assert main(["evaluate", "--run", str(run), "--features", str(bad)]) == 2
    assert "not a TorchScript file" in capsys.readouterr().err


def test_repeated_evaluation_is_the_mean_and_spread_of_independent_draws():
    torch.manual_seed(0)
    generator = torch.nn.Sequential(torch.nn.Linear(3, 2))
    generator.latent_dim = 3
    data = load_data("eight_gaussians")
    singles = [evaluate_generator(generator, data, n=200, seed=5 + i) for i in range(3)]
    repeated = evaluate_generator(generator, data, n=200, seed=5, repeats=3)
    once = evaluate_generator(generator, data, n=200, seed=5, repeats=1)
    assert {k: v for k, v in once.items() if k != "seconds"} == {k: v for k, v in singles[0].items() if k != "seconds"}
    for key in ("w1", "w1_floor", "high_quality", "modes"):
        values = np.array([s[key] for s in singles], dtype=float)
        assert repeated[key] == pytest.approx(values.mean(), rel=1e-12)
        assert repeated[key + "_std"] == pytest.approx(values.std(ddof=1), rel=1e-12)
    assert len({s["w1"] for s in singles}) == 3  # the draws are independent
    assert repeated["repeats"] == 3 and repeated["n_generated"] == 200 and repeated["modes_total"] == 8
    assert "n_generated_std" not in repeated and "seconds_std" not in repeated
    with pytest.raises(WganError, match="repeats = 0"):
        evaluate_generator(generator, data, n=200, repeats=0)


def test_evaluate_repeats_from_the_cli(tmp_path, capsys):
    run = tmp_path / "toy"
    assert main(["train", "--out", str(run), *TINY]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--run", str(run), "-n", "200", "--repeats", "3"]) == 0
    printed = capsys.readouterr().out
    assert "mean +- sd over 3 draws" in printed and "+-" in printed.splitlines()[1]
    result = json.loads((run / "evaluation.json").read_text())
    assert result["repeats"] == 3 and result["w1_std"] >= 0 and result["w1_floor_std"] >= 0
    assert main(["evaluate", "--run", str(run), "--repeats", "0"]) == 2


class FixedSets:
    """A data set whose held-out and reference draws are fixed arrays, whatever the rng:
    the test knows exactly which two real sets the evaluation compares."""

    mixture = None

    def __init__(self, name: str, heldout: np.ndarray, reference: np.ndarray) -> None:
        self.name, self.shape = name, heldout.shape[1:]
        self._heldout, self._reference = heldout, reference

    def heldout(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self._heldout[:n]

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self._reference[:n]


def test_kid_has_a_real_vs_real_reference_like_fid():
    digits = load_data("digits", image_size=32, seed=0)
    real, reference = digits.to_float(digits.holdout[:150]), digits.to_float(digits.train[:150])
    noisy = np.clip(real[::-1] + 0.8 * np.random.default_rng(1).standard_normal(real.shape), -1, 1)
    net = shipped_classifier("digits")
    result = evaluate_generator(Replay(noisy.astype(np.float32)), FixedSets("digits", real, reference),
                                n=150, features=net)
    features = {name: net.features(torch.as_tensor(x)).numpy()
                for name, x in (("real", real), ("reference", reference), ("fake", noisy.astype(np.float32)))}
    ref_mean, ref_sd = quality.kid(features["reference"], features["real"])
    fake_mean, fake_sd = quality.kid(features["fake"], features["real"])
    assert result["kid_real_vs_real"] == pytest.approx(ref_mean, rel=1e-9, abs=1e-12)
    assert result["kid_real_vs_real_subset_sd"] == pytest.approx(ref_sd, rel=1e-9, abs=1e-12)
    assert result["kid"] == pytest.approx(fake_mean, rel=1e-9) and result["kid_subset_sd"] == pytest.approx(fake_sd)
    assert abs(ref_mean) < 0.1 * fake_mean  # the reference is a floor: noise costs far more
    assert result["fid_real_vs_real"] == pytest.approx(quality.fid(features["reference"], features["real"]))
    assert "kid_std" not in result  # `_std` is the spread over repeated draws only
    kid_line = next(line for line in format_table(result).splitlines() if line.startswith("KID"))
    assert f"{fake_mean:.5f} +- {fake_sd:.5f}" in kid_line and f"real vs real {ref_mean:.5f}" in kid_line


# Which keys each row of the printed table shows (the row's label: its keys).
ROW_KEYS = {
    "exact W1 (generated vs held-out)": ["w1", "w1_floor"],
    "modes captured": ["modes"],
    "high-quality samples": ["high_quality"],
    "FID": ["fid", "fid_real_vs_real"],
    "KID": ["kid", "kid_real_vs_real"],
    "exact W1 on features": ["w1_features", "w1_features_floor"],
    "precision / recall": ["precision", "recall"],
    "density / coverage": ["density", "coverage"],
    "confidently classified (p >= 0.9)": ["confident_share", "real_confident_share"],
    "Inception Score (classifier's)": ["inception_score", "inception_score_real"],
    "conditional accuracy (asked class)": ["conditional_accuracy"],
    "intra-class FID (mean over classes)": ["intra_class_fid"],
    "Parzen log-likelihood (nats)": ["kde_log_likelihood", "kde_reference_log_likelihood"],
    "memorisation ratio (NN distance)": ["memorisation_ratio"],
    "copy share (NN < held-out p5)": ["copy_share"],
    "median distance to training set": ["nn_distance_generated_median", "nn_distance_heldout_median"],
}
NOT_PRINTED = {"kde_sigma"}  # has a `_std` in the JSON but no row of its own


def _pairs(line: str) -> list[tuple[float, float, float, float]]:
    """The `mean +- sd` pairs in a printed row: (mean, sd, the rounding step of each as printed)."""
    def step(text: str) -> float:
        return 10.0 ** -len(text.partition(".")[2])
    return [(float(m), float(s), step(m), step(s))
            for m, s in re.findall(r"(-?\d+(?:\.\d+)?)%? \+- (-?\d+(?:\.\d+)?)", line)]


@pytest.mark.parametrize("kind", ["points", "images"])
def test_repeated_evaluation_prints_every_spread(kind):
    torch.manual_seed(0)
    if kind == "points":
        data = load_data("eight_gaussians")
        generator, net = torch.nn.Sequential(torch.nn.Linear(3, 2)), None
    else:
        data = load_data("digits", image_size=32, seed=0)
        generator = torch.nn.Sequential(torch.nn.Linear(3, 32 * 32), torch.nn.Tanh(),
                                        torch.nn.Unflatten(1, (1, 32, 32)))
        net = shipped_classifier("digits")
    generator.latent_dim = 3
    result = evaluate_generator(generator, data, n=150, features=net, kde=True, repeats=2)
    table = format_table(result)
    spread = {key[:-4] for key in result if key.endswith("_std")}
    printed = {key for keys in ROW_KEYS.values() for key in keys}
    assert spread <= printed | NOT_PRINTED, f"no row shows {sorted(spread - printed - NOT_PRINTED)}"
    rows = {label: line for line in table.splitlines() for label in ROW_KEYS if line.startswith(label + "  ")}
    assert {key for label in rows for key in ROW_KEYS[label]} == spread - NOT_PRINTED
    for label, line in rows.items():
        pairs = _pairs(line)
        assert len(pairs) == len(ROW_KEYS[label]), f"{label}: {line!r}"
        for key in ROW_KEYS[label]:
            mean, sd = result[key], result[key + "_std"]
            assert any(abs(m - scale * mean) <= 0.51 * dm and abs(s - scale * sd) <= 0.51 * ds
                       for m, s, dm, ds in pairs for scale in (1, 100)), f"{key} = {mean} +- {sd} not in {line!r}"


def test_fids_singular_warning_is_said_once_per_evaluation():
    """Fake and real-vs-real FID, each of their two sets, and each class of an intra-class FID
    meet the same singular covariance: one warning for the lot; other warnings pass through."""
    import warnings

    from wgan.evaluation import fid_singular_said_once
    from wgan.quality import QualityWarning, fid, intra_class_fid

    rng = np.random.default_rng(0)
    real, fake, ref = (rng.normal(size=(12, 16)) for _ in range(3))
    labels = np.repeat([0, 1, 2], 4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with fid_singular_said_once():
            fid(fake, real), fid(ref, real), intra_class_fid(real, labels, fake, labels)
            warnings.warn("something else", UserWarning)
    said = [str(w.message) for w in caught]
    singular = [m for m in said if "singular" in m]
    assert len(singular) == 1 and "12 samples for 16 feature dimensions" in singular[0]
    assert "and 9 more" in singular[0]  # 2 + 2 + 3 classes x 2 sets, less the one said
    assert "something else" in said and all(issubclass(w.category, (QualityWarning, UserWarning)) for w in caught)
