"""Class-conditional MNIST and ResNet against DCGAN, on one CPU thread, at equal wall clock.

Conditional: the `mnist-conditional` recipe trained for the budget (15 minutes by default)
with the projection critic and with AC-WGAN-GP (`--set model.conditional=auxiliary`), one
after the other; each run's generator is asked for 100 samples of every class, which the
benchmark's digit classifier (trained here on the 60,000 MNIST training images, >= 98% test
accuracy; see image_bench) labels. Reported: the conditional accuracy (the share classified as
the requested class; goal >= 95%), its worst class (every class must be present), the
confident share and the exact W1 in pixels. Grids (one row per class) go to bench-results/.

AC-WGAN-GP runs with objective.auxiliary_generator_weight = 1: the reference's 0.1 leaves the
generator's class signal too weak for a 15-minute run (measured: chance-level 10% at 1,500
steps, against 60% with 1).

ResNet vs DCGAN (skipped with `--no-resnet`; alone with `--only nets`): the unconditional `mnist` recipe on its DCGAN
nets and on the WGAN-GP paper's ResNet (model.kind = resnet at widths 64, the recipe's
optimiser) for the same budget (`--nets-budget`): FID on the shipped MNIST classifier's
features and the confident share.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from . import results

from .image_bench import OUT, digit_classifier, train_for_budget

CONDITIONINGS = {"projection": ["model.conditional='projection'"],
                 "auxiliary": ["model.conditional='auxiliary'", "objective.auxiliary_generator_weight=1.0"]}
RESNET = ["model.kind='resnet'", "model.generator_width=64", "model.critic_width=64"]


def conditional_row(name: str, overrides: list[str], budget_s: float, model, preset: str) -> dict:
    from wgan import plots
    from wgan.classifier import confident_share, predict
    from wgan.conditional import class_rows
    from wgan.evaluation import generate
    from wgan.loading import load_run

    run_dir = OUT / f"mnist-{name}-run"
    result, steps = train_for_budget(preset, budget_s, overrides, run_dir)
    loaded = load_run(run_dir)
    classes = len(loaded.classes)
    labels = class_rows(classes, 100)
    samples = generate(loaded.generator, len(labels), 123, labels)
    probabilities = predict(model, samples)
    predicted = probabilities.argmax(1)
    per_class = [float((predicted[labels == k] == k).float().mean()) for k in range(classes)]
    share, _ = confident_share(probabilities)
    grid = generate(loaded.generator, classes * 10, 7, class_rows(classes, 10))
    plots.plot_image_grid(grid, OUT / f"mnist_{name}_samples.png",
                          f"{name}: {steps} steps in {result.final['wall_s']:.0f} s, one row per class", nrow=10)
    return {"conditional": name, "steps": steps, "wall_s": result.final["wall_s"],
            "conditional_accuracy": float((predicted == labels).float().mean()),
            "worst_class_accuracy": min(per_class), "per_class_accuracy": per_class,
            "confident_share": share, "w1_pixels": result.final["w1"], "w1_floor": result.final["w1_floor"],
            "overrides": overrides}


def unconditional_row(name: str, overrides: list[str], budget_s: float, model) -> dict:
    from wgan.classifier import confident_share, predict
    from wgan.data import load_data
    from wgan.evaluation import evaluate_generator, generate
    from wgan.features import shipped_classifier
    from wgan.loading import load_run

    run_dir = OUT / f"mnist-{name}-run"
    result, steps = train_for_budget("mnist", budget_s, overrides, run_dir)
    loaded = load_run(run_dir)
    share, histogram = confident_share(predict(model, generate(loaded.generator, 1000, 123)))
    evaluation = evaluate_generator(loaded.generator, load_data("mnist", image_size=32), 2000,
                                    shipped_classifier("mnist"), memorisation=False)
    return {"nets": name, "steps": steps, "wall_s": result.final["wall_s"], "fid": evaluation["fid"],
            "fid_real_vs_real": evaluation["fid_real_vs_real"], "confident_share": share,
            "smallest_class": float(histogram.min()), "overrides": overrides}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks conditional")
    parser.add_argument("--budget", type=float, default=900.0, help="training seconds per run (default 900)")
    parser.add_argument("--preset", default="mnist-conditional", help="conditional recipe (default mnist-conditional)")
    parser.add_argument("--only", choices=[*sorted(CONDITIONINGS), "nets"],
                        help="one conditioning only, or only ResNet vs DCGAN")
    parser.add_argument("--no-resnet", dest="resnet", action="store_false",
                        help="skip ResNet vs DCGAN at the same budget (two more runs)")
    parser.add_argument("--nets-budget", type=float, help="training seconds per ResNet / DCGAN run (default --budget)")
    parser.add_argument("--classifier", type=Path, metavar="FILE.pt",
                        help="cache the digit classifier here (trained when the file is missing)")
    args = parser.parse_args(argv or [])
    torch.set_num_threads(1)
    from wgan.data import load_data

    model, accuracy, _ = digit_classifier(load_data("mnist", image_size=32), args.classifier)
    print(f"\ndigit classifier: test accuracy {100 * accuracy:.2f}%")
    result: dict = {"classifier_accuracy": accuracy, "conditional": [], "nets": []}
    for name, overrides in CONDITIONINGS.items():
        if args.only and name != args.only or args.only == "nets":
            continue
        row = conditional_row(name, overrides, args.budget, model, args.preset)
        result["conditional"].append(row)
        print(f"conditional MNIST 32x32, {name}: {row['steps']} steps in {row['wall_s']:.0f} s: "
              f"{100 * row['conditional_accuracy']:.1f}% classified as the asked class (goal >= 95%), "
              f"worst class {100 * row['worst_class_accuracy']:.1f}%, confident {100 * row['confident_share']:.1f}%, "
              f"W1 {row['w1_pixels']:.2f} (floor {row['w1_floor']:.2f})")
    if args.resnet and args.only in (None, "nets"):
        for name, overrides in (("dcgan", []), ("resnet", RESNET)):
            row = unconditional_row(name, overrides, args.nets_budget or args.budget, model)
            result["nets"].append(row)
            print(f"MNIST 32x32, {name} nets: {row['steps']} steps in {row['wall_s']:.0f} s: FID {row['fid']:.2f} "
                  f"(real vs real {row['fid_real_vs_real']:.2f}), confident {100 * row['confident_share']:.1f}%")
    OUT.mkdir(exist_ok=True)
    (OUT / "conditional.json").write_text(json.dumps(result, indent=2))
    critics = {"projection": "projection (Miyato & Koyama 2018)", "auxiliary": "AC-WGAN-GP, generator weight 1"}
    rows = result["conditional"]
    floor = f" (floor {rows[0]['w1_floor']:.2f})" if rows else ""
    header = ["critic", "steps", "asked class recognised", "worst class", "confident (p >= 0.9)", f"exact W1{floor}"]
    body = [[critics.get(r["conditional"], r["conditional"]), f"{r['steps']:,}",
             f"**{100 * r['conditional_accuracy']:.1f}%**",
             f"{100 * r['worst_class_accuracy']:.0f}% (digit {r['per_class_accuracy'].index(r['worst_class_accuracy'])})",
             f"{100 * r['confident_share']:.1f}%", f"{r['w1_pixels']:.2f}"] for r in rows]
    results.write("conditional", result, header, body,
                  notes=[f"{args.budget / 60:.0f} minutes of one thread per critic; the benchmark's digit classifier: "
                         f"{100 * result['classifier_accuracy']:.1f}% test accuracy."])
    return result
