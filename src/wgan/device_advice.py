"""Settings known to be slow on the device a run uses, said once at start with what to use
instead (logged as warnings through `logging`)."""
from __future__ import annotations

import logging

import torch

from .config import Config

log = logging.getLogger(__name__)


def slow_settings(config: Config, device: torch.device | str) -> list[str]:
    """One line per setting of `config` known to be slow on `device`, naming the faster choice.

    fp16 autocast on a CPU has no fast float16 kernels: the same default-recipe steps took
    46.8 s against 2.6 s in bf16 (18x) on one core.
    """
    kind = torch.device(device).type
    advice = []
    if config.train.precision == "fp16" and kind == "cpu":
        advice.append("train.precision = 'fp16' on a CPU is slow (float16 is emulated there: about 18x "
                      "slower than bf16 on the default recipe); use train.precision = 'bf16' or 'fp32' on a "
                      "CPU, fp16 on a CUDA GPU")
    return advice


def warn_slow_settings(config: Config, device: torch.device | str) -> list[str]:
    """Log each line of `slow_settings` as a warning; returns them."""
    advice = slow_settings(config, device)
    for line in advice:
        log.warning(line)
    return advice
