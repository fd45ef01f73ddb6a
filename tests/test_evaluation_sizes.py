"""Evaluation at users' sizes: exact W1 and its floor on the same m a side (m chosen by the
sample count rule), the training set's features computed once per data set and network."""
import json
import math

import numpy as np
import pytest
import torch
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from wgan import feature_cache
from wgan.cli import main
from wgan.data.images import ImageDataset
from wgan.errors import WganError
from wgan.evaluation import evaluate_generator, format_table
from wgan.features import shipped_classifier
from wgan.floors import evaluation_sets, w1_sample_count
from wgan.data import load_data
from wgan.runs import read_metrics
from pictures import grey_pictures

BUDGET = 2000 ** 2 * 1024  # m^2 x numbers per sample of one default exact solve (2,000 MNIST digits)


def exact_w1(a: np.ndarray, b: np.ndarray) -> float:
    """W1 between two sets of the same size with uniform weights: an assignment problem."""
    cost = cdist(a.reshape(len(a), -1).astype(np.float64), b.reshape(len(b), -1).astype(np.float64))
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


class Replay(torch.nn.Module):
    """A 'generator' that returns stored samples, in order."""

    def __init__(self, samples: np.ndarray) -> None:
        super().__init__()
        self.samples, self.latent_dim, self.i = torch.as_tensor(samples), 4, 0
        self.anchor = torch.nn.Parameter(torch.zeros(1))

    def forward(self, z):
        out = self.samples[self.i:self.i + len(z)]
        self.i += len(z)
        return out


@pytest.mark.parametrize("n, dim, expected", [
    (10000, 2, 2000), (500, 2, 500), (10000, 1 * 32 * 32, 2000), (10000, 1 * 64 * 64, 1000),
    (10000, 3 * 64 * 64, 500), (10000, 3 * 128 * 128, 200), (10000, 3 * 256 * 256, 100), (31, 3 * 64 * 64, 31),
    (10000, 3 * 1024 * 1024, 36)])
def test_the_sample_count_rule(n, dim, expected):
    m = w1_sample_count(n, dim)
    assert m == expected
    assert m <= min(n, 2000)
    if m < min(n, 2000):  # capped by the work: within budget, the next multiple of 100 (from 100 on) is not
        step = 100 if m >= 100 else 1
        assert m * m * dim <= BUDGET < (m + step) * (m + step) * dim


def test_an_asked_sample_count_wins_up_to_n():
    assert w1_sample_count(10000, 3 * 64 * 64, asked=800) == 800
    assert w1_sample_count(300, 2, asked=800) == 300
    with pytest.raises(WganError, match="w1 samples = -1"):
        w1_sample_count(300, 2, asked=-1)


def patterns_data(seed: int = 0) -> tuple[ImageDataset, np.ndarray]:
    """A small picture set (120 training, 31 held-out 16x16 grey pictures: one of 6 random
    patterns plus noise) and visibly poor samples (a blur of every pattern plus strong noise)."""
    rng = np.random.default_rng(seed)
    patterns = rng.integers(0, 256, size=(6, 1, 16, 16)).astype(np.float64)

    def pictures(count):
        return np.clip(patterns[rng.integers(6, size=count)] + rng.normal(0, 12, (count, 1, 16, 16)), 0, 255
                       ).astype(np.uint8)

    data = ImageDataset("patterns", pictures(120), pictures(31))
    blur = patterns.mean(0, keepdims=True) + rng.normal(0, 40, (2000, 1, 16, 16))
    poor = (np.clip(blur, 0, 255) / 127.5 - 1.0).astype(np.float32)
    return data, poor


def test_a_small_held_out_set_gives_w1_and_floor_on_as_many_a_side():
    data, poor = patterns_data()
    result = evaluate_generator(Replay(poor), data, n=2000, memorisation=False)
    assert (result["n_generated"], result["n_real"], result["w1_n"]) == (2000, 31, 31)
    real, _, reference = evaluation_sets(data, 2000, 0)
    assert len(real) == 31 and len(np.unique(reference[:31].reshape(31, -1), axis=0)) == 31  # no repeats
    assert result["w1"] == pytest.approx(exact_w1(poor[:31], real), rel=1e-9)
    assert result["w1_floor"] == pytest.approx(exact_w1(reference[:31], real), rel=1e-9)
    assert result["w1"] > 2 * result["w1_floor"]  # visibly poor samples are far above the floor
    assert "; 31 generated vs 31 held-out" in format_table(result).splitlines()[0]


