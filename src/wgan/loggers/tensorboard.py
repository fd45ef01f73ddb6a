"""TensorBoard event files in run_dir/tensorboard: the scalars, and the figures as the PNG
bytes written (`wgan[tensorboard]`)."""
from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any, Mapping


class TensorBoardLogger:
    """A torch SummaryWriter in run_dir/tensorboard."""

    requires = "tensorboard"  # the package it needs, checked before the run starts

    def __init__(self) -> None:
        self.writer: Any = None

    def start(self, run_dir: Path, config: Mapping[str, Any]) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            from . import missing_extra

            raise missing_extra("tensorboard", "tensorboard") from None
        self.writer = SummaryWriter(log_dir=str(Path(run_dir) / "tensorboard"))

    def log_metrics(self, step: int, metrics: Mapping[str, float]) -> None:
        for key, value in metrics.items():
            if isinstance(value, (int, float)) and math.isfinite(value):
                self.writer.add_scalar(key, value, step)

    def log_image(self, step: int, name: str, png: bytes) -> None:
        """The PNG bytes as written (TensorBoard stores images PNG-encoded: decoding and
        encoding them again cost ~40 ms a figure)."""
        from PIL import Image
        from tensorboard.compat.proto.summary_pb2 import Summary

        with Image.open(io.BytesIO(png)) as image:  # reads the header only
            (width, height), channels, kind = image.size, len(image.getbands()), image.format
        if kind != "PNG":
            raise ValueError(f"{name} at step {step}: TensorBoard images are PNG, not {kind}")
        picture = Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=png)
        self.writer.file_writer.add_summary(Summary(value=[Summary.Value(tag=name, image=picture)]), step)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
