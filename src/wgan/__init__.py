"""wgan: train and study Wasserstein GANs; measure distributions with the Earth Mover's distance.

The public names below are imported on first use, so `import wgan` (and the command line's
help) does not pay for torch until something needs it.
"""
from __future__ import annotations

import importlib
from typing import Any

_SOURCES = {
    **dict.fromkeys(('Config', 'load_config'), 'config'),
    **dict.fromkeys((
        'discrete_wasserstein', 'energy_distance', 'js_divergence', 'kl_divergence', 'parallel_lines',
        'total_variation',
    ), 'divergences'),
    **dict.fromkeys(('ConfigError', 'DataError', 'WganError'), 'errors'),
    **dict.fromkeys(('evaluate_generator',), 'evaluation'),
    **dict.fromkeys(('closed_form_input_gradient', 'input_gradient_norms'), 'input_gradients'),
    **dict.fromkeys(('constant_vectors', 'lerp', 'one_hot_vectors', 'slerp', 'sweep'), 'latent'),
    **dict.fromkeys(('GradientPenalty', 'NoConstraint', 'R1Penalty', 'SpectralNorm', 'WeightClipping'), 'lipschitz'),
    **dict.fromkeys(('OptimizerFactories', 'make_constraint', 'make_objective'), 'recipe'),
    **dict.fromkeys(('Callback',), 'callbacks'),
    **dict.fromkeys(('load_run',), 'loading'),
    **dict.fromkeys(('TrainResult', 'train'), 'loop'),
    **dict.fromkeys(('MemorisationCheck', 'memorisation_check'), 'memorisation'),
    **dict.fromkeys(('critic_lipschitz', 'make_evaluator', 'mode_metrics'), 'metrics'),
    **dict.fromkeys(('DCGANCritic', 'DCGANGenerator', 'MLPCritic', 'MLPGenerator'), 'networks'),
    **dict.fromkeys(('ResNetCritic', 'ResNetGenerator'), 'resnets'),
    **dict.fromkeys(('FGAN', 'Cramer', 'Hinge', 'Objective', 'StandardGAN', 'Wasserstein'), 'objectives'),
    **dict.fromkeys((
        'fid', 'frechet_distance', 'kid', 'parzen_log_likelihood', 'prdc', 'select_bandwidth',
    ), 'quality'),
    **dict.fromkeys((
        'AssignmentResult', 'TransportResult', 'TransportWarning', 'earth_movers_distance', 'ground_cost',
        'monge_assignment', 'sinkhorn', 'sliced_wasserstein', 'transport_plan', 'wasserstein',
        'wasserstein_1d',
    ), 'transport'),
}


def __getattr__(name: str) -> Any:
    if name not in _SOURCES:
        raise AttributeError(f"module 'wgan' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_SOURCES[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SOURCES))


__all__ = [
    "AssignmentResult", "Callback", "Config", "ConfigError", "Cramer", "DCGANCritic", "DCGANGenerator", "DataError",
    "FGAN", "GradientPenalty", "Hinge", "MLPCritic", "MLPGenerator", "MemorisationCheck", "NoConstraint", "Objective", "OptimizerFactories", "ResNetCritic", "ResNetGenerator",
    "R1Penalty", "SpectralNorm", "StandardGAN",
    "TrainResult", "TransportResult", "TransportWarning", "Wasserstein", "WeightClipping", "WganError",
    "closed_form_input_gradient", "constant_vectors", "critic_lipschitz", "discrete_wasserstein", "earth_movers_distance",
    "energy_distance", "evaluate_generator", "fid", "frechet_distance", "ground_cost", "input_gradient_norms", "js_divergence",
    "kid", "kl_divergence", "lerp", "load_config", "load_run", "make_constraint", "make_evaluator",
    "make_objective", "memorisation_check", "mode_metrics", "monge_assignment", "one_hot_vectors", "parallel_lines",
    "parzen_log_likelihood", "prdc", "select_bandwidth", "sinkhorn", "slerp", "sliced_wasserstein",
    "sweep", "total_variation", "train", "transport_plan", "wasserstein", "wasserstein_1d",
]
__version__ = "0.1.0"
