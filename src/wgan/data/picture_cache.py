"""Pictures decoded once, on every core, into a uint8 array on disk that later starts map.

    $WGAN_CACHE_DIR/pictures/<key>.npy    uint8 (n, C, S, S), one row per listed file
    $WGAN_CACHE_DIR/pictures/<key>.json   {"channels", "grey", "skipped": {row: reason}, ...}

The key hashes the folder's listing (paths, sizes, modification times) and the size,
channels and fit (`wgan.data.listing.cache_key`), so a changed folder makes a new entry.
Where: as the floor cache (`wgan.floors.cache_dir`): $WGAN_CACHE_DIR, else
$XDG_CACHE_HOME/wgan, else ~/.cache/wgan; WGAN_CACHE_DIR="" turns it off (the pictures
are then decoded at every start and held in memory). Clear it by deleting the folder.

Building: worker processes (`workers`; -1: one per core, 0: in this process) decode
chunks of files (`wgan.data.decode`) and write their rows straight into a `.npy` made by
`numpy.lib.format.open_memmap` in a temporary folder beside the cache (with pwrite, never
mapping it); the finished file is renamed into place, under a file lock so that two runs
building the same entry decode it once. No process holds the array, so memory stays at
the size of a chunk per process. Rows of unreadable files stay in the file (zeros) and
are left out through the record's "skipped". Reading: the file is mapped read-only
(`open_mapped`); a pass over all of it (the data's fingerprint) hands the pages back as it
goes, so the resident memory of a run stays that of its batches.
"""
from __future__ import annotations

import gc
import json
import logging
import math
import mmap
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import OutputError
from ..outputs import write_text
from .decode import decode
from .listing import Listing, cache_key

log = logging.getLogger("wgan")
CHUNK = 128  # files per task
LONG = 5000  # pictures: decoding this many is said
READ_ERRORS = (OSError, ValueError, SyntaxError, TypeError, MemoryError)


@dataclass(frozen=True)
class Pictures:
    """A decoded folder: images uint8 (n, C, S, S) (a read-only memory map when cached, else an
    array) with `valid` (k,) the rows of readable files, `skipped` {relative path: reason},
    whether every readable picture is grey, where it came from ("cached", "decoded" or
    "decoded, not cached") and the seconds decoding took (0 when read from the cache)."""
    images: np.ndarray
    valid: np.ndarray
    skipped: dict[str, str]
    grey: bool
    source: str
    workers: int = 0
    seconds: float = 0.0
    release: Callable[[], None] = field(default=lambda: None, compare=False, repr=False)
    key: str = ""  # the cache entry's name; "" when not cached


def worker_count(workers: int, n_files: int) -> int:
    """Processes to decode `n_files` with: `workers` (-1: one per core), at most one per chunk;
    0 means decoding in this process."""
    if workers < 0:
        try:
            workers = len(os.sched_getaffinity(0))
        except AttributeError:
            workers = os.cpu_count() or 1
    return max(0, min(workers, math.ceil(n_files / CHUNK)))


# ---------------------------------------------------------------- decoding into a file

def npy_layout(path: Path) -> tuple[int, tuple[int, ...]]:
    """(byte offset of the data, shape) of a uint8 C-order .npy file (`numpy.lib.format`)."""
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(f)
        if fortran or dtype != np.uint8:
            raise ValueError(f"{path} is not a C-order uint8 array")
        return f.tell(), tuple(shape)


def open_mapped(path: Path) -> tuple[np.ndarray, Callable[[], None]]:
    """(the .npy at `path` as a read-only array mapped from disk, a function that hands its
    pages back: they leave this process's resident memory and are read again when touched)."""
    offset, shape = npy_layout(path)
    with open(path, "rb") as f:
        mapping = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    array = np.frombuffer(mapping, np.uint8, count=math.prod(shape), offset=offset).reshape(shape)
    advice = getattr(mmap, "MADV_DONTNEED", None)

    def release() -> None:
        if advice is not None:
            try:
                mapping.madvise(advice)
            except (OSError, ValueError):
                pass

    return array, release


_TARGET: dict = {}


def _open_target(path: str) -> None:
    _TARGET.clear()
    offset, shape = npy_layout(Path(path))
    _TARGET.update(fd=os.open(path, os.O_WRONLY), offset=offset, row=shape[1:])


def _close_target() -> None:
    if "fd" in _TARGET:
        os.close(_TARGET["fd"])
    _TARGET.clear()


