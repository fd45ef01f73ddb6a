"""A run's data: what it read (run_dir/data.json), checked again when the run is resumed or loaded.

    data.json   {"fingerprint": {...}, "standardization": {"mean": [...], "scale": [...]}}

written when a run starts (see `wgan.data.fingerprint`; "standardization" for a standardised
point file). `--resume`, `wgan evaluate`, `sample` and `explore` compare the data as it is now
with it and say in one line what changed; a change the run's networks cannot work with
(another shape of example, other classes for a conditional run) is refused. A run without
data.json (written before it existed) loads as it always did, unstandardised.
"""
from __future__ import annotations

import dataclasses
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Config
from .data import data_kind, load_data_of
from .data.fingerprint import data_changes, fingerprint
from .data.points import PointCloud
from .data.standardize import Standardization, standardized
from .errors import DataError, WganError

RECORD = "data.json"


def read_record(run_dir: Path) -> dict[str, Any] | None:
    """The run's data.json, or None for a run written before it existed."""
    path = Path(run_dir) / RECORD
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WganError(f"{path} cannot be read ({type(exc).__name__}); delete it to load the run without "
                        "checking its data") from None
    if not isinstance(record, dict) or not isinstance(record.get("fingerprint"), dict):
        raise WganError(f"{path} is not a wgan data record; delete it to load the run without checking its data")
    return record


def units_of_run(run_dir: Path) -> Standardization | None:
    """The standardisation a run's networks work in, or None (data units)."""
    record = read_record(run_dir)
    return Standardization.from_dict(record["standardization"]) if record and record.get("standardization") else None


@dataclass
class TrainingData:
    """data: in the networks' units; record: the run's data.json (written by a fresh run);
    notes: lines for the user (what changed since a resumed run started)."""
    data: Any
    record: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def files(self) -> dict[str, str]:
        """What a fresh run writes into its directory: {RECORD: the record as JSON}."""
        return {RECORD: json.dumps(self.record, indent=1) + "\n"} if self.record else {}


def training_data(config: Config, run_dir: Path, checkpoint: dict[str, Any] | None) -> TrainingData:
    """The data a run trains on, fresh or resumed from `checkpoint`. A fresh run standardises a
    point file (data.standardize) with its training split's mean and scale; a resumed run keeps
    the standardisation it started with and is refused when its data changed in a way its
    networks cannot follow."""
    check_image_size(config)
    raw = load_data_of(config)
    why = getattr(raw, "why_unlabelled", "")
    if why and config.model.conditional != "none":
        raise DataError(f"model.conditional = {config.model.conditional!r} needs labelled data, but {why}")
    now = fingerprint(raw, config.data.name)
    if checkpoint is None:
        record: dict[str, Any] = {"fingerprint": now}
        if isinstance(raw, PointCloud) and config.data.standardize:
            units = Standardization.fit(raw.train)
            record["standardization"] = units.to_dict()
            return TrainingData(standardized(raw, units), record)
        if isinstance(raw, PointCloud) and raw.summary:
            raw = dataclasses.replace(raw, summary=f"{raw.summary}; not standardised (data.standardize = false)")
        return TrainingData(raw, record)
    conditional = config.model.conditional != "none"
    record = read_record(run_dir)
    if record is None:  # a run from before data.json: as it always was, its classes checked
        saved = list(checkpoint.get("classes", []))
        if conditional and saved != now.get("classes", []):
            raise DataError(f"data: the run's classes were {', '.join(saved)}, the data's are now "
                            f"{', '.join(now.get('classes', [])) or 'none'}: {run_dir} cannot be resumed on the data "
                            "as it is now; restore the data as it was, or start a new run on it")
        return TrainingData(raw, {})
    notes = []
    line, fatal = data_changes(record["fingerprint"], now, conditional)
    if fatal:
        raise DataError(f"{line}: {run_dir} cannot be resumed on the data as it is now; restore the data as it "
                        "was, or start a new run on it")
    if line:
        notes.append(f"{line}; training goes on with the data as it is now")
    units = record.get("standardization")
    data = standardized(raw, Standardization.from_dict(units)) if units and isinstance(raw, PointCloud) else raw
    return TrainingData(data, record, notes)


def check_image_size(config: Config) -> None:
    """Refuse, before any picture is decoded, a data.image_size that the config's networks
    (dcgan: 16, 32, 64 or 128 pixels; resnet: 32, 64 or 128) cannot be built for."""
    model = config.model
    if data_kind(config.data.name) in ("toy", "points") or (model.generator and model.critic):
        return
    if model.kind == "dcgan":
        from .networks import _stages

        _stages(config.data.image_size)
    elif model.kind == "resnet":
        from .resnets import resnet_blocks

        resnet_blocks(config.data.image_size)


def data_of_run(run_dir: Path, config: Config, purpose: str = "evaluation") -> Any:
    """A run's data in the data's own units, for evaluating or drawing it: a warning (one line)
    when it differs from what the run read, a DataError where the run cannot be compared
    with it (another shape of example, other classes for a conditional run)."""
    raw = load_data_of(config)
    record = read_record(run_dir)
    if record is not None:
        line, fatal = data_changes(record["fingerprint"], fingerprint(raw, config.data.name),
                                   config.model.conditional != "none")
        if fatal:
            raise DataError(f"{line}: the {purpose} of {run_dir} needs the data it was trained on; "
                            "restore the data as it was")
        if line:
            warnings.warn(line, stacklevel=2)
    return raw
