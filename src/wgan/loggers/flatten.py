"""A nested config as the flat "section.key" names that W&B and MLflow show."""
from __future__ import annotations

from typing import Any, Mapping


def flat_config(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"train": {"steps": 10}} -> {"train.steps": 10}."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, Mapping):
            out.update(flat_config(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = list(value) if isinstance(value, tuple) else value
    return out
