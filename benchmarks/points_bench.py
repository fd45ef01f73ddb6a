"""Point clouds in more than two dimensions, trained with the recipe a user gets without options.

For d in 8, 16 and 64 and seeds 0-2: a mixture of 8 Gaussians (centres 10 apart on 8
orthogonal directions of a random rotation, each mode an isotropic Gaussian of standard
deviation 1), 50,000 points written as a user's `.npy`, then `wgan.train` on it with the
default config and no setting but the file (figures and TensorBoard off). Per run: exact W1
of the final evaluation against its real-vs-real floor (both n = eval.samples, in the data's
units), modes captured and the high-quality share on 2,500 samples of the trained generator,
counted against the known centres (the project has no mode count for a user's point file), and
the CPU seconds of the whole `train` call (one thread). Goal: W1 <= 1.5 x floor, 8/8 modes,
<= 300 CPU s each. `--quick`: d = 16, seed 0 only. Results go to bench-results/points.json.

High quality in d dimensions: within the radius that holds 98.9% of a mode's own mass (the
chi distribution's quantile; in 2-D that is PacGAN's 3 standard deviations), of the nearest
centre; a mode is captured when it holds at least 20/2,500 of the samples as high-quality ones
(`wgan.metrics.MODE_CAPTURE_FRACTION`).
"""
from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from scipy import stats

from wgan import load_config, load_run, train
from wgan.metrics import MODE_CAPTURE_FRACTION

DIMS = (8, 16, 64)
SEEDS = (0, 1, 2)
MODES, POINTS, SPACING, STD = 8, 50_000, 10.0, 1.0
HIGH_QUALITY_MASS = 0.989  # the share of a 2-D Gaussian within 3 std, PacGAN's rule
SAMPLES = 2500
GOAL = "W1 <= 1.5 x floor, 8/8 modes, <= 300 CPU s (one thread)"


def centres(dim: int, seed: int) -> np.ndarray:
    """(8, dim): SPACING / sqrt(2) times 8 orthonormal vectors, so every pair is SPACING apart."""
    q, _ = np.linalg.qr(np.random.default_rng([seed, dim]).standard_normal((dim, MODES)))
    return SPACING / math.sqrt(2) * q.T


def mixture(dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(POINTS, dim) float32 points of the mixture, and its centres (8, dim)."""
    c = centres(dim, seed)
    rng = np.random.default_rng([seed, dim, 1])
    labels = rng.integers(MODES, size=POINTS)
    return (c[labels] + STD * rng.standard_normal((POINTS, dim))).astype(np.float32), c


def mode_counts(samples: np.ndarray, c: np.ndarray) -> tuple[int, float]:
    """(modes captured, high-quality share) of samples (n, d) against centres c (k, d)."""
    radius = STD * float(stats.chi.ppf(HIGH_QUALITY_MASS, samples.shape[1]))
    d2 = (samples ** 2).sum(1)[:, None] - 2 * samples @ c.T + (c ** 2).sum(1)[None, :]
    nearest = d2.argmin(1)
    good = np.sqrt(np.maximum(d2[np.arange(len(samples)), nearest], 0)) <= radius
    counts = np.bincount(nearest[good], minlength=len(c))
    return int((counts >= max(1, math.ceil(MODE_CAPTURE_FRACTION * len(samples)))).sum()), float(good.mean())


def run_one(dim: int, seed: int, root: Path, overrides: list[str]) -> dict:
    points, c = mixture(dim, seed)
    path = root / f"mixture-{dim}d-{seed}.npy"
    np.save(path, points)
    config = load_config("default", [f"data.name='{path}'", f"train.seed={seed}", "eval.figures=false",
                                "eval.tensorboard='off'", *overrides])
    cpu = time.process_time()
    result = train(config, root / f"run-{dim}d-{seed}", progress=False)
    cpu = time.process_time() - cpu
    run = load_run(root / f"run-{dim}d-{seed}")
    with torch.no_grad():
        z = torch.randn(SAMPLES, run.generator.latent_dim, generator=torch.Generator().manual_seed(seed + 7))
        samples = run.generator(z).numpy().astype(np.float64)
    modes, hq = mode_counts(samples, c)
    f = result.final
    return {"dim": dim, "seed": seed, "steps": result.step, "w1": f["w1"], "w1_floor": f["w1_floor"],
            "ratio": f["w1"] / f["w1_floor"], "modes": modes, "high_quality": hq, "cpu_s": cpu,
            "critic_lipschitz": f.get("critic_lipschitz"), "recipe": run.config.description}


def row(r: dict) -> str:
    ok = r["ratio"] <= 1.5 and r["modes"] == MODES and r["cpu_s"] <= 300
    return (f"{r['dim']:4d} {r['seed']:5d} {r['steps']:6d} {r['w1']:8.3f} {r['w1_floor']:8.3f} {r['ratio']:6.2f} "
            f"{r['modes']:3d}/{MODES} {100 * r['high_quality']:6.1f} {r['cpu_s']:7.1f} "
            f"{r['critic_lipschitz']:6.2f}  {'yes' if ok else 'NO'}")


HEADER = f"{'dim':>4s} {'seed':>5s} {'steps':>6s} {'W1':>8s} {'floor':>8s} {'W1/fl':>6s} {'modes':>5s} {'HQ %':>6s} " \
         f"{'CPU s':>7s} {'Lip K':>6s}  goal"


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks points", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="d = 16, seed 0 only (default: d 8, 16, 64, seeds 0-2)")
    parser.add_argument("--dims", type=int, nargs="+", default=None, help="dimensions (default: 8 16 64)")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="seeds (default: 0 1 2)")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="a config override, to try another recipe (default: none)")
    args = parser.parse_args(argv or [])
    dims = args.dims or ((16,) if args.quick else DIMS)
    seeds = args.seeds or ((0,) if args.quick else SEEDS)
    torch.set_num_threads(1)
    recipe = f"the default preset with {' '.join(args.set)}" if args.set else "the default recipe"
    print(f"Point clouds: 8 Gaussians in d dimensions, {POINTS:,} points as .npy, {recipe}; goal {GOAL}")
    print(HEADER, flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for dim in dims:
            for seed in seeds:
                rows.append(run_one(dim, seed, Path(tmp), args.set))
                print(row(rows[-1]), flush=True)
    if rows:
        print(f"recipe: {rows[-1]['recipe']}")
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "points.json").write_text(json.dumps(rows, indent=2))
    return rows
