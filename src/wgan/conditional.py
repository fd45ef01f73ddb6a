"""Class-conditional GANs: the label-aware layers and how a training step uses labels.

`model.conditional` picks one of three conditionings (all with a generator that takes
labels, G(z, y)):

- "none": an unconditional GAN;
- "projection": the projection critic of Miyato & Koyama 2018 (cGANs with Projection
  Discriminator, eq. 3), D(x, y) = psi(phi(x)) + <e_y, phi(x)>, where phi are the critic's
  features before its output layer psi and e_y a learned class embedding;
- "auxiliary": AC-WGAN-GP, the supervised CIFAR-10 row of Gulrajani et al. 2017 (Table 3;
  gan_cifar_resnet.py with CONDITIONAL and ACGAN): an unconditional score psi(phi(x)) plus
  class logits W phi(x), with `objective.auxiliary_weight` x cross-entropy on the real
  batch added to the critic loss and `objective.auxiliary_generator_weight` x cross-entropy
  of the generated batch against its requested classes added to the generator loss
  (Odena et al. 2017; the reference's ACGAN_SCALE = 1, ACGAN_SCALE_G = 0.1).

Generators are conditioned by conditional normalisation (de Vries et al. 2017; the
reference's cond_batchnorm): the normalisation without its own affine, then a per-class
scale and offset. In a critic step the fakes are generated for the real batch's labels,
so a gradient penalty's interpolates are between samples of one class and are scored
with that label held fixed (as in the reference).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .errors import ConfigError


def balanced_labels(n: int, num_classes: int, device: torch.device | str = "cpu") -> Tensor:
    """0, 1, ..., K-1, 0, 1, ...: n labels, every class as often as n allows (n,)."""
    return torch.arange(n, device=device) % num_classes


def class_rows(num_classes: int, per_class: int, device: torch.device | str = "cpu") -> Tensor:
    """0 x per_class, 1 x per_class, ...: the labels of a grid with one row per class (K * per_class,)."""
    return torch.arange(num_classes, device=device).repeat_interleave(per_class)


def class_index(value: str, classes: tuple[str, ...], run: str = "the run") -> int:
    """The label of `value` (a class name, or its index 0..K-1) among a conditional run's classes."""
    if not classes:
        raise ConfigError(f"--class {value}: {run} is not class-conditional (model.conditional = 'none'); "
                          "train with --set model.conditional=projection or auxiliary on labelled data")
    if value in classes:
        return classes.index(value)
    if value.lstrip("-").isdigit() and 0 <= int(value) < len(classes):
        return int(value)
    raise ConfigError(f"--class {value}: {run} has the classes {', '.join(classes)}; give one of these names "
                      f"or an index from 0 to {len(classes) - 1}")


def check_labels(labels: Tensor, num_classes: int, n: int) -> Tensor:
    """labels as an int64 tensor (n,) of classes in [0, num_classes); a clear error otherwise."""
    if labels.shape != (n,):
        raise ConfigError(f"labels must have shape ({n},) for {n} samples, got {tuple(labels.shape)}")
    if labels.dtype not in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
        raise ConfigError(f"labels must be integers, got {labels.dtype}")
    # the range is checked where it costs no device sync (an index past the table fails anyway)
    if labels.device.type == "cpu" and n and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ConfigError(f"labels must be classes 0 to {num_classes - 1}, got values from "
                          f"{int(labels.min())} to {int(labels.max())}")
    return labels.long()


class ConditionalNorm(nn.Module):
    """A normalisation without affine parameters, then a scale and an offset per class:
    x (n, C, ...), labels (n,) -> (n, C, ...). Scales start at 1, offsets at 0."""

    def __init__(self, norm: nn.Module, channels: int, num_classes: int) -> None:
        super().__init__()
        self.norm = norm
        self.scale = nn.Embedding(num_classes, channels)
        self.offset = nn.Embedding(num_classes, channels)
        nn.init.ones_(self.scale.weight)
        nn.init.zeros_(self.offset.weight)

    def forward(self, x: Tensor, labels: Tensor) -> Tensor:
        shape = (len(x), -1) + (1,) * (x.dim() - 2)
        return self.norm(x) * self.scale(labels).view(shape) + self.offset(labels).view(shape)


def conditional_norm(kind: str, channels: int, num_classes: int) -> ConditionalNorm:
    """The class-conditional form of `model.generator_norm` ("batch", "layer", "instance")."""
    norms = {"batch": lambda: nn.BatchNorm2d(channels, affine=False),
             "layer": lambda: nn.GroupNorm(1, channels, affine=False),
             "instance": lambda: nn.InstanceNorm2d(channels, affine=False)}
    if kind not in norms:
        raise ConfigError(f"model.conditional conditions the generator through its normalisation, but "
                          f"model.generator_norm = {kind!r}; set it to 'batch' (the references'), 'layer' "
                          "or 'instance'")
    return ConditionalNorm(norms[kind](), channels, num_classes)


def apply_norm(norm: nn.Module, x: Tensor, labels: Tensor | None) -> Tensor:
    """norm(x), or norm(x, labels) for a ConditionalNorm."""
    return norm(x, labels) if isinstance(norm, ConditionalNorm) else norm(x)


def generator_labels(labels: Tensor | None, n: int, num_classes: int, device: torch.device) -> Tensor:
    """The labels a conditional generator draws for n latents: the given ones (checked), or
    every class in turn (`balanced_labels`) when None."""
    if labels is None:
        return balanced_labels(n, num_classes, device)
    return check_labels(labels, num_classes, n)


