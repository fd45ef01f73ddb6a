"""Where benchmarks put their results: `bench-results/NAME.json` (the numbers, the table and
how they were made) and `bench-results/NAME.md` (the table as Markdown, what
`scripts/bench_tables.py` puts between the `<!-- bench:NAME -->` markers of docs/benchmarks.md).

    results.write("toy", rows, header=["data set", "W1"], rows=[["8 Gaussians", "0.064"]])

bench-results/ is not tracked: `make bench` regenerates it, then the tables.
"""
from __future__ import annotations

import json
import platform
import re
import sys
import time
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench-results"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table; '|' in a cell is escaped, newlines become spaces."""
    def line(cells: Sequence[Any]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"

    if any(len(r) != len(header) for r in rows):
        raise ValueError(f"every row needs {len(header)} cells (the header's)")
    return "\n".join([line(header), line(["---"] * len(header)), *[line(r) for r in rows]])


def write(name: str, data: Any, header: Sequence[str], rows: Sequence[Sequence[Any]],
          notes: Sequence[str] = (), out: Path | None = None) -> Path:
    """Write out/NAME.json and out/NAME.md (out: bench-results/ by default); returns the .md path.

    data: the benchmark's numbers (anything json can write); header, rows: its table, cells as
    they are to be read; notes: sentences printed under the table (what it was run with)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise ValueError(f"result name {name!r}: letters, digits, '-' and '_' only")
    out = Path(out) if out is not None else OUT
    out.mkdir(parents=True, exist_ok=True)
    table = markdown_table(header, rows)
    record = {"name": name, "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "command": " ".join(sys.argv), "python": platform.python_version(), "machine": platform.machine(),
              "data": data, "table": {"header": list(header), "rows": [[str(c) for c in r] for r in rows]},
              "notes": list(notes)}
    (out / f"{name}.json").write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    md = out / f"{name}.md"
    md.write_text(table + "\n" + "".join(f"\n{n}\n" for n in notes), encoding="utf-8")
    return md
