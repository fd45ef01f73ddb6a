"""The `wgan` command line. Each command lives in `wgan.commands.<name>` with an
`add_parser(subparsers)` that registers it.

Errors in the user's input print one line, `wgan: error: ...`, and exit with status 2.
"""
from __future__ import annotations

import argparse
import sys

from .commands import demo, divergences, emd, evaluate, explore, presets, sample, train
from .errors import WganError

COMMANDS = [train, sample, explore, evaluate, emd, divergences, demo, presets]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wgan", description="Train and study Wasserstein GANs.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def _format_warning(message, category, filename, lineno, line=None) -> str:
    return f"wgan: warning: {message}\n"


def main(argv: list[str] | None = None) -> int:
    import warnings

    warnings.formatwarning = _format_warning
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except WganError as exc:
        print(f"wgan: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("wgan: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
