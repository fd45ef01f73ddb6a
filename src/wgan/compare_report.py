"""The files of `wgan compare`: compare.md, compare.csv, compare.png and compare.html (the
tables and the figure inlined as a base64 PNG, so that the page opens offline)."""
from __future__ import annotations

import base64
import csv
import html
from pathlib import Path
from typing import Sequence

from . import outputs
from .compare import Group, RunSummary, csv_rows, group_table, markdown_table, paired_tests, run_table

NOTES = ("final W1: exact W1 at the last evaluation (mean over its draws where the final evaluation made "
         "several); best W1: the lowest of any evaluation; floor: the real-vs-real W1 of held-out data at the "
         "same sample size (a generator at the floor is as close as two real draws are); '-': not measured, or "
         "a setting that does not act in that run.")
GROUP_NOTES = "mean ± sample standard deviation (ddof = 1) over the runs of each group."


def _curves(runs: Sequence[RunSummary], groups: Sequence[Group]):
    """(label, colour index, records) per run: one colour per group, or per run without groups."""
    if groups:
        return [(legend_label(g.label), i, r.records) for i, g in enumerate(groups) for r in g.runs]
    return [(r.label, i, r.records) for i, r in enumerate(runs)]


def legend_label(group: str) -> str:
    """A group's name as the figure's legend shows it: the objective's and the constraint's
    names alone, joined by ' + ' ('objective=gan, constraint=r1' -> 'gan + r1'), other settings
    as they are ('gan + r1, optim.lr_critic=0.001')."""
    parts = group.split(", ")
    names = [p.split("=", 1)[1] for p in parts if p.split("=", 1)[0] in ("objective", "constraint") and "=" in p]
    rest = [p for p in parts if "=" not in p or p.split("=", 1)[0] not in ("objective", "constraint")]
    return ", ".join([" + ".join(names)] * bool(names) + rest)


def _sections(runs: Sequence[RunSummary], groups: Sequence[Group]):
    """The report's parts, in order: (heading, kind, content)."""
    parts = []
    if groups:  # the summary first: groups, their paired comparisons, then every run
        parts += [("Groups", "table", group_table(groups)), ("", "note", GROUP_NOTES)]
        tests = paired_tests(groups)
        parts.append(("Paired comparisons (final W1)", "list",
                      [t.sentence() for t in tests] or ["no two groups share a seed (or matched run): no pairs"]))
    return parts + [("Runs", "table", run_table(runs)), ("", "note", NOTES)]


def write_report(runs: Sequence[RunSummary], groups: Sequence[Group], out: Path) -> list[Path]:
    """Write out/compare.{md,csv,png,html}; returns their paths."""
    from .plots import plot_compare

    out = Path(out)
    outputs.make_folder(out)
    png = plot_compare(_curves(runs, groups), out / "compare.png",
                       title=f"{len(runs)} runs" + (f" in {len(groups)} groups" if groups else ""))
    sections = _sections(runs, groups)
    md = ["# Comparison of runs", ""]
    for heading, kind, content in sections:
        if heading:
            md += [f"## {heading}", ""]
        if kind == "table":
            md += [markdown_table(*content), ""]
        elif kind == "note":
            md += [content, ""]
        else:
            md += [f"- {line}" for line in content] + [""]
    md += ["![curves](compare.png)", ""]
    outputs.write_text(out / "compare.md", "\n".join(md))
    header, rows = csv_rows(runs)
    with outputs.atomic(out / "compare.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    outputs.write_text(out / "compare.html", _html(sections, png.read_bytes(), runs))
    return [out / "compare.md", out / "compare.csv", png, out / "compare.html"]


STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 1.2em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.4em; }
table { border-collapse: collapse; font-size: 0.78em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.45em; text-align: right; white-space: nowrap; }
th { background: #f0f0f0; white-space: normal; vertical-align: bottom; min-width: 3.5em; }
td:first-child, th:first-child { text-align: left; }
tr:nth-child(even) td { background: #fafafa; }
.scroll { overflow-x: auto; max-width: 100%; }
p.note, details.note { font-size: 0.85em; color: #555; max-width: 60em; }
summary { cursor: pointer; }
ul { font-size: 0.85em; max-width: 70em; padding-left: 1.4em; }
li { margin: 0.15em 0; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
"""


def _html(sections, png: bytes, runs: Sequence[RunSummary]) -> str:
    where, names = _where(runs)
    body = ["<h1>Comparison of runs</h1>", f"<details class='note'><summary>{html.escape(where)}</summary>"
            f"{html.escape(names)}</details>"]
    for heading, kind, content in sections:
        if heading:
            body.append(f"<h2>{html.escape(heading)}</h2>")
        if kind == "table":
            header, rows = content
            body.append("<div class='scroll'><table><thead><tr>"
                        + "".join(f"<th>{_breakable(h)}</th>" for h in header) + "</tr></thead><tbody>"
                        + "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                                  for row in rows)
                        + "</tbody></table></div>")
        elif kind == "note":
            body.append(f"<p class='note'>{html.escape(content)}</p>")
        else:
            body.append("<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in content) + "</ul>")
    data = base64.b64encode(png).decode("ascii")
    body += ["<h2>Curves</h2>", f"<img alt='W1 and critic curves of the runs' src='data:image/png;base64,{data}'>"]
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>wgan compare</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def _where(runs: Sequence[RunSummary]) -> tuple[str, str]:
    """('N runs in FOLDER', 'a, b, c') where the runs share a folder, else ('N runs', their paths):
    the page shows the first and unfolds the second on a click."""
    parents = {r.path.parent for r in runs}
    count = f"{len(runs)} run{'s' * (len(runs) > 1)}"
    if len(parents) == 1:
        return f"{count} in {parents.pop()}", ", ".join(r.path.name for r in runs)
    return count, ", ".join(str(r.path) for r in runs)


def _breakable(heading: str) -> str:
    """A heading that may wrap after '.' and '_' (constraint.penalty_weight), escaped."""
    return html.escape(heading).replace(".", ".<wbr>").replace("_", "_<wbr>")
