"""The documentation follows the code: the generated reference pages are current, every config
key has a description, every option is in the CLI page, and the README stays short and true."""
from __future__ import annotations

import dataclasses
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _gen():
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _parsers():
    from wgan.cli import build_parser

    parser = build_parser()
    return parser, parser.get_default("commands")


def test_generated_reference_pages_are_current():
    for rel, text in _gen().pages().items():
        committed = (ROOT / rel).read_text()
        assert committed == text, f"{rel} is not current: run python scripts/gen_docs.py and commit it"


def _config_classes():
    from wgan.config import Config

    return [Config] + [f.default_factory for f in dataclasses.fields(Config)
                       if f.default_factory is not dataclasses.MISSING and dataclasses.is_dataclass(f.default_factory)]


def test_every_config_key_has_a_description():
    """The rule: every field of a config dataclass has a comment, on the lines right above it or at
    the end of its line; that comment is the key's meaning in docs/reference/config.md."""
    gen = _gen()
    missing = [f"{cls.__name__}.{f.name}" for cls in _config_classes() for f in dataclasses.fields(cls)
               if not _is_section(f) and not gen.key_description(cls, f)]
    assert not missing, f"config keys without a description (a comment above the field): {missing}"
    assert all(cls.__doc__ for cls in _config_classes())


def _is_section(field) -> bool:
    return field.default_factory is not dataclasses.MISSING and dataclasses.is_dataclass(field.default_factory)


@dataclasses.dataclass
class _Example:
    """A class with one documented key above, one at the end of its line and one without."""
    # what a is
    # (two lines)
    a: int = 1
    b: int = 2  # what b is
    c: int = 3


def test_the_description_rule_finds_comments_and_misses():
    gen = _gen()
    fields = {f.name: f for f in dataclasses.fields(_Example)}
    assert gen.key_description(_Example, fields["a"]) == "what a is (two lines)"
    assert gen.key_description(_Example, fields["b"]) == "what b is"
    assert gen.key_description(_Example, fields["c"]) == ""


def test_cli_page_lists_every_option_of_every_command():
    text = (ROOT / "docs/reference/cli.md").read_text()
    _, commands = _parsers()
    for name, sub in commands.items():
        assert f"## `wgan {name}`" in text
        section = text.split(f"## `wgan {name}`", 1)[1]
        for option in set(re.findall(r"(?<![\w-])(--[a-z][\w-]*)", sub.format_help())) - {"--help"}:
            assert f"`{option}`" in section, f"wgan {name} {option} is missing from docs/reference/cli.md"


def test_config_page_lists_every_key_with_its_default():
    from wgan.config import Config

    text = (ROOT / "docs/reference/config.md").read_text()
    defaults = Config()
    for cls in _config_classes()[1:]:
        section = next(f.name for f in dataclasses.fields(Config) if f.default_factory is cls)
        for f in dataclasses.fields(cls):
            row = next(line for line in text.splitlines() if line.startswith(f"| `{section}.{f.name}` |"))
            if f.default is not dataclasses.MISSING and isinstance(f.default, (int, float)) \
                    and not isinstance(f.default, bool):
                assert f"`{getattr(getattr(defaults, section), f.name)!r}`" in row


def test_readme_fits_on_a_screen_and_its_links_exist():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.encode()) <= 10 * 1024
    links = re.findall(r"\]\(([^)#]+)\)", readme)
    assert links
    for link in links:
        assert (ROOT / link).exists(), f"README links to {link}, which does not exist"


def test_mkdocs_nav_pages_exist():
    nav = re.findall(r":\s*(\S+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), flags=re.M)
    assert len(nav) >= 15
    for page in nav:
        assert (ROOT / "docs" / page).exists(), page
    on_disk = {str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md")}
    assert on_disk == set(nav), f"pages outside the nav: {on_disk - set(nav)}"


@pytest.mark.parametrize("path", ["README.md", "docs/reference/command-line.md"])
def test_synopsis_options_exist(path):
    """Every option of the synopsis is an option of its command, and the synopsis shows
    sample/explore --class, evaluate --seed, divergences --resolution/--json and compare."""
    text = (ROOT / path).read_text()
    block = re.search(r"```\n(wgan train.*?)```", text, flags=re.S).group(1)
    parser, commands = _parsers()
    seen: dict[str, set[str]] = {}
    command = None
    for line in block.splitlines():
        match = re.match(r"wgan (\S+)", line)
        if match:
            command = match.group(1) if match.group(1) in commands else None
        options = set(re.findall(r"(?<![\w-])(--[a-z][\w-]*)", line))
        seen.setdefault(command, set()).update(options)
        helptext = commands[command].format_help() if command else parser.format_help()
        sub_help = "".join(a.format_help() for a in _subcommand_parsers(commands[command])) if command else ""
        known = set(re.findall(r"(?<![\w-])(--[a-z][\w-]*)", helptext + sub_help))
        for option in options:
            assert option in known, f"{path}: wgan {command} has no {option}"
    for command, option in [("sample", "--class"), ("explore", "--class"), ("evaluate", "--seed"),
                            ("divergences", "--resolution"), ("divergences", "--json")]:
        assert option in seen.get(command, ()), f"{path}: the synopsis lacks wgan {command} {option}"
    assert "compare" in seen


def _subcommand_parsers(parser):
    import argparse

    return [sub for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for sub in action.choices.values()]