def test_perfect_samples_sit_at_the_floor_not_below_it():
    data, _ = patterns_data()
    samples = data.to_float(data.train[::-1].copy())
    result = evaluate_generator(Replay(samples), data, n=100, memorisation=False)
    assert result["w1_n"] == 31
    assert 0.7 < result["w1"] / result["w1_floor"] < 1.4


def test_an_asked_m_applies_to_w1_and_its_floor():
    data, poor = patterns_data()
    result = evaluate_generator(Replay(poor), data, n=2000, memorisation=False, w1_samples=10)
    real, _, reference = evaluation_sets(data, 2000, 0)
    assert result["w1_n"] == 10
    assert result["w1"] == pytest.approx(exact_w1(poor[:10], real[:10]), rel=1e-9)
    assert result["w1_floor"] == pytest.approx(exact_w1(reference[:10], real[:10]), rel=1e-9)


class Counting:
    """Wraps a FeatureNetwork and counts the images it embeds."""

    def __init__(self, network) -> None:
        self.network, self.images = network, 0
        self.name, self.module, self.image_size = network.name, network.module, network.image_size
        self.classifier = network.classifier
        self.protocol, self.memorisation = network.protocol, network.memorisation
        self.inception_score_unavailable = network.inception_score_unavailable

    def features(self, images, batch_size: int = 500):
        self.images += len(images)
        return self.network.features(images, batch_size)

    def probabilities_from_features(self, features):
        return self.network.probabilities_from_features(features)


def test_training_features_are_computed_once_per_data_set_and_network(tmp_path, monkeypatch):
    monkeypatch.setenv("WGAN_CACHE_DIR", str(tmp_path / "cache"))
    data = load_data("digits", image_size=32, seed=0)
    network = Counting(shipped_classifier("digits"))
    monkeypatch.setattr(feature_cache, "_KEPT", {})
    first = feature_cache.dataset_features(data.train, network)
    assert network.images == len(data.train) and first.shape == (len(data.train), 128)
    assert len(list((tmp_path / "cache" / "features").glob("*.npy"))) == 1
    monkeypatch.setattr(feature_cache, "_KEPT", {})  # a new process: only the disk holds them
    again = feature_cache.dataset_features(data.train, network)
    assert network.images == len(data.train)  # nothing embedded the second time
    np.testing.assert_array_equal(again, first)
    np.testing.assert_allclose(first, network.network.features(torch.as_tensor(data.to_float(data.train))).numpy(),
                               rtol=1e-5, atol=1e-5)
    other = data.train[:100].copy()
    other[0, 0, 0, 0] ^= 1  # one pixel changed: other data, computed afresh
    feature_cache.dataset_features(other, network)
    assert network.images == len(data.train) + 100
    retrained = Counting(shipped_classifier("digits"))
    with torch.no_grad():
        next(retrained.module.parameters()).add_(1e-3)  # other weights: computed afresh
    feature_cache.dataset_features(data.train, retrained)
    assert retrained.images == len(data.train)


def test_without_a_disk_cache_training_features_are_computed_at_every_call(monkeypatch):
    monkeypatch.setenv("WGAN_CACHE_DIR", "")
    data = load_data("digits", image_size=32, seed=0)
    network = Counting(shipped_classifier("digits"))
    for _ in range(2):
        monkeypatch.setattr(feature_cache, "_KEPT", {})
        feature_cache.dataset_features(data.train[:50], network)
    assert network.images == 100


