"""Small grey picture folders for tests that train on pictures and then change them."""
import numpy as np
from PIL import Image


def grey_pictures(folder, n, start=0, level=128, seed=0):
    """`n` 16x16 grey PNGs `start`.png ... around grey `level` (noise sd 12) in `folder`, made if missing."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        Image.fromarray(np.clip(level + rng.normal(0, 12, (16, 16)), 0, 255).astype(np.uint8)).save(folder / f"{i}.png")
    return folder
