"""`wgan presets`: list the shipped recipes."""
from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("presets", help="list the shipped recipes (use one with --config NAME)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..config import preset_names, read_toml

    for name in preset_names():
        data = read_toml(name)
        print(f"{name:28s} {data.get('description', '')}")
    return 0
