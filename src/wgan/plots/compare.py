"""`wgan compare`'s figure: several runs' curves overlaid, against steps and wall-clock time."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from . import base
from .base import iter_steps

# Markers of the colour indices 0-9, 10-19, ...; and about how many legend characters at
# font size 8 fit across the 12-inch figure.
MARKERS = (".", "s", "^", "D", "v", "P", "X", "*")
LEGEND_CHARACTERS = 170


def plot_compare(curves: Sequence[tuple[str, int, Sequence[dict[str, Any]]]], path: Path, title: str = "") -> Path:
    """A 3 x 2 figure. curves: (label, colour index, metrics.jsonl records) per run; runs of one
    colour index share a colour and one legend entry (the first run's label: a group's name).
    Left against generator step, right against wall-clock seconds, at each evaluation: exact
    W1 (solid) and its real-vs-real floor (dashed); the critic's estimate of W divided by its
    empirical Lipschitz constant (objectives whose critic estimates W only); that constant K.
    Past ten colour indices the tab10 colours repeat with another marker (o, s, ^, D, v, ...), so
    that every index keeps a style of its own."""
    plt = base.pyplot()
    colours = plt.get_cmap("tab10")
    fig, axes = plt.subplots(3, 2, figsize=(12, 12), sharey="row")
    labelled: set[int] = set()
    for label, index, records in curves:
        colour = colours(index % colours.N)
        marker = MARKERS[index // colours.N % len(MARKERS)]
        legend = label if index not in labelled else None
        labelled.add(index)
        evals = [r for r in records if r.get("w1") is not None]
        wall = {r["step"]: r.get("wall_s") for r in records}
        for column, xname in enumerate(("step", "wall_s")):
            for row, (key, floor) in enumerate((("w1", "w1_floor"), ("critic_w_over_lipschitz", None),
                                                    ("critic_lipschitz", None))):
                ax = axes[row, column]
                steps, values = iter_steps(evals, key)
                xs = steps if xname == "step" else [wall.get(s) for s in steps]
                if steps and None not in xs:
                    ax.plot(xs, values, "-", marker=marker, color=colour, lw=1.2, markersize=3 if marker == "." else 4,
                            alpha=0.85, label=legend)
                if floor:
                    steps, values = iter_steps(evals, floor)
                    xs = steps if xname == "step" else [wall.get(s) for s in steps]
                    if steps and None not in xs:
                        ax.plot(xs, values, "--", color=colour, lw=0.9, alpha=0.6)
    for row, ylabel in enumerate(("exact W1 (solid),\nreal-vs-real floor (dashed)",
                                  "critic's estimate of W / K", "empirical Lipschitz K")):
        for column, xlabel in enumerate(("generator step", "wall-clock time (s)")):
            ax = axes[row, column]
            ax.set_xlabel(xlabel)
            ax.grid(alpha=0.3)
            if column == 0:
                ax.set_ylabel(ylabel, fontsize=9)
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axes[0, 0].set_yscale("log")
    for ax in axes[0]:  # plain numbers (0.2, 0.5, 1, 2) on the log axis, not powers of ten
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    axes[2, 0].set_yscale("symlog", linthresh=1.0)  # K from ~1 (constrained critics) to thousands (none)
    axes[0, 0].set_title("exact W1 against steps", fontsize=10)
    axes[0, 1].set_title("exact W1 against wall-clock time", fontsize=10)
    for column, x in enumerate(("steps", "wall-clock time")):
        axes[1, column].set_title(f"the critic's W estimate / K against {x}\n(objectives whose critic "
                                  "estimates W; eval set)", fontsize=10)
        axes[2, column].set_title(f"the critic's empirical Lipschitz constant K against {x}", fontsize=10)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    if handles:
        # As many columns as labels of this length fit across the figure at this font size.
        columns = max(1, min(len(labels), LEGEND_CHARACTERS // (max(map(len, labels)) + 8)))
        fig.legend(handles, labels, loc="lower center", ncol=columns, fontsize=8, frameon=False,
                   bbox_to_anchor=(0.5, 0.0))
    if title:
        fig.suptitle(title, fontsize=11)
    rows = (0.6 + 0.65 * -(-len(labels) // columns)) if handles else 0  # the legend's height, in 2.5% of the figure's
    fig.tight_layout(rect=(0, 0.025 * rows, 1, 1))
    return base.write(fig, path, dpi=100)
