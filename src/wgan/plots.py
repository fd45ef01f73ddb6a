"""Every matplotlib figure of the project (the only module that imports matplotlib)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .runs import iter_steps


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_landscape(critic: Callable[[np.ndarray], np.ndarray], real: np.ndarray, fake: np.ndarray,
                   path: Path, title: str = "", resolution: int = 120) -> Path:
    """Critic scores as a filled contour over the plane, with real and generated points on top.

    critic: maps (k, 2) points to (k,) scores. real, fake: (n, 2). Data with more
    than two dimensions is drawn in its first two coordinates, without the landscape.
    """
    plt = _pyplot()
    both = np.concatenate([real[:, :2], fake[:, :2]])
    lo, hi = np.percentile(both, 0.5, axis=0), np.percentile(both, 99.5, axis=0)
    pad = 0.15 * (hi - lo).max() + 1e-3
    lo, hi = lo - pad, hi + pad
    fig, ax = plt.subplots(figsize=(6, 6))
    if real.shape[1] == 2:
        xs, ys = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
        gx, gy = np.meshgrid(xs, ys)
        scores = critic(np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32))
        filled = ax.contourf(gx, gy, scores.reshape(gx.shape), levels=30, cmap="viridis")
        ax.contour(gx, gy, scores.reshape(gx.shape), levels=12, colors="white", linewidths=0.4, alpha=0.5)
        fig.colorbar(filled, ax=ax, fraction=0.046, pad=0.04, label="critic f(x)")
    ax.scatter(real[:, 0], real[:, 1], s=3, c="#ff7f0e", alpha=0.6, label="real (held out)")
    ax.scatter(fake[:, 0], fake[:, 1], s=3, c="#d62728" if real.shape[1] != 2 else "white",
               edgecolors="none", alpha=0.8, label="generated")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal")
    ax.legend(loc="upper right", markerscale=4, fontsize=8, facecolor="#dddddd")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def plot_training_curves(records: Sequence[dict[str, Any]], path: Path, title: str = "") -> Path:
    """The critic's W estimate (raw and divided by its Lipschitz constant) against the
    exact W1 and its noise floor over generator steps; mode metrics when present."""
    plt = _pyplot()
    has_modes = any("high_quality" in r for r in records)
    fig, axes = plt.subplots(1, 2 if has_modes else 1, figsize=(12 if has_modes else 7, 4.5),
                             squeeze=False)
    ax = axes[0, 0]
    series = [
        ("critic_w_estimate", "critic estimate E[f(real)] - E[f(fake)] (train batches)", "#1f77b4", 0.35, "-"),
        ("w1", "exact W1 (held out, n = eval.samples)", "black", 1.0, "-"),
        ("w1_floor", "real-vs-real noise floor", "grey", 1.0, "--"),
        ("critic_w_over_lipschitz", "critic estimate / empirical Lipschitz K", "#2ca02c", 1.0, "-"),
    ]
    eval_records = [r for r in records if "w1" in r]
    for key, label, color, alpha, style in series:
        steps, values = iter_steps(records, key)
        if steps:
            ax.plot(steps, values, style, color=color, alpha=alpha, label=label,
                    marker="" if key == "critic_w_estimate" else ".")
    steps, values = iter_steps(eval_records, "eval_critic_w_estimate")
    if steps:
        ax.plot(steps, values, ".-", color="#1f77b4", label="critic estimate (eval set)")
    ax.set_yscale("symlog", linthresh=1e-2)
    ax.set_xlabel("generator step")
    ax.set_ylabel("distance")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title or "Wasserstein estimates", fontsize=10)
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
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def image_grid(images: np.ndarray, nrow: int | None = None, padding: int = 2) -> np.ndarray:
    """Tile images (n, C, H, W) in [-1, 1] into one uint8 (rows*H, cols*W, C) picture."""
    n, c, h, w = images.shape
    nrow = nrow or int(np.ceil(np.sqrt(n)))
    ncol = int(np.ceil(n / nrow))
    grid = np.full((ncol * (h + padding) + padding, nrow * (w + padding) + padding, c), 255, np.uint8)
    pixels = np.clip((images + 1.0) * 127.5, 0, 255).round().astype(np.uint8).transpose(0, 2, 3, 1)
    for i, image in enumerate(pixels):
        r, col = divmod(i, nrow)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[top:top + h, left:left + w] = image
    return grid


def plot_image_grid(images: np.ndarray, path: Path, title: str = "", nrow: int | None = None,
                    scale: int = 0) -> Path:
    """Save a grid of images (n, C, H, W) in [-1, 1] as a PNG, with a title above it."""
    plt = _pyplot()
    grid = image_grid(images, nrow)
    h, w = grid.shape[:2]
    scale = scale or max(1, int(np.ceil(480 / max(h, w))))
    fig = plt.figure(figsize=(w * scale / 100, h * scale / 100 + (0.35 if title else 0)), dpi=100)
    ax = fig.add_axes((0, 0, 1, h * scale / 100 / fig.get_figheight()))
    ax.imshow(grid[..., 0] if grid.shape[2] == 1 else grid, cmap="gray", vmin=0, vmax=255,
              interpolation="nearest")
    ax.axis("off")
    if title:
        fig.text(0.5, 1 - 0.3 / fig.get_figheight(), title, ha="center", va="bottom", fontsize=9)
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def plot_probe_grid(images: np.ndarray, row_labels: Sequence[str], col_labels: Sequence[str],
                    path: Path, title: str) -> Path:
    """Generated images (rows, cols, C, H, W) in [-1, 1], each row and column labelled."""
    plt = _pyplot()
    rows, cols = images.shape[:2]
    cell = 1.1
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 + cols * cell, 0.7 + rows * cell), squeeze=False)
    for r in range(rows):
        for c in range(cols):
            ax = axes[r, c]
            pixels = np.clip((images[r, c] + 1) * 127.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
            ax.imshow(pixels[..., 0] if pixels.shape[2] == 1 else pixels, cmap="gray", vmin=0, vmax=255)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0 or len(col_labels) == rows * cols:
                label = col_labels[r * cols + c] if len(col_labels) == rows * cols else col_labels[c]
                ax.set_title(label, fontsize=7)
            if c == 0 and row_labels:
                ax.set_ylabel(row_labels[r], fontsize=7, rotation=0, ha="right", va="center")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def plot_probe_points(real: np.ndarray, outputs: np.ndarray, row_labels: Sequence[str],
                      col_labels: Sequence[str], path: Path, title: str) -> Path:
    """Generated points (rows, cols, d) over the real data (n, d), first two coordinates;
    each row is one probe drawn as a path, its first and last points labelled."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 6.5))
    ax.scatter(real[:, 0], real[:, 1], s=2, c="lightgrey", label="real")
    colors = plt.get_cmap("tab10")
    for r in range(outputs.shape[0]):
        pts = outputs[r]
        label = row_labels[r] if row_labels else None
        ax.plot(pts[:, 0], pts[:, 1], "-o", markersize=3, color=colors(r % 10), label=label, alpha=0.9)
        ends = [0, len(pts) - 1] if len(col_labels) != outputs.shape[0] * outputs.shape[1] else range(len(pts))
        for c in ends:
            text = col_labels[r * len(pts) + c] if len(col_labels) == outputs.shape[0] * len(pts) else col_labels[c]
            ax.annotate(text, pts[c, :2], fontsize=6, xytext=(3, 3), textcoords="offset points")
    ax.set_aspect("equal")
    ax.legend(fontsize=7, loc="best")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def plot_points(samples: np.ndarray, real: np.ndarray | None, path: Path, title: str) -> Path:
    """Generated points (n, d) over real points, first two coordinates."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 6))
    if real is not None:
        ax.scatter(real[:, 0], real[:, 1], s=3, c="#ff7f0e", alpha=0.5, label="real (held out)")
    ax.scatter(samples[:, 0], samples[:, 1], s=3, c="#1f77b4", alpha=0.8, label="generated")
    ax.set_aspect("equal")
    ax.legend(markerscale=4, fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)
