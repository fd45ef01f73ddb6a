"""wgan: train and study Wasserstein GANs; measure distributions with the Earth Mover's distance."""
from .config import Config, load_config
from .errors import ConfigError, DataError, WganError
from .lipschitz import GradientPenalty, NoConstraint, SpectralNorm, WeightClipping, make_constraint
from .metrics import critic_lipschitz, make_evaluator, mode_metrics
from .networks import MLPCritic, MLPGenerator
from .objectives import Wasserstein, make_objective
from .training import TrainResult, train
from .transport import wasserstein, wasserstein_1d

__all__ = [
    "Config", "ConfigError", "DataError", "GradientPenalty", "MLPCritic", "MLPGenerator",
    "NoConstraint", "SpectralNorm", "TrainResult", "Wasserstein", "WeightClipping", "WganError",
    "critic_lipschitz", "load_config", "make_constraint", "make_evaluator", "make_objective",
    "mode_metrics", "train", "wasserstein", "wasserstein_1d",
]
__version__ = "0.1.0"
