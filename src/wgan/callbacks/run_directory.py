"""The run directory for the length of a run: its lock, its config, what the user is told."""
from __future__ import annotations

import logging
from pathlib import Path

from ..config import Config
from ..runs import CONFIG, RunLock, prepare_run_dir, remove_stale_temporaries, write_text_atomic
from ..steps import TrainingState
from .base import Callback

log = logging.getLogger(__name__)


class RunDirectory(Callback):
    """Holds run_dir/.lock while training; a fresh run gets an empty directory (`overwrite` to
    replace one), a resumed run loses the half-written files of its last process; both get
    the config as config.toml; a fresh run also gets `files` (name -> text: its data record).
    Nothing is said or written before the lock is held; once the directory is ready,
    "run directory: DIR" and the `notes` are logged, one line each."""

    def __init__(self, run_dir: Path, config: Config, fresh: bool, overwrite: bool, notes: list[str],
                 files: dict[str, str] | None = None) -> None:
        self.run_dir, self.config, self.fresh, self.overwrite, self.notes = run_dir, config, fresh, overwrite, notes
        self.files = files or {}
        self.lock = RunLock(run_dir)

    def on_start(self, state: TrainingState) -> None:
        self.lock.acquire()
        if self.fresh:
            prepare_run_dir(self.run_dir, self.overwrite)
            for name, text in self.files.items():
                write_text_atomic(self.run_dir / name, text)
        else:
            remove_stale_temporaries(self.run_dir)
        write_text_atomic(self.run_dir / CONFIG, self.config.to_toml())
        log.info("run directory: %s", self.run_dir)
        for line in self.notes:
            log.info("%s", line)

    def close(self) -> None:
        self.lock.release()
