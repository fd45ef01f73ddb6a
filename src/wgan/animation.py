"""Animated GIFs (Pillow): a generator's latent space walked as a seamless loop, and a run's
sample grids over training, one frame per evaluation."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from . import outputs
from .errors import WganError
from .latent import slerp

GRID = re.compile(r"^(samples|landscape)_step(\d+)\.png$")  # the per-evaluation figures of callbacks.figures


def loop_latents(keys: torch.Tensor, frames: int) -> torch.Tensor:
    """(frames, latent_dim) latents along great circles (slerp, Shoemake 1985, as GAN papers
    interpolate since White 2016) through keys (K, latent_dim) and back to the first: frame 0
    is keys[0], and the frame after the last would be keys[0] again, so the GIF loops without a
    jump or a repeated frame. Each key-to-key arc gets frames // K frames (the first arcs one
    more where K does not divide frames)."""
    k = len(keys)
    if k < 2 or frames < k:
        raise WganError(f"a loop needs at least 2 keys and a frame per key (got {k} keys, {frames} frames)")
    parts = []
    for i in range(k):
        steps = frames // k + (1 if i < frames % k else 0)
        parts.append(slerp(keys[i], keys[(i + 1) % k], steps + 1)[:-1])  # the next key starts the next arc
    return torch.cat(parts)


def to_frames(images: np.ndarray, min_side: int = 128) -> list[np.ndarray]:
    """Images (n, C, H, W) in [-1, 1] as uint8 (H', W'[, 3]) frames, enlarged by a whole factor
    (nearest neighbour, pixels stay sharp) to at least `min_side`."""
    from .sample_images import to_uint8

    pixels = to_uint8(images)
    factor = max(1, -(-min_side // max(pixels.shape[1:3])))
    pixels = pixels.repeat(factor, axis=1).repeat(factor, axis=2)
    return [p[..., 0] if p.shape[-1] == 1 else p for p in pixels]


def write_gif(frames: Sequence[np.ndarray], path: Path, duration_ms: int) -> Path:
    """uint8 frames (H, W) or (H, W, 3), each shown `duration_ms`, looping forever, written atomically."""
    from PIL import Image

    images = [Image.fromarray(f) for f in frames]
    with outputs.atomic(path) as f:
        images[0].save(f, format="GIF", save_all=True, append_images=images[1:], duration=duration_ms,
                       loop=0, disposal=1, optimize=False)
    return Path(path)


def grid_files(run_dir: Path) -> list[Path]:
    """A run's per-evaluation figures, figures/samples_stepNNNNNN.png (or landscape_... for
    points), in step order."""
    folder = Path(run_dir) / "figures"
    found = [(int(m.group(2)), p) for p in folder.glob("*_step*.png") if (m := GRID.match(p.name))] \
        if folder.is_dir() else []
    return [p for _, p in sorted(found)]


def timelapse(run_dir: Path, out: Path, duration_ms: int = 400) -> tuple[Path, int]:
    """A GIF of the run's per-evaluation figures, one frame each, in step order, at `out`
    (each frame on white, padded to the largest figure): (path, frames)."""
    from PIL import Image

    files = grid_files(run_dir)
    if not files:
        raise WganError(f"{run_dir} has no per-evaluation figures (figures/samples_stepNNNNNN.png): it is not a run "
                        "directory, it has not reached its first evaluation (eval.every), or it draws no "
                        "figures (eval.figures = false)")
    pictures = []
    for path in files:
        with Image.open(path) as image:
            pictures.append(image.convert("RGB"))
    width, height = max(p.width for p in pictures), max(p.height for p in pictures)
    frames = []
    for picture in pictures:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(picture, ((width - picture.width) // 2, 0))
        frames.append(np.asarray(canvas))
    return write_gif(frames, out, duration_ms), len(frames)
