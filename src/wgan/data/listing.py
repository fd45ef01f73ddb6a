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
from stat import S_ISREG

import numpy as np

from ..errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")
_SUFFIXES = frozenset(IMAGE_SUFFIXES)
LISTING_VERSION = 1


@dataclass(frozen=True)
class Listing:
    """The pictures under `folder`: relative paths (sorted), their sizes in
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


def _walk(top: str, prefix: str, found: list[tuple[str, int, int]]) -> None:
    """Append (relative path, size, mtime_ns) of every picture under `top` to `found`, hidden
    entries skipped (one stat per picture: the listing of 60,000 files is the bulk of a
    cached start)."""
    try:
        entries = list(os.scandir(top))
    except OSError:
        return
    suffixes = _SUFFIXES
    for entry in entries:
        name = entry.name
        if name[0] == ".":
            continue
        try:
            if name[name.rfind("."):].lower() in suffixes and not entry.is_dir():
                stat = entry.stat()
                if S_ISREG(stat.st_mode):
                    found.append((prefix + name, stat.st_size, stat.st_mtime_ns))
            elif entry.is_dir():
                _walk(entry.path, prefix + name + "/", found)
        except OSError:
            continue


def check_folder(folder: Path) -> None:
    if not folder.exists():
        raise DataError(f"image folder {folder} does not exist")
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder (or a known data set name)")


def list_folder(folder: str | Path) -> Listing:
    """The listing of `folder` (see the module doc). A missing path is a DataError."""
    folder = Path(folder)
    check_folder(folder)
    found: list[tuple[str, int, int]] = []
    _walk(str(folder), "", found)
    found.sort()
    top = [f for f in found if "/" not in f[0]]
    group_of = [f[0].split("/", 1)[0] if "/" in f[0] else "" for f in found]
    groups = sorted(set(group_of) - {""})
    why = ""
    if top and groups:
        why = (f"{folder} has no labels: {len(top):,} picture(s) lie directly in it (e.g. {top[0][0]}) beside "
               f"the subfolders {', '.join(groups[:5])}{', ...' if len(groups) > 5 else ''}; a folder is "
               "labelled only when every picture is inside a class subfolder: move them into one")
    elif len(groups) == 1:
        why = (f"{folder} has no labels: all its pictures are in one subfolder ({groups[0]}); "
               "classes need at least two subfolders")
    if top or len(groups) < 2:
        return Listing(folder, *zip(*found), None, (), why) if found else Listing(folder, (), (), (), None, (), why)
    index = {name: i for i, name in enumerate(groups)}
    labels = np.fromiter((index[g] for g in group_of), np.int64, len(found))
    return Listing(folder, *zip(*found), labels, tuple(groups))


def cache_key(listing: Listing, size: int, channels: int, fit: str) -> str:
    """SHA-256 (hex) of the listing and of how it is decoded: the picture cache's name."""
    h = hashlib.sha256(f"wgan-pictures v{LISTING_VERSION} {size} {channels} {fit} "
                       f"{Path(listing.folder).resolve()}\n".encode())
    for path, nbytes, mtime in zip(listing.paths, listing.sizes, listing.mtimes):
        h.update(f"{path}\0{nbytes}\0{mtime}\n".encode())
    return h.hexdigest()
