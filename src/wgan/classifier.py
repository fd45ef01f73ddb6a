"""A small convolutional classifier for grey images: the judge of generated digits and,
through its penultimate layer, a feature network that needs no download.

Used to label generated samples (confident share, class histogram) and to compute
features for FID / KID on the bundled image sets.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn


class SmallCNN(nn.Module):
    """x (n, C, S, S) in [-1, 1] -> logits (n, classes); `features(x)` -> (n, feature_dim).

    Two 3x3 conv blocks (32, 64 channels, each with max-pooling), adaptive pooling to
    4x4, then a `feature_dim` hidden layer and the linear classifier.
    """

    def __init__(self, channels: int = 1, classes: int = 10, feature_dim: int = 128) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(4), nn.Flatten(),
            nn.Linear(64 * 16, feature_dim), nn.ReLU(),
        )
        self.head = nn.Linear(feature_dim, classes)
        self.channels, self.classes, self.feature_dim = channels, classes, feature_dim

    def features(self, x: Tensor) -> Tensor:
        return self.body(x)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x))


@dataclass
class ClassifierReport:
    model: SmallCNN
    test_accuracy: float
    epochs: int


def train_classifier(images: np.ndarray, labels: np.ndarray, test_images: np.ndarray,
                     test_labels: np.ndarray, epochs: int = 2, batch_size: int = 128,
                     lr: float = 2e-3, seed: int = 0) -> ClassifierReport:
    """Train a SmallCNN with Adam and a one-cycle-free linear decay; images in [-1, 1] float32.

    Small random shifts (up to 2 pixels) augment the training images.
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = SmallCNN(images.shape[1], int(labels.max()) + 1)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * (len(images) // batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1 - s / steps)
    x_all, y_all = torch.from_numpy(images), torch.from_numpy(labels)
    model.train()
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(len(images)))
        for i in range(len(images) // batch_size):
            idx = order[i * batch_size:(i + 1) * batch_size]
            x = _shift(x_all[idx], rng)
            loss = F.cross_entropy(model(x), y_all[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    accuracy = float((predict(model, test_images).argmax(1) == torch.from_numpy(test_labels)).float().mean())
    return ClassifierReport(model, accuracy, epochs)


def _shift(x: Tensor, rng: np.random.Generator, max_shift: int = 2) -> Tensor:
    dx, dy = (int(v) for v in rng.integers(-max_shift, max_shift + 1, size=2))
    return torch.roll(x, shifts=(dy, dx), dims=(2, 3))


@torch.no_grad()
def predict(model: SmallCNN, images: np.ndarray | Tensor, batch_size: int = 1000) -> Tensor:
    """Class probabilities (n, classes) of images (n, C, S, S) in [-1, 1]."""
    x = torch.as_tensor(images, dtype=torch.float32)
    return torch.cat([F.softmax(model(x[i:i + batch_size]), dim=1) for i in range(0, len(x), batch_size)])


def confident_share(probabilities: Tensor, threshold: float = 0.9) -> tuple[float, np.ndarray]:
    """(share of samples whose top class has probability >= threshold, histogram of the
    top class over all samples as fractions (classes,))."""
    top, label = probabilities.max(dim=1)
    histogram = np.bincount(label.numpy(), minlength=probabilities.shape[1]) / len(label)
    return float((top >= threshold).float().mean()), histogram
