"""wgan: train and study Wasserstein GANs; measure distributions with the Earth Mover's distance."""
from .config import Config, load_config
from .divergences import (discrete_wasserstein, energy_distance, js_divergence, kl_divergence,
                          parallel_lines, total_variation)
from .errors import ConfigError, DataError, WganError
from .evaluation import evaluate_generator
from .input_gradients import closed_form_input_gradient, input_gradient_norms
from .latent import constant_vectors, lerp, one_hot_vectors, slerp, sweep
from .lipschitz import GradientPenalty, NoConstraint, SpectralNorm, WeightClipping, make_constraint
from .loading import load_run
from .loop import TrainResult, train
from .memorisation import MemorisationCheck, memorisation_check
from .metrics import critic_lipschitz, make_evaluator, mode_metrics
from .networks import DCGANCritic, DCGANGenerator, MLPCritic, MLPGenerator
from .objectives import FGAN, Cramer, StandardGAN, Wasserstein, make_objective
from .quality import fid, frechet_distance, kid, parzen_log_likelihood, prdc, select_bandwidth
from .transport import (AssignmentResult, TransportResult, TransportWarning, earth_movers_distance,
                        ground_cost, monge_assignment, sinkhorn, sliced_wasserstein, transport_plan,
                        wasserstein, wasserstein_1d)

__all__ = [
    "AssignmentResult", "Config", "ConfigError", "Cramer", "DCGANCritic", "DCGANGenerator", "DataError",
    "FGAN", "GradientPenalty", "MLPCritic", "MLPGenerator", "MemorisationCheck", "NoConstraint", "SpectralNorm", "StandardGAN",
    "TrainResult", "TransportResult", "TransportWarning", "Wasserstein", "WeightClipping", "WganError",
    "closed_form_input_gradient", "constant_vectors", "critic_lipschitz", "discrete_wasserstein", "earth_movers_distance",
    "energy_distance", "evaluate_generator", "fid", "frechet_distance", "ground_cost", "input_gradient_norms", "js_divergence",
    "kid", "kl_divergence", "lerp", "load_config", "load_run", "make_constraint", "make_evaluator",
    "make_objective", "memorisation_check", "mode_metrics", "monge_assignment", "one_hot_vectors", "parallel_lines",
    "parzen_log_likelihood", "prdc", "select_bandwidth", "sinkhorn", "slerp", "sliced_wasserstein",
    "sweep", "total_variation", "train", "transport_plan", "wasserstein", "wasserstein_1d",
]
__version__ = "0.1.0"
