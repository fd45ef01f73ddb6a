"""A feature network's features of a data set's images, computed once and kept on disk.

The memorisation check needs the features of every training example (60,000 MNIST digits:
a forward pass over all of them, most of an evaluation's time); they depend only on the
images and the network, so they are computed once per data set and network and read back by
every later `wgan evaluate` (as clean-fid keeps its reference statistics, and `wgan.floors`
its real-vs-real floors). The key is a digest of the images' bytes and the network's name,
class, input size and weights: other data, or retrained weights, are computed afresh.

Where: `wgan.floors.cache_dir()` / "features" ($WGAN_CACHE_DIR, else $XDG_CACHE_HOME/wgan,
else ~/.cache/wgan; WGAN_CACHE_DIR="" turns the disk cache off). A file that cannot be read
or written is ignored. The last two sets embedded (a training and a held-out set) are also
kept in memory, for several runs on one data set evaluated in one process.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .errors import OutputError
from .floors import cache_dir
from .memorisation import embed
from .outputs import save_npy

_VERSION = "features-v1"
_KEPT: dict[str, np.ndarray] = {}  # key -> features: the last two sets embedded in this process


def content_key(images: np.ndarray, network) -> str | None:
    """A hex digest of what the features of `images` (n, ...) depend on: their bytes, and the
    network's name, class, input size and weights; None when the network is not an nn.Module
    with readable weights (its features are then never reused)."""
    module = getattr(network, "module", None)
    if not isinstance(module, nn.Module):
        return None
    images = np.ascontiguousarray(images)
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{_VERSION}|{images.dtype.str}|{images.shape}|{network.name}|{type(module).__name__}|"
                  f"{getattr(network, 'image_size', None)}".encode())
    digest.update(images.reshape(-1).view(np.uint8).data)
    try:
        for name, tensor in module.state_dict().items():
            digest.update(name.encode())
            digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().data)
    except (RuntimeError, TypeError, AttributeError):  # weights that do not read as bytes
        return None
    return digest.hexdigest()


def _path(key: str | None) -> Path | None:
    folder = cache_dir()
    return None if folder is None or key is None else folder / "features" / f"{key}.npy"


def dataset_features(images: np.ndarray, network) -> np.ndarray:
    """`memorisation.embed(images, network)`: features (n, d) float32 of a data set's images
    (n, C, H, W), uint8 or float in [-1, 1], from the disk cache when this network has
    embedded these images before (see the module docstring)."""
    key = content_key(images, network)
    if key is not None and key in _KEPT:
        return _KEPT[key]
    path = _path(key)
    vectors = _read(path, len(images)) if path is not None else None
    if vectors is None:
        vectors = embed(images, network)
        if path is not None:
            _write(path, vectors)
    if key is not None:
        while len(_KEPT) >= 2:
            del _KEPT[next(iter(_KEPT))]
        _KEPT[key] = vectors
    return vectors


def _read(path: Path, n: int) -> np.ndarray | None:
    try:
        vectors = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    return vectors if vectors.ndim == 2 and len(vectors) == n else None


def _write(path: Path, vectors: np.ndarray) -> None:
    """Keep `vectors` at `path` if the cache folder takes them; a cache that cannot be written
    is skipped (the features were computed all the same), and leaves no partial file."""
    try:
        save_npy(path, np.ascontiguousarray(vectors, dtype=np.float32))
    except OutputError:
        pass
