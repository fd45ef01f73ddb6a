"""Live lines: one line per evaluation while training runs, through `logging` (logger
`wgan.callbacks.live`, INFO), so that a run whose output goes to a file (`nohup wgan train
... > log 2>&1`, `tail -f log`) shows each evaluation as it happens:

    step 600/3000: exact W1 0.0412 (floor 0.0213), critic estimate of W 0.0398, empirical
    Lipschitz 0.998, modes 8/8, high-quality 95.2%; 41.3 steps/s, ETA 58 s
"""
from __future__ import annotations

import logging
import time
from typing import Any, Mapping

from ..formatting import duration, significant
from ..steps import TrainingState
from .base import Callback

log = logging.getLogger(__name__)


def estimate_name(record: Mapping[str, Any]) -> tuple[str, str] | None:
    """(the key of the critic's held-out estimate, what it estimates in words), e.g.
    ("eval_critic_w_estimate", "W"); None when the record has none."""
    key = next((k for k in record if k.startswith("eval_critic_") and k.endswith("_estimate")), None)
    if key is None:
        return None
    what = key[len("eval_critic_"):-len("_estimate")]
    return key, what.upper() if len(what) <= 3 else what.replace("_", " ")


def describe_evaluation(record: Mapping[str, Any]) -> str:
    """An evaluation's numbers in one phrase, with significant digits (`wgan.formatting`)."""
    parts = [describe_w1(record)]
    named = estimate_name(record)
    if named is not None:
        parts.append(f"critic estimate of {named[1]} {significant(record[named[0]])}")
    if "critic_lipschitz" in record:
        parts.append(f"empirical Lipschitz {significant(record['critic_lipschitz'])}")
    if "modes_mean" in record:
        modes = (f"{record['modes_mean']:.0f}/{record['modes_total']}" if record["modes_std"] == 0
                 else f"{significant(record['modes_mean'])} of {record['modes_total']}")
        parts.append(f"modes {modes}, high-quality {significant(100 * record['high_quality_mean'])}% "
                     f"+- {significant(100 * record['high_quality_std'])}%")
    elif "modes" in record:
        parts.append(f"modes {record['modes']}/{record['modes_total']}, "
                     f"high-quality {significant(100 * record['high_quality'])}%")
    if "fid" in record:
        parts.append(f"FID {significant(record['fid'])}")
    return ", ".join(parts)


def describe_w1(record: Mapping[str, Any]) -> str:
    """Exact W1 and its floor as measured: mean +- sd over the final evaluation's draws (as
    `wgan evaluate --repeats K` prints them), or one draw, said as such, with the floor's
    spread over draws beside it where known; n, the size of each set, and where every draw
    holds the whole held-out set, that its spread comes from the generated side alone."""
    n = record.get("eval_n")
    of_n = f" of n = {n}" if n else ""
    if "w1_mean" in record:
        held, m = record.get("heldout_size"), record.get("w1_n", n)
        shared = (f"; every draw holds all {held} held-out samples, so W1's spread is the generated side's"
                  if held is not None and m and held <= m else "")
        return (f"exact W1 {significant(record['w1_mean'])} +- {significant(record['w1_std'])} "
                f"(real-vs-real floor {significant(record['w1_floor_mean'])} +- "
                f"{significant(record['w1_floor_std'])}; mean +- sd over {record['draws']} draws{of_n}{shared})")
    spread = record.get("w1_floor_std")
    floor = significant(record["w1_floor"]) + (f" +- {significant(spread)}" if spread == spread and spread else "")
    return f"exact W1 {significant(record['w1'])} (real-vs-real floor {floor}; one draw{of_n})"


class LiveLines(Callback):
    """Logs each evaluation as it is made, with the training speed since this process started
    and the time left to `total` steps at that speed."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.began, self.first_step = time.perf_counter(), 0

    def on_start(self, state: TrainingState) -> None:
        self.began, self.first_step = time.perf_counter(), state.step

    def on_log(self, state: TrainingState, record: dict[str, Any], evaluate: bool) -> None:
        if not evaluate or "w1" not in record:
            return
        step, line = record["step"], f"step {record['step']}/{self.total}: {describe_evaluation(record)}"
        done, seconds = step - self.first_step, time.perf_counter() - self.began
        if done > 0 and seconds > 0:
            rate = done / seconds
            line += f"; {significant(rate)} steps/s"
            if step < self.total:
                line += f", ETA {duration((self.total - step) / rate)}"
        log.info(line)
