"""`wgan sample`: draw samples from a run's checkpoint into a PNG grid, a .npy array and/or a
folder of one PNG per sample."""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ..errors import WganError

MAX_GRID = 4096  # images in one grid picture (64 x 64 tiles); more go to --npy


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sample", help="draw samples from a trained run",
                       description="Generate N samples from the checkpoint of a run: a grid PNG "
                                   "for images, a scatter plot over held-out data for points "
                                   "(./samples.png unless --out, --npy or --images says otherwise); "
                                   "--images DIR writes one PNG per sample for other tools.")
    p.add_argument("--run", type=Path, required=True, metavar="DIR", help="run directory")
    p.add_argument("-n", type=int, default=64, metavar="N", help="number of samples (default 64)")
    p.add_argument("--out", type=Path, metavar="FILE.png",
                   help="where the picture goes (default ./samples.png; none with --npy alone)")
    p.add_argument("--seed", type=int, default=0, help="seed of the latent draws (default 0)")
    p.add_argument("--checkpoint", type=Path, metavar="FILE", help="another checkpoint of the run")
    p.add_argument("--npy", type=Path, metavar="FILE.npy",
                   help="save the samples as an array (alone: no picture; with --out: both)")
    p.add_argument("--images", type=Path, metavar="DIR",
                   help="also (alone: only) write one PNG per sample into DIR, a new or empty folder: "
                        "000000.png, ... (000000_CLASS.png for a conditional run), for tools that read "
                        "folders of pictures; image runs only (default: none)")
    p.add_argument("--class", dest="class_", metavar="K",
                   help="a conditional run's class (name or index) for every sample; without it, a "
                        "conditional run draws every class in turn, one row per class")
    p.add_argument("--raw-generator", action="store_true",
                   help="use the trained generator, not its moving average (runs with train.ema_decay)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from .. import plots
    from ..conditional import balanced_labels, class_index, class_rows
    from ..evaluation import generate
    from ..loading import load_run
    from ..outputs import make_folder, save_npy

    if args.n < 1:
        raise WganError(f"-n {args.n}: must be at least 1")
    alone = args.npy is not None or args.images is not None
    out = args.out if args.out is not None else (None if alone else Path("samples.png"))
    if out is not None and out.suffix.lower() != ".png":
        raise WganError(f"--out {out}: expected a .png file name")
    if args.npy is not None and args.npy.suffix.lower() != ".npy":
        raise WganError(f"--npy {args.npy}: expected a .npy file name")
    loaded = load_run(args.run, args.checkpoint, raw=args.raw_generator)
    if args.images is not None and len(loaded.data_shape) != 3:
        raise WganError(f"--images {args.images}: {args.run} draws points of shape {loaded.data_shape}, not "
                        "pictures; save them with --npy FILE.npy")
    if out is not None and len(loaded.data_shape) == 3 and args.n > MAX_GRID:
        raise WganError(f"-n {args.n}: a grid picture of more than {MAX_GRID} images is too large to look at "
                        f"(and to write); use -n {MAX_GRID} or fewer, or save the samples with --images DIR "
                        "(one PNG each) or --npy FILE.npy alone (no --out)")
    if args.images is not None:
        _check_images_folder(args.images)
    for target in (out, args.npy):
        if target is not None:
            make_folder(target.parent)
    labels, nrow, row_labels, title = None, None, None, f"{args.run.name}: {args.n} samples at step {loaded.step} (seed {args.seed})"
    if args.class_ is not None:
        k = class_index(args.class_, loaded.classes, str(args.run))
        labels = torch.full((args.n,), k, dtype=torch.long)
        title += f", class {loaded.classes[k]}"
    elif loaded.classes and args.n < len(loaded.classes):  # one sample of each of the first n classes
        labels, nrow = balanced_labels(args.n, len(loaded.classes)), args.n
        title += f", classes 0-{args.n - 1} of {len(loaded.classes)}"
        print(f"-n {args.n} is fewer than the run's {len(loaded.classes)} classes: one sample of each of the "
              f"first {args.n} (-n {len(loaded.classes)} or more draws every class; --class K picks one)")
    elif loaded.classes:  # one row per class, as many columns as fit
        per_class = args.n // len(loaded.classes)
        labels = class_rows(len(loaded.classes), per_class)
        labels = torch.cat([labels, balanced_labels(args.n - len(labels), len(loaded.classes))])
        nrow, row_labels, title = per_class, loaded.classes, title + ", one row per class"
        if args.n % len(loaded.classes):
            title += f" (the picture: {per_class * len(loaded.classes)} of the {args.n})"
    if args.images is not None:
        from ..latent import random_latents
        from ..sample_images import write_sample_images

        if labels is None and loaded.classes:
            labels = balanced_labels(args.n, len(loaded.classes))
        written = write_sample_images(loaded.generator, random_latents(args.n, loaded.generator.latent_dim, args.seed),
                                      args.images, labels, loaded.classes)
        print(f"wrote {len(written)} PNG files to {args.images}")
        if out is None and args.npy is None:
            return 0
    samples = generate(loaded.generator, args.n, args.seed, labels)
    if out is not None:
        if len(loaded.data_shape) == 3:
            shown = samples if row_labels is None else samples[:nrow * len(row_labels)]  # full rows only
            plots.plot_image_grid(shown, out, title, nrow=nrow, row_labels=row_labels)
        else:
            from ..run_data import data_of_run

            real = data_of_run(args.run, loaded.config, "drawing").heldout(2000, np.random.default_rng(0))
            plots.plot_points(samples, real, out, title)
        print(f"wrote {out}")
    if args.npy is not None:
        save_npy(args.npy, samples)
        print(f"wrote {args.npy}")
    return 0


def _check_images_folder(folder: Path) -> None:
    """--images DIR must be new or empty: files already there would mix with these samples."""
    from ..outputs import make_folder

    if folder.is_dir() and any(folder.iterdir()):
        count = sum(1 for _ in folder.iterdir())
        raise WganError(f"--images {folder}: the folder holds {count} file{'s' if count != 1 else ''} already; name a new or empty "
                        "folder, so that it holds exactly these samples")
    make_folder(folder)
