"""The run directory: config snapshot, metrics log, checkpoints, figures.

    runs/<name>/
      config.toml        the resolved config of the run
      metrics.jsonl      one JSON object per logged step
      checkpoint.pt      the latest checkpoint (previous one kept as checkpoint.prev.pt)
      figures/           PNGs
      tensorboard/       event files, when tensorboard is installed (eval.loggers)
      wandb/, mlruns/    offline W&B and local MLflow runs, when eval.loggers names them
"""
from __future__ import annotations

import json
import logging
import math
import os
import pickle
import re
import shutil
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from . import outputs
from .errors import WganError

if TYPE_CHECKING:
    from .config import Config

CHECKPOINT = "checkpoint.pt"
PREVIOUS_CHECKPOINT = "checkpoint.prev.pt"
CONFIG = "config.toml"
METRICS = "metrics.jsonl"

log = logging.getLogger(__name__)


LOCK = ".lock"
# Test hook: with this set to S seconds, each checkpoint write stops for S seconds halfway
# through its bytes, after logging "wgan: writing checkpoint of step N" (on stderr from the CLI).
PAUSE_IN_SAVE_ENV = "WGAN_TEST_PAUSE_IN_CHECKPOINT_WRITE"


def check_run_name(name: str) -> str:
    """`name` when it can name a folder of runs/: one path component, not empty, '.' or '..'."""
    if not name or not name.strip():
        raise WganError(f"run name {name!r} is empty: name the run, e.g. --set name=ring (it becomes "
                        "the folder runs/<name> unless --out DIR chooses another)")
    if name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise WganError(f"run name {name!r} is not one folder name: a run name becomes runs/<name>, so it "
                        "cannot be '.', '..' or hold '/' or '\\'; choose a plain name (and --out DIR to write "
                        "the run elsewhere)")
    return name


def run_contents(path: Path) -> list[Path]:
    """What a run directory holds, its lock file aside."""
    return [p for p in Path(path).iterdir() if p.name != LOCK] if Path(path).is_dir() else []


def prepare_run_dir(path: Path, overwrite: bool) -> Path:
    """Create `path`; an existing non-empty directory is an error unless `overwrite`."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise WganError(f"run directory {path} exists and is not a directory")
    contents = run_contents(path)
    if contents:
        if not overwrite:
            raise WganError(f"run directory {path} already exists; pass overwrite=True to replace it, "
                            "resume=True to continue it, or another run directory",
                            cli=f"run directory {path} already exists; pass --overwrite to replace it, "
                                f"--resume {path} to continue it, or --out to choose another")
        clear_run_dir(path)
    outputs.make_folder(path / "figures")
    return path


def clear_run_dir(path: Path) -> None:
    """Delete everything in a run directory but its lock file."""
    for item in run_contents(path):
        shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()


class RunLock:
    """An exclusive lock on a run directory (run_dir/.lock), held while one process trains in it.

    The operating system releases it when the process ends, however it ends (a SIGKILL too),
    so a killed run can be resumed at once. A second process is refused with a WganError.
    """

    def __init__(self, run_dir: Path) -> None:
        self.path = Path(run_dir) / LOCK
        self.file = None

    def acquire(self) -> "RunLock":
        import fcntl

        outputs.make_folder(self.path.parent)
        try:
            file = open(self.path, "a+", encoding="utf-8")
        except OSError as exc:
            raise outputs.describe(self.path, exc) from None
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise self._busy(file) from None
        file.truncate(0)
        file.write(f"{os.getpid()}\n")
        file.flush()
        self.file = file
        return self

    def refuse_if_held(self) -> None:
        """Raise the error `acquire` would if another process holds the lock now, creating and
        writing nothing (a run checks this before it says or loads anything)."""
        import fcntl

        try:
            file = open(self.path, encoding="utf-8")
        except OSError:  # no lock file (or no directory): nobody holds it
            return
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise self._busy(file) from None
        file.close()  # drops the lock again

    def _busy(self, file: Any) -> WganError:
        file.seek(0)
        holder = file.read().strip() or "unknown"
        file.close()
        busy = (f"run directory {self.path.parent} is in use by another wgan process (pid {holder}); "
                "wait for it to finish or stop it, or choose another")
        return WganError(f"{busy} run directory", cli=f"{busy} --out")

    def release(self) -> None:
        if self.file is not None:
            self.file.close()  # closing the descriptor drops the lock
            self.file = None

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


def write_text_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, flushed, then renamed over `path`
    (`wgan.outputs.write_text`: a failed write is one line and leaves no temporary file)."""
    outputs.write_text(path, text)


