"""Two gloo processes against one process on the same global batch: the default recipe on
8 Gaussians (batch 256 = 2 x 128), the same steps and seed; quality and wall time."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from wgan.runs import read_metrics

from . import results

OUT = Path("bench-results")


def run(processes: int, out: Path) -> dict:
    launcher = ([sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}"]
                if processes > 1 else [sys.executable])
    cmd = launcher + ["-m", "wgan", "train", "--out", str(out), "--no-progress", "--set", "train.threads=1",
                      "--set", "eval.tensorboard='off'", "--set", "eval.figures=false"]
    subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    final = read_metrics(out)[-1]
    return {"processes": processes, **{k: final[k] for k in ("wall_s", "w1", "w1_floor", "modes", "high_quality")}}


def main(argv: list[str] | None = None) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run(1, Path(tmp) / "one"), run(2, Path(tmp) / "two")]
    print("\nDefault recipe on 8 Gaussians, global batch 256, 3000 steps: one process vs two gloo processes")
    print(f"{'processes':>9s} {'wall s':>7s} {'W1':>7s} {'floor':>7s} {'modes':>6s} {'HQ %':>6s}")
    for r in rows:
        print(f"{r['processes']:9d} {r['wall_s']:7.1f} {r['w1']:7.4f} {r['w1_floor']:7.4f} {r['modes']:4d}/8 "
              f"{100 * r['high_quality']:6.1f}")
    OUT.mkdir(exist_ok=True)
    (OUT / "ddp.json").write_text(json.dumps(rows, indent=2))
    results.write("ddp", rows, ["processes", "wall", "W1", "floor", "modes", "high-quality"],
                  [[str(r["processes"]), f"{r['wall_s']:.1f} s", f"{r['w1']:.3f}", f"{r['w1_floor']:.3f}",
                    f"{r['modes']}/8", f"{100 * r['high_quality']:.1f}%"] for r in rows],
                  notes=["The default recipe on 8 Gaussians, global batch 256, one thread per process (gloo)."])
    return rows
