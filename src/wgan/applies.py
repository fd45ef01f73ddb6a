"""Where a setting acts: the `applies_when` metadata of the config's fields.

A field that acts only under some choices says so with one entry, e.g.
`_number(0.01, gt=0.0, applies_when=When("constraint.name", "weight_clipping"))` or, for
settings that depend on the kind of data, `applies_when=OnData(*IMAGE_DATA)`; `wgan.config`
refuses such a setting wherever it is given where it has no effect, naming the choice.
"""
from __future__ import annotations

from typing import Any


def value_at(config: Any, key: str) -> Any:
    """config's value at 'section.key'."""
    node: Any = config
    for part in key.split("."):
        node = getattr(node, part)
    return node


class When:
    """Where a setting acts: when the config's `key` ('section.key') is one of `values`. A field
    says it in its metadata, `applies_when` (one When, or a tuple of Whens that must all hold);
    a setting given where it has no effect is refused (`wgan.config.settings_without_effect`)."""

    def __init__(self, key: str, *values: Any) -> None:
        self.key, self.values = key, values

    def holds(self, config: Any) -> bool:
        return value_at(config, self.key) in self.values

    def choice(self, config: Any) -> str:
        """The choice in force, e.g. "constraint.name = 'weight_clipping'"."""
        return f"{self.key} = {value_at(config, self.key)!r}"

    def rule(self) -> str:
        """Where the setting acts, e.g. "only when constraint.name is 'gradient_penalty' or 'r1'"."""
        return f"only when {self.key} is {' or '.join(repr(v) for v in self.values)}"

    def fix(self) -> str:
        """What the user may do instead of removing the setting."""
        return f"change {self.key}"

    def __repr__(self) -> str:
        return f"When({self.key!r}, {', '.join(repr(v) for v in self.values)})"


DATA_KINDS = {"toy": "a toy distribution of points", "points": "a file of points", "digits": "digits",
              "mnist": "mnist", "faces": "faces", "folder": "a folder of images"}
IMAGE_DATA = ("digits", "mnist", "faces", "folder")


class OnData(When):
    """A setting that acts only on some kinds of data, as `wgan.data.data_kind` names them
    from `data.name`: toy, points, digits, mnist, faces, folder."""

    def __init__(self, *kinds: str) -> None:
        super().__init__("data.name", *kinds)

    @staticmethod
    def kind(config: Any) -> str:
        from .data import data_kind

        return data_kind(config.data.name)

    def holds(self, config: Any) -> bool:
        return self.kind(config) in self.values

    def choice(self, config: Any) -> str:
        return f"data.name = {config.data.name!r} ({DATA_KINDS[self.kind(config)]})"

    def rule(self) -> str:
        kinds = "images (digits, mnist, faces or a folder of images)" if self.values == IMAGE_DATA else \
            " or ".join(DATA_KINDS[k] for k in self.values)
        return f"only to {kinds}"

    def fix(self) -> str:
        return f"train on {' or '.join(DATA_KINDS[k] for k in self.values) if self.values != IMAGE_DATA else 'images'}"
