"""In-training evaluation: exact W1 and its floor, the critic's own estimate and slope, modes."""
from __future__ import annotations

from typing import Any

from ..metrics import Evaluator
from ..steps import TrainingState
from .base import Callback


class Evaluation(Callback):
    """Adds the evaluator's metrics to every evaluation line (step 0 included)."""

    def __init__(self, evaluator: Evaluator) -> None:
        self.evaluator = evaluator

    def on_log(self, state: TrainingState, record: dict[str, Any], evaluate: bool) -> None:
        if not evaluate:
            return
        record.update(self.evaluator(state.sampler, state.critic))
        key = self.evaluator.objective.estimate_key
        record.setdefault(key, record[f"eval_{key}"])  # step 0: no training batches yet
