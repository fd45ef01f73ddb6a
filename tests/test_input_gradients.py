"""The three routes to a critic's input gradient give the same numbers: autograd (the
reference), the closed form for ReLU / LeakyReLU MLPs, torch.func.grad."""
import pytest
import torch
from torch import nn

from wgan.input_gradients import CriticScore, closed_form_input_gradient, input_gradient_norms, input_gradients
from wgan.lipschitz import GradientPenalty, SpectralNorm
from wgan.networks import DCGANCritic, MLPCritic
from wgan.objectives import Cramer, Wasserstein


def _autograd_gradient(critic, x):
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    return grad


def _penalty_and_grads(gradient_fn, critic, x):
    grad = gradient_fn(critic, x)
    penalty = ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
    grads = torch.autograd.grad(penalty, list(critic.parameters()), allow_unused=True)
    return penalty, [torch.zeros_like(p) if g is None else g for p, g in zip(critic.parameters(), grads)]


@pytest.mark.parametrize("activation, depth, shape", [
    ("relu", 3, (2,)), ("relu", 1, (2,)), ("leaky_relu", 2, (5,)), ("relu", 2, (1, 4, 4)), ("leaky_relu", 4, (3,)),
])
def test_closed_form_equals_autograd_in_value_and_in_weight_gradients(activation, depth, shape):
    torch.manual_seed(0)
    critic = MLPCritic(int(torch.tensor(shape).prod()), width=24, depth=depth, activation=activation)
    x = torch.randn(50, *shape)
    closed = closed_form_input_gradient(critic, x)
    assert closed.shape == x.shape
    torch.testing.assert_close(closed, _autograd_gradient(critic, x), rtol=1e-5, atol=1e-7)
    p_closed, g_closed = _penalty_and_grads(closed_form_input_gradient, critic, x)
    p_auto, g_auto = _penalty_and_grads(_autograd_gradient, critic, x)
    torch.testing.assert_close(p_closed, p_auto)
    for a, b in zip(g_closed, g_auto):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


def test_closed_form_by_hand_for_a_one_hidden_layer_relu_critic():
    # f(x) = w . relu(W x + b): at x = (1, 1), unit 0 is active (3 > 0), unit 1 is not (-1 < 0),
    # so df/dx = w_0 * W[0] = 2 * (1, 2) = (2, 4).
    critic = MLPCritic(2, width=2, depth=1)
    with torch.no_grad():
        critic.net[0].weight.copy_(torch.tensor([[1.0, 2.0], [-1.0, 0.0]]))
        critic.net[0].bias.copy_(torch.tensor([0.0, 0.0]))
        critic.net[2].weight.copy_(torch.tensor([[2.0, 5.0]]))
    grad = closed_form_input_gradient(critic, torch.tensor([[1.0, 1.0]]))
    assert grad.tolist() == [[2.0, 4.0]]


@pytest.mark.parametrize("make", [
    lambda: MLPCritic(2, 16, 2, activation="tanh"),
    lambda: MLPCritic(2, 16, 2, activation="elu"),
    lambda: MLPCritic(2, 16, 2, out_dim=4),
    lambda: SpectralNorm().prepare(MLPCritic(2, 16, 2)),
    lambda: DCGANCritic(1, 16, 8),
    lambda: nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1)),
], ids=["tanh", "elu", "feature-critic", "spectral-norm", "dcgan", "foreign-module"])
def test_closed_form_declines_critics_it_does_not_cover(make):
    critic = make()
    shape = (1, 16, 16) if isinstance(critic, DCGANCritic) else (2,)
    assert closed_form_input_gradient(critic, torch.randn(3, *shape)) is None


def test_training_score_uses_the_closed_form_only_when_values_are_outputs():
    critic = GradientPenalty(1.0).prepare(MLPCritic(2, 16, 2))
    x = torch.randn(8, 2)
    plain = CriticScore(critic, Wasserstein(), {}, lambda: torch.autocast("cpu", enabled=False))
    torch.testing.assert_close(plain.input_gradient(x), _autograd_gradient(critic, x))
    cramer_critic = MLPCritic(2, 16, 2, out_dim=4)
    cramer = CriticScore(cramer_critic, Cramer(output_dim=4), {"anchor": torch.randn(8, 4)},
                         lambda: torch.autocast("cpu", enabled=False))
    assert cramer.input_gradient(x) is None
    norms = input_gradient_norms(cramer, x, create_graph=False)  # autograd route
    assert norms.shape == (8,) and torch.isfinite(norms).all()


def test_func_grad_route_equals_autograd():
    torch.manual_seed(1)
    critic = MLPCritic(3, 16, 2, activation="tanh")
    x = torch.randn(10, 3)
    by_func = torch.func.grad(lambda y: critic(y).sum())(x)
    torch.testing.assert_close(by_func, input_gradients(critic, x, create_graph=False))


def test_closed_form_under_bf16_autocast_stays_close_to_float32():
    torch.manual_seed(2)
    critic = MLPCritic(2, 64, 3)
    x = torch.randn(128, 2)
    exact = closed_form_input_gradient(critic, x)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        half = closed_form_input_gradient(critic, x)
    assert half.dtype == torch.bfloat16
    p_exact = ((exact.norm(dim=1) - 1) ** 2).mean()
    p_half = ((half.float().norm(dim=1) - 1) ** 2).mean()
    p_half.backward()
    assert all(torch.isfinite(p.grad).all() for p in critic.parameters() if p.grad is not None)
    assert p_half.item() == pytest.approx(p_exact.item(), rel=0.05)
