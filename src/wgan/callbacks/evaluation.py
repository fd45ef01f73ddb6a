"""In-training evaluation: exact W1 and its floor, the critic's own estimate and slope, modes;
at the last step, W1 and its floor over several independent draws."""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..metrics import Evaluator
from ..steps import TrainingState
from .base import Callback

# What the final evaluation adds from its draws: <key>_mean and <key>_std of each.
FINAL_KEYS = ("w1", "w1_floor", "modes", "high_quality")


class Evaluation(Callback):
    """Adds the evaluator's metrics to every evaluation line (step 0 included). At `final_step`
    (with data and evaluator.draws > 1) it also evaluates the generator on that many
    independent draws of n, exactly as `wgan evaluate --repeats K` does with its default
    seed, and adds `<key>_mean` and `<key>_std` over them: one draw of n = 2000 on 8 Gaussians
    moves W1 by about 25%, so the last line reports the mean and its spread."""

    def __init__(self, evaluator: Evaluator, data: Any = None, final_step: int | None = None) -> None:
        self.evaluator, self.data, self.final_step = evaluator, data, final_step

    def on_log(self, state: TrainingState, record: dict[str, Any], evaluate: bool) -> None:
        if not evaluate:
            return
        record.update(self.evaluator(state.sampler, state.critic))
        key = self.evaluator.objective.estimate_key
        record.setdefault(key, record[f"eval_{key}"])  # step 0: no training batches yet
        if (state.step == self.final_step and self.data is not None and self.evaluator.draws > 1
                and record["eval_n"] >= 2):  # (a folder of a few pictures may hold out one)
            record.update(final_draws(state.sampler, self.data, record["eval_n"], self.evaluator.draws,
                                      self.evaluator.w1_samples))


def final_draws(generator, data, n: int, draws: int, w1_samples: int = 0) -> dict[str, Any]:
    """`<key>_mean` and `<key>_std` of FINAL_KEYS over `draws` evaluation draws of n (seeds
    0, 1, ...: `wgan evaluate --repeats draws -n n --w1-samples w1_samples`), `draws`, and for
    data with a finite held-out set its size, `heldout_size`."""
    from ..data.standardize import unstandardized
    from ..evaluation import evaluate_generator

    units = getattr(data, "standardization", None)
    if units is not None:  # a standardised point file: measured in the data's own units, as evaluate does
        generator, data = InDataUnits(generator, units), unstandardized(data)
    result = evaluate_generator(generator, data, n, seed=0, repeats=draws, memorisation=False, w1_samples=w1_samples)
    out: dict[str, Any] = {"draws": draws}
    holdout = getattr(data, "holdout", None)
    if holdout is not None:
        out["heldout_size"] = len(holdout)
    for key in FINAL_KEYS:
        if key in result:
            out[f"{key}_mean"], out[f"{key}_std"] = result[key], result[f"{key}_std"]
    return out


class InDataUnits(nn.Module):
    """A generator of standardised points (n, d), seen in the data's units: x = z * scale + mean."""

    def __init__(self, generator: nn.Module, units: Any) -> None:
        super().__init__()
        self.generator, self.latent_dim = generator, generator.latent_dim
        self.register_buffer("mean", torch.as_tensor(units.mean, dtype=torch.float32))
        self.register_buffer("scale", torch.as_tensor(units.scale, dtype=torch.float32))

    def forward(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        out = self.generator(*args, **kwargs)
        return out * self.scale.to(out.device, out.dtype) + self.mean.to(out.device, out.dtype)
