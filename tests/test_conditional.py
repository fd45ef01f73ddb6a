"""Class-conditional GANs: the projection and auxiliary critics against hand computations,
conditional normalisation, labels from class folders, the penalty with labels held fixed,
and from the command line: a two-class folder learnt, sampled by class, evaluated, resumed."""
import json
from contextlib import nullcontext

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from wgan.cli import main
from wgan.conditional import (AuxiliaryConditioning, AuxiliaryCritic, ConditionalNorm, NoConditioning,
                              ProjectionConditioning, ProjectionCritic, class_index, class_rows)
from wgan.config import CONSTRAINTS, OBJECTIVES, load_config
from wgan.data import classes_of, load_data
from wgan.errors import ConfigError, DataError
from wgan.input_gradients import CriticScore, input_gradients
from wgan.lipschitz import GradientPenalty
from wgan.loading import load_run
from wgan.networks import DCGANGenerator, MLPCritic, MLPGenerator
from wgan.objectives import Wasserstein
from wgan.recipe import make_constraint, make_networks
from wgan.resnets import ResNetCritic, ResNetGenerator
from wgan.runs import load_checkpoint
import wgan.steps


class TinyCritic(nn.Module):
    """features(x) = relu(A x) (n, 3), head(h) = w.h + b: small enough to compute by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.Linear(2, 3, bias=False)
        self.out = nn.Linear(3, 1)
        with torch.no_grad():
            self.hidden.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]]))
            self.out.weight.copy_(torch.tensor([[0.5, -1.0, 2.0]]))
            self.out.bias.fill_(0.25)

    def features(self, x):
        return torch.relu(self.hidden(x))

    def head(self, h):
        return self.out(h).squeeze(1)


def test_projection_critic_is_the_unconditional_score_plus_the_class_embedding_inner_product():
    critic = ProjectionCritic(TinyCritic(), num_classes=2, feature_dim=3)
    with torch.no_grad():
        critic.embedding.weight.copy_(torch.tensor([[1.0, -2.0], [0.0, 3.0], [0.5, 1.0]]))  # (F, K): column k = e_k
    x = torch.tensor([[2.0, 1.0], [-1.0, 3.0]])
    # by hand: h(x1) = relu(2, 1, 1) = (2, 1, 1); h(x2) = relu(-1, 3, -4) = (0, 3, 0)
    # psi(h) = 0.5 h1 - h2 + 2 h3 + 0.25: psi(x1) = 1 - 1 + 2 + 0.25 = 2.25; psi(x2) = -3 + 0.25 = -2.75
    # e_0 = (1, 0, 0.5), e_1 = (-2, 3, 1): <e_1, h(x1)> = -4 + 3 + 1 = 0; <e_0, h(x2)> = 0
    # <e_0, h(x1)> = 2 + 0.5 = 2.5; <e_1, h(x2)> = 9
    out = critic(x, torch.tensor([1, 0]))
    assert torch.allclose(out, torch.tensor([2.25 + 0.0, -2.75 + 0.0]))
    out = critic(x, torch.tensor([0, 1]))
    assert torch.allclose(out, torch.tensor([2.25 + 2.5, -2.75 + 9.0]))
    # without labels: the score under a uniform prior over classes, the mean of both
    both = (critic(x, torch.tensor([0, 0])) + critic(x, torch.tensor([1, 1]))) / 2
    assert torch.allclose(critic(x), both)


def test_auxiliary_critic_scores_do_not_depend_on_the_class_and_its_losses_are_cross_entropy():
    torch.manual_seed(0)
    base = TinyCritic()
    critic = AuxiliaryCritic(base, num_classes=3, feature_dim=3)
    x, labels = torch.randn(6, 2), torch.tensor([0, 1, 2, 2, 1, 0])
    assert torch.equal(critic(x, labels), base.head(base.features(x)))
    assert torch.equal(critic(x, labels), critic(x, labels.flip(0)))
    scores, logits = critic(x, labels, return_logits=True)
    assert torch.allclose(logits, base.features(x) @ critic.classifier.weight.t() + critic.classifier.bias)
    conditioning = AuxiliaryConditioning(3, critic_weight=2.0, generator_weight=0.3)
    expected = F.cross_entropy(logits, labels)
    assert torch.allclose(conditioning.critic_class_loss(logits, labels), 2.0 * expected)
    assert torch.allclose(conditioning.generator_class_loss(logits, labels), 0.3 * expected)
    # by hand for one row: -log softmax(l)_y
    manual = -(logits[0, 0] - torch.logsumexp(logits[0], 0))
    assert torch.allclose(F.cross_entropy(logits[:1], labels[:1]), manual)


def test_critic_losses_add_the_auxiliary_loss_on_the_real_batch_only():
    torch.manual_seed(1)
    critic = AuxiliaryCritic(TinyCritic(), 3, 3)
    real, fake, labels = torch.randn(8, 2), torch.randn(8, 2), torch.randint(3, (8,))
    none = make_constraint(load_config("default", ["constraint.name='none'"]).constraint)
    conditioning = AuxiliaryConditioning(3, 1.5, 0.1)
    for fused in (False, True):
        loss, estimate, _ = wgan.steps.critic_losses(critic, Wasserstein(), none, conditioning, fused, nullcontext,
                                                     real, fake, {}, real[:0], labels)
        scores_real, logits_real = critic(real, return_logits=True)
        expected = critic(fake).mean() - scores_real.mean() + 1.5 * F.cross_entropy(logits_real, labels)
        assert torch.allclose(loss, expected, atol=1e-6)
        assert torch.allclose(estimate, scores_real.mean() - critic(fake).mean(), atol=1e-6)


def test_generator_loss_adds_the_class_loss_of_its_samples_against_the_asked_classes():
    torch.manual_seed(2)
    generator = MLPGenerator(4, (2,), width=8, depth=1, num_classes=3)
    critic = AuxiliaryCritic(TinyCritic(), 3, 3)
    z, labels = torch.randn(5, 4), torch.tensor([2, 0, 1, 1, 0])
    conditioning = AuxiliaryConditioning(3, 1.0, 0.25)
    loss = wgan.steps.generator_losses(generator, critic, Wasserstein(), conditioning, nullcontext, None,
                                       {"fake": (z, None, None)}, {}, labels)
    scores, logits = critic(generator(z, labels), return_logits=True)
    assert torch.allclose(loss, -scores.mean() + 0.25 * F.cross_entropy(logits, labels))


def test_the_penalty_differentiates_the_projection_critic_with_the_labels_held_fixed():
    torch.manual_seed(3)
    critic = ProjectionCritic(MLPCritic(2, width=8, depth=2), 4, 8)
    x, labels = torch.randn(6, 2), torch.tensor([0, 1, 2, 3, 3, 1])
    grads = input_gradients(CriticScore(critic, Wasserstein(), labels=labels), x, create_graph=False)
    for i in range(6):  # one sample at a time, by autograd of D(., y_i)
        xi = x[i:i + 1].clone().requires_grad_(True)
        (g,) = torch.autograd.grad(critic(xi, labels[i:i + 1]).sum(), xi)
        assert torch.allclose(grads[i], g[0], atol=1e-6)
    # the penalty on interpolates of one class: (||grad||-1)^2 averaged, lambda 10
    penalty = GradientPenalty(10.0).penalty(CriticScore(critic, Wasserstein(), labels=labels), x)
    assert torch.allclose(penalty, 10 * ((grads.norm(dim=1) - 1) ** 2).mean(), atol=1e-5)


def test_conditional_norm_normalises_then_scales_and_shifts_per_class():
    norm = ConditionalNorm(nn.BatchNorm2d(2, affine=False), channels=2, num_classes=3)
    with torch.no_grad():
        norm.scale.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
        norm.offset.weight.copy_(torch.tensor([[0.0, 0.5], [1.0, 1.5], [2.0, 2.5]]))
    x, labels = torch.randn(4, 2, 3, 3), torch.tensor([2, 0, 1, 2])
    plain = F.batch_norm(x, None, None, training=True)
    expected = plain * norm.scale.weight[labels][:, :, None, None] + norm.offset.weight[labels][:, :, None, None]
    assert torch.allclose(norm(x, labels), expected, atol=1e-6)


@pytest.mark.parametrize("kind", ["mlp", "dcgan", "resnet"])
@pytest.mark.parametrize("conditional", ["projection", "auxiliary"])
@pytest.mark.parametrize("size,channels", [(32, 1), (32, 3), (64, 3)])
def test_conditional_networks_take_labels_at_every_size(kind, conditional, size, channels):
    if kind == "mlp" and size == 64:
        pytest.skip("the MLP is size-agnostic; one size is enough")
    config = load_config("default", [f"model.kind='{kind}'", f"model.conditional='{conditional}'",
                                     "model.generator_width=8", "model.critic_width=8", "model.latent_dim=6"])
    torch.manual_seed(0)
    generator, critic = make_networks(config.model, (channels, size, size), num_classes=5)
    z = torch.randn(7, 6)
    labels = torch.tensor([0, 1, 2, 3, 4, 4, 0])
    x = generator(z, labels)
    assert x.shape == (7, channels, size, size)
    assert critic(x, labels).shape == (7,)
    # the class changes the sample (once the per-class scales differ: they all start at 1);
    # the same class and latent give the same sample
    with torch.no_grad():
        for m in generator.modules():
            if isinstance(m, ConditionalNorm):
                m.scale.weight.normal_(1.0, 0.5)
                m.offset.weight.normal_(0.0, 0.5)
    generator.eval()
    a, b = generator(z, labels), generator(z, (labels + 1) % 5)
    assert not torch.allclose(a, b)
    assert torch.equal(generator(z, labels), a)
    # without labels: every class in turn
    assert torch.equal(generator(z), generator(z, torch.arange(7) % 5))


def test_conditional_networks_against_unconditional_ones_share_everything_but_the_class_layers():
    config = load_config("default", ["model.kind='resnet'", "model.conditional='projection'"])
    generator, critic = make_networks(config.model, (3, 32, 32), num_classes=10)
    plain_g, plain_c = ResNetGenerator(8, 3, 32, 64), ResNetCritic(3, 32, 64)
    count = lambda m: sum(p.numel() for p in m.parameters())
    # conditional BN: 2 x (C x K) embeddings replace each BN's 2 x C affine (7 BNs: 2 per block + the last)
    assert count(generator) - count(plain_g) == 7 * (2 * 64 * 10 - 2 * 64)
    assert count(critic) - count(plain_c) == 64 * 10  # the class embedding
    assert isinstance(DCGANGenerator(8, 1, 16, 8, num_classes=3).net[1], ConditionalNorm)


def test_conditional_generator_norm_none_is_refused():
    config = load_config("default", ["model.kind='dcgan'", "model.conditional='projection'",
                                     "model.generator_norm='none'"])
    with pytest.raises(ConfigError, match="generator_norm = 'none'"):
        make_networks(config.model, (1, 16, 16), num_classes=3)


def _two_class_folder(root, n=24, size=16):
    """dark/ and light/ subfolders of noisy grey squares (means 40 and 215)."""
    rng = np.random.default_rng(0)
    for name, level in (("dark", 40), ("light", 215)):
        (root / name).mkdir(parents=True)
        for i in range(n):
            pixels = np.clip(level + rng.normal(0, 12, (size, size)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


def test_a_folder_with_class_subfolders_yields_its_labels(tmp_path):
    folder = _two_class_folder(tmp_path / "shapes", n=6)
    data = load_data(str(folder), image_size=16, channels=1, holdout_fraction=0.25)
    assert classes_of(data) == ("dark", "light")
    labels = np.concatenate([data.train_labels, data.holdout_labels])
    assert sorted(labels.tolist()) == [0] * 6 + [1] * 6
    images = np.concatenate([data.train, data.holdout]).reshape(12, -1).mean(1)
    assert ((images > 128) == (labels == 1)).all()  # each image carries its own folder's label
    x, y = data.sample_labelled(50, np.random.default_rng(1))
    assert ((x.reshape(50, -1).mean(1) > 0) == (y == 1)).all()
    # images beside the subfolders: an unlabelled folder, as before
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(folder / "loose.png")
    assert classes_of(load_data(str(folder), image_size=16, channels=1)) == ()


def test_class_index_reads_names_and_indices_and_explains_bad_ones():
    classes = ("cat", "dog", "7")
    assert class_index("dog", classes) == 1 and class_index("0", classes) == 0 and class_index("7", classes) == 2
    with pytest.raises(ConfigError, match="has the classes cat, dog, 7"):
        class_index("3", classes)
    with pytest.raises(ConfigError, match="not class-conditional"):
        class_index("1", ())
    assert class_rows(3, 2).tolist() == [0, 0, 1, 1, 2, 2]


@pytest.mark.parametrize("name", ["eight_gaussians", "faces"])
def test_conditional_training_on_unlabelled_data_is_refused(tmp_path, capsys, name):
    args = ["train", "--data", name, "--steps", "1", "--out", str(tmp_path / "r"), "--no-progress",
            "--set", "model.conditional='projection'"]
    if name == "faces":
        args += ["--image-size", "16", "--set", "model.kind='dcgan'"]
    assert main(args) == 2
    assert "needs labelled data" in capsys.readouterr().err


COMMON = ["--no-progress", "--set", "model.kind='dcgan'", "--set", "model.generator_width=8",
          "--set", "model.critic_width=8", "--set", "model.critic_norm='layer'", "--set", "train.batch_size=16",
          "--set", "eval.samples=40", "--set", "eval.tensorboard='off'", "--set", "train.threads=1",
          "--set", "model.latent_dim=8", "--set", "optim.lr_critic=2e-3", "--set", "optim.lr_generator=2e-3",
          "--set", "optim.betas=[0.5, 0.9]", "--set", "train.n_critic=2"]


# the reference's generator weight 0.1 needs far longer than a test: AC-GAN's class signal is
# then small next to the Wasserstein loss
LEARNT = {"projection": [], "auxiliary": ["--set", "objective.auxiliary_generator_weight=10"]}


@pytest.mark.parametrize("conditional", sorted(LEARNT))
def test_a_two_class_folder_is_learnt_and_sampled_by_class(tmp_path, capsys, conditional):
    folder = _two_class_folder(tmp_path / "tones")
    run = tmp_path / "run"
    assert main(["train", "--data", str(folder), "--image-size", "16", "--set", "data.channels=1",
                 "--steps", "300", "--out", str(run), "--set", f"model.conditional='{conditional}'",
                 "--set", "eval.every=300", *COMMON, *LEARNT[conditional]]) == 0
    means = {}
    for name in ("dark", "light"):
        assert main(["sample", "--run", str(run), "--class", name, "-n", "32", "--out", str(tmp_path / f"{name}.png"),
                     "--npy", str(tmp_path / f"{name}.npy")]) == 0
        means[name] = float(np.load(tmp_path / f"{name}.npy").mean())
    # the data: dark ~ 40/127.5 - 1 = -0.69, light ~ +0.69
    assert means["dark"] < -0.3 and means["light"] > 0.3, means
    assert main(["sample", "--run", str(run), "--class", "1", "-n", "4", "--out", str(tmp_path / "i.png"),
                 "--npy", str(tmp_path / "i.npy")]) == 0
    assert np.load(tmp_path / "i.npy").mean() > 0.3  # class 1 is "light" (sorted names)
    capsys.readouterr()
    assert main(["sample", "--run", str(run), "--class", "grey", "--out", str(tmp_path / "g.png")]) == 2
    assert "has the classes dark, light" in capsys.readouterr().err


@pytest.mark.parametrize("conditional", ["projection", "auxiliary"])
def test_conditional_digits_sample_evaluate_explore_and_resume_exactly(tmp_path, capsys, conditional):
    run, straight = tmp_path / "run", tmp_path / "straight"
    args = ["--data", "digits", "--image-size", "16", "--set", f"model.conditional='{conditional}'",
            "--set", "eval.every=2", "--set", "optim.lr_decay='none'", *COMMON]  # no schedule over train.steps
    assert main(["train", "--steps", "4", "--out", str(straight), *args]) == 0
    assert main(["train", "--steps", "2", "--out", str(run), *args]) == 0
    assert main(["train", "--resume", str(run), "--steps", "4", "--no-progress"]) == 0
    a, b = load_checkpoint(run), load_checkpoint(straight)
    for net in ("generator", "critic"):
        for key in a[net]:
            assert torch.equal(a[net][key], b[net][key]), (net, key)
    assert a["classes"] == [str(k) for k in range(10)]
    loaded = load_run(run)
    assert loaded.classes == tuple(str(k) for k in range(10)) and loaded.generator.num_classes == 10

    assert main(["sample", "--run", str(run), "-n", "20", "--out", str(tmp_path / "all.png"),
                 "--npy", str(tmp_path / "all.npy")]) == 0
    assert np.load(tmp_path / "all.npy").shape == (20, 1, 16, 16)
    assert main(["sample", "--run", str(run), "--class", "3", "-n", "5", "--out", str(tmp_path / "three.png"),
                 "--npy", str(tmp_path / "three.npy"), "--seed", "4"]) == 0
    z = torch.from_numpy(np.load(tmp_path / "three.npy"))
    from wgan.evaluation import generate

    expected = generate(loaded.generator, 5, 4, torch.full((5,), 3))
    assert np.array_equal(z.numpy(), expected)

    capsys.readouterr()
    assert main(["evaluate", "--run", str(run), "-n", "60", "--json", "--no-memorisation"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert 0 <= result["conditional_accuracy"] <= 1 and len(result["conditional_accuracy_per_class"]) == 10
    assert np.isfinite(result["intra_class_fid"]) and len(result["intra_class_fid_per_class"]) == 10
    assert 1 <= result["inception_score"] <= 10 and result["inception_score_real"] > result["inception_score"]

    assert main(["explore", "--run", str(run), "--out", str(tmp_path / "probes"), "--steps", "3",
                 "--sweep-dims", "0", "--class", "7"]) == 0
    assert (tmp_path / "probes" / "classes.png").exists()
    assert len(list((tmp_path / "probes").glob("*.png"))) == 6


def test_a_conditional_runs_grids_have_one_labelled_row_per_class_and_fid_warns_once(tmp_path, monkeypatch):
    from wgan.callbacks import figures

    seen = []
    real_generate = figures.generate

    def spy(generator, latents, chunk=256, labels=None):
        seen.append((latents.clone(), labels))
        return real_generate(generator, latents, chunk, labels)

    monkeypatch.setattr(figures, "generate", spy)
    from wgan import plots
    from wgan.plots.painter import Painter

    submitted, real_submit = [], Painter.submit

    def submit(self, draw, *args, **kwargs):
        submitted.append(((draw, *args), getattr(draw, "keywords", {})))
        return real_submit(self, draw, *args, **kwargs)

    monkeypatch.setattr(Painter, "submit", submit)
    assert main(["train", "--data", "digits", "--image-size", "16", "--steps", "1", "--out", str(tmp_path / "r"),
                 "--set", "model.conditional='projection'", "--set", "eval.every=1", *COMMON]) == 0
    latents, labels = seen[-1]
    assert labels.tolist() == [k for k in range(10) for _ in range(figures.PER_CLASS)]
    assert torch.equal(latents[:figures.PER_CLASS], latents[figures.PER_CLASS:2 * figures.PER_CLASS])
    grids = [kw for args, kw in submitted if args[0] is plots.plot_image_grid or
             getattr(args[0], "func", None) is plots.plot_image_grid]
    assert grids and all(kw.get("row_labels") == tuple("0123456789") for kw in grids)

    drawn = []
    monkeypatch.setattr(plots, "plot_image_grid", lambda images, path, title, **kw: drawn.append((images, title, kw)))
    assert main(["sample", "--run", str(tmp_path / "r"), "-n", "64", "--out", str(tmp_path / "s.png"),
                 "--npy", str(tmp_path / "s.npy")]) == 0
    images, title, kw = drawn[-1]  # 10 full rows of 6: one labelled row per class, no 11th row of 4
    assert len(images) == 60 and kw == {"nrow": 6, "row_labels": tuple("0123456789")}
    assert "60 of the 64" in title and np.load(tmp_path / "s.npy").shape[0] == 64

    import warnings

    with warnings.catch_warnings(record=True) as caught:  # 40 samples for 128 feature dimensions
        warnings.simplefilter("always")
        assert main(["evaluate", "--run", str(tmp_path / "r"), "-n", "40", "--no-memorisation", "--json"]) == 0
    assert sum("singular" in str(w.message) for w in caught) == 1  # not 24: FID's sets and each class's


def test_auxiliary_weights_apply_only_to_the_auxiliary_critic(capsys):
    assert main(["train", "--steps", "1", "--set", "objective.auxiliary_weight=2"]) == 2
    assert "has no effect under model.conditional = 'none'" in capsys.readouterr().err
    config = load_config("default", ["model.conditional='auxiliary'", "objective.auxiliary_weight=2",
                                     "objective.auxiliary_generator_weight=0.5"])
    from wgan.recipe import make_conditioning

    conditioning = make_conditioning(config, 10)
    assert conditioning == AuxiliaryConditioning(10, 2.0, 0.5)
    assert make_conditioning(load_config("default", ["model.conditional='projection'"]), 4) == ProjectionConditioning(4)
    assert make_conditioning(load_config("default"), 4) == NoConditioning()
    with pytest.raises(ConfigError, match="needs labelled data"):
        make_conditioning(config, 0)


def test_labels_outside_the_classes_are_refused():
    generator = DCGANGenerator(4, 1, 16, 4, num_classes=3)
    with pytest.raises(ConfigError, match="classes 0 to 2"):
        generator(torch.randn(2, 4), torch.tensor([0, 3]))
    with pytest.raises(ConfigError, match="shape"):
        generator(torch.randn(2, 4), torch.tensor([0]))
    with pytest.raises(DataError, match="no labels"):
        load_data("faces", image_size=16).sample_labelled(2, np.random.default_rng(0))


PAPER_RECIPES = {
    # gan_cifar_resnet.py (Gulrajani et al. 2017): LR 2e-4, Adam (0, 0.9), lambda 10, N_CRITIC 5, BATCH_SIZE 64,
    # ITERS 100000 with linear decay, DIM_G = DIM_D = 128, a 128-dimensional latent
    "cifar10-wgan-gp-resnet": {"optim.lr_critic": 2e-4, "optim.lr_generator": 2e-4, "optim.betas": [0.0, 0.9],
                               "constraint.name": "gradient_penalty", "constraint.penalty_weight": 10.0,
                               "train.n_critic": 5, "train.batch_size": 64, "train.steps": 100000,
                               "optim.lr_schedule": "linear", "model.latent_dim": 128, "model.kind": "resnet",
                               "model.resnet": "wgan_gp", "model.generator_width": 128, "model.critic_width": 128,
                               "objective.name": "wasserstein"},
    # sngan_projection's CIFAR-10 config: Adam 2e-4 (0, 0.9), n_dis 5, 50k iterations, ch 256 / 128, hinge, SN
    "cifar10-sngan-resnet": {"optim.lr_critic": 2e-4, "optim.lr_generator": 2e-4, "optim.betas": [0.0, 0.9],
                             "constraint.name": "spectral_norm", "objective.name": "hinge", "train.n_critic": 5,
                             "train.batch_size": 64, "train.steps": 50000, "optim.lr_schedule": "linear",
                             "model.latent_dim": 128, "model.kind": "resnet", "model.resnet": "sngan",
                             "model.generator_width": 256, "model.critic_width": 128},
}


@pytest.mark.parametrize("preset,conditional", [("cifar10-wgan-gp-resnet", "auxiliary"),
                                                ("cifar10-sngan-resnet", "projection")])
def test_the_cifar10_presets_are_the_published_recipes_and_train_on_a_class_folder(tmp_path, capsys, preset,
                                                                                  conditional):
    from wgan.config import value_at

    config = load_config(preset)
    for key, value in PAPER_RECIPES[preset].items():
        got = value_at(config, key)
        assert (list(got) if isinstance(got, tuple) else got) == value, key
    assert main(["train", "--config", preset, "--steps", "1", "--out", str(tmp_path / "none")]) == 2
    assert "not bundled and nothing is downloaded" in capsys.readouterr().err
    rng = np.random.default_rng(0)
    for label in ("airplane", "cat", "ship"):
        (tmp_path / "cifar" / label).mkdir(parents=True)
        for i in range(4):
            Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(tmp_path / "cifar" / label / f"{i}.png")
    run = tmp_path / "run"
    assert main(["train", "--config", preset, "--data", str(tmp_path / "cifar"), "--steps", "1", "--out", str(run),
                 "--no-progress", "--set", "train.batch_size=4", "--set", "model.generator_width=8",
                 "--set", "model.critic_width=8", "--set", "eval.samples=6", "--set", "eval.figures=false",
                 "--set", "eval.tensorboard='off'", "--set", f"model.conditional='{conditional}'"]) == 0
    assert load_run(run).classes == ("airplane", "cat", "ship")
    assert main(["sample", "--run", str(run), "--class", "cat", "-n", "2", "--out", str(tmp_path / "cat.png")]) == 0


@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("conditional", ["projection", "auxiliary"])
def test_every_objective_and_constraint_trains_conditionally_and_samples_by_class(tmp_path, objective, constraint,
                                                                                 conditional):
    extra = {"fgan": ["--divergence", "pearson"], "cramer": ["--set", "objective.cramer_dim=4"]}.get(objective, [])
    run = tmp_path / "run"
    assert main(["train", "--data", "digits", "--image-size", "16", "--steps", "2", "--out", str(run),
                 "--objective", objective, *extra, "--constraint", constraint, *COMMON,
                 "--set", f"model.conditional='{conditional}'", "--set", "eval.every=2", "--set", "eval.figures=false",
                 "--set", "train.n_critic=1"]) == 0
    metrics = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert np.isfinite(metrics[-1]["w1"])
    assert main(["sample", "--run", str(run), "--class", "5", "-n", "3", "--out", str(tmp_path / "s.png"),
                 "--npy", str(tmp_path / "s.npy")]) == 0
    assert np.isfinite(np.load(tmp_path / "s.npy")).all()
