"""Figures of a training run: the critic's landscape, the training curves, image grids."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from . import base
from ..formatting import significant
from .base import iter_steps


def landscape_points(real: np.ndarray, fake: np.ndarray, resolution: int = 120) -> np.ndarray:
    """The float32 points (k, d) at which `plot_landscape` scores the critic: a line over the
    data for d = 1 (3 x resolution points), else a resolution x resolution grid over the
    plane of dimensions 0 and 1, the others at the real points' mean."""
    d = real.shape[1]
    if d == 1:
        (lo,), (hi,) = base.extent([real, fake])
        return np.linspace(lo, hi, max(3 * resolution, 2))[:, None].astype(np.float32)
    lo, hi = base.extent([real[:, :2], fake[:, :2]])
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.repeat(np.asarray(real, dtype=np.float64).mean(axis=0, keepdims=True), gx.size, axis=0)
    grid[:, 0], grid[:, 1] = gx.ravel(), gy.ravel()
    return grid.astype(np.float32)


def plot_landscape(critic: Callable[[np.ndarray], np.ndarray] | np.ndarray, real: np.ndarray, fake: np.ndarray,
                   path: Path, title: str = "", resolution: int = 120) -> Path:
    """The critic's scores with real and generated points, for points of any dimension d.

    critic: maps float32 points (k, d) to scores (k,), or its scores (k,) already computed at
    `landscape_points(real, fake, resolution)`. real: (n, d); fake: (m, d).
    d = 1: the critic's values along the line over the data, above histograms of real and
    generated points. d = 2: a filled contour over the plane, the points on top. d >= 3:
    real and generated points projected on dimensions 0 and 1, over the critic's contour on
    the plane through the real points' mean (dimensions 2 to d - 1 held at their mean);
    the title says so.
    """
    d = real.shape[1]
    points = landscape_points(real, fake, resolution)
    scores = np.asarray(critic(points) if callable(critic) else critic).reshape(-1)
    if d == 1:
        return _landscape_1d(points[:, 0], scores, real, fake, path, title)
    plt = base.pyplot()
    lo, hi = base.extent([real[:, :2], fake[:, :2]])
    fig, ax = plt.subplots(figsize=(6.4, 6.6) if d >= 3 else (6, 6))
    gx = points[:, 0].reshape(resolution, resolution)
    gy = points[:, 1].reshape(resolution, resolution)
    scores = scores.reshape(gx.shape)
    filled = ax.contourf(gx, gy, scores, levels=30, cmap="viridis")
    ax.contour(gx, gy, scores, levels=12, colors="white", linewidths=0.4, alpha=0.5)
    fig.colorbar(filled, ax=ax, fraction=0.046, pad=0.04,
                 label="critic f(x)" if d == 2 else "critic f(x) on that plane")
    ax.scatter(real[:, 0], real[:, 1], s=3, c="#ff7f0e", alpha=0.6, label="real (held out)")
    ax.scatter(fake[:, 0], fake[:, 1], s=3, c="white", edgecolors="none", alpha=0.8, label="generated")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal")
    ax.legend(loc="upper right", markerscale=4, fontsize=8, facecolor="#dddddd")
    base.label_projection(ax, d)
    note = ""
    if d >= 3:
        rest = "dimension 2" if d == 3 else f"dimensions 2-{d - 1}"
        note = f"{base.projection(d)};\ncritic f on the plane with {rest} at the real data's mean"
    ax.set_title(base.with_note(title, note), fontsize=10 if d == 2 else 9)
    return base.save(fig, path, dpi=110)


