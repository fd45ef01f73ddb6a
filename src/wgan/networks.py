"""Generators and critics: plain nn.Modules that know nothing about the objective.

A critic returns raw scores of shape (n,), with no sigmoid. A generator maps
latent vectors (n, latent_dim) to samples and carries its `latent_dim`.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Iterator

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .errors import ConfigError
from .conditional import apply_norm, conditional_norm, generator_labels

_ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "elu": nn.ELU,
    "tanh": nn.Tanh,
}


def mlp(in_dim: int, out_dim: int, width: int, depth: int, activation: str = "relu") -> nn.Sequential:
    """`depth` hidden layers of `width` units with `activation`, then a linear output."""
    layers: list[nn.Module] = []
    dim = in_dim
    for _ in range(depth):
        layers += [nn.Linear(dim, width), _ACTIVATIONS[activation]()]
        dim = width
    layers.append(nn.Linear(dim, out_dim))
    return nn.Sequential(*layers)


class MLPGenerator(nn.Module):
    """z (n, latent_dim) -> x (n, *shape). The WGAN-GP toy generator is width 512, depth 3;
    the WGAN paper's image generator is width 512, depth 4 with a tanh output.

    With `num_classes`, G(z, labels): the one-hot class joins z at the input (the
    conditional GAN of Mirza & Osindero 2014); labels (n,) default to every class in turn.
    """

    def __init__(self, latent_dim: int, shape: tuple[int, ...], width: int = 512, depth: int = 3,
                 activation: str = "relu", tanh_output: bool = False, num_classes: int = 0) -> None:
        super().__init__()
        self.latent_dim, self.num_classes = latent_dim, num_classes
        self.shape = tuple(shape)
        self.net = mlp(latent_dim + num_classes, math.prod(self.shape), width, depth, activation)
        self.output = nn.Tanh() if tanh_output else nn.Identity()

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        if self.num_classes:
            labels = generator_labels(labels, len(z), self.num_classes, z.device)
            z = torch.cat([z, F.one_hot(labels, self.num_classes).to(z.dtype)], 1)
        return self.output(self.net(z)).view(len(z), *self.shape)


class MLPCritic(nn.Module):
    """x (n, *shape) -> scores (n,), or features (n, out_dim) when out_dim > 1 (Cramer);
    the sample is flattened to prod(shape) numbers."""

    def __init__(self, data_dim: int, width: int = 512, depth: int = 3, activation: str = "relu",
                 out_dim: int = 1) -> None:
        super().__init__()
        self.net = mlp(data_dim, out_dim, width, depth, activation)
        self.out_dim = out_dim

    def features(self, x: Tensor) -> Tensor:
        """The last hidden layer's activations (n, width), what the output layer reads."""
        return self.net[:-1](x.flatten(1))

    def head(self, features: Tensor) -> Tensor:
        out = self.net[-1](features)
        return out.squeeze(1) if self.out_dim == 1 else out

    def forward(self, x: Tensor) -> Tensor:
        out = self.net(x.flatten(1))
        return out.squeeze(1) if self.out_dim == 1 else out




class _ConstantSlope(torch.autograd.Function):
    """ReLU / LeakyReLU whose backward treats the slope pattern as a constant.

    torch's own ReLU differentiates its backward with respect to the input too, getting
    zeros (the second derivative is zero almost everywhere) that a double backward then
    carries through the whole forward graph. Here the backward reads a detached copy of
    the output, so a gradient penalty's double backward stops at the slopes.
    """

    # forward(ctx, ...) rather than setup_context: torch binds a setup_context Function's
    # arguments through inspect.signature on every call (~70 us; 10,000s of calls per run).
    @staticmethod
    def forward(ctx, x: Tensor, negative_slope: float) -> Tensor:
        out = F.leaky_relu(x, negative_slope) if negative_slope else F.relu(x)
        ctx.negative_slope = negative_slope
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor, None]:
        (out,) = ctx.saved_tensors
        out = out.detach()
        if ctx.negative_slope:
            return torch.ops.aten.leaky_relu_backward(grad, out, ctx.negative_slope, True), None
        return torch.ops.aten.threshold_backward(grad, out, 0), None


def _masked(x: Tensor, negative_slope: float) -> Tensor:
    """_ConstantSlope, or the plain activation inside torch.compile or a torch.func transform
    (the compiled penalty's torch.func.grad, also where DDP breaks the compiled graph): these
    see the whole graph and are exact with it, and a forward(ctx) Function cannot run under
    torch.func, which says so with a RuntimeError before running anything."""
    if not torch.compiler.is_compiling():
        try:
            return _ConstantSlope.apply(x, negative_slope)
        except RuntimeError:  # under torch.func (or a genuine error, which the plain op raises again)
            pass
    return F.leaky_relu(x, negative_slope) if negative_slope else F.relu(x)


