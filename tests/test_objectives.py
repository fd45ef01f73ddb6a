import pytest
import torch

from wgan.errors import ConfigError
from wgan.objectives import Wasserstein, make_objective


def test_wasserstein_losses_are_the_dual_objective():
    real, fake = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([-1.0, 0.0])
    w = Wasserstein()
    assert w.estimate(real, fake).item() == pytest.approx(2.0 - (-0.5))
    assert w.critic_loss(real, fake).item() == pytest.approx(-2.5)
    assert w.generator_loss(fake).item() == pytest.approx(0.5)


def test_unknown_objective_is_a_clear_error():
    with pytest.raises(ConfigError, match="allowed values are wasserstein"):
        make_objective("hinge")
