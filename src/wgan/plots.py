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
