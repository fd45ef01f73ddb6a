"""`wgan divergences`: TV, KL, JS and W for the parallel segments of Arjovsky et al. 2017, Example 1."""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from ..errors import WganError
from ..outputs import make_folder


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "divergences", help="TV, KL, JS and W between two parallel segments, as theta varies",
        description="P = (0, U[0,1]) and Q_theta = (theta, U[0,1]) (Arjovsky et al. 2017, Example 1): "
                    "prints TV(P, Q), KL(P || Q), JS(P, Q) and W1(P, Q) for theta on a grid, computed "
                    "numerically on segments of --resolution equal masses. TV, KL and JS jump as soon "
                    "as theta != 0; W = |theta|.")
    p.add_argument("--theta-min", default="-1", metavar="T", help="first theta (default -1)")
    p.add_argument("--theta-max", default="1", metavar="T", help="last theta (default 1)")
    p.add_argument("--num", default="21", metavar="N", help="number of thetas, evenly spaced (default 21)")
    p.add_argument("--resolution", default="50", metavar="K",
                   help="masses per segment in the discretisation (default 50)")
    p.add_argument("--plot", type=Path, metavar="FILE.png", help="draw the four curves")
    p.add_argument("--json", action="store_true",
                   help='print {"theta": [...], "tv": [...], "kl": [...], "js": [...], "w": [...]} '
                        "(KL's infinity as null)")
    p.set_defaults(func=run)


def _float(text: str, option: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise WganError(f"{option} {text!r}: expected a number") from None
    if not math.isfinite(value):
        raise WganError(f"{option} {text}: expected a finite number")
    return value


def _int(text: str, option: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise WganError(f"{option} {text!r}: expected a whole number") from None
    if not low <= value <= high:
        raise WganError(f"{option} {value}: must be between {low} and {high}")
    return value


def theta_grid(theta_min: float, theta_max: float, num: int) -> np.ndarray:
    """num evenly spaced thetas; a value within rounding of 0 is set to exactly 0."""
    thetas = np.linspace(theta_min, theta_max, num)
    span = max(abs(theta_min), abs(theta_max), 1e-300)
    thetas[np.abs(thetas) < 1e-9 * span] = 0.0
    return thetas


def format_table(table: dict[str, np.ndarray]) -> str:
    header = f"{'theta':>9} {'TV':>7} {'KL(P||Q)':>9} {'JS':>7} {'W':>9}"
    lines = [header, "-" * len(header)]
    for t, tv, kl, js, w in zip(table["theta"], table["tv"], table["kl"], table["js"], table["w"]):
        lines.append(f"{t:9.4g} {tv:7.4f} {'inf' if np.isinf(kl) else f'{kl:.4f}':>9} {js:7.4f} {w:9.4f}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ..divergences import parallel_lines

    theta_min, theta_max = _float(args.theta_min, "--theta-min"), _float(args.theta_max, "--theta-max")
    num = _int(args.num, "--num", 1, 100_000)
    resolution = _int(args.resolution, "--resolution", 1, 2000)
    if theta_min > theta_max or (theta_min == theta_max and num > 1):
        raise WganError(f"--theta-min {args.theta_min} must be below --theta-max {args.theta_max}"
                        + (" (or use --num 1)" if theta_min == theta_max else ""))
    if args.plot is not None and args.plot.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise WganError(f"--plot {args.plot}: expected a .png, .pdf or .svg file name")
    if args.plot is not None:
        make_folder(args.plot.parent)  # a missing folder is made, as by every command
    table = parallel_lines(theta_grid(theta_min, theta_max, num), resolution)
    if args.json:
        print(json.dumps({k: [None if np.isinf(x) else float(x) for x in v] for k, v in table.items()}))
    else:
        print("P = (0, U[0,1]), Q_theta = (theta, U[0,1]) (Arjovsky et al. 2017, Example 1); "
              f"{resolution} masses per segment, logs in nats")
        print(format_table(table))
    if args.plot is not None:
        from ..plots import plot_divergences

        plot_divergences(table, args.plot)
        if not args.json:
            print(f"plot: {args.plot}")
    return 0
