"""Figures of generated samples: points over the real data, latent probes (paths of
points, or labelled image grids), and the generated samples nearest to the training set
beside their nearest training examples (the memorisation check)."""
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
    fig = probe_points_figure(real, outputs, row_labels, col_labels, title)
    return base.save(fig, path, dpi=110)


LABEL_SPACING = (0.07, 0.035)  # axes fractions: labels closer than this to a kept one are left out


def spaced(positions: np.ndarray, spacing: tuple[float, float] = LABEL_SPACING) -> list[bool]:
    """Which of the positions (n, 2), in axes fractions, keep their label: greedily, in order,
    each kept label at least `spacing` (dx or dy) from every label kept before it."""
    kept: list[np.ndarray] = []
    keep = []
    for xy in positions:
        ok = all(abs(xy[0] - k[0]) >= spacing[0] or abs(xy[1] - k[1]) >= spacing[1] for k in kept)
        keep.append(bool(ok))
        if ok:
            kept.append(xy)
    return keep


def probe_points_figure(real: np.ndarray, outputs: np.ndarray, row_labels: Sequence[str],
                        col_labels: Sequence[str], title: str):
    """The figure of plot_probe_points for d >= 2: the probes over the real data (left) and, with
    their labels, zoomed to the probes' own extent (right), where labels that would overlap an
    earlier one are left out; a sweep's start and end are marked (circle, triangle), not written
    on each path."""
    plt = base.pyplot()
    d = real.shape[1]
    rows, cols = outputs.shape[:2]
    per_point = len(col_labels) == rows * cols
    colors = plt.get_cmap("tab10")
    fig, (ax, zoom) = plt.subplots(1, 2, figsize=(12, 6.2))
    ax.scatter(real[:, 0], real[:, 1], s=2, c="lightgrey", label="real")
    zoom.scatter(real[:, 0], real[:, 1], s=2, c="lightgrey")
    for r in range(rows):
        pts = outputs[r]
        label = row_labels[r] if row_labels else None
        for a in (ax, zoom):
            a.plot(pts[:, 0], pts[:, 1], "-o", markersize=3, color=colors(r % 10), label=label if a is ax else None,
                   alpha=0.9)
        if not per_point and cols > 1:
            zoom.plot(*pts[0, :2], "o", markersize=8, mfc="none", color=colors(r % 10))
            zoom.plot(*pts[-1, :2], "^", markersize=8, color=colors(r % 10))
    flat = outputs.reshape(rows * cols, -1)[:, :2]
    low, high = flat.min(axis=0), flat.max(axis=0)
    pad = np.maximum((high - low) * 0.08, 1e-6 + 1e-3 * np.abs(flat).max())
    zoom.set_xlim(low[0] - pad[0], high[0] + 2 * pad[0])  # room for the labels, right of their points
    zoom.set_ylim(low[1] - pad[1], high[1] + pad[1])
    if per_point:
        fractions = (flat - (low - pad)) / (high - low + np.array([3.0, 2.0]) * pad)
        keep = spaced(fractions)
        for k, kept in enumerate(keep):
            if kept:
                zoom.annotate(col_labels[k], flat[k], fontsize=6, xytext=(3, 3), textcoords="offset points")
    elif cols > 1:
        zoom.plot([], [], "o", mfc="none", color="black", label=f"start ({col_labels[0]})")
        zoom.plot([], [], "^", color="black", label=f"end ({col_labels[cols - 1]})")
        zoom.legend(fontsize=7, loc="best")
    ax.set_aspect("equal")
    ax.legend(fontsize=7, loc="best")
    base.label_projection(ax, d)
    base.label_projection(zoom, d)
    ax.set_title("over the real data", fontsize=9)
    left_out = per_point and not all(keep)
    zoom.set_title("zoomed to the probes" + (" (overlapping labels left out)" if left_out else ""), fontsize=9)
    fig.suptitle(base.with_note(title, base.projection(d)), fontsize=10)
    return fig


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


