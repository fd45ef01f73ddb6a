"""Figures of generated samples: points over the real data, and latent probes (paths of
points, or labelled image grids)."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from . import base
from .training import image_grid


def plot_points(samples: np.ndarray, real: np.ndarray | None, path: Path, title: str) -> Path:
    """Generated points (n, d) over real points (m, d) or None. d = 1: histograms of both;
    d = 2: a scatter of the plane; d >= 3: a scatter of dimensions 0 and 1, labelled so."""
    plt = base.pyplot()
    d = samples.shape[1]
    if d == 1:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        (lo,), (hi,) = base.extent([samples] + ([real] if real is not None else []))
        series = ([(real[:, 0], "real (held out)", "#ff7f0e")] if real is not None else [])
        base.histograms(ax, series + [(samples[:, 0], "generated", "#1f77b4")], lo, hi)
        ax.set_xlabel("x")
        ax.set_xlim(lo, hi)
        ax.grid(alpha=0.3)
        ax.set_title(title, fontsize=10)
        return base.save(fig, path, dpi=110)
    fig, ax = plt.subplots(figsize=(6, 6))
    if real is not None:
        ax.scatter(real[:, 0], real[:, 1], s=3, c="#ff7f0e", alpha=0.5, label="real (held out)")
    ax.scatter(samples[:, 0], samples[:, 1], s=3, c="#1f77b4", alpha=0.8, label="generated")
    ax.set_aspect("equal")
    ax.legend(markerscale=4, fontsize=8)
    base.label_projection(ax, d)
    ax.set_title(base.with_note(title, base.projection(d)), fontsize=10)
    return base.save(fig, path, dpi=110)


def plot_probe_points(real: np.ndarray, outputs: np.ndarray, row_labels: Sequence[str],
                      col_labels: Sequence[str], path: Path, title: str) -> Path:
    """Generated points (rows, cols, d) over the real data (n, d); each row is one probe drawn
    as a path, its first and last points labelled (every point when col_labels has one label
    per point). d = 1: each probe's values against its column, beside a histogram of the real
    data; d = 2: the plane; d >= 3: the projection on dimensions 0 and 1, labelled so."""
    plt = base.pyplot()
    d = real.shape[1]
    rows, cols = outputs.shape[:2]
    per_point = len(col_labels) == rows * cols
    colors = plt.get_cmap("tab10")
    if d == 1:
        fig, (ax, axh) = plt.subplots(1, 2, figsize=(9, 5.5), sharey=True,
                                      gridspec_kw={"width_ratios": [4, 1]})
        for r in range(rows):
            ax.plot(range(cols), outputs[r, :, 0], "-o", markersize=3, color=colors(r % 10), alpha=0.9,
                    label=row_labels[r] if row_labels else None)
            if per_point:
                for c in range(cols):
                    ax.annotate(col_labels[r * cols + c], (c, outputs[r, c, 0]), fontsize=6, xytext=(3, 3),
                                textcoords="offset points")
        if not per_point:
            ax.set_xticks(range(cols), list(col_labels)[:cols], fontsize=7, rotation=30)
        ax.set_xlabel("probe point")
        ax.set_ylabel("generated x")
        ax.grid(alpha=0.3)
        if row_labels:
            ax.legend(fontsize=7, loc="best")
        counts, edges = np.histogram(real[:, 0][np.isfinite(real[:, 0])], bins=40)
        axh.stairs(counts, edges, orientation="horizontal", fill=True, color="lightgrey")
        axh.stairs(counts, edges, orientation="horizontal", color="grey")
        axh.set_xlabel(f"real data (n = {len(real)})")
        fig.suptitle(title, fontsize=10)
        return base.save(fig, path, dpi=110)
    fig, ax = plt.subplots(figsize=(7, 6.5))
    ax.scatter(real[:, 0], real[:, 1], s=2, c="lightgrey", label="real")
    for r in range(rows):
        pts = outputs[r]
        label = row_labels[r] if row_labels else None
        ax.plot(pts[:, 0], pts[:, 1], "-o", markersize=3, color=colors(r % 10), label=label, alpha=0.9)
        for c in (range(len(pts)) if per_point else [0, len(pts) - 1]):
            text = col_labels[r * len(pts) + c] if per_point else col_labels[c]
            ax.annotate(text, pts[c, :2], fontsize=6, xytext=(3, 3), textcoords="offset points")
    ax.set_aspect("equal")
    ax.legend(fontsize=7, loc="best")
    base.label_projection(ax, d)
    ax.set_title(base.with_note(title, base.projection(d)), fontsize=10)
    return base.save(fig, path, dpi=110)


def plot_probe_grid(images: np.ndarray, row_labels: Sequence[str], col_labels: Sequence[str],
                    path: Path, title: str) -> Path:
    """Generated images (rows, cols, C, H, W) in [-1, 1], each row and column labelled.

    col_labels holds one label per column, or one per image (rows * cols). The images are
    tiled into one picture, so a 128-probe grid draws as fast as a 4-probe one.
    """
    plt = base.pyplot()
    rows, cols, c, h, w = images.shape
    padding = max(1, h // 8)
    grid = image_grid(images.reshape(rows * cols, c, h, w), nrow=cols, padding=padding)
    cell = 1.1
    fig, ax = plt.subplots(figsize=(1.6 + cols * cell, 0.9 + rows * cell))
    ax.imshow(grid[..., 0] if grid.shape[2] == 1 else grid, cmap="gray", vmin=0, vmax=255,
              interpolation="nearest")
    centre = lambda k, size: padding + k * (size + padding) + size / 2 - 0.5
    per_image = len(col_labels) == rows * cols
    ax.set_xticks([centre(k, w) for k in range(cols)])
    ax.set_xticklabels([] if per_image else list(col_labels)[:cols], fontsize=7)
    ax.xaxis.tick_top()
    ax.set_yticks([centre(k, h) for k in range(rows)] if row_labels else [])
    ax.set_yticklabels(list(row_labels)[:rows] if row_labels else [], fontsize=7)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if per_image:
        for k, label in enumerate(col_labels):
            r, col = divmod(k, cols)
            ax.text(centre(col, w), padding + r * (h + padding) - padding / 2, label, fontsize=6,
                    ha="center", va="bottom")
    fig.suptitle(title, fontsize=10)
    return base.save(fig, path, dpi=100)
