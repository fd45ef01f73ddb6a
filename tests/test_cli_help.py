"""Every command's options say what they do and what they default to.

The rule, checked on every parser `wgan.cli.build_parser()` builds (commands and the demos
below `wgan demo`):
- each command and each argument (positional or option) has help text, unless it is hidden
  (argparse.SUPPRESS);
- an option that takes a value and has a default other than None, SUPPRESS or an empty list
  states it: its help (with any %(default)s filled in) contains the word "default" and the
  value as `wgan COMMAND --help` readers would type it (a list as its items separated by
  spaces, a path as its text), not as part of a longer word or number. Flags (options that
  take no value: --json, --overwrite, --no-progress) default to being absent and are exempt.
  A None default means "not given"; its help says what happens then where that matters.
"""
import argparse
import re

import pytest

from wgan.cli import COMMANDS, build_parser


def _parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ("wgan",)):
    """(command path, parser) for `parser` and every parser below it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _parsers(child, path + (name,))


def _commands_without_help(parser: argparse.ArgumentParser) -> list[str]:
    missing = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            described = {choice.dest for choice in action._get_subactions() if choice.help}
            missing += [name for name in action.choices if name not in described]
    return missing


def _rendered(value) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return str(value)


def _problems(parser: argparse.ArgumentParser) -> list[str]:
    problems = [f"command {name!r} has no help" for name in _commands_without_help(parser)]
    for action in parser._actions:
        name = "/".join(action.option_strings) or action.dest
        if action.help == argparse.SUPPRESS:
            continue
        if not (action.help or "").strip():
            problems.append(f"{name} has no help text")
            continue
        help_text = action.help % {**vars(action), "prog": parser.prog}
        default = action.default
        takes_value = action.nargs != 0
        if (not action.option_strings or not takes_value or default is None or default == argparse.SUPPRESS
                or (isinstance(default, (list, tuple)) and not default)):
            continue
        value = _rendered(default)
        stated = re.search(r"(?<![\w.-])" + re.escape(value) + r"(?![\w-]|\.\d)", help_text)
        if "default" not in help_text or not stated:
            problems.append(f"{name}: default {value!r} not stated in its help {help_text!r}")
    return problems


ALL = list(_parsers(build_parser()))


@pytest.mark.parametrize("path, parser", ALL, ids=[" ".join(path) for path, _ in ALL])
def test_every_argument_has_help_and_states_its_default(path, parser):
    assert _problems(parser) == []


def test_the_walk_reaches_every_command_and_demo():
    names = {" ".join(path) for path, _ in ALL}
    assert {"wgan train", "wgan sample", "wgan compare", "wgan demo vanishing-gradients",
            "wgan demo biased-gradients"} <= names and len(names) == 1 + len(COMMANDS) + 2


def test_the_rule_catches_a_missing_help_and_an_unstated_default():
    parser = argparse.ArgumentParser(prog="x")
    parser.add_argument("--a", type=int, default=3, help="a number")
    parser.add_argument("--b")
    parser.add_argument("--c", type=int, default=1, help="c (default -1)")
    parser.add_argument("--d", type=int, default=5, help="d (default %(default)s)")
    parser.add_argument("--e", nargs="+", type=int, default=[1, 2], help="e (default: 1 2)")
    parser.add_argument("--flag", action="store_true")
    assert _problems(parser) == [
        "--a: default '3' not stated in its help 'a number'",
        "--b has no help text",
        "--c: default '1' not stated in its help 'c (default -1)'",
        "--flag has no help text",
    ]
