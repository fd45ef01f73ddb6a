"""Rebuild the networks of a finished (or running) run from its directory."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from .config import Config, config_from_dict
from .errors import WganError
from .recipe import build_networks
from .runs import load_checkpoint


@dataclass
class LoadedRun:
    """A run's config and networks (in eval mode) at the step of its checkpoint. `generator`
    is the averaged generator when the run kept one (train.ema_decay) and `averaged` says so."""
    config: Config
    generator: nn.Module
    critic: nn.Module
    data_shape: tuple[int, ...]
    step: int
    averaged: bool = False
    classes: tuple[str, ...] = ()  # the class names of a conditional run, by label


def load_run(run_dir: str | Path, checkpoint: str | Path | None = None,
             device: str | torch.device = "cpu", raw: bool = False) -> LoadedRun:
    """Load run_dir/checkpoint.pt (or `checkpoint`) into freshly built networks; the averaged
    generator where the run has one, unless `raw` asks for the trained generator itself."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise WganError(f"run directory {run_dir} does not exist")
    state = load_checkpoint(Path(checkpoint) if checkpoint else run_dir, map_location=device)
    missing = [k for k in ("config", "data_shape", "generator", "critic", "step") if k not in state]
    if missing:
        raise WganError(f"the checkpoint in {run_dir} lacks {', '.join(missing)}: not a wgan training checkpoint")
    config = config_from_dict(state["config"], snapshot=True)
    shape = tuple(state["data_shape"])
    classes = tuple(state.get("classes", ())) if config.model.conditional != "none" else ()
    generator, critic = build_networks(config, shape, len(classes))
    averaged = "ema_generator" in state and not raw
    for name, net in (("ema_generator" if averaged else "generator", generator), ("critic", critic)):
        try:
            net.load_state_dict(state[name])
        except RuntimeError as exc:
            detail = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
            detail = detail if len(detail) <= 400 else detail[:400] + " ..."
            raise WganError(f"the {name} in the checkpoint of {run_dir} does not match the network its "
                            f"config builds: {detail}") from None
    return LoadedRun(config, generator.to(device).eval(), critic.to(device).eval(), shape, int(state["step"]),
                     averaged, classes)
