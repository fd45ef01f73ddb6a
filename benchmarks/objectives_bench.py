"""Every objective x every Lipschitz constraint, the same recipe and budget, several seeds,
compared by `wgan compare`: one row per pair, mean +- sd over the seeds of the final and best
exact W1 against the real-vs-real floor, modes, high-quality share, wall time and steps/s,
with each pair tested against the best on matched seeds (a sign test).

Each run is `wgan train --objective O --constraint C --seed S --steps N` on the default recipe
(64-wide MLPs, Adam 3e-3 (0.5, 0.9) decayed linearly, n_critic 1, batch 256, one thread),
evaluated four times on `--samples` points; only the objective and the constraint change
(each with its own default settings, e.g. the f-GAN's divergence). The runs are made in this
process through the CLI's own entry point (no start-up per run) under OUT/runs/, the
comparison goes to OUT/compare/ (compare.md, .csv, .png and the self-contained compare.html),
the table to bench-results/objectives.{json,md}. A run that stops on a NaN is listed as
diverged and left out of the comparison; a finished run already under OUT/runs/ (the same
steps, samples and data) is read again, not retrained.

`python -m benchmarks objectives [--steps N] [--seeds S ...] [--data NAME] [--samples N] [--out DIR]`
(quick default: 300 steps, one seed, 30 runs of a few seconds each).
"""
from __future__ import annotations

import argparse
import json
import logging
import re
import time
from pathlib import Path

from . import results

OBJECTIVES = ("wasserstein", "gan", "fgan", "cramer", "hinge")
CONSTRAINTS = ("none", "weight_clipping", "gradient_penalty", "one_sided_penalty", "spectral_norm", "r1")


