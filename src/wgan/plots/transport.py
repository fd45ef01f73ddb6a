"""Figures of transport and divergences: a plan as a heat map or as segments between two
point sets, and TV, KL, JS and W against theta (Arjovsky et al. 2017, Example 1)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import base


def plot_transport_plan(plan: np.ndarray, path: Path, cost: np.ndarray | None = None,
                        supply: np.ndarray | None = None, demand: np.ndarray | None = None,
                        title: str = "") -> Path:
    """A transport plan (n, m) as a heat map: rows are sources x_i, columns targets y_j.

    Small plans (up to 15 x 15) get each mass written in its cell, with the cost C_ij below
    it when `cost` (n, m) is given; `supply` (n,) and `demand` (m,) label the margins.
    """
    plt = base.pyplot()
    n, m = plan.shape
    fig, ax = plt.subplots(figsize=(min(2.0 + 0.75 * m, 14), min(1.6 + 0.6 * n, 12)))
    image = ax.imshow(plan, cmap="Blues", aspect="auto", vmin=0)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="mass moved")
    if n <= 15 and m <= 15:
        top = plan.max() if plan.max() > 0 else 1.0
        for i in range(n):
            for j in range(m):
                color = "white" if plan[i, j] > 0.6 * top else "black"
                if plan[i, j] > 0:
                    ax.text(j, i - (0.12 if cost is not None else 0), f"{plan[i, j]:.4g}", ha="center",
                            va="center", fontsize=10, color=color, fontweight="bold")
                if cost is not None:
                    ax.text(j, i + (0.22 if plan[i, j] > 0 else 0), f"c={cost[i, j]:.3g}", ha="center",
                            va="center", fontsize=7, color=color if plan[i, j] > 0 else "grey")
        ax.set_xticks(range(m), [f"y{j + 1}" + (f"\n{demand[j]:.4g}" if demand is not None else "")
                                 for j in range(m)])
        ax.set_yticks(range(n), [f"x{i + 1}" + (f" ({supply[i]:.4g})" if supply is not None else "")
                                 for i in range(n)])
    ax.set_xlabel("target y_j" + (" (demand)" if demand is not None else ""))
    ax.set_ylabel("source x_i" + (" (supply)" if supply is not None else ""))
    ax.set_title(title, fontsize=10)
    return base.save(fig, path, dpi=110)


def heaviest_moves(mass: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest masses, largest first. Masses equal to 1e-9 relative (a
    uniform assignment's, up to the solver's round-off) are ties, broken by a seeded random
    order, so that k of many equal moves are a fair sample, not the first or the last."""
    mass = np.asarray(mass, dtype=np.float64)
    if mass.size == 0:
        return np.zeros(0, np.int64)
    level = np.round(mass / mass.max() * 1e9)
    tiebreak = np.random.default_rng(0).permutation(mass.size)
    return np.lexsort((tiebreak, -level))[:k]


