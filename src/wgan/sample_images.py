"""Generated images as one PNG file each, for tools that read folders of pictures (pytorch-fid,
torch-fidelity, clean-fid, an image viewer): drawn and written a batch at a time, so memory
stays flat however many are asked for."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from torch import nn

from . import outputs
from .networks import generate

BATCH = 1000  # samples drawn and written at a time (evaluation.generate's chunk: the same numbers)


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Images (n, C, H, W) in [-1, 1] as uint8 (n, H, W, C), as the sample grids map them:
    round((x + 1) * 127.5), clipped to 0..255."""
    return np.clip((images + 1.0) * 127.5, 0, 255).round().astype(np.uint8).transpose(0, 2, 3, 1)


def file_names(n: int, labels: torch.Tensor | None = None, classes: Sequence[str] = ()) -> list[str]:
    """000000.png, 000001.png, ... (at least six digits, as many as n needs); with labels, the
    class in the name: 000000_cat.png (a class name made safe for any file system)."""
    width = max(6, len(str(n - 1)))
    if labels is None or not classes:
        return [f"{i:0{width}d}.png" for i in range(n)]
    safe = [re.sub(r"[^\w.-]+", "_", str(c)).strip("._") or f"class{k}" for k, c in enumerate(classes)]
    return [f"{i:0{width}d}_{safe[int(k)]}.png" for i, k in enumerate(labels)]


def write_sample_images(generator: nn.Module, latents: torch.Tensor, folder: Path,
                        labels: torch.Tensor | None = None, classes: Sequence[str] = ()) -> list[Path]:
    """One PNG per latent (n, latent_dim) in `folder` (made if missing), grey (L) for one
    channel, RGB for three; labels (n,): a conditional generator's classes, named in the files."""
    from PIL import Image

    folder = outputs.make_folder(folder)
    names = file_names(len(latents), labels, classes)
    written = []
    for start in range(0, len(latents), BATCH):
        part = slice(start, start + BATCH)
        batch = generate(generator, latents[part], BATCH, None if labels is None else labels[part])
        for name, pixels in zip(names[part], to_uint8(batch.cpu().numpy())):
            image = Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels)
            written.append(outputs.save_image(image, folder / name, durable=False))
    return written
