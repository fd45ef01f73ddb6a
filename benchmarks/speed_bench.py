"""Speed of the training loop on this machine: generator iterations/s and samples/s of our
loop (fp32, bf16, and compiled on the toy recipe) against a plain textbook loop written here
for the same nets and recipe, the FLOPs each loop executes per iteration and the FLOP/s it
achieves against the float32 matrix-multiply peak measured in the same run, and where the
time goes (profile of one of our iterations).

Our loop executes fewer FLOPs on ReLU critics: the penalty's double backward skips the
forward graph (see wgan.networks.MaskedReLU).

Recipes: the WGAN-GP toy recipe (512-wide 3-hidden-layer MLPs, batch 256, n_critic 5,
lambda 0.1, Adam 1e-4 (0.5, 0.9)) and WGAN-GP on 64x64 DCGAN nets (width 64, layer-norm
critic, batch 64, n_critic 5, lambda 10). One torch thread (`--threads` to change);
`--device cuda` measures the same table on a GPU, with a compiled row for both recipes.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import torch

from wgan.config import load_config
from wgan.data import load_data

from . import results
from .loops import RandomImages, timed, our_iteration, rate, textbook_iteration

OUT = Path("bench-results")


def matmul_peak(dtype: torch.dtype, device: torch.device, n: int = 2048, repeats: int = 5) -> float:
    """FLOP/s of an n x n matrix product on `device`, best of `repeats`."""
    if device.type == "cuda":
        n = 8192
    a, b = torch.randn(n, n, dtype=dtype, device=device), torch.randn(n, n, dtype=dtype, device=device)
    torch.mm(a, b)
    best = min(timed(lambda: torch.mm(a, b), device) for _ in range(repeats))
    return 2 * n ** 3 / best


def recipe(name: str):
    """(config, data) of a benchmark recipe."""
    if name == "toy":
        return load_config("wgan-gp-toy"), load_data("eight_gaussians")
    config = load_config("dcgan-wgan-gp", ["data.image_size=64", "model.latent_dim=100"])
    return config, RandomImages((1, 64, 64))


@contextmanager
def _quiet_stderr():
    """Silence the profiler's own start/stop lines, which it writes to file descriptor 2."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def flops_per_iteration(one) -> float:
    """Matrix-multiply and convolution FLOPs of one iteration, as torch's profiler counts them."""
    from torch.profiler import ProfilerActivity, profile

    one()
    with _quiet_stderr(), profile(activities=[ProfilerActivity.CPU], with_flops=True) as prof:
        one()
    return float(sum(e.flops for e in prof.key_averages()))