class MaskedReLU(nn.ReLU):
    """nn.ReLU with the same values and gradients, whose double backward skips the forward
    graph (see _ConstantSlope): a gradient-penalty step of the toy critic is ~1.4x faster."""

    def forward(self, x: Tensor) -> Tensor:
        return _masked(x, 0.0)


class MaskedLeakyReLU(nn.LeakyReLU):
    """nn.LeakyReLU (positive slope) whose double backward skips the forward graph; see MaskedReLU."""

    def forward(self, x: Tensor) -> Tensor:
        return _masked(x, self.negative_slope)


def negative_slope(activation: nn.Module) -> float | None:
    """The slope below zero of a piecewise-linear activation: 0 for ReLU, the slope of a
    LeakyReLU with a non-negative one; None for any other module."""
    if isinstance(activation, nn.LeakyReLU):
        return float(activation.negative_slope) if activation.negative_slope >= 0 else None
    return 0.0 if isinstance(activation, nn.ReLU) else None


def with_masked_activations(module: nn.Module) -> nn.Module:
    """Replace every nn.ReLU / nn.LeakyReLU in `module` (in place) by its masked form.

    Exact for any network: the function and its gradients are unchanged. Worth it where
    a loss differentiates an input gradient (gradient penalties).
    """
    for name, child in module.named_children():
        slope = negative_slope(child) if type(child) in (nn.ReLU, nn.LeakyReLU) else None
        if slope is None:
            with_masked_activations(child)
        else:
            setattr(module, name, MaskedLeakyReLU(slope) if slope else MaskedReLU())
    return module


def sample_latent(n: int, latent_dim: int, generator: torch.Generator | None = None,
                  device: torch.device | str = "cpu") -> Tensor:
    """z ~ N(0, I): (n, latent_dim)."""
    return torch.randn(n, latent_dim, generator=generator, device=device)


# ---------------------------------------------------------------- DCGAN (Radford et al. 2016)

