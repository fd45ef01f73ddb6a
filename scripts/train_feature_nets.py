"""Train the small classifiers whose weights ship in src/wgan/weights/.

They label generated digits (class histogram, confident share) and give the features for
FID / KID / precision-recall on the bundled sets, offline. Usage:

    python scripts/train_feature_nets.py            # both
    python scripts/train_feature_nets.py digits     # one

Deterministic for a given machine and torch version (seed 0, one thread).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import torch

from wgan.classifier import train_classifier
from wgan.data import load_data

WEIGHTS = Path(__file__).resolve().parents[1] / "src" / "wgan" / "weights"
RECIPES = {"digits": {"epochs": 30, "batch_size": 64}, "mnist": {"epochs": 3, "batch_size": 128}}


def main(names: list[str]) -> None:
    torch.set_num_threads(1)
    WEIGHTS.mkdir(exist_ok=True)
    for name in names or list(RECIPES):
        data = load_data(name, image_size=32, seed=0)
        start = time.perf_counter()
        report = train_classifier(data.to_float(data.train), data.train_labels, data.to_float(data.holdout),
                                  data.holdout_labels, seed=0, **RECIPES[name])
        torch.save(report.model.state_dict(), WEIGHTS / f"{name}_cnn.pt")
        info = {"data": name, "image_size": 32, "test_accuracy": report.test_accuracy,
                "train_images": len(data.train), "test_images": len(data.holdout), **RECIPES[name],
                "seconds": round(time.perf_counter() - start, 1), "torch": torch.__version__}
        (WEIGHTS / f"{name}_cnn.json").write_text(json.dumps(info, indent=2) + "\n")
        print(json.dumps(info))


if __name__ == "__main__":
    main(sys.argv[1:])