def _decode_chunk(task: tuple[int, list[str], int, int, str]) -> tuple[int, np.ndarray, dict[int, str]]:
    """Decode files `paths` into rows start, start + 1, ... of the target file (written with
    pwrite, never mapped, so a worker holds one chunk); -> (start, grey flags, {row: reason}
    of the unreadable, whose rows stay zero)."""
    start, paths, size, channels, fit = task
    rows = np.zeros((len(paths), *_TARGET["row"]), np.uint8)
    grey = np.ones(len(paths), bool)
    failed = {}
    for i, path in enumerate(paths):
        try:
            rows[i], grey[i] = decode(path, size, channels, fit)
        except READ_ERRORS as exc:
            failed[start + i] = type(exc).__name__
    os.pwrite(_TARGET["fd"], rows.data, _TARGET["offset"] + start * rows[0].nbytes)
    return start, grey, failed


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def decode_into(path: Path, listing: Listing, size: int, channels: int, fit: str,
                workers: int) -> tuple[np.ndarray, dict[int, str], int]:
    """Decode every listed file into a new .npy at `path`, uint8 (n, channels, size, size);
    -> (grey flags (n,), {row: reason} of the unreadable, processes used)."""
    n = len(listing)
    np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=(n, channels, size, size)).flush()  # sparse
    files = [str(listing.folder / p) for p in listing.paths]
    tasks = [(s, files[s:s + CHUNK], size, channels, fit) for s in range(0, n, CHUNK)]
    grey, failed = np.ones(n, bool), {}
    used = worker_count(workers, n)
    if used <= 1:
        used = 0
        _open_target(str(path))
        results = map(_decode_chunk, tasks)
    else:
        gc.freeze()  # the collector then leaves the forked copies' pages unwritten (shared)
        try:
            pool = _context().Pool(used, initializer=_open_target, initargs=(str(path),))
        finally:
            gc.unfreeze()
        results = pool.imap_unordered(_decode_chunk, tasks)
    try:
        for start, flags, bad in results:
            grey[start:start + len(flags)] = flags
            failed.update(bad)
    finally:
        _close_target()
        if used:
            pool.terminate()
            pool.join()
    return grey, failed, used


