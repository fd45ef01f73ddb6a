"""`python -m benchmarks [NAME ...] [-- OPTIONS]`: run the named benchmarks (all when none is
named). Options after the names go to a single named benchmark, e.g.
`python -m benchmarks images --budget 300`."""
from __future__ import annotations

import argparse
import sys

from . import (conditional_bench, data_bench, data_efficiency, ddp_bench, evaluation_bench, image_bench,
               inception_bench, objectives_bench, points_bench, speed_bench, startup, time_to_quality,
               toy_quality, transport_bench)

BENCHMARKS = {
    "toy": toy_quality.main,
    "transport": transport_bench.main,
    "objectives": objectives_bench.main,
    "images": image_bench.main,
    "conditional": conditional_bench.main,
    "data-efficiency": data_efficiency.main,
    "evaluation": evaluation_bench.main,
    "speed": speed_bench.main,
    "ddp": ddp_bench.main,
    "time-to-quality": time_to_quality.main,
    "data": data_bench.main,
    "points": points_bench.main,
    "startup": startup.main,
    "inception": inception_bench.main,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(BENCHMARKS)}")
    args, rest = parser.parse_known_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}")
    if rest and len(args.names) != 1:
        parser.error("options can only be given to a single named benchmark")
    for name in args.names or BENCHMARKS:
        BENCHMARKS[name](rest) if rest else BENCHMARKS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
