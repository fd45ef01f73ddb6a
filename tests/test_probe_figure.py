"""`wgan explore` on 2-D points: its labels stay readable where the probes cluster."""
import numpy as np

from wgan.plots import base
from wgan.plots.samples import probe_points_figure, spaced


def _overlaps(boxes) -> list[tuple[int, int]]:
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]


def _label_boxes(fig):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for ax in fig.axes for t in ax.texts]


def test_clustered_per_point_labels_do_not_overlap():
    """Eight one-hot probes within 0.01 of each other over data spread to +-1.5 (a freshly
    trained generator): the labels drawn do not overlap, and the zoomed panel shows them."""
    rng = np.random.default_rng(0)
    real = rng.uniform(-1.5, 1.5, size=(500, 2))
    outputs = (0.2 + 0.01 * rng.uniform(size=(1, 8, 2)))
    fig = probe_points_figure(real, outputs, [], [f"z[{d}] = 1" for d in range(8)], "one-hot")
    boxes = _label_boxes(fig)
    assert boxes and _overlaps(boxes) == []
    zoom = fig.axes[1]
    assert zoom.get_xlim()[1] - zoom.get_xlim()[0] < 0.1  # zoomed to the probes, not the data
    base.pyplot().close(fig)


def test_sweep_labels_are_start_and_end_markers_not_text_on_every_path():
    rng = np.random.default_rng(1)
    real = rng.uniform(-1.5, 1.5, size=(500, 2))
    outputs = 0.3 + 0.02 * rng.normal(size=(8, 8, 2)).cumsum(axis=1)
    fig = probe_points_figure(real, outputs, [f"z[{d}]" for d in range(8)], [f"{v:.2f}" for v in np.linspace(0, 1, 8)],
                              "sweep")
    assert _label_boxes(fig) == []  # no text on the paths: 16 endpoint labels used to pile up
    legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert legend == ["start (0.00)", "end (1.00)"]
    base.pyplot().close(fig)


def test_spaced_keeps_labels_apart_greedily():
    positions = np.array([[0.5, 0.5], [0.52, 0.51], [0.6, 0.5], [0.5, 0.6], [0.9, 0.9]])
    assert spaced(positions, (0.07, 0.035)) == [True, False, True, True, True]
