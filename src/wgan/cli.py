"""The `wgan` command line. Each command lives in `wgan.commands.<name>` with an
`add_parser(subparsers)` that registers it.

Errors in the user's input print one line, `wgan: error: ...`, and exit with status 2.
Output into a pipe that its reader closed (`wgan emd ... | head -1`) ends quietly with
status 141 (128 + SIGPIPE), as a program killed by SIGPIPE would.

What the library says goes through `logging` (loggers under "wgan"); the command line sends
it to stderr, a line at a time, flushed: INFO and up by default, WARNING and up with --quiet,
DEBUG with --verbose (before or after the command: `wgan --quiet train`, `wgan train -q`).
A command's results (tables, JSON) go to stdout.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys

from .commands import compare, demo, divergences, emd, evaluate, explore, presets, sample, score, timelapse, train
from .errors import WganError

COMMANDS = [train, sample, explore, evaluate, score, compare, timelapse, emd, divergences, demo, presets]

# The status a shell reports for a program that SIGPIPE killed (128 + 13). Python ignores
# SIGPIPE and raises BrokenPipeError instead; main() turns that into this status.
EXIT_BROKEN_PIPE = 128 + 13


log = logging.getLogger("wgan")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wgan", description="Train and study Wasserstein GANs.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}",
                        help="print wgan's version and exit")
    _add_verbosity(parser, default=0)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                help="what to do (`wgan COMMAND --help` lists its options)")
    for command in COMMANDS:
        command.add_parser(sub)
    for subparser in sub.choices.values():
        _add_verbosity(subparser, default=argparse.SUPPRESS)  # SUPPRESS: keeps a value given before the command
    parser.set_defaults(commands=sub.choices)
    return parser


def parse_args(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """argv parsed; an option the command does not know is reported with that command's usage
    (`wgan train --bogus`: `usage: wgan train ...`), not the top level's."""
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        args.commands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("wgan")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _add_verbosity(parser: argparse.ArgumentParser, default) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=-1, default=default,
                       help="only warnings and errors on stderr (no run directory, evaluation or summary lines)")
    group.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=1, default=default,
                       help="also debugging messages on stderr")


class StderrHandler(logging.Handler):
    """Each record on one line of the current sys.stderr, flushed; warnings and errors as
    `wgan: warning: ...` / `wgan: error: ...`. Written around a progress bar on a terminal,
    not through it (tqdm.external_write_mode)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = self.format(record)
            if record.levelno >= logging.WARNING:
                message = f"wgan: {'error' if record.levelno >= logging.ERROR else 'warning'}: {message}"
            from tqdm import tqdm

            with tqdm.external_write_mode(file=sys.stderr):
                sys.stderr.write(message + "\n")
                sys.stderr.flush()
        except Exception:  # noqa: BLE001 - logging's own convention
            self.handleError(record)


def setup_logging(verbosity: int) -> None:
    """Send the "wgan" loggers' messages to stderr (one handler, however often main runs) at
    WARNING (-1, --quiet), INFO (0) or DEBUG (1, --verbose)."""
    if not any(isinstance(h, StderrHandler) for h in log.handlers):
        log.addHandler(StderrHandler())
    log.setLevel({-1: logging.WARNING, 0: logging.INFO, 1: logging.DEBUG}[verbosity])


def _format_warning(message, category, filename, lineno, line=None) -> str:
    return f"wgan: warning: {message}\n"


def main(argv: list[str] | None = None) -> int:
    """Parse argv, run the command; returns the exit status (0, 2, 130 or EXIT_BROKEN_PIPE)."""
    import warnings

    warnings.formatwarning = _format_warning
    try:
        try:
            args = parse_args(build_parser(), argv)
        except SystemExit:
            sys.stdout.flush()  # --help into a closed pipe
            raise
        setup_logging(args.verbosity)
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
        log.error("%s", exc.cli or exc)  # the command line's words: flags, not Python arguments
        return 2
    except OSError as exc:  # a write that no writer of wgan.outputs wrapped (a logger's own files)
        from .outputs import WRITE_ERRNOS, describe

        if exc.errno not in WRITE_ERRNOS or isinstance(exc, BrokenPipeError):
            raise
        log.error("%s", describe(exc.filename or "a file", exc))
        return 2
    except KeyboardInterrupt:
        log.error("interrupted")
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
