"""Guards on every logged line: non-finite values stop training, a runaway critic warns."""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import torch

from ..errors import WganError
from ..objectives import Objective
from ..steps import TrainingState
from .base import Callback


class TrainingDiverged(WganError):
    """A loss, penalty or parameter became NaN or infinite."""


class DivergenceWarning(UserWarning):
    """The critic's estimate or slope is running away."""


def check_finite(record: dict[str, Any], state: TrainingState) -> None:
    """Raise TrainingDiverged naming the first non-finite quantity at this step."""
    for key in [k for k in record if k.endswith("_estimate")] + ["penalty", "generator_loss"]:
        value = record.get(key)
        if value is not None and not math.isfinite(value):
            raise TrainingDiverged(
                f"{key} became {value} at generator step {record['step']}; the last good checkpoint "
                "is kept. Try a lower learning rate, a larger penalty_weight, or a smaller clip_value")
    for net in ("generator", "critic"):
        for name, p in getattr(state, net).named_parameters():
            if not torch.isfinite(p).all():
                raise TrainingDiverged(
                    f"{net} parameter {name} became non-finite at generator step {record['step']}; "
                    "the last good checkpoint is kept. Try a lower learning rate")


class FiniteGuard(Callback):
    """Stops training with TrainingDiverged when a logged value or a parameter is not finite."""

    def on_log(self, state: TrainingState, record: dict[str, Any], evaluate: bool) -> None:
        check_finite(record, state)


@dataclass
class CriticWatch(Callback):
    """Warns, once each, when the critic runs away: its estimate beyond what the objective can
    plausibly reach (`Objective.runaway_estimate`, on every logged line, every objective), or
    a constrained critic's empirical Lipschitz constant above 10 (at evaluations)."""
    objective: Objective
    constrained: bool
    w1: float | None = None  # the latest exact W1, the scale of a Wasserstein-type estimate
    warned: set = field(default_factory=set)
    # W1 is logged in the data's units; a standardised point file's critic works in units that
    # many times smaller: W1 over the smallest column scale bounds W1 in the critic's units
    data_units_per_critic_unit: float = 1.0

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
        if self.constrained and lipschitz is not None and lipschitz > 10 and "lipschitz" not in self.warned:
            self.warned.add("lipschitz")
            warnings.warn(f"step {step}: the critic's empirical Lipschitz constant is {lipschitz:.1f}, "
                          "so the constraint is not holding; strengthen it (constraint.penalty_weight, constraint.clip_value) or lower "
                          "the critic's learning rate", DivergenceWarning, stacklevel=2)