@pytest.mark.filterwarnings("ignore::wgan.quality.QualityWarning")  # 40 samples of 128 features
def test_evaluate_embeds_the_training_set_once_across_calls(tmp_path, monkeypatch):
    monkeypatch.setenv("WGAN_CACHE_DIR", str(tmp_path / "cache"))
    data = load_data("digits", image_size=32, seed=0)
    network = Counting(shipped_classifier("digits"))
    samples = data.to_float(data.holdout[:40])
    results = []
    for _ in range(2):
        monkeypatch.setattr(feature_cache, "_KEPT", {})
        before = network.images
        results.append(evaluate_generator(Replay(samples), data, n=40, features=network))
        embedded = network.images - before
        results[-1]["embedded"] = embedded
    # the training and held-out sets once (reference and held-out rows are taken from them), the samples
    assert results[0]["embedded"] == len(data.train) + len(data.holdout) + 40
    assert results[1]["embedded"] == 40
    assert results[0]["memorisation_ratio"] == results[1]["memorisation_ratio"]
    assert results[0]["w1_features_n"] == 40 and results[0]["w1_n"] == 40


def test_the_curves_legend_says_how_many_a_side(tmp_path, monkeypatch):
    from wgan.plots import base
    from wgan.plots.training import plot_training_curves

    seen = []
    save = base.save

    def keep_legend(fig, path, dpi=110):
        seen.extend(t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts())
        return save(fig, path, dpi)

    monkeypatch.setattr(base, "save", keep_legend)
    records = [{"step": s, "critic_w_estimate": 1.0, "w1": 2.0, "w1_floor": 1.0, "eval_n": 31, "w1_n": 31,
                "critic_w_over_lipschitz": 0.5} for s in (0, 10)]
    plot_training_curves(records, tmp_path / "curves.png")
    assert "exact W1 (one fixed held-out draw, 31 generated vs 31 held-out)" in seen
    assert "critic estimate / empirical Lipschitz K" in seen  # the critic saw all 31
    seen.clear()
    records = [{**r, "eval_n": 500, "w1_n": 500, "critic_n": 256, "eval_critic_w_estimate": 0.9} for r in records]
    plot_training_curves(records, tmp_path / "curves.png")
    assert "exact W1 (one fixed held-out draw, 500 generated vs 500 held-out)" in seen
    assert "critic estimate / empirical Lipschitz K (256 a side)" in seen
    assert "critic estimate (eval set, 256 a side)" in seen


IMAGES = ["--no-progress", "--image-size", "16", "--set", "data.channels=1", "--set", "model.kind='dcgan'",
          "--set", "model.generator_width=8", "--set", "model.critic_width=8", "--set", "model.critic_norm='layer'",
          "--set", "train.batch_size=8", "--set", "eval.samples=2000", "--set", "eval.tensorboard='off'",
          "--set", "eval.figures=false", "--set", "train.threads=1", "--set", "eval.final_draws=2"]


