"""Every file wgan writes goes through here: output folders made the same way by every command,
files written whole or not at all, and a write that fails (read-only folder, full disk, a
file-size limit, no permission) reported as one line that names the path and the reason.

    atomic(path)        a temporary file beside `path` (".NAME.XXXX.tmp"), renamed over it once
                        complete; removed when anything fails, so no half file and no stray temp
    write_text, write_bytes, save_figure, save_torch, save_npy, save_image   built on atomic
"""
from __future__ import annotations

import errno
import io
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

from .errors import OutputError

# errno -> what the user is told; anything else: the system's own words (strerror)
REASONS = {
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file is larger than the file system or this process's file-size limit allows",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder",
    errno.ENAMETOOLONG: "the name is too long",
}
WRITE_ERRNOS = frozenset(REASONS) | {errno.EIO}


def describe(path: str | os.PathLike | None, exc: OSError, what: str = "write") -> OutputError:
    """An OutputError "cannot write PATH: REASON" for `exc` raised while writing `path`."""
    reason = REASONS.get(exc.errno or -1) or (exc.strerror or str(exc) or type(exc).__name__)
    fix = ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        fix = "; free some space, or write elsewhere"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        fix = "; write into a folder you may write to"
    return OutputError(f"cannot {what} {path}: {reason}{fix}")


def make_folder(path: str | os.PathLike) -> Path:
    """Create the folder `path` and its parents where missing (every command's output folders
    are made this way); a file in the way, or a folder that cannot be made, is an OutputError."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"cannot write into {path}: it is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise describe(path, exc, "create the folder") from None
    return path


@contextmanager
def atomic(path: str | os.PathLike, mode: str = "wb", encoding: str | None = None,
           newline: str | None = None, durable: bool = True) -> Iterator[IO[Any]]:
    """A file object for `path`'s temporary twin in the same folder (made if missing); on a
    clean exit it is flushed, synced (unless not `durable`: thousands of sample files) and
    renamed over `path`, on any error removed, and an OSError while writing becomes an
    OutputError naming `path`."""
    path = Path(path)
    make_folder(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise describe(path, exc) from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # as open() would make it (mkstemp's is 0o600)
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as f:
            yield f
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise describe(path, exc) from None
    except BaseException:
        _remove(tmp)
        raise
    if durable:
        _sync_folder(path.parent)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def _sync_folder(folder: Path) -> None:
    """fsync a folder so that a rename in it survives a power cut (best effort)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """`text` (UTF-8) at `path`, atomically."""
    with atomic(path, "w", encoding="utf-8") as f:
        f.write(text)
    return Path(path)


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    with atomic(path) as f:
        f.write(data)
    return Path(path)


def append_line(path: str | os.PathLike, line: str) -> None:
    """One line appended to a log file (metrics.jsonl); a failed write is an OutputError."""
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
    except OSError as exc:
        raise describe(path, exc) from None


def save_figure(fig: Any, path: str | os.PathLike, **kwargs: Any) -> Path:
    """A matplotlib figure at `path` (its format from the suffix: png, pdf, svg), atomically."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".") or "png"
    with atomic(path) as f:
        fig.savefig(f, format=fmt, **kwargs)
    return path


def save_torch(obj: Any, path: str | os.PathLike) -> Path:
    """torch.save(obj) at `path`, atomically. Serialised in memory first, so that a full disk
    is the system's error (ENOSPC), not torch's zip writer's ("unexpected pos")."""
    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return write_bytes(path, buffer.getbuffer())


def save_npy(path: str | os.PathLike, array: Any) -> Path:
    """np.save(array) at `path`, atomically. Serialised in memory first: np.save into a real
    file (ndarray.tofile) does not always report a short write."""
    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, array)
    return write_bytes(path, buffer.getbuffer())


def save_image(image: Any, path: str | os.PathLike, fmt: str = "PNG", durable: bool = True,
               **kwargs: Any) -> Path:
    """A PIL image at `path`, atomically (see `atomic` for `durable`)."""
    with atomic(path, durable=durable) as f:
        image.save(f, format=fmt, **kwargs)
    return Path(path)
