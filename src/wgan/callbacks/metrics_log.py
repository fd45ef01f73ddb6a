"""metrics.jsonl, one JSON object per logged line, and the same scalars in TensorBoard."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ..runs import METRICS, MetricsLog, open_tensorboard
from ..steps import TrainingState
from .base import Callback


class TensorBoard:
    """A SummaryWriter in run_dir/tensorboard opened once the run directory is ready (mode:
    auto | on | off), shared by the log (scalars) and the figures (images)."""

    def __init__(self, run_dir: Path, mode: str) -> None:
        self.run_dir, self.mode, self.writer = Path(run_dir), mode, None

    def open(self) -> Any | None:
        self.writer = open_tensorboard(self.run_dir, self.mode)
        return self.writer

    def add_image(self, tag: str, path: Path, step: int) -> None:
        """The PNG at `path` as the image `tag` at `step`, its bytes as written (TensorBoard
        stores images PNG-encoded: decoding and encoding it again cost ~40 ms a figure)."""
        if self.writer is None:
            return
        from PIL import Image
        from tensorboard.compat.proto.summary_pb2 import Summary

        encoded = Path(path).read_bytes()
        with Image.open(io.BytesIO(encoded)) as image:  # reads the header only
            (width, height), channels = image.size, len(image.getbands())
        if image.format != "PNG":
            raise ValueError(f"{path}: TensorBoard images are PNG files, not {image.format}")
        picture = Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=encoded)
        self.writer.file_writer.add_summary(Summary(value=[Summary.Value(tag=tag, image=picture)]), step)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


class MetricsLogger(Callback):
    """Writes every logged line; a resumed run first drops lines past its checkpoint's step."""

    def __init__(self, run_dir: Path, tensorboard: TensorBoard) -> None:
        self.path, self.tensorboard = Path(run_dir) / METRICS, tensorboard
        self.log = MetricsLog(self.path)

    def on_start(self, state: TrainingState) -> None:
        self.log = MetricsLog(self.path, self.tensorboard.open())
        if state.step:
            self.log.truncate_after(state.step)

    def on_log(self, state: TrainingState, record: dict[str, Any], evaluate: bool) -> None:
        self.log.write(record)

    def close(self) -> None:
        self.tensorboard.close()
