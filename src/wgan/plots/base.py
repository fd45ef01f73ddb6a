"""What every figure shares: pyplot on the Agg backend (imported when a figure is drawn, never
before), saving, the data's extent, 1-D histograms and the labels of a 2-D projection."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend, imported here on first use."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, path: Path, dpi: int = 110) -> Path:
    """Lay out, write and close a figure."""
    fig.tight_layout()
    return write(fig, path, dpi=dpi)


def write(fig, path: Path, **kwargs: Any) -> Path:
    """Write a figure as it is laid out (atomically, through `wgan.outputs`) and close it,
    whether or not the write succeeds."""
    from ..outputs import save_figure

    try:
        return save_figure(fig, path, **kwargs)
    finally:
        pyplot().close(fig)


def projection(d: int) -> str:
    """How a figure shows d-dimensional points: '' for d <= 2, else the projection it draws."""
    return f"projection on dimensions 0 and 1 of {d}" if d >= 3 else ""


def with_note(title: str, note: str) -> str:
    return f"{title}\n{note}" if title and note else title or note


def label_projection(ax, d: int) -> None:
    """Axis labels 'dimension 0 (of d)' / 'dimension 1 (of d)' for d >= 3; none otherwise."""
    if d >= 3:
        ax.set_xlabel(f"dimension 0 (of {d})")
        ax.set_ylabel(f"dimension 1 (of {d})")


def extent(arrays: Sequence[np.ndarray], pad_fraction: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi), each (k,): the 0.5 to 99.5 percentiles of the finite rows of (n, k) arrays,
    widened by pad_fraction of the largest span."""
    both = np.concatenate([np.asarray(a, dtype=np.float64) for a in arrays])
    both = both[np.isfinite(both).all(axis=1)]
    if len(both) == 0:
        return -np.ones(both.shape[1]), np.ones(both.shape[1])
    lo, hi = np.percentile(both, 0.5, axis=0), np.percentile(both, 99.5, axis=0)
    pad = pad_fraction * (hi - lo).max() + 1e-3
    return lo - pad, hi + pad


def histograms(ax, series: Sequence[tuple[np.ndarray, str, str]], lo: float, hi: float,
                bins: int = 50) -> None:
    """Density histograms of 1-D samples on shared bins over [lo, hi]: (values (n,), label, color)
    each; a label says how many values fall outside the range."""
    edges = np.linspace(lo, hi, bins + 1)
    for values, label, color in series:
        values = np.asarray(values, dtype=np.float64).ravel()
        outside = int(((values < lo) | (values > hi) | ~np.isfinite(values)).sum())
        inside = values[(values >= lo) & (values <= hi)]
        label = f"{label}, n = {len(values)}" + (f" ({outside} outside the plot)" if outside else "")
        if len(inside):
            density, _ = np.histogram(inside, edges, density=True)
            ax.stairs(density, edges, fill=True, alpha=0.45, color=color, label=label)
            ax.stairs(density, edges, color=color, lw=1.2)
        else:
            ax.plot([], [], color=color, label=label)
    ax.set_ylabel("density")
    ax.legend(fontsize=8)


def iter_steps(records: Iterable[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    """(steps, values) of the records that hold `key`."""
    pairs = [(r["step"], r[key]) for r in records if r.get(key) is not None]
    return [p[0] for p in pairs], [float(p[1]) for p in pairs]
