"""wgan: train and study Wasserstein GANs; measure distributions with the Earth Mover's distance."""
from .config import Config, load_config
from .errors import ConfigError, DataError, WganError
from .lipschitz import GradientPenalty, NoConstraint, SpectralNorm, WeightClipping, make_constraint
from .metrics import critic_lipschitz, make_evaluator, mode_metrics
from .networks import MLPCritic, MLPGenerator
from .objectives import Wasserstein, make_objective
from .training import TrainResult, train
from .divergences import (discrete_wasserstein, energy_distance, js_divergence, kl_divergence,
                          parallel_lines, total_variation)
from .transport import (AssignmentResult, TransportResult, TransportWarning, earth_movers_distance,
                        ground_cost, monge_assignment, sinkhorn, sliced_wasserstein, transport_plan,
                        wasserstein, wasserstein_1d)

__all__ = [
    "Config", "ConfigError", "DataError", "GradientPenalty", "MLPCritic", "MLPGenerator",
    "NoConstraint", "SpectralNorm", "TrainResult", "Wasserstein", "WeightClipping", "WganError",
    "critic_lipschitz", "load_config", "make_constraint", "make_evaluator", "make_objective",
    "mode_metrics", "train", "wasserstein", "wasserstein_1d",
    "AssignmentResult", "TransportResult", "TransportWarning", "discrete_wasserstein",
    "earth_movers_distance", "energy_distance", "ground_cost", "js_divergence", "kl_divergence",
    "monge_assignment", "parallel_lines", "sinkhorn", "sliced_wasserstein", "total_variation",
    "transport_plan",
]
__version__ = "0.1.0"
