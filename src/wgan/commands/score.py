"""`wgan score A B`: two folders of pictures (or two point files) scored against each other with
`wgan evaluate`'s metrics, floors and JSON keys (`wgan.scoring`)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import WganError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("score", help="score two folders of pictures (or two point files) against each other",
                       description="The metrics of `wgan evaluate` between two sets that need no run: A "
                                   "(e.g. the pictures wgan sample wrote, one file per sample, or another tool's) in the "
                                   "place of the generated set, B (e.g. real pictures) in the place of the "
                                   "held-out set: exact W1 with its real-vs-real floor, and on a feature "
                                   "network's features FID, KID, precision, recall, density and coverage with "
                                   "their real-vs-real references. n samples of A meet n of B; n other "
                                   "samples of B give the references, so n is at most half of B (a third "
                                   "when A is B: three disjoint draws).")
    p.add_argument("a", type=Path, metavar="A", help="folder of pictures or point file scored (the 'generated' set)")
    p.add_argument("b", type=Path, metavar="B", help="folder of pictures or point file it is scored against "
                                                     "(the 'real' set)")
    p.add_argument("-n", type=int, default=2000, metavar="N",
                   help="samples of each set (default 2000; fewer when A has fewer or B fewer than 2N)")
    p.add_argument("--image-size", type=int, metavar="S",
                   help="side the pictures are read at, resized and centre-cropped (default: the width of A's "
                        "first picture)")
    p.add_argument("--channels", type=int, choices=(1, 3),
                   help="1 (grey) or 3 (RGB) (default: 1 when A's first picture is grey, else 3)")
    p.add_argument("--features", default="auto", metavar="SPEC",
                   help="feature network, as for wgan evaluate: auto, none, digits, mnist, a TorchScript file, "
                        "or package.module:attribute (default auto)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draws from A and B (default 0)")
    p.add_argument("--out", type=Path, metavar="FILE.json", help="also write the JSON to FILE.json (default: none)")
    p.add_argument("--json", action="store_true", help="print the JSON instead of the table (default: the table)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..evaluation import format_table, write_evaluation
    from ..features import load_feature_network
    from ..outputs import make_folder
    from ..scoring import load_set, picture_format, score_sets

    if args.n < 2:
        raise WganError(f"-n {args.n}: need at least 2 samples")
    if args.out is not None:
        if args.out.suffix.lower() != ".json":
            raise WganError(f"--out {args.out}: expected a .json file name")
        make_folder(args.out.parent)
    for path in (args.a, args.b):
        if not path.exists():
            raise WganError(f"{path} does not exist: name a folder of pictures or a point file (.csv, .npy, ...)")
    kinds = {p: "pictures" if p.is_dir() else "points" for p in (args.a, args.b)}
    if kinds[args.a] != kinds[args.b]:
        raise WganError(f"{args.a} holds {kinds[args.a]} and {args.b} {kinds[args.b]}: score two folders of "
                        "pictures, or two point files")
    pictures = kinds[args.a] == "pictures"
    if not pictures and (args.image_size or args.channels or args.features not in ("auto", "none")):
        raise WganError("--image-size, --channels and --features apply to folders of pictures, not point files")
    size, channels = picture_format(args.a) if pictures else (0, 0)
    size, channels = args.image_size or size, args.channels or channels
    if pictures and size < 2:
        raise WganError(f"--image-size {size}: must be at least 2")
    same = args.a.resolve() == args.b.resolve()
    a = load_set(args.a, size, channels)
    b = a if same else load_set(args.b, size, channels)
    network = load_feature_network(args.features, "folder", channels) if pictures else None
    result = {"a": str(args.a), "b": str(args.b), **score_sets(a, None if same else b, args.n, network, args.seed)}
    if args.out is not None:
        write_evaluation(result, args.out)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    what = f"{size}x{size} {'grey' if channels == 1 else 'RGB'} pictures" if pictures else "points"
    print(f"{args.a} ({len(a)} {what}) scored against {args.b} ({len(b)}): n = {result['n_generated']} of each, "
          f"the floor from {result['n_real']} other samples of {args.b} ({result['seconds']:.1f} s)")
    print(format_table(result).replace("generated vs held-out", "A vs B"))
    if args.out is not None:
        print(f"wrote {args.out}")
    return 0