def plot_memorisation(generated: np.ndarray, train: np.ndarray, neighbours: np.ndarray, distances: np.ndarray,
                      threshold: float, path: Path, title: str = "", count: int = 0) -> Path:
    """The generated samples closest to the training set, beside their nearest training examples.

    generated (n, ...) and train (m, ...): images (C, H, W) in [-1, 1] (uint8 training images
    are scaled) or points (d,); neighbours, distances (n, k): each generated sample's k
    nearest training examples (indices into train) and their distances, nearest first;
    threshold: the distance below which a sample counts as a likely copy (drawn in red).
    Images: one row per generated sample, the `count` (default 8) closest ones, the
    generated image then its k nearest training images, each labelled with its distance.
    Points: generated and training points, with a line from each of the `count` (default
    50) closest generated points to its nearest training point; d = 1 on two rows (training
    below, generated above), d >= 3 the projection on dimensions 0 and 1.
    """
    plt = base.pyplot()
    order = np.argsort(distances[:, 0], kind="stable")
    if generated.ndim == 4:
        return _memorisation_images(plt, generated, train, neighbours, distances, threshold, path, title,
                                    order[:count or 8])
    chosen = order[:count or 50]
    d = generated.shape[1]
    fig, ax = plt.subplots(figsize=(7, 7) if d > 1 else (8, 4.5))
    near = train[neighbours[chosen, 0]]
    if d == 1:
        jitter = np.random.default_rng(0)
        y_train = 0.15 * jitter.standard_normal(len(train))
        y_gen = 1 + 0.15 * jitter.standard_normal(len(generated))
        ax.scatter(train[:, 0], y_train, s=4, c="#ff7f0e", alpha=0.5, label=f"training ({len(train)})")
        ax.scatter(generated[:, 0], y_gen, s=4, c="#1f77b4", alpha=0.6, label=f"generated ({len(generated)})")
        segments = [((g, y_gen[i]), (t, y_train[neighbours[i, 0]]))
                    for i, g, t in zip(chosen, generated[chosen, 0], near[:, 0])]
        ax.set_yticks([0, 1], ["training", "generated"])
        ax.set_xlabel("x")
    else:
        ax.scatter(train[:, 0], train[:, 1], s=4, c="#ff7f0e", alpha=0.5, label=f"training ({len(train)})")
        ax.scatter(generated[:, 0], generated[:, 1], s=4, c="#1f77b4", alpha=0.6,
                   label=f"generated ({len(generated)})")
        segments = [(tuple(g[:2]), tuple(t[:2])) for g, t in zip(generated[chosen], near)]
        ax.set_aspect("equal", adjustable="datalim")  # the axes keep the figure's width
        base.label_projection(ax, d)
    for (start, end), i in zip(segments, chosen):
        copy = distances[i, 0] < threshold
        ax.plot([start[0], end[0]], [start[1], end[1]], "-", lw=1.6 if copy else 1.0,
                color="#d62728" if copy else "black", alpha=0.8, zorder=3 if copy else 2)
    ax.plot([], [], "-", color="black",
            label=f"the {len(chosen)} generated points closest to the training set,\neach to its nearest training point")
    ax.plot([], [], "-", color="#d62728", label=f"closer than the copy threshold {threshold:.3g}")
    # below the axes, inside the figure: a legend over the points hid them, and a wide one was cut off
    ax.legend(fontsize=7, markerscale=3, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2,
              frameon=False)
    ax.grid(alpha=0.3)
    ax.set_title(base.with_note(title, base.projection(d)), fontsize=9)
    return base.save(fig, path, dpi=110)


def _memorisation_images(plt, generated, train, neighbours, distances, threshold, path, title, chosen) -> Path:
    if train.dtype == np.uint8:
        train = train.astype(np.float32) / 127.5 - 1.0
    k = neighbours.shape[1]
    rows, cols = len(chosen), 1 + k
    _, c, h, w = generated.shape
    pad = max(1, h // 8)
    gap = max(pad, round(0.45 * h))  # room above each image for its label
    gutter = max(2 * pad, h // 3)  # between the generated column and the training columns
    stack = np.concatenate([generated[chosen][:, None], train[neighbours[chosen]]], axis=1)
    pixels = np.clip((stack + 1.0) * 127.5, 0, 255).round().astype(np.uint8).transpose(0, 1, 3, 4, 2)
    left = [pad + col * (w + pad) + (gutter if col else 0) for col in range(cols)]
    top = [gap + r * (h + gap) for r in range(rows)]
    grid = np.full((top[-1] + h + pad, left[-1] + w + pad, c), 255, np.uint8)
    for r in range(rows):
        for col in range(cols):
            grid[top[r]:top[r] + h, left[col]:left[col] + w] = pixels[r, col]
    width = 1.25 * cols + 0.2
    fig = plt.figure(figsize=(width, width * grid.shape[0] / grid.shape[1] + 0.75))
    ax = fig.add_axes((0.02, 0.01, 0.96, 1 - 0.75 / fig.get_figheight()))
    ax.imshow(grid[..., 0] if c == 1 else grid, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_axis_off()
    ordinal = lambda j: {1: "nearest", 2: "2nd nearest", 3: "3rd nearest"}.get(j, f"{j}th nearest")
    headers = ["generated"] + [ordinal(j + 1) for j in range(k)]
    for col, header in enumerate(headers):
        ax.text(left[col] + w / 2 - 0.5, -0.5, header, fontsize=7, ha="center", va="bottom", weight="bold")
    for r, i in enumerate(chosen):
        ax.text(left[0] + w / 2 - 0.5, top[r] - 0.5 - gap * 0.08, f"sample {i}", fontsize=6,
                ha="center", va="bottom")
        for j in range(k):
            dist = distances[i, j]
            ax.text(left[j + 1] + w / 2 - 0.5, top[r] - 0.5 - gap * 0.08,
                    f"train {neighbours[i, j]}, d {dist:.3g}", fontsize=6, ha="center", va="bottom",
                    color="#d62728" if dist < threshold else "black")
    fig.text(0.5, 1 - 0.08 / fig.get_figheight(), title, fontsize=7.5, ha="center", va="top")
    return base.write(fig, path, dpi=110)
