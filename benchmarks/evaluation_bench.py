"""Offline evaluation on the default image data set (digits, 32x32, the shipped classifier's
features): FID between two halves of the real data, FID as samples are degraded (noise
added, digit classes dropped), and the time to evaluate 10,000 samples."""
from __future__ import annotations

import json
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


def main(argv: list[str] | None = None) -> dict:
    torch.set_num_threads(1)
    result = {"degradation": degradation_curves(), "speed": evaluation_speed()}
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
