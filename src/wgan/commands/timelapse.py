"""`wgan timelapse RUN`: the run's per-evaluation sample grids as one animated GIF."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import WganError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("timelapse", help="a GIF of a run's sample grids over training",
                       description="Join the figures a run drew at each evaluation (figures/samples_stepNNNNNN.png; "
                                   "the critic's landscape for point data) into one looping GIF, in step order.")
    p.add_argument("run", type=Path, metavar="RUN", help="run directory")
    p.add_argument("--out", type=Path, metavar="FILE.gif", help="where the GIF goes (default RUN/timelapse.gif)")
    p.add_argument("--ms", type=int, default=400, metavar="MS", help="how long each frame shows, in ms (default 400)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..animation import timelapse
    from ..outputs import make_folder

    out = args.out or args.run / "timelapse.gif"
    if out.suffix.lower() != ".gif":
        raise WganError(f"--out {out}: expected a .gif file name")
    if not 10 <= args.ms <= 60000:
        raise WganError(f"--ms {args.ms}: must be between 10 and 60000")
    if not args.run.is_dir():
        raise WganError(f"run directory {args.run} does not exist")
    make_folder(out.parent)
    path, frames = timelapse(args.run, out, args.ms)
    print(f"wrote {path} ({frames} frames, one per evaluation)")
    return 0
