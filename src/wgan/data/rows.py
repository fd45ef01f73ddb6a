"""Some rows of a large array (a memory map), chosen by index, without copying them.

A training or held-out split of a cached picture folder is `Rows(memory_map, index)`: a
batch reads only its own rows from disk, so a set larger than memory trains from the map.
It behaves as the (len(index), ...) array it stands for wherever the library reads a
split: len, shape, dtype, indexing by int, slice or index array, np.asarray.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np


class Rows:
    """Rows `index` (k,) of `base` (n, ...): the array base[index] (k, ...), read on demand.
    release: called after each chunk of a pass over every row (`chunks`), to hand a memory
    map's pages back (see `wgan.data.picture_cache.open_mapped`); identity: a name for the
    content of `base` (a picture cache entry's key), "" when it has none."""

    def __init__(self, base: np.ndarray, index: np.ndarray, release: Callable[[], None] | None = None,
                 identity: str = "") -> None:
        self.base, self.index, self.release = base, np.asarray(index, dtype=np.int64), release
        self.identity = identity

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.index), *self.base.shape[1:])

    @property
    def dtype(self) -> np.dtype:
        return self.base.dtype

    @property
    def ndim(self) -> int:
        return self.base.ndim

    @property
    def nbytes(self) -> int:
        return len(self.index) * int(np.prod(self.base.shape[1:])) * self.base.dtype.itemsize

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, key):
        if isinstance(key, slice):
            return Rows(self.base, self.index[key], self.release, self.identity)
        if isinstance(key, (int, np.integer)):
            return np.asarray(self.base[self.index[key]])
        rows = self.index[np.asarray(key)]
        order = np.argsort(rows, kind="stable")  # read the file front to back
        out = np.empty((len(rows), *self.base.shape[1:]), self.base.dtype)
        out[order] = self.base[rows[order]]
        return out

    def chunks(self, max_bytes: int = 8 << 20) -> Iterator[np.ndarray]:
        """The rows in order, as arrays of about `max_bytes` (small: each is read, then copied once)."""
        step = max(1, max_bytes // max(1, self.nbytes // max(1, len(self))))
        for start in range(0, len(self), step):
            yield self[np.arange(start, min(start + step, len(self)))]
            if self.release is not None:
                self.release()

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = np.empty(self.shape, self.dtype)
        step = 0
        for chunk in self.chunks():
            out[step:step + len(chunk)] = chunk
            step += len(chunk)
        return out if dtype is None else out.astype(dtype)

    def astype(self, dtype) -> np.ndarray:
        return np.asarray(self).astype(dtype)

    def __repr__(self) -> str:
        return f"Rows({len(self)} of {self.base.shape}, {self.dtype})"