def plot_transport_points(x: np.ndarray, y: np.ndarray, plan, path: Path, title: str = "",
                          max_moves: int | None = None) -> Path:
    """Two point sets, x (n, d) and y (m, d), joined where the plan moves mass: each
    segment's width and opacity grow with its mass. `plan`: an (n, m) array, or its non-zero
    entries as (rows, cols, masses). With `max_moves`, only the heaviest that many moves are
    drawn (the title says so; ties as `heaviest_moves` breaks them). 1-D points are drawn on two rows (x at height 0, y at height
    1); d >= 3 as the projection on dimensions 0 and 1, labelled so."""
    from matplotlib.collections import LineCollection

    plt = base.pyplot()
    d = x.shape[1]
    if d == 1:
        x = np.concatenate([x, np.zeros_like(x)], 1)
        y = np.concatenate([y, np.ones_like(y)], 1)
    if isinstance(plan, tuple):
        rows, cols, mass = (np.asarray(t) for t in plan)
        keep = mass > 1e-12 * mass.max(initial=0.0)
        rows, cols, mass = rows[keep], cols[keep], mass[keep]
    else:
        rows, cols = np.nonzero(plan > 1e-12 * plan.max())
        mass = plan[rows, cols]
    count = len(mass)
    if max_moves is not None and count > max_moves:
        heaviest = heaviest_moves(mass, max_moves)
        rows, cols, mass = rows[heaviest], cols[heaviest], mass[heaviest]
        title = f"{title}\nthe heaviest {max_moves:,} of {count:,} moves" if title else \
            f"the heaviest {max_moves:,} of {count:,} moves"
    weights = mass / mass.max() if count else mass
    fig, ax = plt.subplots(figsize=(6.5, 6))
    segments = np.stack([x[rows, :2], y[cols, :2]], axis=1)
    colors = np.zeros((len(rows), 4))
    thin = float(np.sqrt(min(1.0, 100.0 / max(len(rows), 1))))  # many segments: thinner, lighter
    colors[:, 3] = (0.25 + 0.65 * weights) * max(thin, 0.3)
    ax.add_collection(LineCollection(segments, colors=colors, linewidths=(0.4 + 2.0 * weights) * max(thin, 0.15),
                                     label="plan (width ~ mass)", zorder=2))
    # Markers shrink as the sets grow, so that 50,000 points stay points, not a smear.
    size = float(np.clip(14.0 * np.sqrt(300.0 / max(len(x), len(y), 1)), 0.3, 14.0))
    many = max(len(x), len(y)) > 5000
    ax.scatter(x[:, 0], x[:, 1], s=size, c="#1f77b4", label=f"x (n = {len(x)})", zorder=1 if many else 3,
               alpha=0.5 if many else 1.0, linewidths=0, rasterized=many)
    ax.scatter(y[:, 0], y[:, 1], s=size, c="#ff7f0e", label=f"y (m = {len(y)})", zorder=1 if many else 3,
               alpha=0.5 if many else 1.0, linewidths=0, rasterized=many)
    ax.autoscale()
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(loc="best", fontsize=8)
    if d == 1:
        ax.set_yticks([0, 1], ["x", "y"])
        ax.set_xlabel("position on the line")
    base.label_projection(ax, d)
    ax.set_title(base.with_note(title, base.projection(d)), fontsize=10)
    return base.save(fig, path, dpi=110)


def plot_divergences(table: dict[str, np.ndarray], path: Path, title: str = "") -> Path:
    """TV, KL, JS and W against theta, one panel each, from a table with keys "theta", "tv",
    "kl", "js", "w" (each (t,)), e.g. `wgan.divergences.parallel_lines`. Infinite KL
    values are drawn as triangles on the top edge of their panel."""
    plt = base.pyplot()
    theta = np.asarray(table["theta"])
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
    panels = [("tv", "total variation TV(P, Q)", "#1f77b4", 1.0),
              ("kl", "KL(P || Q)", "#d62728", None),
              ("js", "Jensen-Shannon JS(P, Q)", "#2ca02c", float(np.log(2.0))),
              ("w", "Wasserstein W1(P, Q)", "black", None)]
    for ax, (key, label, color, ceiling) in zip(axes.ravel(), panels):
        values = np.asarray(table[key], dtype=float)
        finite = np.isfinite(values)
        # Only W is continuous in theta: the others are drawn as points, not joined across the jump.
        ax.plot(theta[finite], values[finite], "o-" if key == "w" else "o", color=color, markersize=4)
        if not finite.all():
            top = max(1.0, values[finite].max() if finite.any() else 1.0) * 1.15
            ax.plot(theta[~finite], np.full((~finite).sum(), top), "^", color=color, markersize=7,
                    label="+inf (drawn on the top edge)")
            ax.set_ylim(-0.05 * top, top * 1.08)
            ax.legend(loc="center right", fontsize=8)
        if ceiling is not None:
            ax.axhline(ceiling, color="grey", lw=0.8, ls="--")
            ax.text(theta.min(), ceiling, " log 2" if key == "js" else " 1", va="bottom", fontsize=8,
                    color="grey")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("theta")
    fig.suptitle(title or "P = (0, U[0,1]) against Q_theta = (theta, U[0,1]) (Arjovsky et al. 2017, Example 1)",
                 fontsize=10)
    return base.save(fig, path, dpi=110)
