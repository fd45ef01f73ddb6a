"""ResNet generators and critics for 32, 64 and 128 pixels (`model.kind = "resnet"`).

Two published 32x32 networks, selected by `model.resnet`:

- "wgan_gp": the CIFAR-10 ResNet of Gulrajani et al. 2017 (igul222/improved_wgan_training,
  gan_cifar_resnet.py, in its unconditional setting CONDITIONAL = False; DIM_G = DIM_D = 128,
  NORMALIZATION_G = True, NORMALIZATION_D = False);
- "sngan": the CIFAR-10 ResNet of Miyato et al. 2018, appendix B, Table 4
  (pfnet-research/sngan_projection, gen_models/resnet_32.py with ch = 256 and
  dis_models/snresnet_32.py with ch = 128).

Both are built from the same pre-activation residual blocks, and their generators are the
same network (the papers differ only in its width, 128 against 256):

    z -> Linear(latent_dim, 4*4*W) -> (W, 4, 4) -> ResBlock up x3 -> BN -> ReLU
      -> Conv3x3(W, C) -> tanh

with ResBlock up = [BN, ReLU, nearest 2x upsample, Conv3x3, BN, ReLU, Conv3x3] + [nearest 2x
upsample, Conv1x1]. (The WGAN-GP code's `UpsampleConv` concatenates four copies of the
channels and applies depth_to_space(2), which is exactly nearest-neighbour upsampling;
SNGAN's `unpooling_2d(x, 2)` is too.) Their critics are

    x -> OptimizedBlock down -> ResBlock down -> ResBlock -> ResBlock -> ReLU -> pool
      -> Linear(W, 1)

with OptimizedBlock = [Conv3x3, ReLU, Conv3x3, mean-pool 2x2] + [mean-pool, Conv1x1] (the
reference's OptimizedResBlockDisc1: no activation before its first convolution), ResBlock
down = [ReLU, Conv3x3, ReLU, Conv3x3, mean-pool] + [Conv1x1, mean-pool] (ConvMeanPool), and
the plain ResBlocks with identity shortcuts. No normalisation in the critic. The critics
differ only in the head: "wgan_gp" takes the global *mean* over the 8x8 map and a Linear with
a bias; "sngan" takes the global *sum* and a Linear without bias.

The reference code computes a 1x1 shortcut convolution before (generator) or after (critic)
resampling; a 1x1 convolution commutes with nearest upsampling and with mean pooling (bias
included), so this module convolves on the smaller map, which is the same function for
fewer operations.

Other sizes, and why: at 64 and 128 pixels the generator gets one and two more up blocks
(4 and 5, always starting from 4x4, as SNGAN's and BigGAN's 64 / 128 generators do) and the
critic one and two more down blocks before its two plain blocks (the optimised block, then
2 or 3 down blocks), so the critic's plain blocks and its pooling still run on an 8x8 map,
as at 32 pixels, and SNGAN's sum pooling keeps the same scale at every size. The width stays
the same in every block (the 32-pixel references' design), so `generator_width` and
`critic_width` keep one meaning at every size. The published 64 / 128 networks (SNGAN's
resnet_64 / resnet.py, BigGAN) instead double the channels per stage and take their critics
down to 2x2 or 4x4 before the pooling; these are not those networks, and their parameter
counts are not the papers'.

Weights start as in both references: Glorot-uniform with gain sqrt(2) for the 3x3
convolutions inside residual branches (tflib's he_init, chainer's GlorotUniform(sqrt(2))),
Glorot-uniform with gain 1 for the shortcut and output convolutions and the linear layers,
zero biases; batch norm starts at scale 1, offset 0.
"""
from __future__ import annotations

import math

import torch.nn.functional as F
from torch import Tensor, nn

from .conditional import apply_norm, conditional_norm, generator_labels
from .errors import ConfigError

IMAGE_SIZES = (32, 64, 128)

