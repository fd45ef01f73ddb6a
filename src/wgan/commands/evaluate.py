"""`wgan evaluate`: offline evaluation of a run's generator; writes evaluation.json."""
from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from ..errors import WganError

logger = logging.getLogger(__name__)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate",
                       help="evaluate a trained generator offline (W1, modes, FID, KID, PRDC, KDE, memorisation)",
                       description="Compare n generated samples with held-out real data: exact W1 and its "
                                   "real-vs-real floor; modes for Gaussian mixtures; FID, KID, precision, "
                                   "recall, density, coverage and class histograms on the features of a "
                                   "network available offline; optionally a Parzen-window log-likelihood; for "
                                   "point files and images, a memorisation check (are generated samples "
                                   "closer to the training set than held-out real data is?) with a "
                                   "figure of the closest ones, memorisation.png.")
    p.add_argument("--run", type=Path, required=True, metavar="DIR", help="run directory")
    p.add_argument("-n", type=int, default=2000, metavar="N", help="generated samples (default 2000)")
    p.add_argument("--w1-samples", type=int, default=0, metavar="M",
                   help="samples a side for exact W1 and its real-vs-real floor, the first M generated, held-out "
                        "and reference samples (at most -n); 0: automatic, up to 2000 on points and 32-px grey "
                        "pictures, 500 at 64-px RGB, 200 at 128-px RGB (default 0)")
    p.add_argument("--features", default="auto", metavar="SPEC",
                   help="feature network: auto (the shipped digit classifier for digits/mnist; the FID "
                        "Inception network for RGB images when installed), none, inception, digits, mnist, a "
                        "TorchScript file, or package.module:attribute (default auto)")
    p.add_argument("--resize-protocol", choices=["clean", "legacy_tensorflow"], default=None,
                   help="how images are resized to 299 px for the Inception network: clean (clean-fid's: PIL "
                        "bicubic) or legacy_tensorflow (TF1 bilinear, as the original FID code) (default clean)")
    p.add_argument("--kde", action="store_true", help="also the Parzen-window log-likelihood of held-out data")
    p.add_argument("--kde-protocol", choices=["mnist"], help="the f-GAN paper's MNIST KDE protocol (slow)")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated samples and the held-out draws (default 0)")
    p.add_argument("--repeats", type=int, default=1, metavar="K",
                   help="evaluate K independent draws and report each metric's mean +- standard deviation (default 1)")
    p.add_argument("--no-memorisation", dest="memorisation", action="store_false",
                   help="skip the memorisation check (nearest training example of each sample) and its figure")
    p.add_argument("--out", type=Path, metavar="FILE",
                   help="where to write the JSON (default RUN/evaluation.json); memorisation.png goes beside it")
    p.add_argument("--json", action="store_true", help="print the JSON instead of the table")
    p.add_argument("--raw-generator", action="store_true",
                   help="evaluate the trained generator, not its moving average (runs with train.ema_decay)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..evaluation import (evaluate_generator, format_table, has_training_set, mnist_kde_protocol,
                              write_evaluation)
    from ..features import load_feature_network
    from ..loading import load_run
    from ..outputs import make_folder
    from ..run_data import data_of_run

    if args.n < 2:
        raise WganError(f"-n {args.n}: need at least 2 samples")
    if args.w1_samples < 0:
        raise WganError(f"--w1-samples {args.w1_samples}: give a positive number of samples a side, or 0 for "
                        "the automatic rule")
    if args.repeats < 1:
        raise WganError(f"--repeats {args.repeats}: need at least one draw")
    if args.out is not None and (args.out.is_dir() or args.out.suffix.lower() != ".json"):
        raise WganError(f"--out {args.out}: expected a .json file name (memorisation.png goes beside it)")
    loaded = load_run(args.run, raw=args.raw_generator)
    make_folder((args.out or args.run / "evaluation.json").parent)  # before the work, after the checks
    data = data_of_run(args.run, loaded.config)
    is_image = len(loaded.data_shape) == 3
    network = (load_feature_network(args.features, data.name, loaded.data_shape[0], args.resize_protocol or "clean")
               if is_image else None)
    if args.features not in ("auto", "none") and not is_image:
        raise WganError(f"--features {args.features}: feature networks apply to image runs; this run's "
                        f"samples have shape {loaded.data_shape}")
    if args.resize_protocol is not None and (network is None or network.protocol is None):
        raise WganError(f"--resize-protocol {args.resize_protocol}: applies to the Inception network "
                        f"(--features inception), not to {network.name if network else 'no feature network'}")
    if network is not None and network.protocol is not None:
        real = min(args.n, len(data.holdout))  # the reference set is as large as the held-out one
        logger.info(f"the Inception network reads {(args.n + 2 * real) * args.repeats:,} images at 299 px "
                    f"({args.n} generated, {real} held-out, {real} reference, x {args.repeats} draws): "
                    "about 0.5 s an image on one CPU thread")
    details: dict = {}
    result = evaluate_generator(loaded.generator, data, args.n, network, args.kde, args.seed, args.repeats,
                                memorisation=args.memorisation, details=details, w1_samples=args.w1_samples)
    result["run"] = str(args.run)
    result["step"] = loaded.step
    if args.kde_protocol == "mnist":
        result["mnist_kde_protocol"] = mnist_kde_protocol(loaded.generator, data, args.seed)
    out = args.out or args.run / "evaluation.json"
    if "memorisation" in details:
        result["memorisation_figure"] = str(_memorisation_figure(details, data, out.parent / "memorisation.png"))
    write_evaluation(result, out)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        draws = (f", mean +- sd over {args.repeats} draws" if args.repeats > 1
                 else ", one draw (--repeats 5 gives each metric's spread over draws)")
        protocol = f", resized for Inception by the {network.protocol} protocol" if network and network.protocol else ""
        print(f"{args.run} at step {loaded.step}: {args.n} generated samples against {result['n_real']} "
              f"held-out {data.name} samples{draws}{protocol} ({result['seconds']:.1f} s)")
        print(format_table(result))
        if "mnist_kde_protocol" in result:
            print("MNIST KDE protocol (f-GAN paper, Table 4), mean log-likelihood of the 10,000 test images:")
            for name, row in result["mnist_kde_protocol"].items():
                print(f"  KDE on {name:12s} ({row['centres']} centres, sigma {row['sigma']:.3f}): "
                      f"{row['log_likelihood']:.0f} +- {row['sem']:.2f} nats")
        if args.memorisation and not has_training_set(data):
            print("memorisation: not applicable (the data is a distribution, not a finite training set)")
        if "memorisation_figure" in result:
            print(f"wrote {result['memorisation_figure']} (the generated samples closest to the training set)")
        print(f"wrote {out}")
    return 0


def _memorisation_figure(details: dict, data, path: Path) -> Path:
    """memorisation.png: the generated samples of the first draw closest to the training set."""
    from ..plots import plot_memorisation

    check = details["memorisation"]
    space = {"features": "on features", "pixels": "in pixel space", "points": "in point space"}[check.space]
    title = (f"memorisation check ({space}): generated samples closest to the training set\n"
             f"held-out real examples' distance to it: median {check.heldout_median:.3g}, "
             f"p5 {check.threshold:.3g} (red: closer than p5)")
    return plot_memorisation(details["generated"], data.train, check.generated_neighbours,
                             check.generated_distances, check.threshold, path, title)
