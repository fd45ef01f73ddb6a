"""The default recipe for a point file of more than two columns.

The default preset is tuned on 2-D toy data (latent 8, 64-wide MLPs, penalty weight 0.1,
Adam 3e-3, one critic step per generator step, 5,000 steps). In more dimensions the same
critic escapes its constraint under so light a penalty (empirical Lipschitz constants of
15 in 16-D and 60 in 64-D) and W1 rises as it trains. For a point file with d > 2 columns
trained with the default preset, the recipe's own settings become `point_recipe(d)`: the
penalty weight of the WGAN-GP paper (10), which holds the critic near 1-Lipschitz, a smaller
learning rate and more critic steps to match it, networks that grow with d, a latent size of
d + 8 (d for the spread of a full-dimensional cloud, more to choose among its modes: on an
8-mode 8-D mixture latent 16 reached W1 1.18x its floor where latent 8 reached 1.40x), and
fewer, slower steps so a run still takes a minute or two of one thread. A setting the user
gave keeps the user's value. Measured with `python -m benchmarks points`.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from .config import Config, flat_settings, load_config

# The settings the point recipe may change (everything else is the default preset's).
RECIPE_KEYS = ("model.latent_dim", "model.generator_width", "model.critic_width", "constraint.penalty_weight",
               "optim.lr_critic", "optim.lr_generator", "train.n_critic", "train.steps", "eval.every")


def point_recipe(dim: int) -> dict[str, Any] | None:
    """{'section.key': value} of the recipe for d-dimensional points; None for d <= 2 (the
    default preset as it is)."""
    if dim <= 2:
        return None
    width, steps = (64, 4000) if dim <= 8 else (128, 2500) if dim <= 32 else (256, 1500)
    return {"model.latent_dim": dim + 8, "model.generator_width": width, "model.critic_width": width,
            "constraint.penalty_weight": 10.0, "optim.lr_critic": 1e-3, "optim.lr_generator": 1e-3,
            "train.n_critic": 3, "train.steps": steps, "eval.every": steps // 2}


def is_default_recipe(config: Config) -> bool:
    """Whether `config` is the default preset (its description), whatever was set on top of it."""
    return config.description == load_config("default").description and config.constraint.name == "gradient_penalty"


def adapted_to_points(config: Config, dim: int, given: Iterable[str] = ()) -> tuple[Config, str | None]:
    """(config, note): the default preset's config with the point recipe for d = `dim` in place
    of those of its RECIPE_KEYS that hold the preset's own value and are not in `given` (keys
    the user set); the note says what changed, for the `data:` line. Any other config, or
    d <= 2: (config, None) unchanged."""
    recipe = point_recipe(dim)
    if recipe is None or not is_default_recipe(config):
        return config, None
    preset, now, given = flat_settings(load_config("default").to_dict()), flat_settings(config.to_dict()), set(given)
    changes = {k: v for k, v in recipe.items() if k not in given and now[k] == preset[k] and now[k] != v}
    if not changes:
        return config, None
    sections: dict[str, dict[str, Any]] = {}
    for key, value in changes.items():
        section, name = key.split(".")
        sections.setdefault(section, {})[name] = value
    replaced = {s: dataclasses.replace(getattr(config, s), **values) for s, values in sections.items()}
    shown = ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in changes.items())
    description = f"{config.description}; for {dim}-D points: {shown}"
    note = f"the default recipe for {dim}-D points: {shown} (set any of them to keep your own value)"
    return dataclasses.replace(config, description=description, **replaced), note