def _norm2d(kind: str, channels: int) -> nn.Module:
    """Batch norm (the original WGAN critic), layer norm over (C, H, W) per sample (WGAN-GP's
    choice), instance norm, or nothing."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    return nn.Identity()


def _stages(image_size: int) -> int:
    """Number of stride-2 stages between 4x4 and image_size (a power of two in [16, 128])."""
    stages = image_size.bit_length() - 3
    if image_size not in (16, 32, 64, 128):
        raise ConfigError(f"DCGAN networks need an image size of 16, 32, 64 or 128, got {image_size}; "
                          "set data.image_size")
    return stages


class DCGANCritic(nn.Module):
    """x (n, C, S, S) -> scores (n,) (features (n, out_dim) when out_dim > 1). Stride-2 4x4 convolutions from `width` channels, doubling
    each stage, LeakyReLU(0.2), down to 4x4; then a 4x4 convolution to one score (no sigmoid).

    At S = 128, width = 64: 64 -> 128 -> 256 -> 512 -> 1024, the critic of the WGAN notes.
    `norm` follows every convolution but the first.
    """
    channels_last_ok = True  # see `cpu_layout`

    def __init__(self, channels: int, image_size: int, width: int = 64, norm: str = "none",
                 out_dim: int = 1) -> None:
        super().__init__()
        self.out_dim = out_dim
        layers: list[nn.Module] = []
        c_in, c_out = channels, width
        for i in range(_stages(image_size)):
            layers.append(nn.Conv2d(c_in, c_out, 4, 2, 1, bias=(norm == "none" or i == 0)))
            if i > 0:
                layers.append(_norm2d(norm, c_out))
            layers.append(nn.LeakyReLU(0.2))
            c_in, c_out = c_out, c_out * 2
        layers.append(nn.Conv2d(c_in, out_dim, 4, 1, 0))
        self.net = nn.Sequential(*layers)

    def features(self, x: Tensor) -> Tensor:
        """The 4x4 map the output convolution reads: (n, C, 4, 4)."""
        return self.net[:-1](x)

    def head(self, features: Tensor) -> Tensor:
        out = self.net[-1](features).flatten(1)
        return out.squeeze(1) if self.out_dim == 1 else out

    def forward(self, x: Tensor) -> Tensor:
        out = self.net(x).flatten(1)
        return out.squeeze(1) if self.out_dim == 1 else out


class DCGANGenerator(nn.Module):
    """z (n, latent_dim) -> x (n, C, S, S) in [-1, 1]: the mirror of DCGANCritic.

    A 4x4 transposed convolution from z, then stride-2 transposed convolutions halving the
    channels down to `width`, batch norm and ReLU after each; tanh at the output. With
    `num_classes`, G(z, labels): every normalisation is class-conditional (see
    `wgan.conditional`); labels (n,) default to every class in turn.
    """

    def __init__(self, latent_dim: int, channels: int, image_size: int, width: int = 64,
                 norm: str = "batch", num_classes: int = 0) -> None:
        super().__init__()
        self.latent_dim, self.num_classes = latent_dim, num_classes
        stages = _stages(image_size)

        def normalise(c: int) -> nn.Module:
            return conditional_norm(norm, c, num_classes) if num_classes else _norm2d(norm, c)

        c = width * 2 ** (stages - 1)
        layers: list[nn.Module] = [nn.ConvTranspose2d(latent_dim, c, 4, 1, 0, bias=norm == "none"),
                                   normalise(c), nn.ReLU()]
        for _ in range(stages - 1):
            layers += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=norm == "none"), normalise(c // 2),
                       nn.ReLU()]
            c //= 2
        layers += [nn.ConvTranspose2d(c, channels, 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        x = z[:, :, None, None]
        if not self.num_classes:
            return self.net(x)
        labels = generator_labels(labels, len(z), self.num_classes, z.device)
        for layer in self.net:
            x = apply_norm(layer, x, labels)
        return x


@contextmanager
def evaluating(*modules: nn.Module) -> Iterator[None]:
    """Every module in eval mode inside the block; afterwards each submodule's own
    training flag is back as it was (`module.train(flag)` would set them all alike)."""
    flags = [(m, m.training) for module in modules for m in module.modules()]
    for module in modules:
        module.eval()
    try:
        yield
    finally:
        for m, flag in flags:
            m.training = flag


# Rows per slice when networks run over many samples outside training. On a CPU, slices of
# 64 pictures stay in cache: a 64-px DCGAN critic or generator runs 1.2-1.4x faster on 500
# pictures than in slices of 256 (one thread); a GPU wants the bigger slices.
CPU_CHUNK, DEVICE_CHUNK = 64, 256


def chunk_rows(device: torch.device) -> int:
    """Rows per slice for networks on `device`: CPU_CHUNK on a CPU, else DEVICE_CHUNK."""
    return CPU_CHUNK if torch.device(device).type == "cpu" else DEVICE_CHUNK


def cpu_layout(x: Tensor, network) -> Tensor:
    """x itself, or, for a batch of pictures (n, c, h, w) on a CPU going to a network that
    declares `channels_last_ok` (this package's convolutional critics; a DDP wrapper's module
    is asked), x in channels-last layout: oneDNN convolutions then skip their layout
    conversions (1.3x on a 64-px DCGAN critic's forward and input-gradient passes, one
    thread). The values are the same. Other networks get x as it is: `x.view(n, -1)`, common
    in hand-written critics, fails on a channels-last tensor."""
    declared = getattr(getattr(network, "module", network), "channels_last_ok", False)
    if declared is True and x.dim() == 4 and x.device.type == "cpu" and x.shape[1] > 1:
        return x.contiguous(memory_format=torch.channels_last)
    return x


def in_chunks(fn, x: Tensor, chunk: int | None = None) -> Tensor:
    """fn applied to x in slices of `chunk` rows (default `chunk_rows`), concatenated (bounds
    the memory of big batches); pictures on a CPU are passed in `cpu_layout` for fn."""
    chunk = chunk or chunk_rows(x.device)
    x = cpu_layout(x, fn)
    return torch.cat([fn(x[i:i + chunk]) for i in range(0, len(x), chunk)])


@torch.no_grad()
def generate(generator: nn.Module, latents: Tensor, chunk: int | None = None, labels: Tensor | None = None) -> Tensor:
    """The generator's float32 samples (n, *shape) on its device for latents (n, latent_dim),
    in eval mode and in chunks; the generator's modes are restored afterwards. labels (n,):
    the classes asked of a conditional generator (default: every class in turn)."""
    device = next(generator.parameters()).device
    chunk = chunk or chunk_rows(device)
    with evaluating(generator):
        if labels is None:
            return in_chunks(lambda z: generator(z.to(device)).float(), latents, chunk)
        labels = labels.to(device)
        return torch.cat([generator(latents[i:i + chunk].to(device), labels[i:i + chunk]).float()
                          for i in range(0, len(latents), chunk)])


def num_classes_of(generator: nn.Module) -> int:
    """The classes a conditional generator takes (0 for an unconditional one)."""
    return int(getattr(generator, "num_classes", 0))


def uses_batch_norm(module: nn.Module) -> bool:
    """True when any layer normalises over the batch (which couples the samples)."""
    return any(isinstance(m, _BATCH_NORMS) for m in module.modules())


_BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm,
                nn.LazyBatchNorm1d, nn.LazyBatchNorm2d, nn.LazyBatchNorm3d)
