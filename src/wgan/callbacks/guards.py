"""Guards on every logged line: non-finite values stop training, a runaway critic warns."""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..errors import WganError
from ..objectives import Objective
from ..runs import CHECKPOINT
from ..steps import TrainingState
from .base import Callback


class TrainingDiverged(WganError):
    """A loss, penalty or parameter became NaN or infinite."""


class DivergenceWarning(UserWarning):
    """The critic's estimate or slope is running away."""


KEPT = "the last good checkpoint is kept"
NOT_KEPT = "no checkpoint had been written yet, so there is nothing to resume"


def check_finite(record: dict[str, Any], state: TrainingState, kept: str = KEPT) -> None:
    """Raise TrainingDiverged naming the first non-finite quantity at this step; `kept` says
    what is left of the run (KEPT, or NOT_KEPT before the first checkpoint)."""
    for key in [k for k in record if k.endswith("_estimate")] + ["penalty", "generator_loss"]:
        value = record.get(key)
        if value is not None and not math.isfinite(value):
            raise TrainingDiverged(
                f"{key} became {value} at generator step {record['step']}; {kept}. Try a lower "
                "learning rate, a larger penalty_weight, or a smaller clip_value")
    for net in ("generator", "critic"):
        for name, p in getattr(state, net).named_parameters():
            if not torch.isfinite(p).all():
                raise TrainingDiverged(
                    f"{net} parameter {name} became non-finite at generator step {record['step']}; "
                    f"{kept}. Try a lower learning rate")


class FiniteGuard(Callback):
    """Stops training with TrainingDiverged when a logged value or a parameter is not finite;
    the message says whether run_dir holds a checkpoint to go back to."""

    def __init__(self, run_dir: Path | None = None) -> None:
        self.run_dir = run_dir

    def on_log(self, state: TrainingState, record: dict[str, Any], evaluate: bool) -> None:
        has_checkpoint = self.run_dir is None or (Path(self.run_dir) / CHECKPOINT).exists()
        check_finite(record, state, KEPT if has_checkpoint else NOT_KEPT)


# What strengthens each constraint when the critic's slope runs away (settings that exist for it).
LIPSCHITZ_ADVICE = {
    "gradient_penalty": "raise constraint.penalty_weight or lower the critic's learning rate (optim.lr_critic)",
    "one_sided_penalty": "raise constraint.penalty_weight or lower the critic's learning rate (optim.lr_critic)",
    "weight_clipping": "lower constraint.clip_value or the critic's learning rate (optim.lr_critic)",
    "spectral_norm": "spectral normalisation bounds the layers it wraps, not the normalisation layers between "
                     "them (a DCGAN critic's model.critic_norm: set it to 'none'); else lower the critic's "
                     "learning rate (optim.lr_critic)",
    "": "strengthen the constraint or lower the critic's learning rate (optim.lr_critic)",
}


@dataclass
class CriticWatch(Callback):
    """Warns, once each, when the critic runs away: its estimate beyond what the objective can
    plausibly reach (`Objective.runaway_estimate`, on every logged line, every objective), or
    a constrained critic's empirical Lipschitz constant above `lipschitz_limit` (at evaluations):
    the critic's estimate of W is then up to K times W1, so it cannot be read as W1."""
    objective: Objective
    constrained: bool
    constraint: str = ""  # constraint.name: what the Lipschitz warning advises
    w1: float | None = None  # the latest exact W1, the scale of a Wasserstein-type estimate
    warned: set = field(default_factory=set)
    # W1 is logged in the data's units; a standardised point file's critic works in units that
    # many times smaller: W1 over the smallest column scale bounds W1 in the critic's units
    data_units_per_critic_unit: float = 1.0
    # a critic under a working gradient penalty stays near 1 (the default recipe: 1.7-1.9 on
    # 8 Gaussians, 1.3-1.5 on 16-D points); 15 and 60 were seen where the penalty was too light
    lipschitz_limit: float = 3.0

    def on_log(self, state: TrainingState, record: dict[str, Any], evaluate: bool) -> None:
        self.check(record)

    def check(self, record: dict[str, Any]) -> None:
        if record.get("w1") is not None:
            self.w1 = record["w1"] / self.data_units_per_critic_unit
        key, step = self.objective.estimate_key, record["step"]
        if step == 0:  # the untrained critic: nothing has run away yet
            return
        limit = self.objective.runaway_estimate(self.w1)
        for name in (key, f"eval_{key}"):
            value = record.get(name)
            if value is not None and abs(value) > limit and "estimate" not in self.warned:
                self.warned.add("estimate")
                warnings.warn(f"step {step}: {name} = {value:.3g}, beyond the {limit:.3g} that a critic of "
                              f"the {self.objective.name} objective can plausibly reach here: it is "
                              "diverging; lower the learning rate or constrain the critic",
                              DivergenceWarning, stacklevel=2)
        lipschitz = record.get("critic_lipschitz")
        limit = self.lipschitz_limit
        if self.constrained and lipschitz is not None and lipschitz > limit and "lipschitz" not in self.warned:
            self.warned.add("lipschitz")
            warnings.warn(f"step {step}: the critic's empirical Lipschitz constant is {lipschitz:.1f} (above {limit:g}), "
                          "so the constraint is not holding and the critic's estimate of W cannot be trusted "
                          f"(it can be up to {lipschitz:.1f} times W1); "
                          f"{LIPSCHITZ_ADVICE.get(self.constraint, LIPSCHITZ_ADVICE[''])}",
                          DivergenceWarning, stacklevel=2)
