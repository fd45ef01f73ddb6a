"""Every objective x constraint pair that makes sense, trained with the same budget on
8 and 25 Gaussians, in one table: modes captured, high-quality share, exact W1 against the
real-vs-real floor, and the critic's own estimate of its divergence where one exists.

Same nets for all (the default recipe's 64-wide MLPs), the same steps, Adam 1e-3 (0.5, 0.9)
decayed linearly, n_critic 5, batch 256, one thread. A run whose losses become NaN is
reported as diverged.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import torch

from wgan.config import load_config
from wgan.callbacks import TrainingDiverged
from wgan.loop import train

PAIRS = [
    ("wasserstein", "weight_clipping", []),
    ("wasserstein", "gradient_penalty", []),
    ("wasserstein", "one_sided_penalty", []),
    ("wasserstein", "spectral_norm", []),
    ("gan", "none", ["objective.generator_loss='non_saturating'"]),
    ("gan", "none", ["objective.generator_loss='minimax'"]),
    ("gan", "none", ["objective.instance_noise=0.1"]),
    ("gan", "spectral_norm", []),
    ("gan", "gradient_penalty", []),
    *[("fgan", "none", [f"objective.divergence='{d}'"]) for d in
      ("kl", "reverse_kl", "pearson", "neyman", "squared_hellinger", "jeffrey", "jensen_shannon", "gan")],
    ("cramer", "gradient_penalty", ["constraint.penalty_weight=10.0", "objective.cramer_dim=64"]),
]


def label(objective: str, constraint: str, extra: list[str]) -> str:
    def short(override: str) -> str:
        key, value = override.split("=", 1)
        value = value.strip("'")
        return value if key in ("objective.divergence", "objective.generator_loss") else f"{key.split('.')[-1]}={value}"

    options = ",".join(short(e) for e in extra if "cramer_dim" not in e and "penalty_weight" not in e)
    return f"{objective}{'(' + options + ')' if options else ''} + {constraint}"


def run(data: str, steps: int, root: Path) -> list[dict]:
    rows = []
    for objective, constraint, extra in PAIRS:
        overrides = [f"data.name='{data}'", f"objective.name='{objective}'", f"constraint.name='{constraint}'",
                     "optim.lr_critic=1e-3", "optim.lr_generator=1e-3", f"train.steps={steps}",
                     f"eval.every={steps}", "eval.figures=false", "eval.tensorboard='off'", "train.threads=1",
                     *extra]
        if constraint == "weight_clipping":
            overrides += ["optim.name='rmsprop'", "optim.lr_critic=5e-4", "optim.lr_generator=5e-4"]
        config = load_config("default", overrides)
        name = label(objective, constraint, extra)
        try:
            f = train(config, root / f"{data}-{len(rows)}", progress=False).final
        except TrainingDiverged as exc:
            rows.append({"data": data, "pair": name, "diverged": str(exc).split(";")[0]})
            print(f"{data:22s} {name:44s} diverged: {rows[-1]['diverged']}", flush=True)
            continue
        key = next(k for k in f if k.startswith("eval_critic_") and k.endswith("_estimate"))
        rows.append({"data": data, "pair": name, "wall_s": f["wall_s"], "w1": f["w1"], "w1_floor": f["w1_floor"],
                     "modes": f["modes"], "modes_total": f["modes_total"], "high_quality": f["high_quality"],
                     "estimate_of": key[len("eval_critic_"):-len("_estimate")], "estimate": f[key]})
        print(format_row(rows[-1]), flush=True)
    return rows


def format_row(r: dict) -> str:
    if "diverged" in r:
        return f"{r['data']:22s} {r['pair']:44s} diverged ({r['diverged']})"
    return (f"{r['data']:22s} {r['pair']:44s} {r['wall_s']:6.1f} {r['modes']:3d}/{r['modes_total']:<3d} "
            f"{100 * r['high_quality']:6.1f} {r['w1']:7.4f} {r['w1_floor']:7.4f} {r['w1'] / r['w1_floor']:6.2f} "
            f"  {r['estimate_of']:>17s} = {r['estimate']:.4g}")


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks objectives")
    parser.add_argument("--steps", type=int, default=1000, help="generator steps per run (default 1000)")
    args = parser.parse_args(argv or [])
    torch.set_num_threads(1)
    header = (f"{'data set':22s} {'objective + constraint':44s} {'wall s':>6s} {'modes':>7s} {'HQ %':>6s} "
              f"{'W1':>7s} {'floor':>7s} {'W1/fl':>6s}   critic's own estimate")
    print(f"\nObjectives x constraints, {args.steps} generator steps each, same nets and optimiser\n")
    print(header)
    print("-" * len(header))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for data in ("eight_gaussians", "twenty_five_gaussians"):
            rows += run(data, args.steps, Path(tmp))
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "objectives.json").write_text(json.dumps(rows, indent=2))
    return rows
