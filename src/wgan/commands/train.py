"""`wgan train`: train a generator and critic, writing a run directory.

Everything it says goes to stderr through `logging`, a line at a time: "run directory: DIR"
first, a line per evaluation while it trains, then where the figures and metrics are. After a
stop (Ctrl-C, SIGTERM), the last line says at which step it stopped and what the last
evaluation was; the exit status is then 128 + the signal (130 for SIGINT, 143 for SIGTERM).
"""
from __future__ import annotations

import argparse
import logging
import signal
from pathlib import Path

from ..config import CONSTRAINTS, F_DIVERGENCE_NAMES, OBJECTIVES
from ..errors import WganError
from ..formatting import significant

log = logging.getLogger(__name__)

# Shorthand flags: flag name -> the config key it sets.
SHORTHANDS = {"data": "data.name", "image_size": "data.image_size", "steps": "train.steps",
              "seed": "train.seed", "objective": "objective.name", "divergence": "objective.divergence",
              "constraint": "constraint.name"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a generator and critic; writes a run directory",
                       description="Train per a config (default recipe on 8 Gaussians when no "
                                   "arguments are given). Results go to runs/<name>/.")
    p.add_argument("--config", metavar="FILE_OR_PRESET",
                   help="a TOML config file or a preset name (see `wgan presets`)")
    p.add_argument("--data", metavar="NAME_OR_PATH",
                   help="eight_gaussians, twenty_five_gaussians, swiss_roll, digits, mnist, faces, "
                        "a folder of images, or a .npy, .csv, .txt, .tsv or .dat file of points")
    p.add_argument("--image-size", type=int, metavar="S",
                   help="image side in pixels (16, 32, 64 or 128 for DCGAN nets)")
    p.add_argument("--objective", choices=OBJECTIVES, metavar="NAME",
                   help=f"objective.name: {', '.join(OBJECTIVES)}")
    p.add_argument("--divergence", choices=F_DIVERGENCE_NAMES, metavar="NAME",
                   help=f"objective.divergence of an f-GAN (with --objective fgan): {', '.join(F_DIVERGENCE_NAMES)}")
    p.add_argument("--constraint", choices=CONSTRAINTS, metavar="NAME",
                   help=f"constraint.name: {', '.join(CONSTRAINTS)}")
    p.add_argument("--steps", type=int, metavar="N", help="generator iterations")
    p.add_argument("--seed", type=int, metavar="N",
                   help="train.seed: seed of the weights, data order and latent draws (default: the config's, 0 unless set)")
    p.add_argument("--out", type=_directory, metavar="DIR", help="run directory (default runs/<name>, or "
                   "runs/<name>-2, -3, ... when it is taken)")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override one config value, e.g. --set optim.lr_critic=1e-4 (repeatable)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the run directory: --out DIR, or without --out runs/<name> itself")
    p.add_argument("--resume", type=Path, metavar="DIR",
                   help="continue the run in DIR from its last checkpoint (with --steps to extend it; "
                        "--set may change train.device, train.threads, train.compile, "
                        "train.channels_last and eval.*)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _directory(text: str) -> Path:
    """--out DIR: a non-empty path."""
    if not text.strip():
        raise argparse.ArgumentTypeError("empty directory name; expected --out DIR, e.g. --out runs/mine")
    return Path(text)


def _free_run_dir(base: Path) -> Path:
    """runs/<name>, or runs/<name>-2, -3, ... when it is taken: never overwrite by default."""
    from ..runs import run_contents

    candidate, k = base, 1
    while candidate.exists() and run_contents(candidate):
        k += 1
        candidate = base.with_name(f"{base.name}-{k}")
    return candidate


def _default_run_dir(config, overwrite: bool = False) -> Path:
    """runs/<name> (or, unless `overwrite`, the first free runs/<name>-k), chosen once by rank 0
    under torchrun."""
    from .. import distributed

    base = Path("runs") / config.name
    if overwrite:
        return base
    process = distributed.from_environment()
    distributed.init(process, distributed.resolve_device(config.train.device, process))
    return distributed.broadcast(_free_run_dir(base) if process.is_main else None, process)


def _overrides(args: argparse.Namespace) -> list[str]:
    """--set values, then the shorthand flags as SECTION.KEY=VALUE."""
    overrides = list(args.set)
    for flag, key in SHORTHANDS.items():
        value = getattr(args, flag)
        if value is not None:
            overrides.append(f"{key}={_toml_string(value) if isinstance(value, str) else value}")
    return overrides


def run(args: argparse.Namespace) -> int:
    from ..config import load_config, resumed_config
    from ..runs import check_run_name, config_of_run
    from ..loop import train

    overrides = _overrides(args)
    if args.resume is not None:
        clashing = [f"--{n.replace('_', '-')}" for n in ("config", "out", *SHORTHANDS)
                    if n != "steps" and getattr(args, n) is not None]
        clashing += ["--overwrite"] if args.overwrite else []
        if clashing:
            raise WganError(f"{', '.join(clashing)} cannot be combined with --resume: a resumed run "
                            "keeps its experiment (--steps extends it; --set may change where and how it "
                            "runs and what it logs)")
        config = resumed_config(config_of_run(args.resume), overrides)
        run_dir = args.resume
    else:
        config = load_config("default" if args.config is None else args.config, overrides)
        check_run_name(config.name)  # one folder name, with or without --out
        run_dir = args.out if args.out is not None else _default_run_dir(config, args.overwrite)
    result = train(config, run_dir, overwrite=args.overwrite, resume=args.resume is not None,
                   progress=False if args.no_progress else None, settings_given=_keys(overrides))
    status = 128 + (result.signal or signal.SIGINT) if result.interrupted else 0
    if result.rank == 0:
        _log_summary(result, config)
    return status


def _keys(overrides: list[str]) -> list[str]:
    """The 'section.key' names that SECTION.KEY=VALUE overrides set."""
    from ..config import parse_override

    return [".".join(parse_override(text)[0]) for text in overrides]


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _log_summary(result, config) -> None:
    """After training: the notes of a run with nothing to train and its last evaluation, the
    figures and metrics; after a stop, last, where it stopped and how to go on."""
    from ..callbacks.live import describe_evaluation

    f, run_dir = result.final, result.run_dir
    if result.notes:  # nothing was trained: nothing has been said yet
        for note in result.notes:
            log.info("%s", note)
        log.info("run directory: %s", run_dir)
        if f:
            log.info("step %s (%s s): %s", f["step"], significant(f["wall_s"]), describe_evaluation(f))
    figures = [run_dir / "figures" / name for name in ("landscape.png", "samples.png", "curves.png")]
    if config.eval.figures:
        log.info("figures: %s", ", ".join(str(f) for f in figures if f.exists()))
    log.info("metrics: %s", run_dir / "metrics.jsonl")
    if result.interrupted:
        name = signal.Signals(result.signal or signal.SIGINT).name
        last = (f"the last evaluation, at step {f['step']}: {describe_evaluation(f)}" if f
                else "no evaluation yet")
        log.info("stopped at step %s by %s, checkpoint written; %s. Continue with: wgan train --resume %s",
                 result.step, name, last, run_dir)