def _one_channel(source: Path, target: Path) -> None:
    """Copy channel 0 of the (n, 3, S, S) .npy `source` into a new (n, 1, S, S) .npy, by file
    reads and writes of about 8 MiB (nothing mapped)."""
    offset, shape = npy_layout(source)
    n, row = shape[0], math.prod(shape[1:])
    np.lib.format.open_memmap(target, mode="w+", dtype=np.uint8, shape=(n, 1, *shape[2:])).flush()
    out_offset, _ = npy_layout(target)
    step = max(1, (8 << 20) // row)
    with open(source, "rb") as f, open(target, "r+b") as out:
        for s in range(0, n, step):
            f.seek(offset + s * row)
            block = np.fromfile(f, np.uint8, count=min(step, n - s) * row).reshape(-1, *shape[1:])
            out.seek(out_offset + s * (row // shape[1]))
            out.write(np.ascontiguousarray(block[:, :1]).data)


def _build(folder: Path, listing: Listing, size: int, channels: int, fit: str, workers: int,
           keep: bool = True) -> tuple[Path, dict]:
    """Decode into a temporary folder inside `folder`; -> (the finished .npy, its record)."""
    began = time.perf_counter()
    width = channels or 3
    # said only where the wait is long enough to wonder about
    log.log(logging.INFO if len(listing) >= LONG else logging.DEBUG, "decoding %s pictures from %s once (%s)",
            f"{len(listing):,}", listing.folder, "kept in the picture cache" if keep else "not cached")
    work = Path(tempfile.mkdtemp(prefix="building-", dir=folder))
    try:
        array_path = work / "pictures.npy"
        grey, failed, used = decode_into(array_path, listing, size, width, fit, workers)
        readable = np.setdiff1d(np.arange(len(listing)), np.fromiter(failed, int, len(failed)))
        all_grey = bool(len(readable)) and bool(grey[readable].all())
        if channels == 0 and all_grey:
            _one_channel(array_path, work / "grey.npy")
            array_path.unlink()
            array_path = work / "grey.npy"
        record = {"version": 1, "folder": str(listing.folder), "rows": len(listing), "size": size,
                  "fit": fit, "channels": 1 if channels == 0 and all_grey else width, "grey": all_grey,
                  "skipped": {str(row): reason for row, reason in sorted(failed.items())},
                  "workers": used, "seconds": time.perf_counter() - began}
        return array_path, record
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


class _Lock:
    """An exclusive lock on `path` (fcntl where there is one; none elsewhere)."""

    def __init__(self, path: Path) -> None:
        self.path, self.handle = path, None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:
            return self
        self.handle = open(self.path, "a+")
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        if self.handle is not None:
            self.handle.close()


def remembered_digest(key: str, compute: Callable[[], str]) -> str:
    """compute(), a digest of some rows of a cache entry, kept beside the entry under `key`
    (which names the entry and the rows): a later start does not read every row again."""
    from ..floors import cache_dir

    root = cache_dir()
    path = None if root is None else root / "pictures" / "digests" / f"{key}.txt"
    if path is not None:
        try:
            text = path.read_text().strip()
            if len(text) == 64:
                return text
        except OSError:
            pass
    value = compute()
    if path is not None:
        try:  # kept if the cache takes it; a failed write leaves no partial file
            write_text(path, value)
        except OutputError:
            pass
    return value


def _read(npy: Path, meta: Path) -> tuple[np.ndarray, dict, Callable[[], None]] | None:
    try:
        record = json.loads(meta.read_text())
        images, release = open_mapped(npy)
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or images.ndim != 4 or len(images) != record.get("rows"):
        return None
    return images, record, release


def _pictures(images: np.ndarray, record: dict, release: Callable[[], None], listing: Listing,
              source: str, key: str = "") -> Pictures:
    failed = {int(row): reason for row, reason in record["skipped"].items()}
    valid = np.setdiff1d(np.arange(len(images)), np.fromiter(failed, int, len(failed)))
    skipped = {listing.paths[row]: reason for row, reason in failed.items()}
    return Pictures(images, valid, skipped, bool(record["grey"]), source, int(record.get("workers", 0)),
                    0.0 if source == "cached" else float(record.get("seconds", 0.0)), release, key)


def load_pictures(listing: Listing, size: int, channels: int, fit: str, workers: int) -> Pictures:
    """The folder's pictures decoded at `size` x `size` with `channels` (0: 1 when every
    picture is grey, else 3) by `fit`: read from the cache when it holds them, else decoded
    (and kept there when the cache is on and writable)."""
    from ..floors import cache_dir

    root = cache_dir()
    folder = None
    if root is not None:
        folder = root / "pictures"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            folder = None
    if folder is None or not os.access(folder, os.W_OK):
        return _uncached(listing, size, channels, fit, workers)
    key = cache_key(listing, size, channels, fit)
    npy, meta = folder / f"{key}.npy", folder / f"{key}.json"
    found = _read(npy, meta) if npy.exists() and meta.exists() else None
    if found is not None:
        return _pictures(*found, listing, "cached", key)
    with _Lock(folder / f"{key}.lock"):
        found = _read(npy, meta) if npy.exists() and meta.exists() else None  # built while we waited
        if found is not None:
            return _pictures(*found, listing, "cached", key)
        _sweep(folder)
        built, record = _build(folder, listing, size, channels, fit, workers)
        try:
            temporary = meta.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(record))
            os.replace(built, npy)
            os.replace(temporary, meta)
        except OSError as exc:  # a full disk: decode again without keeping it
            log.warning("the picture cache in %s cannot be written (%s): pictures are decoded at every start",
                        folder, exc.strerror or exc)
            for stale in (npy, meta, temporary):
                stale.unlink(missing_ok=True)
            shutil.rmtree(built.parent, ignore_errors=True)
            return _uncached(listing, size, channels, fit, workers)
        finally:
            shutil.rmtree(built.parent, ignore_errors=True)
    images, release = open_mapped(npy)
    return _pictures(images, record, release, listing, "decoded", key)


def _sweep(folder: Path, age_s: float = 86400.0) -> None:
    """Remove what a build killed mid-way left in `folder` (building-* folders older than a day)."""
    for stale in folder.glob("building-*"):
        try:
            if time.time() - stale.stat().st_mtime > age_s:
                shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            pass


def _uncached(listing: Listing, size: int, channels: int, fit: str, workers: int) -> Pictures:
    """Decode into a temporary file, read it into memory, delete it."""
    work = Path(tempfile.mkdtemp(prefix="wgan-pictures-"))
    try:
        built, record = _build(work, listing, size, channels, fit, workers, keep=False)
        offset, shape = npy_layout(built)
        images = np.fromfile(built, np.uint8, offset=offset).reshape(shape)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _pictures(images, record, lambda: None, listing, "decoded, not cached")