def profile_top(one, device: torch.device, rows: int = 6) -> list[tuple[str, float]]:
    """The ops taking most of an iteration's time (self time; GPU kernel time on CUDA)."""
    from torch.profiler import ProfilerActivity, profile

    cuda = device.type == "cuda"
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    one()
    with _quiet_stderr(), profile(activities=activities) as prof:
        one()
    own = (lambda e: e.self_device_time_total) if cuda else (lambda e: e.self_cpu_time_total)
    events = sorted(prof.key_averages(), key=own, reverse=True)
    total = sum(own(e) for e in events)
    return [(e.key, own(e) / total) for e in events[:rows]]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks speed")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=20, help="toy iterations per measurement")
    parser.add_argument("--device", default="cpu", help="cpu, or cuda for the GPU table")
    parser.add_argument("--no-compile", action="store_true", help="leave out the torch.compile rows")
    args = parser.parse_args(argv or [])
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    peak32, peak16 = matmul_peak(torch.float32, device), matmul_peak(torch.bfloat16, device)
    where = torch.cuda.get_device_name(device) if cuda else f"{args.threads} CPU thread(s)"
    print(f"\nmatmul peak, {where}: float32 {peak32 / 1e9:.0f} GFLOP/s, bfloat16 {peak16 / 1e9:.0f} GFLOP/s")
    rows = []
    for name, iterations in (("toy", args.iterations), ("dcgan64", args.iterations if cuda else 2)):
        config, data = recipe(name)
        batch = config.train.batch_size
        loops = {"textbook fp32": textbook_iteration(config, data, device),
                 "ours fp32": our_iteration(config, data, device=device),
                 "ours bf16": our_iteration(config, data, "bf16", device=device)}
        if (name == "toy" or cuda) and not args.no_compile:  # compiling the DCGAN nets on a CPU takes minutes
            loops["ours compiled"] = our_iteration(config, data, compiled=True, device=device)
            if cuda:
                loops["ours bf16 compiled"] = our_iteration(config, data, "bf16", compiled=True, device=device)
            for k in [k for k in loops if k.endswith("compiled")]:
                started = time.perf_counter()
                loops[k]()
                print(f"{name}: torch.compile for '{k}' took {time.perf_counter() - started:.1f} s")
        # A bf16 loop does the arithmetic of its fp32 twin (the profiler counts autocast's
        # convolutions twice), so it is credited with the twin's count.
        fp32_twin = {"ours bf16": "ours fp32", "ours bf16 compiled": "ours compiled"}
        flops = {k: flops_per_iteration(one) for k, one in loops.items() if k not in fp32_twin}
        flops.update({k: flops[twin] for k, twin in fp32_twin.items() if k in loops})
        rates = {k: [] for k in loops}
        for _ in range(3):  # alternate, best of three (run-to-run noise here is about 3%)
            for k, one in loops.items():
                rates[k].append(rate(one, iterations, device))
        base = max(rates["textbook fp32"])
        for k in loops:
            r = max(rates[k])
            rows.append({"recipe": name, "loop": k, "it_s": r, "samples_s": r * batch * config.train.n_critic,
                         "ratio": r / base, "gflop_per_it": flops[k] / 1e9, "gflop_s": flops[k] * r / 1e9,
                         "of_fp32_peak": flops[k] * r / peak32})
        next(r for r in rows if r["recipe"] == name and r["loop"] == "ours fp32")["profile"] = \
            profile_top(loops["ours fp32"], device)
    print(f"{'recipe':8s} {'loop':18s} {'gen it/s':>9s} {'real samples/s':>15s} {'vs textbook':>12s} "
          f"{'GFLOP/it':>9s} {'GFLOP/s':>8s} {'of fp32 peak':>13s}")
    for r in rows:
        print(f"{r['recipe']:8s} {r['loop']:18s} {r['it_s']:9.3f} {r['samples_s']:15.0f} {r['ratio']:12.2f} "
              f"{r['gflop_per_it']:9.2f} {r['gflop_s']:8.1f} {100 * r['of_fp32_peak']:12.0f}%")
    for r in rows:
        if "profile" in r:
            print(f"where the time goes, ours fp32, {r['recipe']}: " +
                  ", ".join(f"{k} {100 * v:.0f}%" for k, v in r["profile"]))
    header = ["recipe", "loop", "gen it/s", "real samples/s", "vs textbook", "GFLOP/it", "GFLOP/s", "of fp32 peak"]
    body = [[r["recipe"], r["loop"], f"{r['it_s']:.3g}", f"{r['samples_s']:,.0f}", f"{r['ratio']:.2f}",
             f"{r['gflop_per_it']:.2f}", f"{r['gflop_s']:.1f}", f"{100 * r['of_fp32_peak']:.0f}%"] for r in rows]
    results.write("speed" if not cuda else "speed-cuda", {"device": where, "peak_fp32": peak32, "peak_bf16": peak16,
                                                         "rows": rows}, header, body,
                  notes=[f"{where}; matrix-multiply peak in the same run: {peak32 / 1e9:.0f} GFLOP/s float32, "
                         f"{peak16 / 1e9:.0f} bfloat16; each loop's best of three alternating measurements."])
    return {"rows": rows}