class ProjectionCritic(nn.Module):
    """D(x, y) = psi(phi(x)) + <e_y, phi(x)> (Miyato & Koyama 2018, eq. 3) around a critic
    with `features(x)` (n, ...) and `head(features)` (n,) or (n, k).

    x (n, ...), labels (n,) -> scores (n,); with a k-feature head (Cramer) the projection
    <e_y, phi(x)> becomes k numbers through a learned linear map. The embedding is held as
    a bias-free Linear(K, F), so that spectral norm normalises it as SNGAN does (SNEmbedID).
    Without labels, the score under a uniform class prior, E_y D(x, y), which is the mean
    embedding's projection.
    """

    def __init__(self, critic: nn.Module, num_classes: int, feature_dim: int) -> None:
        super().__init__()
        self.critic, self.num_classes = critic, num_classes
        self.out_dim = getattr(critic, "out_dim", 1)
        self.embedding = nn.Linear(num_classes, feature_dim, bias=False)
        nn.init.xavier_uniform_(self.embedding.weight)
        self.mix = nn.Linear(feature_dim, self.out_dim, bias=False) if self.out_dim > 1 else None

    def class_embeddings(self, labels: Tensor | None, n: int) -> Tensor:
        """e_y (n, F), or the mean embedding for every row when labels is None."""
        table = self.embedding.weight.t()  # (K, F), spectrally normalised when the critic is
        if labels is None:
            return table.mean(0).expand(n, -1)
        return table[check_labels(labels, self.num_classes, n)]

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        h = self.critic.features(x)
        out = self.critic.head(h)
        projection = self.class_embeddings(labels, len(x)) * h.flatten(1)
        if self.mix is None:
            return out + projection.sum(1)
        return out + self.mix(projection)


class AuxiliaryCritic(nn.Module):
    """An unconditional critic with class logits from its features (AC-GAN, Odena et al.
    2017; the WGAN-GP reference's Discriminator.ACGANOutput): x (n, ...) -> scores (n,), and
    with `return_logits` (scores, logits (n, K)). Labels are accepted and not used: the
    score does not depend on the class."""

    def __init__(self, critic: nn.Module, num_classes: int, feature_dim: int) -> None:
        super().__init__()
        self.critic, self.num_classes = critic, num_classes
        self.out_dim = getattr(critic, "out_dim", 1)
        self.classifier = nn.Linear(feature_dim, num_classes)

    def forward(self, x: Tensor, labels: Tensor | None = None, return_logits: bool = False):
        h = self.critic.features(x)
        scores = self.critic.head(h)
        return (scores, self.classifier(h.flatten(1))) if return_logits else scores


def feature_dim(critic: nn.Module, shape: tuple[int, ...]) -> int:
    """The number of features critic.features gives one sample of `shape`."""
    with torch.no_grad():
        return int(critic.features(torch.zeros(2, *shape)).flatten(1).shape[1])


@dataclass(frozen=True)
class NoConditioning:
    """The unconditional steps: no labels anywhere."""
    name = "none"
    num_classes: int = 0

    def draw_labels(self, n: int, noise: torch.Generator) -> Tensor | None:
        """The generator's labels for a batch of n: uniform classes (None without classes)."""
        return None

    def generate(self, generator: nn.Module, z: Tensor, labels: Tensor | None) -> Tensor:
        return generator(z)

    def critic_outputs(self, critic: nn.Module, x: Tensor, labels: Tensor | None) -> tuple[Tensor, Tensor | None]:
        """(the critic's outputs (n,) or (n, k), its class logits (n, K) or None)."""
        return critic(x), None

    def critic_class_loss(self, logits: Tensor | None, labels: Tensor | None) -> Tensor | float:
        """What the critic adds to its loss for classifying the real batch."""
        return 0.0

    def generator_class_loss(self, logits: Tensor | None, labels: Tensor | None) -> Tensor | float:
        """What the generator adds to its loss for the critic's classes of its samples."""
        return 0.0


@dataclass(frozen=True)
class ProjectionConditioning(NoConditioning):
    """Labels reach the generator and the projection critic."""
    name = "projection"

    def draw_labels(self, n: int, noise: torch.Generator) -> Tensor:
        return torch.randint(self.num_classes, (n,), generator=noise, device=noise.device)

    def generate(self, generator: nn.Module, z: Tensor, labels: Tensor | None) -> Tensor:
        return generator(z, labels)

    def critic_outputs(self, critic: nn.Module, x: Tensor, labels: Tensor | None) -> tuple[Tensor, Tensor | None]:
        return critic(x, labels), None


@dataclass(frozen=True)
class AuxiliaryConditioning(ProjectionConditioning):
    """Labels reach the generator; the critic classifies (AC-WGAN-GP)."""
    name = "auxiliary"
    critic_weight: float = 1.0
    generator_weight: float = 0.1

    def critic_outputs(self, critic: nn.Module, x: Tensor, labels: Tensor | None) -> tuple[Tensor, Tensor | None]:
        scores, logits = critic(x, labels, return_logits=True)
        return scores, logits

    def critic_class_loss(self, logits: Tensor | None, labels: Tensor | None) -> Tensor:
        return self.critic_weight * F.cross_entropy(logits.float(), labels)

    def generator_class_loss(self, logits: Tensor | None, labels: Tensor | None) -> Tensor:
        return self.generator_weight * F.cross_entropy(logits.float(), labels)
