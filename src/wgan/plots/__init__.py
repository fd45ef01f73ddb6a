"""Every matplotlib figure of the project (the only package that imports matplotlib, and only
when a figure is drawn: `import wgan.plots` does not).

Modules: `base` (pyplot, saving, the data's extent, projection labels), `training` (the
critic's landscape, training curves, image grids), `samples` (generated points, latent
probes, the memorisation check's nearest neighbours), `transport` (plans and divergences),
`demos` (the demos' and benchmarks' figures), `compare` (several runs' curves overlaid).
"""
from __future__ import annotations

from .compare import plot_compare
from .demos import plot_biased_gradients, plot_metric_curves, plot_vanishing_gradients
from .samples import plot_memorisation, plot_points, plot_probe_grid, plot_probe_points
from .training import image_grid, plot_image_grid, plot_landscape, plot_training_curves
from .transport import plot_divergences, plot_transport_plan, plot_transport_points

__all__ = ["image_grid", "plot_biased_gradients", "plot_compare", "plot_divergences", "plot_image_grid",
           "plot_landscape", "plot_memorisation", "plot_metric_curves", "plot_points", "plot_probe_grid", "plot_probe_points",
           "plot_training_curves", "plot_transport_plan", "plot_transport_points", "plot_vanishing_gradients"]