class _Errors(logging.Handler):
    """Keeps the message of the last error the CLI logs (why a run stopped)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last = ""

    def emit(self, record: logging.LogRecord) -> None:
        self.last = record.getMessage()


def run_name(objective: str, constraint: str, seed: int) -> str:
    return f"{objective}-{constraint}-s{seed}"


def finished(run: Path, steps: int) -> bool:
    """A run of `steps` steps that reached its final evaluation (the mean over its draws)."""
    try:
        records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line]
    except (OSError, json.JSONDecodeError):
        return False
    return any(r.get("step") == steps and "w1_mean" in r for r in records)


def train_argv(objective: str, constraint: str, seed: int, args: argparse.Namespace, run: Path) -> list[str]:
    sets = [f"eval.every={max(1, args.steps // 4)}", f"eval.samples={args.samples}", "eval.figures=false",
            "eval.loggers=['jsonl']", f"eval.checkpoint_every={args.steps}", "train.threads=1"]
    return ["-q", "train", "--objective", objective, "--constraint", constraint, "--seed", str(seed),
            "--steps", str(args.steps), "--data", args.data, "--out", str(run), "--overwrite", "--no-progress",
            *[a for s in sets for a in ("--set", s)]]


def train_all(args: argparse.Namespace) -> tuple[list[Path], list[dict]]:
    """(finished run directories, diverged or failed runs as {run, objective, constraint, seed, error})."""
    from wgan.cli import main as wgan

    runs, failed = [], []
    errors = _Errors()
    logging.getLogger("wgan").addHandler(errors)
    try:
        for objective in OBJECTIVES:
            for constraint in CONSTRAINTS:
                for seed in args.seeds:
                    run = args.out / "runs" / run_name(objective, constraint, seed)
                    marker = run / "bench-args.json"
                    same = marker.is_file() and json.loads(marker.read_text()) == _identity(args)
                    start = time.perf_counter()
                    if not (same and finished(run, args.steps)):
                        errors.last = ""
                        status = wgan(train_argv(objective, constraint, seed, args, run))
                        if status != 0:
                            failed.append({"run": run.name, "objective": objective, "constraint": constraint,
                                           "seed": seed, "error": errors.last or f"exit status {status}"})
                            print(f"{run.name:42s} stopped: {failed[-1]['error']}", flush=True)
                            continue
                        marker.write_text(json.dumps(_identity(args)))
                    runs.append(run)
                    print(f"{run.name:42s} {time.perf_counter() - start:6.1f} s", flush=True)
    finally:
        logging.getLogger("wgan").removeHandler(errors)
    return runs, failed


def _identity(args: argparse.Namespace) -> dict:
    return {"steps": args.steps, "samples": args.samples, "data": args.data}


def compare(runs: list[Path], out: Path) -> tuple[list[str], list[list[str]], list[str]]:
    """`wgan compare` on the runs (files into out); returns its group table and paired sentences."""
    from wgan.cli import main as wgan
    from wgan.compare import SEED, Group, group_runs, group_table, paired_tests, read_runs
    from wgan.compare_report import legend_label

    if wgan(["-q", "compare", *map(str, runs), "--out", str(out)]) != 0:
        raise SystemExit(f"wgan compare failed on the runs under {out.parent / 'runs'}")
    summaries = read_runs(runs)
    # Seeds of one pair form a group; with one seed, each run is a group of one.
    groups = group_runs(summaries, "seed") if len({r.settings.get(SEED) for r in summaries}) > 1 else [
        Group(f"objective={r.settings['objective.name']}, constraint={r.settings['constraint.name']}", [r],
              [str(r.settings.get(SEED))], [SEED]) for r in summaries]
    header, rows = group_table(groups)
    rows = [[legend_label(row[0]), *row[1:]] for row in rows]  # 'gan + r1', not 'objective=gan, constraint=r1'
    return ["objective + constraint", *header[1:]], rows, [t.sentence() for t in paired_tests(groups)]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks objectives", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=300, help="generator steps per run (default 300)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1], help="train.seed values (default: 1)")
    parser.add_argument("--data", default="eight_gaussians", help="toy data set (default eight_gaussians)")
    parser.add_argument("--samples", type=int, default=1000,
                        help="points per exact-W1 evaluation, eval.samples (default 1000)")
    parser.add_argument("--out", type=Path, default=results.OUT / "objectives",
                        help="folder for the runs and the comparison (default bench-results/objectives)")
    args = parser.parse_args(argv or [])
    n = len(OBJECTIVES) * len(CONSTRAINTS) * len(args.seeds)
    print(f"\nObjectives x constraints: {n} runs of {args.steps} steps on {args.data}, seeds "
          f"{', '.join(map(str, args.seeds))}\n", flush=True)
    start = time.perf_counter()
    runs, failed = train_all(args)
    header, rows, sentences = compare(runs, args.out / "compare")
    seconds = time.perf_counter() - start
    notes = [f"{len(OBJECTIVES)} objectives x {len(CONSTRAINTS)} constraints, seeds "
             f"{', '.join(map(str, args.seeds))}, {args.steps} generator steps each on {args.data} (the default "
             f"recipe otherwise), exact W1 on {args.samples} points; {len(runs)} runs in {seconds / 60:.0f} min "
             f"of one thread. Mean ± sd over seeds."]
    if failed:
        notes.append("Stopped (left out): " + "; ".join(f"{f['run']}: {f['error']}" for f in failed) + ".")
    if sentences:
        from wgan.compare_report import legend_label

        best = legend_label(sentences[0].split(" vs ")[0])
        every = [s for s in sentences if re.search(r"lower on (\d+)/\1 ", s)]
        others = [legend_label(s.split(" vs ", 1)[1].split(":")[0]) + " (" + s.split(": ", 1)[1].split(" (")[0] + ")"
                  for s in sentences if s not in every]
        notes.append(f"Lowest mean final W1: {best}; paired on seeds, its final W1 is lower than that of "
                     f"{len(every)} of the other {len(sentences)} pairs on every seed"
                     + (f", not always against {', '.join(others)}" if others else "")
                     + f" (sign tests in {args.out.name}/compare/compare.md).")
    data = {"steps": args.steps, "seeds": args.seeds, "data": args.data, "samples": args.samples,
            "runs": [str(r) for r in runs], "failed": failed, "paired": sentences, "seconds": seconds,
            "compare": str(args.out / "compare")}
    md = results.write("objectives", data, header, rows, notes)
    print(md.read_text(), flush=True)
    return data
