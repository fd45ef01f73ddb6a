"""The `wgan` command line. Each command lives in `wgan.commands.<name>` with an
`add_parser(subparsers)` that registers it.

Errors in the user's input print one line, `wgan: error: ...`, and exit with status 2.
Output into a pipe that its reader closed (`wgan emd ... | head -1`) ends quietly with
status 141 (128 + SIGPIPE), as a program killed by SIGPIPE would.
"""
from __future__ import annotations

import argparse
import os
import sys

from .commands import demo, divergences, emd, evaluate, explore, presets, sample, train
from .errors import WganError

COMMANDS = [train, sample, explore, evaluate, emd, divergences, demo, presets]

# The status a shell reports for a program that SIGPIPE killed (128 + 13). Python ignores
# SIGPIPE and raises BrokenPipeError instead; main() turns that into this status.
EXIT_BROKEN_PIPE = 128 + 13


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wgan", description="Train and study Wasserstein GANs.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def _format_warning(message, category, filename, lineno, line=None) -> str:
    return f"wgan: warning: {message}\n"


def main(argv: list[str] | None = None) -> int:
    """Parse argv, run the command; returns the exit status (0, 2, 130 or EXIT_BROKEN_PIPE)."""
    import warnings

    warnings.formatwarning = _format_warning
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit:
            sys.stdout.flush()  # --help into a closed pipe
            raise
        status = _run(args)
        # Output still in the buffer meets a closed pipe here, inside the try, and not in
        # the interpreter's final flush ("Exception ignored ... BrokenPipeError", status 120).
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE


def _run(args: argparse.Namespace) -> int:
    try:
        return args.func(args)
    except WganError as exc:
        print(f"wgan: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("wgan: interrupted", file=sys.stderr)
        return 130


def _discard_stdout() -> None:
    """Point file descriptor 1 at os.devnull, so that the interpreter's final flush of what
    is left in sys.stdout's buffer goes nowhere instead of raising BrokenPipeError again."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # a replaced sys.stdout (tests, notebooks)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
