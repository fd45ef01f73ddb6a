"""Small data: MNIST restricted to 1% (600 images) and 10% (6,000) of its training set, the
`mnist` recipe at the same step budget for every row, with and without differentiable
augmentation (DiffAugment) and an averaged generator (EMA), several seeds each; measured
against all 10,000 test images on the shipped MNIST classifier's features.

`python -m benchmarks data-efficiency [--steps N] [--seeds K] [--fractions F ...] [--variants V ...]
[--jobs J]`; results: bench-results/data_efficiency.json (data_efficiency-<N>steps.json for
another budget).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import torch

from wgan.config import load_config
from wgan.data import load_data_of
from wgan.evaluation import evaluate_generator
from wgan.features import load_feature_network
from wgan.loading import load_run
from wgan.loop import train
from wgan.runs import config_of_run

from . import results

OUT = Path("bench-results")
MNIST_TRAIN = 60_000
DEFAULT_STEPS = 6000
# The small-folder preset's policy: translation (up to 1/16 of a side) and cutout (a square of
# 1/4 of a side), DiffAugment's families at half the paper's strength; at full strength, with
# color, the generator lagged far behind at 1,500 steps.
AUGMENT = ["data.augment='translation,cutout'", "data.augment_strength=0.5"]
EMA = ["train.ema_decay=0.999", "train.ema_start=1000"]
# variant -> (trained with augmentation, evaluated on the averaged generator). The average
# never feeds back into training (a run with it trains bit for bit the same networks as one
# without: tests/test_ema.py), so one run gives two rows: its raw generator ("none" or
# "augment") and its average ("ema" or "both").
VARIANTS = {"none": (False, False), "augment": (True, False), "ema": (False, True), "both": (True, True)}
COLUMNS = [("fid", "FID", ".1f"), ("precision", "precision", ".2f"), ("recall", "recall", ".2f"),
           ("confident_share", "confident", ".1%"), ("smallest_class", "smallest class", ".1%"),
           ("memorisation_ratio", "memorisation", ".2f"), ("copy_share", "copy share", ".1%")]


def one_run(fraction: float, augmented: bool, seed: int, steps: int, root: Path, n: int) -> list[dict]:
    """Train one run (or finish it, or find it finished) and evaluate its raw and its averaged
    generator against the 10,000 test images: two rows. Evaluations are kept beside the
    checkpoint and reused while it stands."""
    torch.set_num_threads(1)
    limit = [] if fraction >= 1 else [f"data.train_limit={int(round(fraction * MNIST_TRAIN))}"]
    config = load_config("mnist", [*limit, *(AUGMENT if augmented else []), *EMA, f"train.seed={seed}",
                                   f"train.steps={steps}", f"eval.every={steps}", "eval.figures=false",
                                   "eval.tensorboard='off'", "train.threads=1"])
    # the budget is in the name, so a longer study keeps the default table's runs beside it
    run_dir = root / f"mnist-{fraction:g}-{'augment' if augmented else 'plain'}-{steps}steps-seed{seed}"
    finished = (run_dir / "checkpoint.pt").exists() and config_of_run(run_dir) == config
    result = train(config, run_dir, overwrite=not finished, resume=finished, progress=False)
    data = load_data_of(config)
    features = load_feature_network("auto", data.name, data.shape[0])
    stamp = (run_dir / "checkpoint.pt").stat().st_mtime_ns
    rows = []
    for averaged in (False, True):
        variant = next(v for v, key in VARIANTS.items() if key == (augmented, averaged))
        cached = run_dir / f"evaluation-{variant}-n{n}.json"
        kept = json.loads(cached.read_text()) if cached.exists() else {}
        if kept.get("checkpoint_mtime_ns") == stamp:
            rows.append(kept["row"])
            continue
        generator = load_run(run_dir, raw=not averaged).generator
        metrics = evaluate_generator(generator, data, n, features, seed=seed)
        histogram = np.asarray(metrics.get("class_histogram", [np.nan]))
        row = {"fraction": fraction, "variant": variant, "seed": seed, "steps": steps,
               # a run found finished on disk reports the wall time it was trained in
               "wall_s": result.final.get("wall_s"), "smallest_class": float(histogram.min()),
               **{k: metrics.get(k) for k, _, _ in COLUMNS if k != "smallest_class"},
               "class_histogram": histogram.tolist()}
        cached.write_text(json.dumps({"checkpoint_mtime_ns": stamp, "row": row}))
        rows.append(row)
    return rows


def run_all(tasks: list[tuple[float, bool, int]], steps: int, root: Path, n: int, jobs: int) -> list[dict]:
    """one_run for every (fraction, augmented, seed), `jobs` at a time in their own processes
    (one thread each); rows come back in the order of `tasks`, each printed as it finishes."""
    def show(rows: list[dict]) -> None:
        for row in rows:
            print(json.dumps({k: v for k, v in row.items() if k != "class_histogram"}), flush=True)

    if jobs <= 1:
        done = []
        for task in tasks:
            done.append(one_run(*task, steps, root, n))
            show(done[-1])
        return [row for rows in done for row in rows]
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(one_run, *task, steps, root, n): i for i, task in enumerate(tasks)}
        results: list[list[dict]] = [[] for _ in tasks]
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            show(future.result())
    return [row for rows in results for row in rows]


def _groups(rows: list[dict]):
    """(fraction, variant, runs, [(column values over seeds, fmt) per COLUMNS entry]) for every
    (fraction, variant) that has runs."""
    for fraction in sorted({r["fraction"] for r in rows}):
        for variant in VARIANTS:
            group = [r for r in rows if r["fraction"] == fraction and r["variant"] == variant]
            if group:
                yield fraction, variant, group, [
                    (np.array([r[key] for r in group if r.get(key) is not None], dtype=float), fmt)
                    for key, _, fmt in COLUMNS]


def summarise(rows: list[dict]) -> list[str]:
    """One line per (fraction, variant): each column's mean +- sd over seeds."""
    lines = [f"{'data':>6} {'variant':>8} " + " ".join(f"{title:>16}" for _, title, _ in COLUMNS)]
    for fraction, variant, _, columns in _groups(rows):
        cells = []
        for values, fmt in columns:
            if not len(values):
                cells.append(f"{'-':>16}")
                continue
            spread = f" +- {values.std(ddof=1):{fmt}}" if len(values) > 1 else ""
            cells.append(f"{format(values.mean(), fmt) + spread:>16}")
        lines.append(f"{fraction:>6.0%} {variant:>8} " + " ".join(cells))
    return lines