def save_checkpoint(run_dir: Path, state: dict[str, Any]) -> Path:
    """Atomically write `state` to run_dir/checkpoint.pt, keeping the last one as .prev.

    The new checkpoint is serialised, written to a temporary file and flushed; the current one
    is hard-linked to checkpoint.prev.pt; then the new one is renamed over checkpoint.pt. A
    kill at any moment leaves a complete checkpoint.pt (the old or the new one); a write that
    fails (full disk, read-only folder) leaves the old one and no temporary file, and is an
    `outputs.OutputError`.
    """
    import io

    run_dir = Path(run_dir)
    target = run_dir / CHECKPOINT
    buffer = io.BytesIO()
    torch.save(state, buffer)
    data = buffer.getbuffer()
    pause = float(os.environ[PAUSE_IN_SAVE_ENV]) if os.environ.get(PAUSE_IN_SAVE_ENV) else None
    with outputs.atomic(target) as f:
        if pause is None:
            f.write(data)
        else:
            _write_with_pause(data, f, state.get("step"), pause)
        f.flush()
        os.fsync(f.fileno())
        if target.exists():  # before the rename that ends atomic(): the old one becomes .prev
            link = run_dir / f".{PREVIOUS_CHECKPOINT}.{os.getpid()}.tmp"
            link.unlink(missing_ok=True)
            os.link(target, link)
            os.replace(link, run_dir / PREVIOUS_CHECKPOINT)
    return target


def _write_with_pause(data: Any, f: Any, step: Any, seconds: float) -> None:
    """The bytes with a pause halfway through (tests kill the process there)."""
    f.write(data[: len(data) // 2])
    f.flush()
    log.info("wgan: writing checkpoint of step %s", step)
    time.sleep(seconds)
    f.write(data[len(data) // 2:])


def remove_stale_temporaries(run_dir: Path) -> None:
    """Delete half-written files that a killed process left behind (in the run and its figures)."""
    for folder in (Path(run_dir), Path(run_dir) / "figures"):
        for path in [*folder.glob("*.tmp"), *folder.glob(".*.tmp")]:
            path.unlink(missing_ok=True)


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint as data only (weights_only=True): a pickle that would run code is refused."""
    path = Path(path)
    if path.is_dir():
        path = path / CHECKPOINT
    if not path.is_file():
        raise WganError(f"no checkpoint at {path}")
    if not zipfile.is_zipfile(path):
        raise WganError(f"{path} is truncated or corrupted, or not a checkpoint at all: a checkpoint is a "
                        "zip archive as torch.save writes it, and this file is not one")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        code = re.search(r"GLOBAL (\S+)", str(exc))
        if code:
            raise WganError(f"{path} was not loaded: it holds an object of type {code.group(1)}, and loading "
                            "it would run code; a wgan checkpoint holds only tensors and plain data") from None
        raise WganError(f"{path} is corrupted: its contents cannot be read as tensors and plain data") from None
    except (RuntimeError, EOFError, OSError, ValueError) as exc:
        first = str(exc).strip().split(". ")[0].splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WganError(f"{path} is truncated or corrupted: {first}") from None
    if not isinstance(state, dict) or "generator" not in state:
        raise WganError(f"{path} is not a wgan checkpoint")
    return state


def json_safe(value: Any) -> Any:
    """A float JSON can hold: NaN -> null, +-inf -> "inf" / "-inf"; anything else unchanged."""
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


class MetricsLog:
    """Appends one JSON object per line to metrics.jsonl (flushed each line)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def write(self, record: dict[str, Any]) -> None:
        outputs.append_line(self.path, json.dumps({k: json_safe(v) for k, v in record.items()}))

    def truncate_after(self, step: int) -> None:
        """Drop lines logged after `step` (and a torn last line), before resuming from `step`."""
        if not self.path.exists():
            return
        kept = [r for r in read_metrics(self.path) if r["step"] <= step]
        write_text_atomic(self.path, "".join(json.dumps(r) + "\n" for r in kept))


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """The records of a metrics.jsonl (or of a run directory); a torn last line is ignored."""
    path = Path(path)
    if path.is_dir():
        path = path / METRICS
    records = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            if i == len(lines) - 1:
                break
            raise WganError(f"{path}, line {i + 1}: not valid JSON") from None
    return records


def config_of_run(run_dir: Path) -> "Config":
    """The config of a run (its config.toml: the run's own record, read leniently)."""
    import tomllib

    from .config import config_from_dict

    path = Path(run_dir) / CONFIG
    if not Path(run_dir).is_dir():
        raise WganError(f"run directory {run_dir} does not exist")
    if not path.is_file():
        raise WganError(f"{run_dir} is not a run directory: {CONFIG} is missing")
    return config_from_dict(tomllib.loads(path.read_text(encoding="utf-8")), snapshot=True)
