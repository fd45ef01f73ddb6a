"""Start-up: `wgan train --steps 1` against `python -c "import torch"`, side by side in one run.

Each round runs, in fresh processes and one after another, `import torch`, a one-step run of
the default recipe as `make run` trains it (figures and the default loggers on), and the same
with figures off and only the JSONL log; the rounds alternate so that a change in the
machine's load touches every command alike. Reported: the median wall time and the median
CPU time (user + system of the process and its children) of each command over the rounds,
and each as a multiple of `import torch`'s. CPU time is the figure to read on a busy machine.
A first run, not counted, writes the real-vs-real floor cache that every later run reads.

`--profile` adds where a one-step run's time goes: cProfile's largest cumulative entries and
the slowest top-level imports (`python -X importtime`).

`python -m benchmarks startup [--rounds N] [--profile]`; results: bench-results/startup.{json,md}.
"""
from __future__ import annotations

import argparse
import os
import pstats
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import results

ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
QUIET = ["--set", "eval.figures=false", "--set", "eval.loggers=['jsonl']"]
COMMANDS = {
    "python -c \"import torch\"": [sys.executable, "-c", "import torch"],
    "wgan train --steps 1": [sys.executable, "-m", "wgan", "train", "--steps", "1", "--out", "{tmp}/run"],
    "wgan train --steps 1, figures off, JSONL log only": [sys.executable, "-m", "wgan", "train", "--steps", "1",
                                                         "--out", "{tmp}/run", *QUIET],
}
REFERENCE = "python -c \"import torch\""


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system of the process and its children) of one run."""
    with tempfile.TemporaryDirectory() as tmp:
        args = [a.replace("{tmp}", tmp) for a in argv]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(args, env={**os.environ, **ONE_THREAD}, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(rounds: int) -> dict[str, dict]:
    """{command: {wall: [...], cpu: [...]}} over `rounds` alternating rounds."""
    timed(COMMANDS["wgan train --steps 1"])  # the floor cache, and the files read once, warm
    times: dict[str, dict] = {name: {"wall": [], "cpu": []} for name in COMMANDS}
    for i in range(rounds):
        names = list(COMMANDS) if i % 2 == 0 else list(reversed(COMMANDS))
        for name in names:
            wall, cpu = timed(COMMANDS[name])
            times[name]["wall"].append(wall)
            times[name]["cpu"].append(cpu)
        print(f"round {i + 1}/{rounds}: " + ", ".join(
            f"{name.split(',')[0] if ',' not in name else 'figures off'} {times[name]['wall'][-1]:.2f} s"
            for name in COMMANDS), flush=True)
    return times


def profile(top: int = 12) -> dict:
    """cProfile's largest cumulative entries and the slowest top-level imports of a one-step run."""
    argv = COMMANDS["wgan train --steps 1"]
    with tempfile.TemporaryDirectory() as tmp:
        prof = Path(tmp) / "train.prof"
        run = [a.replace("{tmp}", tmp) for a in argv]
        subprocess.run([sys.executable, "-m", "cProfile", "-o", str(prof), *run[1:]],
                       env={**os.environ, **ONE_THREAD}, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        stats = pstats.Stats(str(prof))
        entries = []
        for (file, line, func), (_, _, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
            entries.append((cumulative, f"{Path(file).name}:{line}({func})"))
        entries.sort(reverse=True)
        wrappers = ("<string>", "<frozen runpy>", "__main__.py", "cli.py", "<built-in method builtins.exec>",
                    "<frozen importlib")
        cumulative = [{"seconds": s, "where": w} for s, w in entries
                      if not any(x in w for x in wrappers)][:top]
        again = [a.replace("{tmp}", tmp + "/again") for a in argv]
        imports = subprocess.run([sys.executable, "-X", "importtime", *again[1:]], env={**os.environ, **ONE_THREAD},
                                 check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True).stderr
    top_level = []
    for line in imports.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)  # no indent: imported at top level
        if m:
            top_level.append((int(m.group(1)) / 1e6, m.group(2)))
    top_level.sort(reverse=True)
    return {"cumulative": cumulative, "imports": [{"seconds": s, "module": m} for s, m in top_level[:top]]}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks startup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the three commands (default 5)")
    parser.add_argument("--profile", action="store_true", help="also profile one one-step run (default off)")
    args = parser.parse_args(argv or [])
    load = os.getloadavg()[0]
    print(f"Start-up, {args.rounds} rounds (load average {load:.1f})", flush=True)
    times = measure(args.rounds)
    ref_wall = statistics.median(times[REFERENCE]["wall"])
    ref_cpu = statistics.median(times[REFERENCE]["cpu"])
    header = ["command", f"wall, median of {args.rounds}", "x import torch", f"CPU, median of {args.rounds}",
              "x import torch"]
    rows, data = [], {"rounds": args.rounds, "load_before": load, "load_after": os.getloadavg()[0], "commands": {}}
    for name, t in times.items():
        wall, cpu = statistics.median(t["wall"]), statistics.median(t["cpu"])
        data["commands"][name] = {**t, "wall_median": wall, "cpu_median": cpu,
                                  "wall_ratio": wall / ref_wall, "cpu_ratio": cpu / ref_cpu}
        command, _, rest = name.partition(", ")
        rows.append([f"`{command}`" + (f", {rest}" if rest else ""), f"{wall:.2f} s", "" if name == REFERENCE else f"{wall / ref_wall:.2f}x",
                     f"{cpu:.2f} s", "" if name == REFERENCE else f"{cpu / ref_cpu:.2f}x"])
    notes = [f"Fresh processes, one torch thread, {args.rounds} alternating rounds; load average "
             f"{load:.1f} before, {data['load_after']:.1f} after (CPU time is the steadier figure on a busy machine)."]
    if args.profile:
        data["profile"] = profile()
        print("\nWhere a one-step run's time goes (cProfile, cumulative seconds):")
        for e in data["profile"]["cumulative"]:
            print(f"  {e['seconds']:7.2f}  {e['where']}")
        print("Slowest top-level imports (python -X importtime, seconds):")
        for e in data["profile"]["imports"]:
            print(f"  {e['seconds']:7.2f}  {e['module']}")
    md = results.write("startup", data, header, rows, notes)
    print("\n" + md.read_text(), flush=True)
    return data
