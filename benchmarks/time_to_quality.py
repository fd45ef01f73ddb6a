"""Time to quality on this CPU: start-up, the toy recipes to their goals, MNIST, exact W1.

One table, each row with its goal and, from the same run, its reference:

- start-up: `wgan train --steps 1` (default recipe; with figures and TensorBoard off, and
  with them) against `python -c "import torch"`; `wgan --help`, `wgan presets` and
  `wgan train --help` (the fastest of REPEATS fresh processes each);
- 8 Gaussians, the default recipe (`make run`'s): training seconds (the run's wall_s, its
  evaluations included), modes, high-quality share, exact W1 against the real-vs-real floor;
- 25 Gaussians, `toy-25gaussians`, seeds 0-2;
- the reference for both: the WGAN-GP paper's toy recipe (`wgan-gp-toy`, constant lr, so its
  step count does not change its schedule) for the same training seconds, calibrated by a
  probe run;
- MNIST 32x32, the `mnist` recipe, 15 minutes of one thread: the share of samples the shipped
  classifier calls with confidence >= 0.9, and the smallest class (benchmarks.image_bench);
- exact W1 between two 10,000-point 8-Gaussian clouds, `wgan.transport.wasserstein` against
  POT's `emd2` (CPU seconds, peak resident memory), and ours at 20,000 points.

`python -m benchmarks time-to-quality [--skip-mnist] [--skip-transport] [--seeds 0 1 2]`.
Results: bench-results/time_to_quality.{json,md}.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import results as results_

ROOT = Path(__file__).resolve().parents[1]
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
REPEATS = 3
WGAN = [sys.executable, "-m", "wgan"]


def command_seconds(argv: list[str], repeats: int = REPEATS) -> float:
    """The fastest wall time of `repeats` fresh processes running argv (one thread each)."""
    best = float("inf")
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            args = [a.replace("{tmp}", tmp) for a in argv]
            start = time.perf_counter()
            subprocess.run(args, cwd=ROOT, env={**os.environ, **ONE_THREAD}, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            best = min(best, time.perf_counter() - start)
    return best


def startup_rows() -> dict:
    quiet = ["--set", "eval.figures=false", "--set", "eval.tensorboard='off'"]
    torch_s = command_seconds([sys.executable, "-c", "import torch"])
    rows = {"import_torch_s": torch_s,
            "train_1_step_s": command_seconds(WGAN + ["train", "--steps", "1", "--out", "{tmp}/r", *quiet]),
            "train_1_step_figures_s": command_seconds(WGAN + ["train", "--steps", "1", "--out", "{tmp}/r"]),
            "help_s": command_seconds(WGAN + ["--help"]),
            "presets_s": command_seconds(WGAN + ["presets"]),
            "train_help_s": command_seconds(WGAN + ["train", "--help"])}
    rows["train_1_step_ratio"] = rows["train_1_step_s"] / torch_s
    rows["train_1_step_figures_ratio"] = rows["train_1_step_figures_s"] / torch_s
    return rows


def toy_run(preset: str, seed: int, run_dir: Path, overrides: tuple[str, ...] = ()) -> dict:
    """Train `preset` (one thread, no figures) into run_dir, which must not exist yet."""
    from wgan.config import load_config
    from wgan.loop import train

    config = load_config(preset, [f"train.seed={seed}", "train.threads=1", "eval.tensorboard='off'",
                                  "eval.figures=false", *overrides])
    result = train(config, run_dir, progress=False)
    f = result.final
    return {"preset": preset, "seed": seed, "steps": result.step, "wall_s": f["wall_s"], "w1": f["w1"],
            "w1_floor": f["w1_floor"], "modes": f.get("modes"), "modes_total": f.get("modes_total"),
            "high_quality": f.get("high_quality")}


def reference_at(data: str, seconds: float, root: Path) -> dict:
    """wgan-gp-toy on `data` for about `seconds` of training, steps calibrated by a probe."""
    from wgan.runs import read_metrics

    probe = root / f"probe-{data}"
    toy_run("wgan-gp-toy", 0, probe, (f"data.name='{data}'", "train.steps=60", "eval.every=1000000",
                                      "eval.log_every=10"))
    walls = {r["step"]: r["wall_s"] for r in read_metrics(probe)}
    per_step = (walls[60] - walls[10]) / 50
    steps = max(10, int(seconds / per_step))
    return toy_run("wgan-gp-toy", 0, root / f"reference-{data}",
                   (f"data.name='{data}'", f"train.steps={steps}", f"eval.every={steps}"))


def toy_ok(row: dict, floor_factor: float = 1.0) -> bool:
    return (row["modes"] == row["modes_total"] and row["high_quality"] >= 0.95
            and row["w1"] <= floor_factor * row["w1_floor"])


def transport_rows() -> dict:
    from .transport_bench import measure

    rows = {}
    for method, n in (("ours-gaussians", 10_000), ("pot-gaussians", 10_000), ("ours-gaussians", 20_000)):
        rows[f"{method}-{n}"] = measure(method, n, timeout=900)
    return rows


def _fmt_toy(row: dict) -> str:
    return (f"{row['modes']}/{row['modes_total']}, {100 * row['high_quality']:.1f}% HQ, W1 {row['w1']:.3f} "
            f"(floor {row['w1_floor']:.3f}), {row['wall_s']:.0f} s")


HEADER = ["measure", "ours", "goal", "reference (same run)"]


def table_rows(results: dict) -> list[list[str]]:
    """One row per measure: what, ours, the goal, the reference measured in the same run."""
    rows = []
    s = results.get("startup")
    if s:
        rows.append(["`wgan train --steps 1`, figures/TB off", f"{s['train_1_step_s']:.2f} s = "
                     f"{s['train_1_step_ratio']:.2f}x import torch", "<= 2.5x", f"import torch {s['import_torch_s']:.2f} s"])
        rows.append(["`wgan train --steps 1`, figures/TB on", f"{s['train_1_step_figures_s']:.2f} s = "
                     f"{s['train_1_step_figures_ratio']:.2f}x import torch", "<= 2.5x", ""])
        rows.append(["`wgan --help` / `presets` / `train --help`",
                     f"{s['help_s']:.2f} / {s['presets_s']:.2f} / {s['train_help_s']:.2f} s", "<= 0.3 s, no torch import", ""])
    t8 = results.get("eight")
    if t8:
        ref = results.get("eight_reference")
        rows.append(["8 Gaussians, `default`", _fmt_toy(t8), "8/8, >= 95%, W1 <= floor, <= 15 s",
                     f"`wgan-gp-toy` {ref['steps']} steps: {_fmt_toy(ref)}" if ref else ""])
    t25 = results.get("twenty_five")
    if t25:
        ref = results.get("twenty_five_reference")
        for i, row in enumerate(t25):
            rows.append([f"25 Gaussians, `toy-25gaussians`, seed {row['seed']}", _fmt_toy(row),
                         "25/25, >= 95% HQ, <= 120 s" if i == 0 else "",
                         f"`wgan-gp-toy` {ref['steps']} steps: {_fmt_toy(ref)}" if ref and i == 0 else ""])
    m = results.get("mnist")
    if m:
        rows.append(["MNIST 32x32, `mnist`, 15 min of one thread",
                     f"{100 * m['confident_share']:.1f}% confident, smallest class "
                     f"{100 * min(m['class_histogram']):.1f}%, {m['wall_s']:.0f} s", ">= 80%, every class >= 7%",
                     f"real test images {100 * m['real_confident_share']:.1f}%"])
    tr = results.get("transport")
    if tr:
        ours, pot, big = tr["ours-gaussians-10000"], tr["pot-gaussians-10000"], tr["ours-gaussians-20000"]
        if "failed" not in ours and "failed" not in pot:
            rows.append(["exact W1, two 10,000-point clouds", f"{ours['cpu_s']:.1f} s CPU, {ours['peak_gib']:.2f} GiB, "
                         f"W1 {ours['value']:.9f}", "POT time or better, <= 2 GiB",
                         f"POT emd2 {pot['cpu_s']:.1f} s, {pot['peak_gib']:.2f} GiB, W1 {pot['value']:.9f}"])
        rows.append(["exact W1, two 20,000-point clouds", big["failed"] if "failed" in big else
                     f"{big['cpu_s']:.1f} s CPU, {big['peak_gib']:.2f} GiB", "<= 5 min, <= 8 GiB",
                     "POT: would need ~16 GiB"])
    return rows


def format_table(results: dict) -> str:
    rows = [HEADER, *table_rows(results)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks time-to-quality")
    parser.add_argument("--skip-mnist", action="store_true", help="leave out the 15-minute MNIST row")
    parser.add_argument("--skip-transport", action="store_true", help="leave out the exact-W1 rows")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="25 Gaussians seeds")
    args = parser.parse_args(argv)
    results: dict = {}
    print("Time to quality (one thread per run)", flush=True)
    results["startup"] = startup_rows()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        results["eight"] = toy_run("default", 0, root / "default-0")
        results["eight_reference"] = reference_at("eight_gaussians", results["eight"]["wall_s"], root)
        results["twenty_five"] = [toy_run("toy-25gaussians", seed, root / f"toy-25gaussians-{seed}")
                                  for seed in args.seeds]
        results["twenty_five_reference"] = reference_at(
            "twenty_five_gaussians", max(r["wall_s"] for r in results["twenty_five"]), root)
    if not args.skip_transport:
        results["transport"] = transport_rows()
    if not args.skip_mnist:
        from .image_bench import mnist_quality

        results["mnist"] = mnist_quality(900.0, "mnist")
    print(format_table(results), flush=True)
    results_.write("time_to_quality", results, HEADER, table_rows(results),
                   notes=["One thread per run; start-up rows: the fastest of three fresh processes."])
    return results


if __name__ == "__main__":
    main()
