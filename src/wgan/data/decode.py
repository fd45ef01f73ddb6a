"""One picture file -> uint8 (C, S, S): turned upright, brought to 8 bits, fitted to a square.

The rules, in the order they act:

1. EXIF orientation (tag 274, values 1-8) is applied (`PIL.ImageOps.exif_transpose`), so a
   phone's portrait photo is read upright, as every viewer shows it.
2. Every PIL mode is brought to 8-bit grey (L) or RGB:
   - 1 -> 0 / 255; L, RGB as they are; P through its palette; CMYK, YCbCr, LAB, HSV -> RGB
     (Pillow's conversions);
   - a transparent picture (LA, RGBA, PA, P with transparency) is composited on white:
     c' = round((c * a + 255 * (255 - a)) / 255), per channel (Porter & Duff "over");
   - I;16 (16-bit, PNG/TIFF): round(v / 257), so 0 -> 0 and 65535 -> 255;
   - I (32-bit integers): as they are when every value is in [0, 255], round(v / 257) when
     every value is in [0, 65535] (a 16-bit picture stored as I), else stretched from the
     picture's own min..max to 0..255;
   - F (32-bit floats): round(255 v) when every value is in [0, 1], round(v) when in
     [0, 255], else stretched from min..max to 0..255 (NaN -> 0).
3. Grey output from colour uses ITU-R 601-2 luma, L = (299 R + 587 G + 114 B) / 1000
   (Pillow's `convert("L")`); RGB output from grey repeats the grey value.
4. fit = "crop": the central square (side = the shorter side) is resized to S x S;
   fit = "pad": the picture is resized so that its longer side is S and centred on black.
   Resizing is Pillow's bicubic (antialiased when shrinking); a JPEG is first decoded at
   the smallest DCT scale (1/2, 1/4, 1/8) that still covers S x S (`Image.draft`).
"""
from __future__ import annotations

import numpy as np

FITS = ("crop", "pad")
GREY_MODES = ("1", "L", "LA", "La", "I", "F", "I;16", "I;16L", "I;16B", "I;16N")


def _pil():
    from PIL import Image, ImageOps

    return Image, ImageOps


def _over_white(array: np.ndarray) -> np.ndarray:
    """uint8 (H, W, K+1) with alpha last -> uint8 (H, W, K) composited on white."""
    colour, alpha = array[..., :-1].astype(np.uint32), array[..., -1:].astype(np.uint32)
    return ((colour * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)


def _scaled(values: np.ndarray, mode: str) -> np.ndarray:
    """A 16-bit, 32-bit integer or float picture's values (H, W) as uint8 by the rules above."""
    if mode.startswith("I;16"):
        return np.rint(values.astype(np.float64) / 257.0).astype(np.uint8)
    values = values.astype(np.float64)
    finite = np.isfinite(values)
    low, high = (float(values[finite].min()), float(values[finite].max())) if finite.any() else (0.0, 0.0)
    if mode == "F" and low >= 0 and high <= 1:
        out = values * 255.0
    elif low >= 0 and high <= 255:
        out = values
    elif mode == "I" and low >= 0 and high <= 65535:
        out = values / 257.0
    else:
        out = (values - low) * (255.0 / (high - low)) if high > low else np.zeros_like(values)
    return np.rint(np.clip(np.where(finite, out, 0.0), 0, 255)).astype(np.uint8)


def to_8bit(image):
    """A PIL image of any mode -> an "L" or "RGB" image (transparency on white, see the module doc)."""
    Image, _ = _pil()
    mode = image.mode
    if mode in ("L", "RGB"):
        return image
    if mode == "1":
        return image.convert("L")
    if mode.startswith("I;16") or mode in ("I", "F"):
        return Image.fromarray(_scaled(np.asarray(image), mode), "L")
    if mode in ("LA", "La"):
        return Image.fromarray(_over_white(np.asarray(image.convert("LA")))[..., 0], "L")
    if mode == "P" and "transparency" in image.info or mode in ("PA", "RGBa"):
        mode = "RGBA"
        image = image.convert("RGBA")
    if mode == "RGBA":
        return Image.fromarray(_over_white(np.asarray(image)), "RGB")
    return image.convert("RGB")


def fitted(image, size: int, fit: str):
    """An "L" or "RGB" image -> size x size by `fit` ("crop" or "pad"), bicubic."""
    Image, _ = _pil()
    w, h = image.size
    if fit == "crop":
        side = min(w, h)
        box = ((w - side) / 2, (h - side) / 2, (w + side) / 2, (h + side) / 2)
        return image.resize((size, size), Image.BICUBIC, box=box)
    scale = size / max(w, h)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    canvas = Image.new(image.mode, (size, size), 0)
    canvas.paste(image.resize((new_w, new_h), Image.BICUBIC), ((size - new_w) // 2, (size - new_h) // 2))
    return canvas


def decode(path, size: int, channels: int, fit: str = "crop") -> tuple[np.ndarray, bool]:
    """(uint8 (channels, size, size), whether the picture is grey) of the picture at `path`.

    channels: 1 (grey, ITU-R 601 luma) or 3 (RGB). A picture is grey when its mode is a grey
    one or its three channels are equal everywhere once fitted. Raises what Pillow raises
    for a file it cannot read (OSError, ValueError, SyntaxError...)."""
    Image, ImageOps = _pil()
    with Image.open(path) as image:
        if image.format == "JPEG":
            image.draft(image.mode, (size, size))
        image = ImageOps.exif_transpose(image)  # a copy, loaded, upright
    grey_mode = image.mode in GREY_MODES or image.mode == "P" and _grey_palette(image)
    image = fitted(to_8bit(image), size, fit)
    array = np.asarray(image)
    if array.ndim == 2:
        return np.broadcast_to(array, (channels, size, size)), True
    grey = grey_mode or bool((array[..., 0] == array[..., 1]).all() and (array[..., 1] == array[..., 2]).all())
    if channels == 1:
        return np.asarray(image.convert("L"))[None], grey
    return array.transpose(2, 0, 1), grey


def _grey_palette(image) -> bool:
    palette = image.getpalette() or []
    return all(palette[i] == palette[i + 1] == palette[i + 2] for i in range(0, len(palette) - 2, 3))
