"""Figures of the demos (`wgan demo`: vanishing and biased gradients) and of the benchmarks
(a metric against a corruption)."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from . import base


def plot_vanishing_gradients(demo, path: Path) -> Path:
    """WGAN paper Figure 2: the GAN discriminator saturates, the WGAN critic stays linear."""
    plt = base.pyplot()
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
    return base.save(fig, path, dpi=110)


def plot_biased_gradients(demo, path: Path) -> Path:
    """Expected sample gradients of W1 and of the Cramer distance against the true ones."""
    plt = base.pyplot()
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
    return base.save(fig, path, dpi=100)


def plot_metric_curves(curves: dict[str, tuple[Sequence[float], Sequence[float]]], xlabels: dict[str, str],
                       ylabel: str, path: Path, title: str, floor: float | None = None) -> Path:
    """One panel per curve: name -> (x values, metric values); `floor` as a dashed line."""
    plt = base.pyplot()
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
    return base.save(fig, path, dpi=100)
