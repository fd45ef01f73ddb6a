"""The run directory: config snapshot, metrics log, checkpoints, figures.

    runs/<name>/
      config.toml        the resolved config of the run
      metrics.jsonl      one JSON object per logged step
      checkpoint.pt      the latest checkpoint (previous one kept as checkpoint.prev.pt)
      figures/           PNGs
      tensorboard/       event files, when tensorboard is installed
"""
from __future__ import annotations

import json
import math
import os
import pickle
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable

import torch

from .errors import WganError

CHECKPOINT = "checkpoint.pt"
PREVIOUS_CHECKPOINT = "checkpoint.prev.pt"
CONFIG = "config.toml"
METRICS = "metrics.jsonl"


def prepare_run_dir(path: Path, overwrite: bool) -> Path:
    """Create `path`; an existing non-empty directory is an error unless `overwrite`."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise WganError(f"run directory {path} exists and is not a directory")
    if path.exists() and any(path.iterdir()):
        if not overwrite:
            raise WganError(f"run directory {path} already exists; pass --overwrite to replace it, "
                            f"--resume {path} to continue it, or --out to choose another")
        shutil.rmtree(path)
    (path / "figures").mkdir(parents=True, exist_ok=True)
    return path


def _fsync_replace(tmp: Path, target: Path) -> None:
    os.replace(tmp, target)
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_text_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, flushed, then renamed over `path`."""
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp",
                                     encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    _fsync_replace(Path(f.name), path)


def save_checkpoint(run_dir: Path, state: dict[str, Any]) -> Path:
    """Atomically write `state` to run_dir/checkpoint.pt, keeping the last one as .prev.

    The new checkpoint is written to a temporary file and flushed; the current one is
    hard-linked to checkpoint.prev.pt; then the new one is renamed over checkpoint.pt.
    A kill at any moment leaves a complete checkpoint.pt (the old or the new one).
    """
    run_dir = Path(run_dir)
    target = run_dir / CHECKPOINT
    with tempfile.NamedTemporaryFile(dir=run_dir, delete=False, suffix=".tmp") as f:
        torch.save(state, f)
        f.flush()
        os.fsync(f.fileno())
    if target.exists():
        link = run_dir / f".{PREVIOUS_CHECKPOINT}.{os.getpid()}.tmp"
        link.unlink(missing_ok=True)
        os.link(target, link)
        os.replace(link, run_dir / PREVIOUS_CHECKPOINT)
    _fsync_replace(Path(f.name), target)
    return target


def remove_stale_temporaries(run_dir: Path) -> None:
    """Delete half-written files that a killed process left behind."""
    for path in Path(run_dir).glob("*.tmp"):
        path.unlink(missing_ok=True)
    for path in Path(run_dir).glob(".*.tmp"):
        path.unlink(missing_ok=True)


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint as data only (weights_only=True): a pickle that would run code is refused."""
    path = Path(path)
    if path.is_dir():
        path = path / CHECKPOINT
    if not path.is_file():
        raise WganError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        raise WganError(f"{path} is not a plain checkpoint and was not loaded "
                        f"(it asks to run code or holds unknown objects): {str(exc).splitlines()[0]}") from None
    except (RuntimeError, EOFError, OSError, ValueError) as exc:
        raise WganError(f"{path} is truncated or corrupted: {str(exc).splitlines()[0]}") from None
    if not isinstance(state, dict) or "generator" not in state:
        raise WganError(f"{path} is not a wgan checkpoint")
    return state


def json_safe(value: Any) -> Any:
    """A float JSON can hold: NaN -> null, +-inf -> "inf" / "-inf"; anything else unchanged."""
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


class MetricsLog:
    """Appends one JSON object per line to metrics.jsonl (flushed each line); mirrors scalars
    to TensorBoard when a SummaryWriter is given."""

    def __init__(self, path: Path, tensorboard: Any | None = None) -> None:
        self.path = Path(path)
        self.tensorboard = tensorboard

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps({k: json_safe(v) for k, v in record.items()})
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
        if self.tensorboard is not None:
            for key, value in record.items():
                if key != "step" and isinstance(value, (int, float)) and math.isfinite(value):
                    self.tensorboard.add_scalar(key, value, record["step"])

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


def open_tensorboard(run_dir: Path, mode: str) -> Any | None:
    """A SummaryWriter in run_dir/tensorboard, or None. mode: auto | on | off."""
    if mode == "off":
        return None
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        if mode == "on":
            raise WganError("eval.tensorboard = 'on' needs the tensorboard package: "
                            "pip install 'wgan[tensorboard]'") from None
        return None
    return SummaryWriter(log_dir=str(Path(run_dir) / "tensorboard"))


def iter_steps(records: Iterable[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    """(steps, values) of the records that hold `key`."""
    pairs = [(r["step"], r[key]) for r in records if r.get(key) is not None]
    return [p[0] for p in pairs], [float(p[1]) for p in pairs]