def _landscape_1d(xs: np.ndarray, scores: np.ndarray, real: np.ndarray, fake: np.ndarray,
                  path: Path, title: str) -> Path:
    """plot_landscape for d = 1: f(x) at xs over a line above histograms of real (n, 1) and fake (m, 1)."""
    plt = base.pyplot()
    lo, hi = float(xs[0]), float(xs[-1])
    fig, (ax, axh) = plt.subplots(2, 1, figsize=(7, 6), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    ax.plot(xs, scores, color="#2ca02c", lw=2, label="critic f(x)")
    ax.set_ylabel("critic f(x)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    ax.set_title(title, fontsize=10)
    base.histograms(axh, [(real[:, 0], "real (held out)", "#ff7f0e"), (fake[:, 0], "generated", "#1f77b4")], lo, hi)
    axh.set_xlabel("x")
    axh.set_xlim(lo, hi)
    axh.grid(alpha=0.3)
    return base.save(fig, path, dpi=110)


def plot_training_curves(records: Sequence[dict[str, Any]], path: Path, title: str = "") -> Path:
    """The critic's W estimate (raw and divided by its Lipschitz constant) against the
    exact W1 and its noise floor over generator steps; mode metrics when present."""
    plt = base.pyplot()
    has_modes = any("high_quality" in r for r in records)
    fig, axes = plt.subplots(1, 2 if has_modes else 1, figsize=(12 if has_modes else 7, 6),
                             squeeze=False)
    ax = axes[0, 0]
    key = next((k for r in records for k in r if k.startswith("critic_") and k.endswith("_estimate")),
               "critic_w_estimate")
    what = {"critic_w_estimate": "E[f(real)] - E[f(fake)]"}.get(key, key[len("critic_"):-len("_estimate")])
    eval_records = [r for r in records if "w1" in r]
    n = next((r.get("w1_n", r["eval_n"]) for r in reversed(eval_records) if "eval_n" in r), None)
    n_words = f"{n} generated vs {n} held-out" if n else "n = eval.samples"
    k = next((r["critic_n"] for r in reversed(eval_records) if "critic_n" in r), None)
    critic_words = f" ({k} a side)" if k and k != n else ""
    series = [
        (key, f"critic estimate {what} (train batches)", "#1f77b4", 0.35, "-"),
        ("w1", f"exact W1 (one fixed held-out draw, {n_words})", "black", 1.0, "-"),
        ("w1_floor", "real-vs-real noise floor (one draw)", "grey", 1.0, "--"),
        ("critic_w_over_lipschitz", f"critic estimate / empirical Lipschitz K{critic_words}", "#2ca02c", 1.0, "-"),
    ]
    _floor_band(ax, eval_records)
    for name, label, color, alpha, style in series:
        steps, values = iter_steps(records, name)
        if steps:
            ax.plot(steps, values, style, color=color, alpha=alpha, label=label,
                    marker="" if name == key else ".")
    steps, values = iter_steps(eval_records, f"eval_{key}")
    if steps:
        ax.plot(steps, values, ".-", color="#1f77b4",
                label=f"critic estimate (eval set, {k} a side)" if critic_words else "critic estimate (eval set)")
    final = next((r for r in reversed(eval_records) if "w1_mean" in r), None)
    if final is not None:
        ax.errorbar([final["step"]], [final["w1_mean"]], yerr=[final["w1_std"]], fmt="D", color="#d62728",
                    markersize=5, capsize=4, zorder=5,
                    label=f"exact W1 at the end: mean +- sd over {final['draws']} draws "
                          f"({significant(final['w1_mean'])} +- {significant(final['w1_std'])})")
    ax.set_yscale("symlog", linthresh=1e-2)
    ax.set_xlabel("generator step")
    ax.set_ylabel("distance")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)  # off the curves
    ax.set_title(title or "critic estimate and exact W1", fontsize=10)
    if has_modes:
        ax2 = axes[0, 1]
        steps, hq = iter_steps(eval_records, "high_quality")
        ax2.plot(steps, [100 * v for v in hq], ".-", color="#9467bd", label="high-quality samples (%)")
        ax2.set_ylim(0, 100)
        ax2.set_ylabel("high-quality samples (%)")
        ax2.set_xlabel("generator step")
        twin = ax2.twinx()
        steps, modes = iter_steps(eval_records, "modes")
        total = max(int(r.get("modes_total", 0)) for r in eval_records)
        twin.plot(steps, modes, "s--", color="#8c564b", markersize=3, label="modes captured")
        twin.set_ylim(0, total + 0.5)
        twin.set_ylabel(f"modes captured (of {total})")
        ax2.grid(alpha=0.3)
        lines = ax2.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
        ax2.legend(lines, [ln.get_label() for ln in lines], fontsize=8, loc="lower right")
        ax2.set_title("mode coverage", fontsize=10)
    return base.save(fig, path, dpi=110)


def _floor_band(ax, eval_records: Sequence[dict[str, Any]]) -> None:
    """The floor +- its standard deviation over evaluation draws, where the records hold it."""
    rows = [r for r in eval_records if r.get("w1_floor_std") is not None and np.isfinite(r["w1_floor_std"])]
    if not rows:
        return
    centre = rows[-1].get("w1_floor_mean", float(np.mean([r["w1_floor"] for r in rows])))
    sd = rows[-1]["w1_floor_std"]
    steps = [r["step"] for r in eval_records]
    ax.fill_between([min(steps), max(steps)], centre - sd, centre + sd, color="grey", alpha=0.2, lw=0,
                    label=f"floor, mean +- sd over {rows[-1].get('draws', '?')} draws ({significant(centre)} +- {significant(sd)})")


def grid_columns(n: int) -> int:
    """Columns of a grid of n images: the smallest divisor of n from sqrt(n) up to 2 sqrt(n), so
    the grid is a full rectangle (40: 8 x 5, not 7 x 6 with 2 empty cells); ceil(sqrt(n)) where
    none is (a prime n)."""
    root = int(np.ceil(np.sqrt(n)))
    return next((c for c in range(root, int(2 * np.sqrt(n)) + 1) if n % c == 0), root)


def image_grid(images: np.ndarray, nrow: int | None = None, padding: int = 2) -> np.ndarray:
    """Tile images (n, C, H, W) in [-1, 1] into one uint8 (rows*H, cols*W, C) picture, nrow
    images a row (default `grid_columns(n)`)."""
    n, c, h, w = images.shape
    nrow = nrow or grid_columns(n)
    ncol = int(np.ceil(n / nrow))
    grid = np.full((ncol * (h + padding) + padding, nrow * (w + padding) + padding, c), 255, np.uint8)
    pixels = np.clip((images + 1.0) * 127.5, 0, 255).round().astype(np.uint8).transpose(0, 2, 3, 1)
    for i, image in enumerate(pixels):
        r, col = divmod(i, nrow)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[top:top + h, left:left + w] = image
    return grid


TITLE_SIZE, LABEL_SIZE = 9, 8  # points


def _text_inches(text: str, size: float) -> float:
    """Width in inches of the longest line of `text` at font size `size` (points)."""
    from matplotlib.textpath import TextPath

    return max((TextPath((0, 0), line or " ", size=size).get_extents().width for line in text.split("\n")),
               default=0.0) / 72


def plot_image_grid(images: np.ndarray, path: Path, title: str = "", nrow: int | None = None,
                    scale: int = 0, row_labels: Sequence[str] | None = None) -> Path:
    """Save a grid of images (n, C, H, W) in [-1, 1] as a PNG, nrow images a row, with a title
    above it and, given row_labels, each row labelled on its left (a conditional generator's
    class names). The figure is widened where the title or labels need it: nothing is clipped."""
    plt = base.pyplot()
    grid = image_grid(images, nrow)
    h, w = grid.shape[:2]
    scale = scale or max(1, int(np.ceil(480 / max(h, w))))
    grid_w, grid_h = w * scale / 100, h * scale / 100
    margin = 0.15 + max((_text_inches(str(label), LABEL_SIZE) for label in row_labels), default=0) if row_labels else 0
    lines = title.count("\n") + 1 if title else 0
    title_h = 0.12 + 0.19 * lines if title else 0
    side = max(margin, (_text_inches(title, TITLE_SIZE) + 0.3 - grid_w) / 2 if title else 0)
    fig_w, fig_h = grid_w + 2 * side, grid_h + title_h
    fig = plt.figure(figsize=(fig_w, fig_h), dpi=100)
    ax = fig.add_axes((side / fig_w, 0, grid_w / fig_w, grid_h / fig_h))
    ax.imshow(grid[..., 0] if grid.shape[2] == 1 else grid, cmap="gray", vmin=0, vmax=255,
              interpolation="nearest")
    ax.axis("off")
    if row_labels:
        size, padding = images.shape[2], 2  # image_grid's padding
        for r, label in enumerate(row_labels):
            ax.annotate(str(label), (0, padding + r * (size + padding) + size / 2 - 0.5),
                        xycoords=("axes fraction", "data"), xytext=(-4, 0), textcoords="offset points",
                        ha="right", va="center", fontsize=LABEL_SIZE)
    if title:
        fig.text(0.5, 1 - (title_h - 0.06) / fig_h, title, ha="center", va="bottom", fontsize=TITLE_SIZE)
    return base.write(fig, path)
