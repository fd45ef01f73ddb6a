"""What a folder of pictures holds, read from the directory alone (no picture is opened).

A folder is labelled when every picture lies in one of at least two subfolders (the
torchvision ImageFolder layout): the subfolders, sorted by name, are the classes. The
listing (relative paths, sizes, modification times) is also what the picture cache is
keyed by, so a file added, removed or rewritten makes a new cache.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")
LISTING_VERSION = 1


@dataclass(frozen=True)
class Listing:
    """The pictures under `folder`: relative paths (sorted, class by class), their sizes in
    bytes and modification times (ns), labels (n,) int64 or None, class names, and why the
    folder has no labels when it has none ("" when labelled or plainly flat)."""
    folder: Path
    paths: tuple[str, ...]
    sizes: tuple[int, ...]
    mtimes: tuple[int, ...]
    labels: np.ndarray | None
    classes: tuple[str, ...]
    why_unlabelled: str = ""

    def __len__(self) -> int:
        return len(self.paths)


def _walk(top: str, prefix: str = "") -> list[tuple[str, int, int]]:
    """(relative path, size, mtime_ns) of every picture under `top`, hidden entries skipped."""
    found = []
    try:
        entries = list(os.scandir(top))
    except OSError:
        return found
    for entry in entries:
        if entry.name.startswith("."):
            continue
        relative = prefix + entry.name
        try:
            if entry.is_dir():
                found += _walk(entry.path, relative + "/")
            elif entry.is_file() and os.path.splitext(entry.name)[1].lower() in IMAGE_SUFFIXES:
                stat = entry.stat()
                found.append((relative, stat.st_size, stat.st_mtime_ns))
        except OSError:
            continue
    return found


def check_folder(folder: Path) -> None:
    if not folder.exists():
        raise DataError(f"image folder {folder} does not exist")
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder (or a known data set name)")


def list_folder(folder: str | Path) -> Listing:
    """The listing of `folder` (see the module doc). A missing path is a DataError."""
    folder = Path(folder)
    check_folder(folder)
    found = sorted(_walk(str(folder)))
    top = [f for f in found if "/" not in f[0]]
    groups: dict[str, list] = {}
    for f in found:
        if "/" in f[0]:
            groups.setdefault(f[0].split("/", 1)[0], []).append(f)
    why = ""
    if top and groups:
        why = (f"{folder} has no labels: {len(top):,} picture(s) lie directly in it (e.g. {top[0][0]}) beside "
               f"the subfolders {', '.join(sorted(groups)[:5])}{', ...' if len(groups) > 5 else ''}; a folder is "
               "labelled only when every picture is inside a class subfolder: move them into one")
    elif len(groups) == 1:
        why = (f"{folder} has no labels: all its pictures are in one subfolder ({next(iter(groups))}); "
               "classes need at least two subfolders")
    if top or len(groups) < 2:
        return Listing(folder, tuple(f[0] for f in found), tuple(f[1] for f in found),
                       tuple(f[2] for f in found), None, (), why)
    classes = tuple(sorted(groups))
    ordered = [f for name in classes for f in groups[name]]
    labels = np.concatenate([np.full(len(groups[name]), i, np.int64) for i, name in enumerate(classes)])
    return Listing(folder, tuple(f[0] for f in ordered), tuple(f[1] for f in ordered),
                   tuple(f[2] for f in ordered), labels, classes)


def cache_key(listing: Listing, size: int, channels: int, fit: str) -> str:
    """SHA-256 (hex) of the listing and of how it is decoded: the picture cache's name."""
    h = hashlib.sha256(f"wgan-pictures v{LISTING_VERSION} {size} {channels} {fit} "
                       f"{Path(listing.folder).resolve()}\n".encode())
    for path, nbytes, mtime in zip(listing.paths, listing.sizes, listing.mtimes):
        h.update(f"{path}\0{nbytes}\0{mtime}\n".encode())
    return h.hexdigest()