def test_a_run_on_31_held_out_pictures_says_31_a_side(tmp_path, capsys):
    folder = grey_pictures(tmp_path / "pictures", 155)  # 20% held out: 31
    run = tmp_path / "run"
    assert main(["train", "--data", str(folder), "--steps", "2", "--out", str(run), *IMAGES]) == 0
    records = [r for r in read_metrics(run) if "w1" in r]
    assert records and all(r["w1_n"] == r["eval_n"] == 31 for r in records)
    capsys.readouterr()
    assert main(["evaluate", "--run", str(run), "--features", "none", "--no-memorisation"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("exact W1"))
    assert row.endswith("; 31 generated vs 31 held-out")
    evaluation = json.loads((run / "evaluation.json").read_text())
    assert (evaluation["n_generated"], evaluation["n_real"], evaluation["w1_n"]) == (2000, 31, 31)
    assert main(["evaluate", "--run", str(run), "--features", "none", "--no-memorisation", "--w1-samples", "12",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["w1_n"] == 12
    assert main(["evaluate", "--run", str(run), "--w1-samples", "-3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--w1-samples -3" in err and "Traceback" not in err


def test_eval_w1_samples_sets_the_in_training_m(tmp_path):
    folder = grey_pictures(tmp_path / "pictures", 155)
    run = tmp_path / "run"
    assert main(["train", "--data", str(folder), "--steps", "2", "--out", str(run), *IMAGES,
                 "--set", "eval.w1_samples=20"]) == 0
    records = [r for r in read_metrics(run) if "w1" in r]
    assert all(r["w1_n"] == r["eval_n"] == 20 for r in records)
    assert records[-1]["draws"] == 2  # the final draws ran on the same m
    assert not math.isnan(records[-1]["w1_floor_std"])


@pytest.mark.parametrize("m, dim, expected", [
    (2000, 2, 2000), (2000, 28 * 28, 2000), (1000, 3 * 32 * 32, 1000), (1000, 64 * 64, 768),
    (500, 3 * 64 * 64, 256), (200, 3 * 128 * 128, 100), (31, 3 * 64 * 64, 31)])
def test_the_critic_sample_count_rule(m, dim, expected):
    from wgan.metrics import CRITIC_WORK, critic_sample_count

    k = critic_sample_count(m, dim)
    assert k == expected
    assert k == m or k == 100 or k * dim <= CRITIC_WORK < (k + 1) * dim


def test_the_in_training_evaluation_draws_what_heldout_draws_and_says_its_sizes():
    """The held-out side converts only its m rows, yet holds what data.heldout(n)[:m] holds;
    the record says m for W1 and the probe's size for the empirical Lipschitz constant."""
    from wgan.floors import heldout_pair_draw
    from wgan.metrics import make_evaluator
    from wgan.recipe import make_networks
    from wgan.config import load_config

    rng = np.random.default_rng(0)
    data = ImageDataset("rgb64", rng.integers(0, 256, (300, 3, 64, 64), dtype=np.uint8),
                        rng.integers(0, 256, (600, 3, 64, 64), dtype=np.uint8))
    drawn = heldout_pair_draw(data, 2000, np.random.default_rng(5))
    assert np.array_equal(drawn, data.heldout(2000, np.random.default_rng(5))[:300])  # m <= training set
    config = load_config("dcgan-wgan-gp", ["data.image_size=64"])
    torch.manual_seed(0)
    generator, critic = make_networks(config.model, data.shape)
    record = make_evaluator(data, 2000, config.model.latent_dim, 0)(generator, critic)
    assert (record["eval_n"], record["w1_n"], record["critic_n"]) == (300, 300, 256)


def test_evaluation_passes_in_slices_and_channels_last_give_the_networks_own_values():
    from wgan.config import load_config
    from wgan.networks import generate, in_chunks
    from wgan.recipe import make_networks

    config = load_config("dcgan-wgan-gp", ["data.image_size=32"])
    torch.manual_seed(0)
    generator, critic = make_networks(config.model, (3, 32, 32))
    generator.eval(), critic.eval()
    z = torch.randn(150, config.model.latent_dim)
    with torch.no_grad():
        whole = generator(z)
        assert torch.allclose(generate(generator, z), whole, atol=1e-5)
        sliced = in_chunks(critic, whole)
        assert torch.allclose(sliced, critic(whole), atol=1e-5, rtol=1e-5)


def test_a_hand_written_critic_that_views_its_input_is_evaluated_as_given():
    """Channels-last pictures only go to critics that declare they take them: x.view(n, -1)
    fails on a channels-last tensor."""
    from wgan.metrics import make_evaluator

    class ViewingCritic(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(3 * 16 * 16, 1)

        def forward(self, x):
            return self.linear(x.view(len(x), -1))

    class Generator(torch.nn.Module):
        latent_dim = 8

        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(8, 3 * 16 * 16)

        def forward(self, z):
            return torch.tanh(self.linear(z)).view(len(z), 3, 16, 16)

    rng = np.random.default_rng(0)
    data = ImageDataset("rgb16", rng.integers(0, 256, (80, 3, 16, 16), dtype=np.uint8),
                        rng.integers(0, 256, (40, 3, 16, 16), dtype=np.uint8))
    torch.manual_seed(0)
    record = make_evaluator(data, 100, 8, 0)(Generator(), ViewingCritic())
    assert record["critic_n"] == 40 and record["critic_lipschitz"] > 0
