"""`wgan explore`: latent probes of a trained generator, one labelled PNG per probe."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import WganError

if TYPE_CHECKING:
    import torch


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("explore", help="latent probes: constant, one-hot, sweeps, interpolations",
                       description="Feed hand-picked latent vectors to a run's generator: constant "
                                   "vectors (all 1, 0.5, 0.3, 0, -1), one-hot vectors, one dimension "
                                   "swept from 0 to 1 with the others fixed, and linear and spherical "
                                   "interpolation between random draws. One PNG per probe.")
    p.add_argument("--run", type=Path, required=True, metavar="DIR", help="run directory")
    p.add_argument("--out", type=Path, metavar="DIR", help="output folder (default RUN/explore)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random base and endpoints (default 0)")
    p.add_argument("--sweep-range", type=float, nargs=2, metavar=("START", "STOP"),
                   help="also sweep over this range (0 to 1 is always drawn)")
    p.add_argument("--sweep-dims", type=int, nargs="+", metavar="K",
                   help="latent dimensions to sweep (default: the first 8)")
    p.add_argument("--steps", type=int, default=8, help="points per sweep or interpolation (default 8)")
    p.add_argument("--class", dest="class_", metavar="K",
                   help="a conditional run's class (name or index) the probes hold fixed (default: the "
                        "first); such a run also gets classes.png, one row per class")
    p.add_argument("--gif", type=Path, metavar="FILE.gif",
                   help="write a seamless loop through the latent space as an animated GIF (alone: only the "
                        "GIF; with --out: the probes too) (default: none)")
    p.add_argument("--gif-keys", type=int, default=4, metavar="K",
                   help="random latent vectors the loop passes through, along great circles (default 4)")
    p.add_argument("--gif-frames", type=int, default=48, metavar="N", help="frames of the loop (default 48)")
    p.add_argument("--raw-generator", action="store_true",
                   help="use the trained generator, not its moving average (runs with train.ema_decay)")
    p.set_defaults(func=run)


def probes(latent_dim: int, seed: int, sweep_dims: list[int], steps: int,
           sweep_range: tuple[float, float] | None) -> list[tuple[str, str, torch.Tensor, list[str], list[str]]]:
    """(file stem, title, latents (rows, cols, latent_dim), row labels, column labels) per probe."""
    import torch

    from .. import latent

    base, ends = latent.random_latents(1, latent_dim, seed)[0], latent.random_latents(8, latent_dim, seed + 1)
    consts = latent.DEFAULT_CONSTANTS
    one_hot = latent.one_hot_vectors(latent_dim)
    cols = min(10, latent_dim)
    rows = -(-latent_dim // cols)
    padded = torch.cat([one_hot, torch.zeros(rows * cols - latent_dim, latent_dim)]) if rows * cols > latent_dim else one_hot
    hot_labels = [f"z[{k}] = 1" if k < latent_dim else "(all 0)" for k in range(rows * cols)]
    result = [
        ("constants", "constant latent vectors", latent.constant_vectors(latent_dim)[None],
         [], [f"all {v:g}" for v in consts]),
        ("one_hot", "one-hot latent vectors (0, ..., 1, ..., 0)", padded.view(rows, cols, latent_dim),
         [], hot_labels),
    ]
    ranges = [(0.0, 1.0)] + ([tuple(sweep_range)] if sweep_range else [])
    for start, stop in ranges:
        values = np.linspace(start, stop, steps)
        result.append((f"sweep_{start:g}_{stop:g}",
                       f"one dimension swept from {start:g} to {stop:g}, the others fixed at a random draw (seed {seed})",
                       latent.sweeps(base, sweep_dims, start, stop, steps),
                       [f"z[{d}]" for d in sweep_dims], [f"{v:.2f}" for v in values]))
    t = [f"t = {v:.2f}" for v in np.linspace(0, 1, steps)]
    pairs = [(ends[2 * i], ends[2 * i + 1]) for i in range(4)]
    result.append(("interpolation_linear", "linear interpolation between random draws",
                   torch.stack([latent.lerp(a, b, steps) for a, b in pairs]), [f"pair {i}" for i in range(4)], t))
    result.append(("interpolation_spherical", "spherical interpolation between the same draws",
                   torch.stack([latent.slerp(a, b, steps) for a, b in pairs]), [f"pair {i}" for i in range(4)], t))
    return result


def class_probe(latent_dim: int, seed: int, steps: int, classes: tuple[str, ...]):
    """One row per class, the same `steps` random latents in every row (column j: draw j)."""
    from .. import latent

    z = latent.random_latents(steps, latent_dim, seed + 1)
    return ("classes", "one row per class, the same latent vector down each column",
            z.repeat(len(classes), 1, 1), [f"class {c}" for c in classes], [f"draw {j}" for j in range(steps)])


def _write_loop(generator, args: argparse.Namespace, held: int | None) -> None:
    """The --gif loop: --gif-frames frames through --gif-keys random latents (seed --seed)."""
    import torch

    from ..animation import loop_latents, to_frames, write_gif
    from ..latent import random_latents
    from ..networks import generate

    z = loop_latents(random_latents(args.gif_keys, generator.latent_dim, args.seed), args.gif_frames)
    labels = None if held is None else torch.full((len(z),), held, dtype=torch.long)
    write_gif(to_frames(generate(generator, z, labels=labels).cpu().numpy()), args.gif, duration_ms=80)
    print(f"wrote {args.gif} ({len(z)} frames through {args.gif_keys} latent vectors, looping)")


def run(args: argparse.Namespace) -> int:
    import torch

    from .. import plots
    from ..conditional import class_index, class_rows
    from ..loading import load_run
    from ..outputs import make_folder
    from ..networks import generate

    if args.steps < 2:
        raise WganError(f"--steps {args.steps}: must be at least 2")
    loaded = load_run(args.run, raw=args.raw_generator)
    latent_dim = loaded.generator.latent_dim
    dims = args.sweep_dims if args.sweep_dims is not None else list(range(min(8, latent_dim)))
    bad = [d for d in dims if not 0 <= d < latent_dim]
    if bad:
        raise WganError(f"--sweep-dims {bad[0]}: the latent size is {latent_dim}, so use 0 to {latent_dim - 1}")
    if args.gif is not None:
        if args.gif.suffix.lower() != ".gif":
            raise WganError(f"--gif {args.gif}: expected a .gif file name")
        if args.gif_keys < 2:
            raise WganError(f"--gif-keys {args.gif_keys}: a loop needs at least 2")
        if not args.gif_keys <= args.gif_frames <= 10000:
            raise WganError(f"--gif-frames {args.gif_frames}: must be between --gif-keys ({args.gif_keys}) and 10000")
        make_folder(args.gif.parent)
        if len(loaded.data_shape) != 3:
            raise WganError(f"--gif {args.gif}: {args.run} draws points of shape {loaded.data_shape}, not pictures; "
                            "the probes (without --gif) show a point run's latent space")
        held = class_index(args.class_ or "0", loaded.classes, str(args.run)) if loaded.classes else None
        _write_loop(loaded.generator, args, held)
        if args.out is None:
            return 0
    out = args.out or args.run / "explore"
    make_folder(out)
    real = None
    if len(loaded.data_shape) != 3:
        from ..run_data import data_of_run

        real = data_of_run(args.run, loaded.config, "drawing").heldout(2000, np.random.default_rng(0))
    grids = probes(latent_dim, args.seed, dims, args.steps, args.sweep_range)
    held = None
    if loaded.classes:
        held = class_index(args.class_ or "0", loaded.classes, str(args.run))
        grids = [(stem, f"{title}, class {loaded.classes[held]}", z, rows, cols) for stem, title, z, rows, cols in grids]
        grids.append(class_probe(latent_dim, args.seed, args.steps, loaded.classes))
    elif args.class_ is not None:
        class_index(args.class_, loaded.classes, str(args.run))  # explains that the run has no classes
    for stem, title, z, row_labels, col_labels in grids:
        rows, cols = z.shape[:2]
        if stem == "classes":
            labels = class_rows(rows, cols)
        else:
            labels = None if held is None else torch.full((rows * cols,), held, dtype=torch.long)
        x = generate(loaded.generator, z.reshape(rows * cols, latent_dim), labels=labels).numpy()
        x = x.reshape(rows, cols, *x.shape[1:])
        path = out / f"{stem}.png"
        title = f"{args.run.name}, step {loaded.step}: {title}"
        if real is None:
            plots.plot_probe_grid(x, row_labels, col_labels, path, title)
        else:
            plots.plot_probe_points(real, x, row_labels, col_labels, path, title)
        print(f"wrote {path}")
    return 0
