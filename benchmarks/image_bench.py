"""Images on this CPU: training-step throughput against a textbook loop, and MNIST quality
after a fixed wall-clock budget.

Throughput: one WGAN-GP generator iteration (n_critic = 5 critic steps, lambda 10, Adam
(0.5, 0.9)) on DCGAN nets (width 64, layer-norm critic), batch 64, at 32x32 and 64x64,
through `wgan.train` and through the plain loop of benchmarks/loops.py; the ratio comes from the
same run.

Quality: a digit classifier is trained here on the 60,000 MNIST training images (it must
reach >= 98% test accuracy); the `mnist` recipe is trained for the budget (15 minutes by
default), then 1,000 samples are labelled: the share with confidence >= 0.9 and the class
histogram are printed, the grid saved to bench-results/mnist_samples.png.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

from wgan.config import load_config

from . import results
from .loops import RandomImages, our_iteration, rate, textbook_iteration

OUT = Path("bench-results")


def throughput(sizes: tuple[int, ...] = (32, 64), iterations: int = 4) -> list[dict]:
    rows = []
    for size in sizes:
        # alternate, so both loops see the same machine conditions; best of two for each
        config = load_config("dcgan-wgan-gp", [f"data.image_size={size}", "model.latent_dim=100"])
        data, cpu = RandomImages((1, size, size)), torch.device("cpu")
        theirs, mine = [], []
        for _ in range(2):
            theirs.append(rate(textbook_iteration(config, data), iterations, cpu))
            mine.append(rate(our_iteration(config, data), iterations, cpu))
        ours, textbook = max(mine), max(theirs)
        rows.append({"size": size, "ours_it_s": ours, "textbook_it_s": textbook,
                     "ours_images_s": ours * 64 * 5, "textbook_images_s": textbook * 64 * 5,
                     "ratio": ours / textbook})
    print("\nWGAN-GP step throughput, DCGAN width 64, batch 64, n_critic 5, 1 thread")
    print(f"{'size':>6s} {'ours it/s':>10s} {'textbook it/s':>14s} {'ours img/s':>11s} "
          f"{'textbook img/s':>15s} {'ratio':>6s}")
    for r in rows:
        print(f"{r['size']:6d} {r['ours_it_s']:10.3f} {r['textbook_it_s']:14.3f} {r['ours_images_s']:11.1f} "
              f"{r['textbook_images_s']:15.1f} {r['ratio']:6.2f}")
    return rows


def digit_classifier(data, cache: Path | None):
    """The SmallCNN judge: trained here for 3 epochs, or loaded from `cache` when it exists."""
    from wgan.classifier import SmallCNN, predict, train_classifier

    if cache is not None and cache.exists():
        model = SmallCNN()
        model.load_state_dict(torch.load(cache, weights_only=True))
        model.eval()
        accuracy = float((predict(model, data.to_float(data.holdout)).argmax(1).numpy() == data.holdout_labels).mean())
        return model, accuracy, 0.0
    start = time.perf_counter()
    report = train_classifier(data.to_float(data.train), data.train_labels, data.to_float(data.holdout),
                              data.holdout_labels, epochs=3)
    if cache is not None:
        torch.save(report.model.state_dict(), cache)
    return report.model, report.test_accuracy, time.perf_counter() - start


def train_for_budget(preset: str, budget_s: float, overrides: list[str], run_dir: Path):
    """Train `preset` on one thread for about budget_s seconds: (TrainResult, steps).

    The step count is calibrated so that training (with its evaluations) fills the budget:
    steps 2..12 of a probe run are timed (the first steps and evaluations are not representative).
    """
    from wgan.loop import train
    from wgan.runs import read_metrics

    probe = load_config(preset, ["train.steps=12", "eval.every=1000000", "eval.log_every=1", "eval.figures=false",
                                 "eval.tensorboard='off'", "train.threads=1", *overrides])
    with tempfile.TemporaryDirectory() as tmp:
        train(probe, Path(tmp) / "probe", progress=False)
        walls = {r["step"]: r["wall_s"] for r in read_metrics(Path(tmp) / "probe")}
    per_step = (walls[12] - walls[2]) / 10
    steps = max(10, int(0.95 * budget_s / per_step))
    config = load_config(preset, [f"train.steps={steps}", f"eval.every={max(1, steps // 4)}",
                                  "eval.tensorboard='off'", "train.threads=1", *overrides])
    return train(config, run_dir, overwrite=True, progress=False), steps


def mnist_quality(budget_s: float, preset: str = "mnist", classifier_cache: Path | None = None,
                  overrides: list[str] | None = None) -> dict:
    from wgan import plots
    from wgan.classifier import confident_share, predict
    from wgan.data import load_data
    from wgan.evaluation import generate
    from wgan.loading import load_run

    data = load_data("mnist", image_size=32)
    model, accuracy, clf_s = digit_classifier(data, classifier_cache)
    real_share, _ = confident_share(predict(model, data.to_float(data.holdout[:1000])))
    print(f"\nclassifier: test accuracy {100 * accuracy:.2f}% ({clf_s:.0f} s to train); "
          f"real test images with confidence >= 0.9: {100 * real_share:.1f}%")

    overrides = overrides or []
    run_dir = OUT / "mnist-run"
    result, steps = train_for_budget(preset, budget_s, overrides, run_dir)
    loaded = load_run(run_dir)
    samples = generate(loaded.generator, 1000, 123)
    share, histogram = confident_share(predict(model, samples))
    OUT.mkdir(exist_ok=True)
    plots.plot_image_grid(samples[:100], OUT / "mnist_samples.png",
                          f"{preset}: {steps} steps in {result.final['wall_s']:.0f} s, "
                          f"{100 * share:.0f}% confident")
    row = {"preset": preset, "budget_s": budget_s, "steps": steps, "wall_s": result.final["wall_s"],
           "w1_pixels": result.final["w1"], "w1_floor": result.final["w1_floor"],
           "confident_share": share, "class_histogram": histogram.tolist(),
           "classifier_accuracy": accuracy, "real_confident_share": real_share, "overrides": overrides}
    print(f"MNIST 32x32, {preset}: {steps} generator steps in {row['wall_s']:.0f} s (budget {budget_s:.0f} s)")
    print(f"  samples with confidence >= 0.9: {100 * share:.1f}%   (goal >= 60%; real test images "
          f"{100 * real_share:.1f}%; WGAN paper code in 15 min, measured: 28%)")
    print("  class histogram: " + "  ".join(f"{d}: {100 * h:.1f}%" for d, h in enumerate(histogram))
          + f"   (goal: every class >= 5%; smallest {100 * histogram.min():.1f}%)")
    print(f"  exact W1 in pixel space {row['w1_pixels']:.2f} (real-vs-real floor {row['w1_floor']:.2f})")
    print(f"  grid: {OUT / 'mnist_samples.png'}; the run: {run_dir} (try wgan evaluate --run {run_dir})")
    return row


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks images")
    parser.add_argument("--budget", type=float, default=900.0, help="MNIST training seconds (default 900)")
    parser.add_argument("--preset", default="mnist", help="recipe for the MNIST run (default mnist)")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="override the recipe (repeatable)")
    parser.add_argument("--classifier", type=Path, metavar="FILE.pt",
                        help="cache the digit classifier here (trained when the file is missing)")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args(argv or [])
    torch.set_num_threads(1)
    result = {}
    if not args.skip_throughput:
        result["throughput"] = throughput()
    if not args.skip_quality:
        result["mnist"] = mnist_quality(args.budget, args.preset, args.classifier, args.set)
    OUT.mkdir(exist_ok=True)
    (OUT / "images.json").write_text(json.dumps(result, indent=2))
    results.write("images", result, ["measure", "value"], _rows(result))
    return result


def _rows(result: dict) -> list[list[str]]:
    """The table of `main`'s result: each number with what it measures."""
    rows = []
    for r in result.get("throughput", []):
        rows.append([f"WGAN-GP iteration at {r['size']}x{r['size']}, DCGAN width 64: ours / textbook it/s",
                     f"{r['ours_it_s']:.3f} / {r['textbook_it_s']:.3f} ({r['ratio']:.2f}x)"])
    for key, value in (result.get("mnist") or {}).items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            rows.append([f"MNIST {key}", f"{value:.4g}" if isinstance(value, float) else str(value)])
    return rows
