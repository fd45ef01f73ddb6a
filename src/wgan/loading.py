"""Rebuild the networks of a finished (or running) run from its directory."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .config import Config, config_from_dict
from .errors import WganError
from .recipe import build_networks
from .run_data import units_of_run
from .runs import CHECKPOINT, CONFIG, load_checkpoint


@dataclass
class LoadedRun:
    """A run's config and networks (in eval mode) at the step of its checkpoint. `generator`
    is the averaged generator when the run kept one (train.ema_decay) and `averaged` says so. For
    a run on a standardised point file, `generator` gives samples in the data's own units (its
    output mapped back by `units`), while `critic` takes the networks' standardised units."""
    config: Config
    generator: nn.Module
    critic: nn.Module
    data_shape: tuple[int, ...]
    step: int
    averaged: bool = False
    classes: tuple[str, ...] = ()  # the class names of a conditional run, by label
    units: Any = None  # the Standardization the networks work in (a point file's run); None: data units


def load_run(run_dir: str | Path, checkpoint: str | Path | None = None,
             device: str | torch.device = "cpu", raw: bool = False, *, generator: nn.Module | None = None,
             critic: nn.Module | None = None) -> LoadedRun:
    """Load run_dir/checkpoint.pt (or `checkpoint`) into freshly built networks; the averaged
    generator where the run has one, unless `raw` asks for the trained generator itself.

    generator, critic: for a run trained from objects given to `wgan.train`, networks built as
    those were (the weights are loaded into them; a critic is prepared by the run's constraint
    and wrapped by its conditioning, as in training)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise WganError(f"run directory {run_dir} does not exist")
    if checkpoint is None and not (run_dir / CHECKPOINT).exists() and not (run_dir / CONFIG).exists():
        raise WganError(f"{run_dir} is not a run directory (no {CHECKPOINT} or {CONFIG} in it): pass the folder "
                        "that wgan train wrote, e.g. --run runs/default")
    if checkpoint is not None:
        refuse_other_runs_checkpoint(run_dir, Path(checkpoint))
    state = load_checkpoint(Path(checkpoint) if checkpoint else run_dir, map_location=device)
    missing = [k for k in ("config", "data_shape", "generator", "critic", "step") if k not in state]
    if missing:
        raise WganError(f"the checkpoint in {run_dir} lacks {', '.join(missing)}: not a wgan training checkpoint")
    config = config_from_dict(state["config"], snapshot=True)
    shape = tuple(state["data_shape"])
    classes = tuple(state.get("classes", ())) if config.model.conditional != "none" else ()
    generator, critic = build_networks(config, shape, len(classes), generator=generator, critic=critic)
    averaged = "ema_generator" in state and not raw
    for name, net in (("ema_generator" if averaged else "generator", generator), ("critic", critic)):
        try:
            net.load_state_dict(state[name])
        except RuntimeError as exc:
            detail = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
            detail = detail if len(detail) <= 400 else detail[:400] + " ..."
            raise WganError(f"the {name} in the checkpoint of {run_dir} does not match the network its "
                            f"config builds: {detail}; a run trained from networks given to wgan.train loads with "
                            "the same: load_run(run_dir, generator=..., critic=...)") from None
    units = units_of_run(run_dir)
    generator = generator.to(device).eval()
    if units is not None:
        in_data_units(generator, units)
    return LoadedRun(config, generator, critic.to(device).eval(), shape, int(state["step"]), averaged, classes, units)


def refuse_other_runs_checkpoint(run_dir: Path, checkpoint: Path) -> None:
    """A checkpoint that lies in another run's directory (one with its own config.toml) is
    refused: drawn under this run's name it would be that run's model under this one's title."""
    folder = checkpoint if checkpoint.is_dir() else checkpoint.parent
    if (folder / CONFIG).is_file() and folder.resolve() != run_dir.resolve():
        why = f"{checkpoint} is a checkpoint of the run {folder}, not of {run_dir}"
        raise WganError(f"{why}; load it with load_run({str(folder)!r}, checkpoint=...)",
                        cli=f"{why}; draw from it with --run {folder} --checkpoint {checkpoint}")


def in_data_units(generator: nn.Module, units) -> None:
    """Map the generator's outputs (n, d) back to the data's units: x = z * scale + mean (a forward hook)."""
    mean, scale = (torch.as_tensor(v, dtype=torch.float32) for v in (units.mean, units.scale))

    def to_data(module: nn.Module, inputs: Any, output: torch.Tensor) -> torch.Tensor:
        return output * scale.to(output.device, output.dtype) + mean.to(output.device, output.dtype)

    generator.register_forward_hook(to_data)
