"""Rewrite the tables of docs/benchmarks.md and README.md from bench-results/ (run at the end of
`make bench`).

Between the lines `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` goes bench-results/NAME.md, the table
a benchmark wrote through `benchmarks.results.write`. A marker without a result keeps what it
holds (the figures of an earlier run), with a note on stderr; running it twice changes nothing.

    python scripts/bench_tables.py [--doc PAGE ...] [--results bench-results] [--check]
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Markers stand on lines of their own (a marker quoted inside a sentence is text).
START = re.compile(r"^<!-- bench:([A-Za-z0-9_-]+) -->$", re.M)
END = re.compile(r"^<!-- /bench:([A-Za-z0-9_-]+) -->$", re.M)
DOCS = [ROOT / "docs" / "benchmarks.md", ROOT / "README.md"]
BLOCK = re.compile(r"^(<!-- bench:([A-Za-z0-9_-]+) -->\n)(.*?)^(<!-- /bench:\2 -->)$", re.S | re.M)


class MarkerError(ValueError):
    """A start marker without its end, or an end without its start."""


def check_markers(text: str) -> list[str]:
    """The marker names in order; MarkerError on an unpaired or repeated one."""
    starts = START.findall(text)
    ends = END.findall(text)
    for name in starts:
        if starts.count(name) > 1:
            raise MarkerError(f"bench:{name} is marked twice")
        if name not in ends:
            raise MarkerError(f"<!-- bench:{name} --> has no <!-- /bench:{name} --> after it")
    for name in ends:
        if name not in starts:
            raise MarkerError(f"<!-- /bench:{name} --> has no <!-- bench:{name} --> before it")
    if len(BLOCK.findall(text)) != len(starts):
        raise MarkerError("bench markers are nested or out of order")
    return starts


def rewrite(text: str, results: Path) -> tuple[str, list[str], list[str]]:
    """(new text, names replaced, names without a result, left as they were)."""
    check_markers(text)
    replaced, missing = [], []

    def one(match: re.Match) -> str:
        start, name, _, end = match.groups()
        md = results / f"{name}.md"
        if not md.is_file():
            missing.append(name)
            return match.group(0)
        replaced.append(name)
        return start + md.read_text(encoding="utf-8").strip("\n") + "\n" + end

    return BLOCK.sub(one, text), replaced, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench_tables.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--doc", type=Path, action="append",
                        help="a page to rewrite, repeatable (default docs/benchmarks.md and README.md)")
    parser.add_argument("--results", type=Path, default=ROOT / "bench-results",
                        help="where the benchmarks wrote NAME.md (default bench-results/)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when a page differs from what the results give")
    args = parser.parse_args(argv)
    status = 0
    for doc in args.doc or DOCS:
        status = max(status, one_page(doc, args.results, args.check))
    return status


def one_page(doc: Path, results: Path, check: bool) -> int:
    """Rewrite (or with check, compare) one page; the exit status."""
    try:
        text = doc.read_text(encoding="utf-8")
        new, replaced, missing = rewrite(text, results)
    except (OSError, MarkerError) as exc:
        print(f"bench_tables: error: {doc}: {exc}", file=sys.stderr)
        return 2
    for name in missing:
        print(f"bench_tables: note: no {results / (name + '.md')}: the bench:{name} table of {doc.name} is left "
              f"as it was (run `python -m benchmarks` for it)", file=sys.stderr)
    if check:
        if new != text:
            print(f"bench_tables: {doc} differs from {results}: run scripts/bench_tables.py", file=sys.stderr)
            return 1
        return 0
    if new != text:
        doc.write_text(new, encoding="utf-8")
    print(f"{doc}: {len(replaced)} table(s) from {results}"
          + (f" ({', '.join(replaced)})" if replaced else "") + f", {len(missing)} left as they were")
    return 0


if __name__ == "__main__":
    sys.exit(main())
