"""`wgan demo vanishing-gradients | biased-gradients`: the two demonstrations of why WGAN."""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="demonstrations: vanishing-gradients, biased-gradients")
    demos = p.add_subparsers(dest="demo", required=True, metavar="DEMO",
                             help="which demonstration (`wgan demo DEMO --help` lists its options)")
    v = demos.add_parser("vanishing-gradients",
                         help="GAN discriminator vs WGAN critics on two 1-D Gaussians far apart",
                         description="Trains a GAN discriminator towards optimality and two WGAN critics "
                                     "(clipping, penalty) between N(-2, 0.3^2) and N(2, 0.3^2); plots values "
                                     "and slopes (Arjovsky et al. 2017, Figure 2).")
    v.add_argument("--out", type=Path, default=Path("vanishing_gradients.png"), metavar="FILE.png",
                   help="the figure: .png, .pdf or .svg (default vanishing_gradients.png)")
    v.add_argument("--steps", type=int, default=1500, help="training steps for each network (default 1500)")
    v.add_argument("--seed", type=int, default=0, help="seed of the samples and the networks' initial weights (default 0)")
    v.set_defaults(func=run_vanishing)
    b = demos.add_parser("biased-gradients",
                         help="expected sample gradients of W1 and Cramer on Bernoulli distributions",
                         description="Bellemare et al. 2017: expected gradient of the sample Wasserstein "
                                     "loss against the true gradient, and the same for the Cramer distance.")
    b.add_argument("--out", type=Path, default=Path("biased_gradients.png"), metavar="FILE.png",
                   help="the figure: .png, .pdf or .svg (default biased_gradients.png)")
    b.add_argument("--sample-sizes", type=int, nargs="+", default=[1, 2, 5, 20, 100], metavar="M",
                   help="sample sizes m of the sample losses, each at least 1 (default 1 2 5 20 100)")
    b.add_argument("--theta-star", type=float, nargs="+", default=[0.33, 0.45], metavar="T",
                   help="true Bernoulli parameters theta*, each strictly between 0 and 1 (default 0.33 0.45)")
    b.set_defaults(func=run_biased)


def _check_figure_name(path: Path) -> None:
    from ..errors import WganError

    if path.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise WganError(f"--out {path}: expected a .png, .pdf or .svg file name")
    from ..outputs import make_folder

    make_folder(path.parent)


def run_vanishing(args: argparse.Namespace) -> int:
    from .. import plots
    from ..demos import vanishing_gradients
    from ..errors import WganError

    _check_figure_name(args.out)
    if args.steps < 1:
        raise WganError(f"--steps {args.steps}: must be at least 1")
    demo = vanishing_gradients(steps=args.steps, seed=args.seed)
    at_fake = int(np.argmin(np.abs(demo.x - demo.fake_mean)))
    print(f"slopes at the fake samples (x = {demo.fake_mean:g}); real samples at x = {demo.real_mean:g}:")
    print(f"  GAN discriminator        |dD/dx|             = {abs(demo.discriminator_grad[at_fake]):.3e}  "
          f"(D = {demo.discriminator[at_fake]:.2e})")
    print(f"  minimax generator        |d log(1 - D)/dx|   = {abs(demo.generator_grad_minimax[at_fake]):.3e}")
    for name, grads in demo.critic_grads.items():
        print(f"  {name:30s} |df/dx| = {abs(grads[at_fake]):.3e}")
    plots.plot_vanishing_gradients(demo, args.out)
    print(f"wrote {args.out}")
    return 0


def run_biased(args: argparse.Namespace) -> int:
    from .. import plots
    from ..demos import biased_gradients
    from ..errors import WganError

    _check_figure_name(args.out)
    if any(m < 1 for m in args.sample_sizes):
        raise WganError("--sample-sizes: each must be at least 1")
    if any(not 0.0 < t < 1.0 for t in args.theta_star):
        raise WganError("--theta-star: each must be strictly between 0 and 1")
    demo = biased_gradients(tuple(args.sample_sizes), tuple(args.theta_star))
    print("where the expected sample loss is minimised (theta* is the right answer):")
    print(f"{'theta*':>7s} {'m':>5s} {'Wasserstein':>12s} {'Cramer':>8s}")
    for c in demo.cases:
        print(f"{c['theta_star']:7.2f} {c['m']:5d} {c['wasserstein_sample_minimiser']:12.3f} "
              f"{c['cramer_sample_minimiser']:8.3f}")
    plots.plot_biased_gradients(demo, args.out)
    print(f"wrote {args.out}")
    return 0