# model.resnet -> the critic's head: (global pooling, bias of the output layer)
HEADS = {
    "wgan_gp": ("mean", True),   # gan_cifar_resnet.py: tf.reduce_mean(axis=[2,3]), Linear with biases
    "sngan": ("sum", False),     # snresnet_32.py: F.sum(axis=(2,3)), SNLinear(nobias=True)
}


def resnet_blocks(image_size: int) -> int:
    """The generator's up blocks for `image_size` (3, 4, 5 at 32, 64, 128 pixels); the critic has
    one block fewer that halves the size (the optimised block included), then two plain blocks."""
    if image_size not in IMAGE_SIZES:
        raise ConfigError(f"model.kind = 'resnet' builds networks for images of 32, 64 or 128 pixels, but "
                          f"data.image_size = {image_size}; set data.image_size to 32, 64 or 128")
    return int(math.log2(image_size)) - 2


def _conv(c_in: int, c_out: int, kernel: int, residual: bool) -> nn.Conv2d:
    """A same-padded convolution with the references' initial weights (gain sqrt(2) inside a
    residual branch, 1 for shortcuts and outputs) and zero bias."""
    conv = nn.Conv2d(c_in, c_out, kernel, 1, kernel // 2)
    nn.init.xavier_uniform_(conv.weight, math.sqrt(2) if residual else 1.0)
    nn.init.zeros_(conv.bias)
    return conv


def _linear(d_in: int, d_out: int, bias: bool = True) -> nn.Linear:
    linear = nn.Linear(d_in, d_out, bias=bias)
    nn.init.xavier_uniform_(linear.weight)
    if bias:
        nn.init.zeros_(linear.bias)
    return linear


def _batch_norm(channels: int, num_classes: int) -> nn.Module:
    return conditional_norm("batch", channels, num_classes) if num_classes else nn.BatchNorm2d(channels)


def _upsample(x: Tensor) -> Tensor:
    return F.interpolate(x, scale_factor=2, mode="nearest")


def _mean_pool(x: Tensor) -> Tensor:
    return F.avg_pool2d(x, 2)


class UpBlock(nn.Module):
    """Pre-activation residual block that doubles the size: [BN, ReLU, upsample, conv3x3, BN,
    ReLU, conv3x3] + [conv1x1, upsample] (the references' `ResidualBlock(resample='up')` / `Block(upsample=True)`).
    With `num_classes`, class-conditional batch norm (the reference's CONDITIONAL generator)."""

    def __init__(self, c_in: int, c_out: int, num_classes: int = 0) -> None:
        super().__init__()
        self.norm1, self.act1 = _batch_norm(c_in, num_classes), nn.ReLU()
        self.conv1 = _conv(c_in, c_out, 3, residual=True)
        self.norm2, self.act2 = _batch_norm(c_out, num_classes), nn.ReLU()
        self.conv2 = _conv(c_out, c_out, 3, residual=True)
        self.shortcut = _conv(c_in, c_out, 1, residual=False)

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        h = self.conv1(_upsample(self.act1(apply_norm(self.norm1, x, labels))))
        h = self.conv2(self.act2(apply_norm(self.norm2, h, labels)))
        return h + _upsample(self.shortcut(x))


class OptimizedBlock(nn.Module):
    """The critic's first block, which halves the size: [conv3x3, ReLU, conv3x3, mean-pool] +
    [mean-pool, conv1x1] (OptimizedResBlockDisc1 / OptimizedBlock): no activation on the image."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv1 = _conv(c_in, c_out, 3, residual=True)
        self.act = nn.ReLU()
        self.conv2 = _conv(c_out, c_out, 3, residual=True)
        self.shortcut = _conv(c_in, c_out, 1, residual=False)

    def forward(self, x: Tensor) -> Tensor:
        h = _mean_pool(self.conv2(self.act(self.conv1(x))))
        return h + self.shortcut(_mean_pool(x))


class CriticBlock(nn.Module):
    """Pre-activation residual block without normalisation: [ReLU, conv3x3 (c_in -> c_in), ReLU,
    conv3x3 (c_in -> c_out), mean-pool if `down`] + [conv1x1 and mean-pool if `down` or the
    channels change, else the identity]."""

    def __init__(self, c_in: int, c_out: int, down: bool) -> None:
        super().__init__()
        self.down = down
        self.act1 = nn.ReLU()
        self.conv1 = _conv(c_in, c_in, 3, residual=True)
        self.act2 = nn.ReLU()
        self.conv2 = _conv(c_in, c_out, 3, residual=True)
        self.shortcut = _conv(c_in, c_out, 1, residual=False) if down or c_in != c_out else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        h = self.conv2(self.act2(self.conv1(self.act1(x))))
        if self.down:
            return _mean_pool(h) + self.shortcut(_mean_pool(x))
        return h + self.shortcut(x)


class ResNetGenerator(nn.Module):
    """z (n, latent_dim) -> x (n, C, S, S) in [-1, 1]; S = 32, 64 or 128 (3, 4 or 5 up blocks from
    4x4), `width` channels in every block. The same network for both `model.resnet` variants.
    With `num_classes`, G(z, labels) with class-conditional batch norm (labels (n,) default to
    every class in turn)."""

    def __init__(self, latent_dim: int, channels: int, image_size: int, width: int = 128,
                 num_classes: int = 0) -> None:
        super().__init__()
        self.latent_dim, self.width, self.num_classes = latent_dim, width, num_classes
        self.input = _linear(latent_dim, 4 * 4 * width)
        self.blocks = nn.Sequential(*(UpBlock(width, width, num_classes) for _ in range(resnet_blocks(image_size))))
        self.norm, self.act = _batch_norm(width, num_classes), nn.ReLU()
        self.output = _conv(width, channels, 3, residual=False)
        self.tanh = nn.Tanh()

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        h = self.input(z).view(len(z), self.width, 4, 4)
        if self.num_classes:
            labels = generator_labels(labels, len(z), self.num_classes, z.device)
        for block in self.blocks:
            h = block(h, labels)
        return self.tanh(self.output(self.act(apply_norm(self.norm, h, labels))))


class ResNetCritic(nn.Module):
    """x (n, C, S, S) -> scores (n,) (features (n, out_dim) when out_dim > 1, for Cramer).

    The optimised block, 1 / 2 / 3 down blocks (S = 32 / 64 / 128) down to 8x8, two plain
    blocks, ReLU, global pooling and a linear layer; `width` channels everywhere, no
    normalisation. `variant` ("wgan_gp" or "sngan") picks the head: mean pooling and a bias,
    or sum pooling and no bias.
    """
    channels_last_ok = True  # see `networks.cpu_layout`

    def __init__(self, channels: int, image_size: int, width: int = 128, variant: str = "wgan_gp",
                 out_dim: int = 1) -> None:
        super().__init__()
        if variant not in HEADS:
            raise ConfigError(f"variant = {variant!r} (model.resnet): allowed values are {', '.join(HEADS)}")
        downs = resnet_blocks(image_size) - 1
        self.variant, self.out_dim = variant, out_dim
        self.pool, bias = HEADS[variant]
        self.blocks = nn.Sequential(
            OptimizedBlock(channels, width),
            *(CriticBlock(width, width, down=True) for _ in range(downs - 1)),
            CriticBlock(width, width, down=False),
            CriticBlock(width, width, down=False),
        )
        self.act = nn.ReLU()
        self.output = _linear(width, out_dim, bias=bias)

    def features(self, x: Tensor) -> Tensor:
        """The pooled features the output layer reads: (n, width)."""
        h = self.act(self.blocks(x))
        return h.sum((2, 3)) if self.pool == "sum" else h.mean((2, 3))

    def head(self, features: Tensor) -> Tensor:
        out = self.output(features)
        return out.squeeze(1) if self.out_dim == 1 else out

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))
