"""TensorBoard gets the scalars of metrics.jsonl and the figures as the PNG files on disk."""
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from wgan.cli import main
from wgan.runs import read_metrics

pytest.importorskip("tensorboard")


def _events(log_dir: Path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(log_dir), size_guidance={"images": 0, "scalars": 0})
    events.Reload()
    return events


@pytest.mark.parametrize("data", ["eight_gaussians", "digits"])
def test_a_run_writes_its_scalars_and_figures_to_tensorboard(tmp_path, data):
    out = tmp_path / "run"
    assert main(["train", "--data", data, "--out", str(out), "--steps", "4", "--no-progress",
                 "--set", "train.batch_size=16", "--set", "eval.every=2", "--set", "eval.samples=64",
                 "--set", "eval.log_every=2", "--set", "eval.tensorboard='on'", "--set", "train.threads=1",
                 *(["--set", "data.image_size=16"] if data == "digits" else [])]) == 0  # no image size on points
    events = _events(out / "tensorboard")
    records = [r for r in read_metrics(out) if "w1" in r]
    w1 = events.Scalars(next(tag for tag in events.Tags()["scalars"] if tag.endswith("w1")))
    assert [e.step for e in w1] == [r["step"] for r in records]
    assert np.allclose([e.value for e in w1], [r["w1"] for r in records], rtol=1e-6)

    kind = "samples" if data == "digits" else "landscape"
    assert set(events.Tags()["images"]) == {kind, "curves"}
    snapshots = events.Images(kind)
    assert [e.step for e in snapshots] == [0, 2, 4]
    # the image at each step is that step's figure, byte for byte, with its true size
    for event in snapshots:
        png = (out / "figures" / f"{kind}_step{event.step:06d}.png").read_bytes()
        assert event.encoded_image_string == png
        with Image.open(out / "figures" / f"{kind}_step{event.step:06d}.png") as image:
            assert (event.width, event.height) == image.size
    (curves,) = events.Images("curves")
    assert curves.step == 4 and curves.encoded_image_string == (out / "figures" / "curves.png").read_bytes()