VARIANT_NAMES = {"none": "no augmentation", "augment": "DiffAugment", "ema": "average (EMA)",
                 "both": "DiffAugment + average"}


def table(rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    """The docs table: one row per (fraction, variant), each column's mean ± sd over seeds."""
    header = ["data", "variant", "seeds", "FID", "precision", "recall", "confident", "smallest class",
              "memorisation ratio", "copy share"]
    body = []
    for fraction, variant, group, columns in _groups(rows):
        cells = []
        for values, fmt in columns:
            scale, unit, fmt = (100, "%", ".1f") if fmt.endswith("%") else (1, "", fmt)
            if not len(values):
                cells.append("-")
            elif len(values) == 1:
                cells.append(f"{scale * values[0]:{fmt}}{unit}")
            else:
                cells.append(f"{scale * values.mean():{fmt}} ± {scale * values.std(ddof=1):{fmt}}{unit}")
        size = "all" if fraction >= 1 else f"{fraction:.0%}"
        body.append([f"{int(round(fraction * MNIST_TRAIN)):,} ({size})", VARIANT_NAMES[variant], str(len(group)), *cells])
    return header, body


def floor_check(rows: list[dict], fraction: float = 0.01) -> list[str]:
    """The goal this benchmark checks: at 1%, augmentation + EMA beats no augmentation on every seed, in FID,
    and its memorisation ratio is closer to 1."""
    base = {r["seed"]: r for r in rows if r["fraction"] == fraction and r["variant"] == "none"}
    both = {r["seed"]: r for r in rows if r["fraction"] == fraction and r["variant"] == "both"}
    lines = []
    for seed in sorted(set(base) & set(both)):
        b, a = base[seed], both[seed]
        closer = abs(a["memorisation_ratio"] - 1) < abs(b["memorisation_ratio"] - 1)
        lines.append(f"seed {seed}: FID {a['fid']:.1f} (both) vs {b['fid']:.1f} (none): "
                     f"{'lower' if a['fid'] < b['fid'] else 'NOT lower'}; memorisation {a['memorisation_ratio']:.2f} "
                     f"vs {b['memorisation_ratio']:.2f}: {'closer to 1' if closer else 'NOT closer to 1'}")
    return lines


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks data-efficiency", description=__doc__)
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS,
                        help=f"generator steps of every run (default {DEFAULT_STEPS})")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.01, 0.1, 1.0])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("-n", type=int, default=2000, help="generated samples per evaluation (default 2000)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="runs trained at once, each in its own process on one thread (default: one per "
                             "core)")
    args = parser.parse_args(argv or [])
    torch.set_num_threads(1)
    root = OUT / "data-efficiency"
    # The full set gets the two rows the comparison needs: with and without the average. The
    # floor's runs (1%, with and without augmentation) go first, then the rest seed by seed, so a
    # benchmark cut short has answered the floor and filled the table at fewer seeds.
    wanted = {(f, v) for f in args.fractions for v in args.variants if f < 1 or v in ("none", "ema")}
    tasks = sorted({(f, VARIANTS[v][0], s) for f, v in wanted for s in range(args.seeds)},
                   key=lambda t: (t[0] != 0.01, t[2], t[0], t[1]))
    rows = run_all(tasks, args.steps, root, args.n, args.jobs)
    print(f"\nMNIST 32x32, `mnist` recipe, {args.steps} generator steps per run, {args.seeds} seed(s); "
          f"{args.n} samples against the 10,000 test images, shipped MNIST classifier's features")
    rows = [r for r in rows if (r["fraction"], r["variant"]) in wanted]
    print("\n".join(summarise(rows)))
    print("\n".join(floor_check(rows)))
    OUT.mkdir(exist_ok=True)
    budget = "" if args.steps == DEFAULT_STEPS else f"-{args.steps}steps"
    (OUT / f"data_efficiency{budget}.json").write_text(json.dumps(rows, indent=2))
    results.write("data-efficiency" if not budget else f"data-efficiency{budget}", rows, *table(rows),
                  notes=[f"{args.steps:,} generator steps per run; {args.n:,} samples against the 10,000 test "
                         "images on the shipped classifier's features; mean ± sd over seeds."])
    return rows
