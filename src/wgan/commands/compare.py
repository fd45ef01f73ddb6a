"""`wgan compare`: several runs side by side; writes compare.md, .csv, .png and a self-contained .html."""
from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="compare runs: one table, overlaid curves, seeds as mean +- sd",
                       description="Compare run directories: final and best exact W1 against the real-vs-real "
                                   "floor, modes and high-quality samples, the numbers of each run's "
                                   "evaluation.json, steps, wall time and steps/s, with the settings that "
                                   "differ between the runs as columns; the runs' W1 and critic curves "
                                   "overlaid against steps and wall-clock time. Runs that differ only in "
                                   "train.seed are grouped as mean +- sd, and groups are compared on the "
                                   "runs they share a seed with (a sign test). Writes compare.md, "
                                   "compare.csv, compare.png and compare.html (figure inlined: it opens "
                                   "offline) into --out.")
    p.add_argument("runs", nargs="+", type=Path, metavar="RUN", help="run directories (at least one)")
    p.add_argument("--by", default=None, metavar="objective|constraint|seed|KEY",
                   help="group the runs: 'seed' groups runs that differ only in train.seed (an error when "
                        "none do); 'objective', 'constraint' or a config key such as optim.lr_critic group "
                        "by that setting's value, pairing runs that agree on every other setting "
                        "(default: seed groups where some runs differ only in their seed, else none)")
    p.add_argument("--out", type=Path, default=Path("compare"), metavar="DIR",
                   help="folder for compare.md, .csv, .png and .html (default ./compare)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..compare import group_runs, read_runs
    from ..compare_report import write_report
    from ..errors import WganError

    if args.out.exists() and not args.out.is_dir():
        raise WganError(f"--out {args.out}: exists and is not a folder; name a folder for compare.md, .csv, "
                        ".png and .html")
    runs = read_runs(args.runs)
    groups = group_runs(runs, args.by)
    written = write_report(runs, groups, args.out)
    print((args.out / "compare.md").read_text(encoding="utf-8"))
    for path in written:
        print(f"wrote {path}")
    return 0
