"""Offline evaluation on the default image data set (digits, 32x32, the shipped classifier's
features): FID between two halves of the real data, FID as samples are degraded (noise
added, digit classes dropped), and the time to evaluate 10,000 samples.

Sizes (`python -m benchmarks evaluation -- --sizes`): `wgan evaluate -n 10000` on an MNIST
run (goal: 60 s), in fresh processes, against the old contract in the same run (exact W1 and
its floor on all n, on pixels and on features, and the training set embedded at every call:
`--w1-samples N` with the disk cache off); and the step-0 evaluation of a 64-px RGB run
(goal: 5 s), against the same evaluation on `eval.samples` (2,000) a side. Wall-clock and
CPU seconds both, since the machine may be shared."""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from wgan import plots, quality
from wgan.config import load_config
from wgan.data import load_data
from wgan.evaluation import evaluate_generator
from wgan.features import shipped_classifier
from wgan.recipe import make_networks

from . import results

OUT = Path("bench-results")


def degradation_curves() -> dict:
    data = load_data("digits", image_size=32, seed=0)
    net = shipped_classifier("digits")
    images = data.to_float(np.concatenate([data.train, data.holdout]))
    labels = np.concatenate([data.train_labels, data.holdout_labels])
    order = np.random.default_rng(0).permutation(len(images))
    half_a, half_b = order[: len(order) // 2], order[len(order) // 2:]
    feats = lambda x: net.features(torch.as_tensor(x)).numpy()
    f_a = feats(images[half_a])
    floor = quality.fid(feats(images[half_b]), f_a)
    rng = np.random.default_rng(1)
    noise_levels = [0.0, 0.1, 0.2, 0.4, 0.8, 1.6]
    noise_fid = []
    for s in noise_levels:
        noisy = np.clip(images[half_b] + s * rng.standard_normal(images[half_b].shape).astype(np.float32), -1, 1)
        noise_fid.append(quality.fid(feats(noisy), f_a))
    dropped = [0, 2, 4, 6, 8, 9]
    drop_fid = []
    for k in dropped:
        keep = half_b[labels[half_b] >= k]   # classes 0 .. k-1 dropped
        drop_fid.append(quality.fid(feats(images[keep]), f_a))
    OUT.mkdir(exist_ok=True)
    plots.plot_metric_curves(
        {"noise added": (noise_levels, noise_fid), "modes dropped": (dropped, drop_fid)},
        {"noise added": "std of Gaussian pixel noise (pixels in [-1, 1])",
         "modes dropped": "digit classes removed from the set (of 10)"},
        "FID (shipped digits classifier features)", OUT / "fid_degradation.png",
        "FID against the other half of the real digits", floor)
    print("\nFID, digits (features of the shipped classifier), against one half of the real data")
    print(f"  other half of the real data: {floor:.4f}")
    print("  noise std     " + "  ".join(f"{s:7.2f}" for s in noise_levels))
    print("  FID           " + "  ".join(f"{v:7.3f}" for v in noise_fid))
    print("  classes gone  " + "  ".join(f"{k:7d}" for k in dropped))
    print("  FID           " + "  ".join(f"{v:7.3f}" for v in drop_fid))
    monotone = all(b > a for a, b in zip(noise_fid, noise_fid[1:])) and all(b > a for a, b in zip(drop_fid, drop_fid[1:]))
    print(f"  monotone in both: {monotone}; figure: {OUT / 'fid_degradation.png'}")
    return {"floor": floor, "noise": dict(zip(map(str, noise_levels), noise_fid)),
            "dropped": dict(zip(map(str, dropped), drop_fid)), "monotone": monotone}


def evaluation_speed(n: int = 10_000) -> dict:
    config = load_config("dcgan-wgan-gp", ["data.name='digits'"])
    torch.manual_seed(0)
    generator, _ = make_networks(config.model, (1, 32, 32))
    data = load_data("digits", image_size=32, seed=0)
    start = time.perf_counter()
    result = evaluate_generator(generator, data, n, shipped_classifier("digits"))
    seconds = time.perf_counter() - start
    print(f"\nevaluate_generator, {n} generated digits (DCGAN generator, width 64), all metrics but KDE: "
          f"{seconds:.1f} s (goal < 60 s)")
    return {"n": n, "seconds": seconds, "fid_untrained": result["fid"]}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed_cli(args: list[str], cache: str) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, stdout) of `python -m wgan ARGS` in a fresh process, one
    thread, with WGAN_CACHE_DIR=cache."""
    env = {**os.environ, "WGAN_CACHE_DIR": cache, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cpu, start = _children_cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "wgan", *args], env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu
    if done.returncode != 0:
        raise RuntimeError(f"wgan {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return wall, cpu, done.stdout


def evaluate_at_size(n: int = 10_000) -> dict:
    """`wgan evaluate -n n` on an MNIST run (the `mnist` recipe, a few steps: the time does not
    depend on training): the old contract (W1 on n a side, nothing kept on disk), then the
    first and a later call of the new one."""
    with tempfile.TemporaryDirectory() as tmp:
        run, cache = Path(tmp) / "mnist", str(Path(tmp) / "cache")
        _timed_cli(["train", "--config", "mnist", "--data", "mnist", "--steps", "2", "--out", str(run),
                    "--no-progress", "--set", "eval.figures=false", "--set", "eval.final_draws=1"], cache)
        rows = {}
        for name, extra, where in (("old contract", ["--w1-samples", str(n)], ""), ("first call", [], cache),
                                   ("later call", [], cache)):
            wall, cpu, out = _timed_cli(["evaluate", "--run", str(run), "-n", str(n), "--json"] + extra, where)
            result = json.loads(out)
            rows[name] = {"wall_s": wall, "cpu_s": cpu, "w1_n": result["w1_n"],
                          "w1_features_n": result.get("w1_features_n"), "w1": result["w1"],
                          "w1_floor": result["w1_floor"], "fid": result.get("fid")}
    print(f"\nwgan evaluate -n {n} on an MNIST run (fresh process each, one thread; goal < 60 s)")
    old = rows["old contract"]
    for name, row in rows.items():
        print(f"  {name:12s}: {row['wall_s']:6.1f} s wall, {row['cpu_s']:6.1f} s CPU "
              f"(x{old['wall_s'] / row['wall_s']:.1f} / x{old['cpu_s'] / row['cpu_s']:.1f} vs old); "
              f"W1 on {row['w1_n']} a side {row['w1']:.2f} (floor {row['w1_floor']:.2f}), "
              f"on features {row['w1_features_n']} a side")
    return rows


def _rgb_pictures(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """n uint8 RGB pictures (n, 3, size, size): random 8x8 colour blocks, enlarged."""
    small = rng.integers(0, 256, size=(n, 3, 8, 8)).astype(np.uint8)
    return np.repeat(np.repeat(small, size // 8, 2), size // 8, 3)


def step_zero(size: int = 64, samples: int = 2000) -> dict:
    """The step-0 evaluation of a `dcgan-wgan-gp` run on RGB pictures at `size` px (10,000
    training, 2,500 held-out): make_evaluator (held-out set, floor) and one evaluation (W1,
    critic estimate, empirical Lipschitz constant) with W1 on eval.samples a side, then with the
    sample count rules (W1 on m = `floors.w1_sample_count`, the critic on k =
    `metrics.critic_sample_count`), first with an empty floor cache and then with the floor kept."""
    from wgan.data.images import ImageDataset
    from wgan.metrics import make_evaluator
    from wgan.objectives import Wasserstein

    rng = np.random.default_rng(0)
    data = ImageDataset(f"rgb{size}", _rgb_pictures(10_000, size, rng), _rgb_pictures(2_500, size, rng))
    config = load_config("dcgan-wgan-gp", [f"data.image_size={size}"])
    torch.manual_seed(0)
    generator, critic = make_networks(config.model, data.shape)
    rows = {}
    previous = os.environ.get("WGAN_CACHE_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        for name, asked, cache in (("2,000 a side", samples, ""), ("first run", 0, tmp), ("later run", 0, tmp)):
            os.environ["WGAN_CACHE_DIR"] = cache
            wall, cpu = time.perf_counter(), time.process_time()
            evaluator = make_evaluator(data, samples, config.model.latent_dim, 0, Wasserstein(), 1, asked)
            record = evaluator(generator, critic)
            rows[name] = {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
                          "eval_n": record["eval_n"], "critic_n": record["critic_n"],
                          "w1": record["w1"], "w1_floor": record["w1_floor"]}
    if previous is None:
        os.environ.pop("WGAN_CACHE_DIR", None)
    else:
        os.environ["WGAN_CACHE_DIR"] = previous
    print(f"\nstep-0 evaluation, {size}-px RGB DCGAN run, eval.samples {samples} (one thread; goal < 5 s): "
          "held-out set and floor, then m generated pictures, exact W1 on m a side, "
          "and the critic's estimate of W and empirical Lipschitz constant on k a side")
    old = rows["2,000 a side"]
    for name, row in rows.items():
        print(f"  {name:12s}: {row['wall_s']:6.1f} s wall, {row['cpu_s']:6.1f} s CPU "
              f"(x{old['wall_s'] / row['wall_s']:.1f} / x{old['cpu_s'] / row['cpu_s']:.1f} vs 2,000 a side) on "
              f"m = {row['eval_n']} a side, k = {row['critic_n']}: W1 {row['w1']:.2f}, floor {row['w1_floor']:.2f}")
    return rows


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks evaluation")
    parser.add_argument("--sizes", action="store_true", help="only the evaluation-at-size rows")
    parser.add_argument("-n", type=int, default=10_000, help="generated samples for wgan evaluate (default 10000)")
    args = parser.parse_args(argv or [])
    torch.set_num_threads(1)
    sizes = {"step_zero_64px": step_zero(), "evaluate_mnist": evaluate_at_size(args.n)}
    if args.sizes:
        OUT.mkdir(exist_ok=True)
        (OUT / "evaluation_sizes.json").write_text(json.dumps(sizes, indent=2))
        return sizes
    result = {"degradation": degradation_curves(), "speed": evaluation_speed(), "sizes": sizes}
    OUT.mkdir(exist_ok=True)
    (OUT / "evaluation.json").write_text(json.dumps(result, indent=2))
    d = result["degradation"]
    rows = [["Gaussian pixel noise, std", k, f"{v:.1f}"] for k, v in d["noise"].items()]
    rows += [["digit classes dropped", k, f"{v:.1f}"] for k, v in d["dropped"].items()]
    results.write("evaluation", result, ["change to one half of the real digits", "amount", "FID"], rows,
                  notes=[f"FID between two halves of the real digits: {d['floor']:.1f}; evaluating "
                         f"{result['speed']['n']:,} generated digits with every metric but the KDE: "
                         f"{result['speed']['seconds']:.0f} s."])
    return result
