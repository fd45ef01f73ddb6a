"""Figures drawn in a second process, so that training never waits for matplotlib.

A figure of a toy run costs ~0.8 s of matplotlib (the import ~0.5 s more), as long as
hundreds of training steps. `Painter` hands each drawing (a function of numpy arrays that
writes a PNG) to one worker process, started at once so that its imports overlap the run's
set-up, and reports the files as they are written. The worker imports this module and
matplotlib, never torch (1.7 s of one core more, which it would take from the run's start).
The worker ignores Ctrl-C: a stopped run finishes the figures it asked for. Where a process
cannot be started, it draws inline.
"""
from __future__ import annotations

import multiprocessing
import signal
import sys
from contextlib import contextmanager
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Callable, Iterator


def _worker_start() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from . import base

    base.pyplot()  # import matplotlib now, not at the first figure


@contextmanager
def _main_script_hidden() -> Iterator[None]:
    """Start processes without telling them the parent's __main__: a spawned child re-runs the
    parent's main script (or module) first, so a user's training script without an
    `if __name__ == "__main__":` guard would train again in the worker. The worker needs
    nothing from __main__ (it draws with `wgan.plots`)."""
    main = sys.modules.get("__main__")
    saved = {name: getattr(main, name) for name in ("__file__", "__spec__") if hasattr(main, name)}
    try:
        if "__file__" in saved:
            del main.__file__
        if "__spec__" in saved:
            main.__spec__ = None
        yield
    finally:
        for name, value in saved.items():
            setattr(main, name, value)


class Painter:
    """submit(draw, *args, done=callback): draw(*args) -> Path in the worker; callback(path) here,
    from `collect` (finished drawings) or `close` (all of them, in order)."""

    def __init__(self) -> None:
        self._pending: list[tuple[Future, Callable[[Path], Any] | None]] = []
        try:
            self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_start)
            with _main_script_hidden():
                self._pool.submit(int)  # starts the worker now
        except (OSError, RuntimeError):
            self._pool = None

    def submit(self, draw: Callable[..., Path], *args: Any, done: Callable[[Path], Any] | None = None) -> None:
        if self._pool is not None:
            try:
                self._pending.append((self._pool.submit(draw, *args), done))
                return
            except (BrokenProcessPool, RuntimeError):
                self._pool = None
        path = draw(*args)
        if done is not None:
            done(path)

    def collect(self, wait: bool = False) -> None:
        """Report the drawings that are finished (with `wait`, all), oldest first; a drawing's
        error is raised here."""
        while self._pending and (wait or self._pending[0][0].done()):
            future, done = self._pending.pop(0)
            path = future.result()
            if done is not None:
                done(path)

    def close(self) -> None:
        try:
            self.collect(wait=True)
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
