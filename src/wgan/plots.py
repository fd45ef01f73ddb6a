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


def _save(fig, path: Path, dpi: int = 110) -> Path:
    """Lay out, write and close a figure."""
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    _pyplot().close(fig)
    return Path(path)


def _projection(d: int) -> str:
    """How a figure shows d-dimensional points: '' for d <= 2, else the projection it draws."""
    return f"projection on dimensions 0 and 1 of {d}" if d >= 3 else ""


def _with_note(title: str, note: str) -> str:
    return f"{title}\n{note}" if title and note else title or note


def _label_projection(ax, d: int) -> None:
    """Axis labels 'dimension 0 (of d)' / 'dimension 1 (of d)' for d >= 3; none otherwise."""
    if d >= 3:
        ax.set_xlabel(f"dimension 0 (of {d})")
        ax.set_ylabel(f"dimension 1 (of {d})")


def _extent(arrays: Sequence[np.ndarray], pad_fraction: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi), each (k,): the 0.5 to 99.5 percentiles of the finite rows of (n, k) arrays,
    widened by pad_fraction of the largest span."""
    both = np.concatenate([np.asarray(a, dtype=np.float64) for a in arrays])
    both = both[np.isfinite(both).all(axis=1)]
    if len(both) == 0:
        return -np.ones(both.shape[1]), np.ones(both.shape[1])
    lo, hi = np.percentile(both, 0.5, axis=0), np.percentile(both, 99.5, axis=0)
    pad = pad_fraction * (hi - lo).max() + 1e-3
    return lo - pad, hi + pad


def _histograms(ax, series: Sequence[tuple[np.ndarray, str, str]], lo: float, hi: float,
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


def plot_landscape(critic: Callable[[np.ndarray], np.ndarray], real: np.ndarray, fake: np.ndarray,
                   path: Path, title: str = "", resolution: int = 120) -> Path:
    """The critic's scores with real and generated points, for points of any dimension d.

    critic: maps float32 points (k, d) to scores (k,). real: (n, d); fake: (m, d).
    d = 1: the critic's values along the line over the data, above histograms of real and
    generated points. d = 2: a filled contour over the plane, the points on top. d >= 3:
    real and generated points projected on dimensions 0 and 1, over the critic's contour on
    the plane through the real points' mean (dimensions 2 to d - 1 held at their mean);
    the title says so.
    """
    d = real.shape[1]
    if d == 1:
        return _landscape_1d(critic, real, fake, path, title, resolution)
    plt = _pyplot()
    lo, hi = _extent([real[:, :2], fake[:, :2]])
    fig, ax = plt.subplots(figsize=(6.4, 6.6) if d >= 3 else (6, 6))
    xs, ys = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.repeat(np.asarray(real, dtype=np.float64).mean(axis=0, keepdims=True), gx.size, axis=0)
    grid[:, 0], grid[:, 1] = gx.ravel(), gy.ravel()
    scores = np.asarray(critic(grid.astype(np.float32))).reshape(gx.shape)
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
    _label_projection(ax, d)
    note = ""
    if d >= 3:
        rest = "dimension 2" if d == 3 else f"dimensions 2-{d - 1}"
        note = f"{_projection(d)};\ncritic f on the plane with {rest} at the real data's mean"
    ax.set_title(_with_note(title, note), fontsize=10 if d == 2 else 9)
    return _save(fig, path, dpi=110)


def _landscape_1d(critic: Callable[[np.ndarray], np.ndarray], real: np.ndarray, fake: np.ndarray,
                  path: Path, title: str, resolution: int) -> Path:
    """plot_landscape for d = 1: f(x) over a line above histograms of real (n, 1) and fake (m, 1)."""
    plt = _pyplot()
    (lo,), (hi,) = _extent([real, fake])
    xs = np.linspace(lo, hi, max(3 * resolution, 2))
    scores = np.asarray(critic(xs[:, None].astype(np.float32))).reshape(-1)
    fig, (ax, axh) = plt.subplots(2, 1, figsize=(7, 6), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    ax.plot(xs, scores, color="#2ca02c", lw=2, label="critic f(x)")
    ax.set_ylabel("critic f(x)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    ax.set_title(title, fontsize=10)
    _histograms(axh, [(real[:, 0], "real (held out)", "#ff7f0e"), (fake[:, 0], "generated", "#1f77b4")], lo, hi)
    axh.set_xlabel("x")
    axh.set_xlim(lo, hi)
    axh.grid(alpha=0.3)
    return _save(fig, path, dpi=110)


def plot_training_curves(records: Sequence[dict[str, Any]], path: Path, title: str = "") -> Path:
    """The critic's W estimate (raw and divided by its Lipschitz constant) against the
    exact W1 and its noise floor over generator steps; mode metrics when present."""
    plt = _pyplot()
    has_modes = any("high_quality" in r for r in records)
    fig, axes = plt.subplots(1, 2 if has_modes else 1, figsize=(12 if has_modes else 7, 4.5),
                             squeeze=False)
    ax = axes[0, 0]
    key = next((k for r in records for k in r if k.startswith("critic_") and k.endswith("_estimate")),
               "critic_w_estimate")
    what = {"critic_w_estimate": "E[f(real)] - E[f(fake)]"}.get(key, key[len("critic_"):-len("_estimate")])
    series = [
        (key, f"critic estimate {what} (train batches)", "#1f77b4", 0.35, "-"),
        ("w1", "exact W1 (held out, n = eval.samples)", "black", 1.0, "-"),
        ("w1_floor", "real-vs-real noise floor", "grey", 1.0, "--"),
        ("critic_w_over_lipschitz", "critic estimate / empirical Lipschitz K", "#2ca02c", 1.0, "-"),
    ]
    eval_records = [r for r in records if "w1" in r]
    for name, label, color, alpha, style in series:
        steps, values = iter_steps(records, name)
        if steps:
            ax.plot(steps, values, style, color=color, alpha=alpha, label=label,
                    marker="" if name == key else ".")
    steps, values = iter_steps(eval_records, f"eval_{key}")
    if steps:
        ax.plot(steps, values, ".-", color="#1f77b4", label="critic estimate (eval set)")
    ax.set_yscale("symlog", linthresh=1e-2)
    ax.set_xlabel("generator step")
    ax.set_ylabel("distance")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
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
    return _save(fig, path, dpi=110)


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
    """Generated images (rows, cols, C, H, W) in [-1, 1], each row and column labelled.

    col_labels holds one label per column, or one per image (rows * cols). The images are
    tiled into one picture, so a 128-probe grid draws as fast as a 4-probe one.
    """
    plt = _pyplot()
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
    return _save(fig, path, dpi=100)


def plot_probe_points(real: np.ndarray, outputs: np.ndarray, row_labels: Sequence[str],
                      col_labels: Sequence[str], path: Path, title: str) -> Path:
    """Generated points (rows, cols, d) over the real data (n, d); each row is one probe drawn
    as a path, its first and last points labelled (every point when col_labels has one label
    per point). d = 1: each probe's values against its column, beside a histogram of the real
    data; d = 2: the plane; d >= 3: the projection on dimensions 0 and 1, labelled so."""
    plt = _pyplot()
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
        return _save(fig, path, dpi=110)
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
    _label_projection(ax, d)
    ax.set_title(_with_note(title, _projection(d)), fontsize=10)
    return _save(fig, path, dpi=110)


def plot_points(samples: np.ndarray, real: np.ndarray | None, path: Path, title: str) -> Path:
    """Generated points (n, d) over real points (m, d) or None. d = 1: histograms of both;
    d = 2: a scatter of the plane; d >= 3: a scatter of dimensions 0 and 1, labelled so."""
    plt = _pyplot()
    d = samples.shape[1]
    if d == 1:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        (lo,), (hi,) = _extent([samples] + ([real] if real is not None else []))
        series = ([(real[:, 0], "real (held out)", "#ff7f0e")] if real is not None else [])
        _histograms(ax, series + [(samples[:, 0], "generated", "#1f77b4")], lo, hi)
        ax.set_xlabel("x")
        ax.set_xlim(lo, hi)
        ax.grid(alpha=0.3)
        ax.set_title(title, fontsize=10)
        return _save(fig, path, dpi=110)
    fig, ax = plt.subplots(figsize=(6, 6))
    if real is not None:
        ax.scatter(real[:, 0], real[:, 1], s=3, c="#ff7f0e", alpha=0.5, label="real (held out)")
    ax.scatter(samples[:, 0], samples[:, 1], s=3, c="#1f77b4", alpha=0.8, label="generated")
    ax.set_aspect("equal")
    ax.legend(markerscale=4, fontsize=8)
    _label_projection(ax, d)
    ax.set_title(_with_note(title, _projection(d)), fontsize=10)
    return _save(fig, path, dpi=110)


def plot_transport_plan(plan: np.ndarray, path: Path, cost: np.ndarray | None = None,
                        supply: np.ndarray | None = None, demand: np.ndarray | None = None,
                        title: str = "") -> Path:
    """A transport plan (n, m) as a heat map: rows are sources x_i, columns targets y_j.

    Small plans (up to 15 x 15) get each mass written in its cell, with the cost C_ij below
    it when `cost` (n, m) is given; `supply` (n,) and `demand` (m,) label the margins.
    """
    plt = _pyplot()
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
    return _save(fig, path, dpi=110)


def plot_transport_points(x: np.ndarray, y: np.ndarray, plan: np.ndarray, path: Path,
                          title: str = "") -> Path:
    """Two point sets, x (n, d) and y (m, d), joined where the plan (n, m) moves mass: each
    segment's width and opacity grow with its mass. 1-D points are drawn on two rows (x at
    height 0, y at height 1); d >= 3 as the projection on dimensions 0 and 1, labelled so."""
    from matplotlib.collections import LineCollection

    plt = _pyplot()
    d = x.shape[1]
    if d == 1:
        x = np.concatenate([x, np.zeros_like(x)], 1)
        y = np.concatenate([y, np.ones_like(y)], 1)
    rows, cols = np.nonzero(plan > 1e-12 * plan.max())
    weights = plan[rows, cols] / plan[rows, cols].max()
    fig, ax = plt.subplots(figsize=(6.5, 6))
    segments = np.stack([x[rows, :2], y[cols, :2]], axis=1)
    colors = np.zeros((len(rows), 4))
    colors[:, 3] = 0.25 + 0.65 * weights
    ax.add_collection(LineCollection(segments, colors=colors, linewidths=0.4 + 2.0 * weights,
                                     label="plan (width ~ mass)"))
    ax.scatter(x[:, 0], x[:, 1], s=14, c="#1f77b4", label=f"x (n = {len(x)})", zorder=3)
    ax.scatter(y[:, 0], y[:, 1], s=14, c="#ff7f0e", label=f"y (m = {len(y)})", zorder=3)
    ax.autoscale()
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(loc="best", fontsize=8)
    if d == 1:
        ax.set_yticks([0, 1], ["x", "y"])
        ax.set_xlabel("position on the line")
    _label_projection(ax, d)
    ax.set_title(_with_note(title, _projection(d)), fontsize=10)
    return _save(fig, path, dpi=110)


def plot_divergences(table: dict[str, np.ndarray], path: Path, title: str = "") -> Path:
    """TV, KL, JS and W against theta, one panel each, from a table with keys "theta", "tv",
    "kl", "js", "w" (each (t,)), e.g. `wgan.divergences.parallel_lines`. Infinite KL
    values are drawn as triangles on the top edge of their panel."""
    plt = _pyplot()
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
    return _save(fig, path, dpi=110)


def plot_vanishing_gradients(demo, path: Path) -> Path:
    """WGAN paper Figure 2: the GAN discriminator saturates, the WGAN critic stays linear."""
    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.8))
    x = demo.x
    gauss = lambda m: np.exp(-0.5 * ((x - m) / demo.std) ** 2)
    ax1.fill_between(x, 0, gauss(demo.real_mean), color="#ff7f0e", alpha=0.25, label="real density (scaled)")
    ax1.fill_between(x, 0, gauss(demo.fake_mean), color="#1f77b4", alpha=0.25, label="fake density (scaled)")
    ax1.plot(x, demo.discriminator, color="#d62728", lw=2, label="GAN discriminator D(x)")
    styles = ["-", "--"]
    for (name, values), style in zip(demo.critics.items(), styles):
        span = values.max() - values.min()
        ax1.plot(x, (values - values.min()) / (span if span > 0 else 1), style, color="#2ca02c", lw=2,
                 label=f"{name} (rescaled to [0, 1])")
    ax1.set_xlabel("x")
    ax1.set_title("values", fontsize=10)
    ax1.legend(fontsize=7, loc="center left")
    ax2.semilogy(x, np.abs(demo.discriminator_grad) + 1e-12, color="#d62728", lw=2, label="|dD/dx|")
    ax2.semilogy(x, np.abs(demo.generator_grad_minimax) + 1e-12, ":", color="#d62728", lw=2,
                 label="|d/dx log(1 - D(x))| (minimax generator)")
    for (name, grads), style in zip(demo.critic_grads.items(), styles):
        ax2.semilogy(x, np.abs(grads) + 1e-12, style, color="#2ca02c", lw=2, label=f"|df/dx|, {name}")
    ax2.axvline(demo.fake_mean, color="#1f77b4", alpha=0.5, lw=1)
    ax2.text(demo.fake_mean, ax2.get_ylim()[1], " fake samples", va="top", fontsize=8, color="#1f77b4")
    ax2.set_xlabel("x")
    ax2.set_title("slopes: what the generator receives (log scale)", fontsize=10)
    ax2.legend(fontsize=7, loc="lower right")
    fig.suptitle("Two Gaussians far apart: the discriminator saturates, the critic stays linear", fontsize=11)
    return _save(fig, path, dpi=110)


def plot_biased_gradients(demo, path: Path) -> Path:
    """Expected sample gradients of W1 and of the Cramer distance against the true ones."""
    plt = _pyplot()
    stars = sorted({c["theta_star"] for c in demo.cases})
    fig, axes = plt.subplots(2, len(stars), figsize=(6 * len(stars), 7.5), squeeze=False)
    cmap = plt.get_cmap("viridis")
    for col, star in enumerate(stars):
        cases = [c for c in demo.cases if c["theta_star"] == star]
        ax_w, ax_c = axes[0, col], axes[1, col]
        for i, c in enumerate(cases):
            color = cmap(i / max(1, len(cases) - 1))
            ax_w.plot(demo.theta, c["wasserstein_expected"], color=color,
                      label=f"m = {c['m']}: E[grad] = 0 at theta = {c['wasserstein_sample_minimiser']:.2f}")
            ax_c.plot(demo.theta, c["cramer_expected"], color=color, lw=6 - i, alpha=0.5, label=f"m = {c['m']}")
        ax_w.plot(demo.theta, cases[0]["wasserstein_true"], "k--", label="true gradient sign(theta - theta*)")
        ax_c.plot(demo.theta, cases[0]["cramer_true"], "k--", label="true gradient 2 (theta - theta*)")
        for ax, name in ((ax_w, "Wasserstein W1"), (ax_c, "Cramer l2^2")):
            ax.axvline(star, color="grey", lw=0.8)
            ax.axhline(0, color="grey", lw=0.8)
            ax.set_xlabel("theta")
            ax.set_ylabel("d/dtheta of the expected sample loss")
            ax.set_title(f"{name}, theta* = {star}: expected sample gradient", fontsize=10)
            ax.legend(fontsize=7)
    fig.suptitle("Bernoulli example (Bellemare et al. 2017): sample W1 gradients are biased, Cramer's are not",
                 fontsize=11)
    return _save(fig, path, dpi=100)


def plot_metric_curves(curves: dict[str, tuple[Sequence[float], Sequence[float]]], xlabels: dict[str, str],
                       ylabel: str, path: Path, title: str, floor: float | None = None) -> Path:
    """One panel per curve: name -> (x values, metric values); `floor` as a dashed line."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(curves), figsize=(5.5 * len(curves), 4), squeeze=False)
    for ax, (name, (xs, ys)) in zip(axes[0], curves.items()):
        ax.plot(xs, ys, "o-", color="#1f77b4")
        if floor is not None:
            ax.axhline(floor, color="grey", ls="--", label=f"two halves of the real data: {floor:.3f}")
            ax.legend(fontsize=8)
        ax.set_xlabel(xlabels[name])
        ax.set_ylabel(ylabel)
        ax.set_title(name, fontsize=10)
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=11)
    return _save(fig, path, dpi=100)
