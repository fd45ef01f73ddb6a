"""Quality per wall-clock second on the 2-D toy data sets, on this CPU.

Trains each recipe from `configs/` with its own step budget and prints one table:
data set, recipe, wall time, generator iterations/s, exact W1 (n = 2000) against the
real-vs-real floor, modes captured and high-quality share. The reference WGAN-GP
`gan_toy.py` recipe runs in the same benchmark run for 300 steps (about a minute, four times
the default recipe's wall time), as the baseline; the time-to-quality benchmark gives it the
default's wall time exactly. Results: bench-results/toy.{json,md}.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import torch

from wgan.config import load_config
from wgan.loop import train

from . import results

# (data set, preset, generator steps); threads = 1 everywhere: a second torch thread
# collapses whenever anything else runs on a 2-core machine.
RUNS = [
    ("eight_gaussians", "default", None),
    ("eight_gaussians", "wgan-gp-toy", 300),
    ("twenty_five_gaussians", "toy-25gaussians", None),
    ("swiss_roll", "toy-swissroll", None),
]
GOALS = {
    "eight_gaussians": "<= 60 s, 8/8 modes, >= 90% HQ, W1 <= 1.5 x floor",
    "twenty_five_gaussians": "<= 300 s, 25/25 modes, >= 90% HQ",
    "swiss_roll": "<= 300 s, W1 <= 1.5 x floor",
}


def run_one(data: str, preset: str, steps: int | None, root: Path) -> dict:
    overrides = [f"data.name='{data}'", "train.threads=1", "eval.loggers=['jsonl']", "eval.figures=false"]
    if steps is not None:
        overrides += [f"train.steps={steps}", f"eval.every={steps}"]
    config = load_config(preset, overrides)
    result = train(config, root / f"{data}-{preset}", progress=False)
    f = result.final
    return {
        "data": data, "recipe": preset, "steps": result.step, "wall_s": f["wall_s"],
        "it_per_s": result.step / f["wall_s"], "w1": f["w1"], "w1_floor": f["w1_floor"],
        "w1_over_floor": f["w1"] / f["w1_floor"], "modes": f.get("modes"),
        "modes_total": f.get("modes_total"), "high_quality": f.get("high_quality"),
        "w1_mean": f.get("w1_mean"), "w1_std": f.get("w1_std"), "w1_floor_mean": f.get("w1_floor_mean"),
        "w1_floor_std": f.get("w1_floor_std"), "high_quality_mean": f.get("high_quality_mean"),
        "high_quality_std": f.get("high_quality_std"),
    }


NAMES = {"eight_gaussians": "8 Gaussians", "twenty_five_gaussians": "25 Gaussians", "swiss_roll": "Swiss roll"}


def _pm(row: dict, key: str, fmt: str) -> str:
    """The final evaluation's mean +- sd over its draws where it made several, else its one value."""
    scale = 100 if key == "high_quality" else 1
    unit = "%" if key == "high_quality" else ""
    if row.get(key) is None:
        return "-"
    if row.get(f"{key}_mean") is not None and row.get(f"{key}_std") is not None:
        return f"{scale * row[key + '_mean']:{fmt}}{unit} +- {scale * row[key + '_std']:{fmt}}{unit}"
    return f"{scale * row[key]:{fmt}}{unit}"


def table(rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    """The docs table: one row per recipe."""
    header = ["data set", "recipe", "steps", "wall", "W1 (n = 2000)", "floor", "modes", "high-quality"]
    body = [[NAMES.get(r["data"], r["data"]), f"`{r['recipe']}`" + (" (reference)" if r["recipe"] == "wgan-gp-toy" else ""),
             f"{r['steps']:,}", f"{r['wall_s']:.1f} s" if r["wall_s"] < 100 else f"{r['wall_s']:.0f} s",
             _pm(r, "w1", ".3f"), _pm(r, "w1_floor", ".3f"),
             f"{r['modes']}/{r['modes_total']}" if r["modes"] is not None else "-", _pm(r, "high_quality", ".1f")]
            for r in rows]
    return header, body


def format_table(rows: list[dict]) -> str:
    header = (f"{'data set':22s} {'recipe':16s} {'steps':>6s} {'wall s':>7s} {'it/s':>6s} "
              f"{'W1':>7s} {'floor':>7s} {'W1/fl':>6s} {'modes':>6s} {'HQ %':>6s}")
    lines = [header, "-" * len(header)]
    for r in rows:
        modes = f"{r['modes']}/{r['modes_total']}" if r["modes"] is not None else "-"
        hq = f"{100 * r['high_quality']:.1f}" if r["high_quality"] is not None else "-"
        lines.append(f"{r['data']:22s} {r['recipe']:16s} {r['steps']:6d} {r['wall_s']:7.1f} "
                     f"{r['it_per_s']:6.1f} {r['w1']:7.4f} {r['w1_floor']:7.4f} "
                     f"{r['w1_over_floor']:6.2f} {modes:>6s} {hq:>6s}")
    lines.append("")
    lines += [f"goal, {data}: {goal}" for data, goal in GOALS.items()]
    return "\n".join(lines)


def main() -> list[dict]:
    torch.set_num_threads(1)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for data, preset, steps in RUNS:
            rows.append(run_one(data, preset, steps, Path(tmp)))
            print(format_table(rows).splitlines()[-len(GOALS) - 2], flush=True)
    print("\nToy data: quality per wall-clock second (1 torch thread)\n")
    print(format_table(rows))
    results.write("toy", rows, *table(rows), notes=["One run each, one torch thread; W1 and high-quality as "
                                                    "mean +- sd over the final evaluation's draws where it made several."])
    return rows
