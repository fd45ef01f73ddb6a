import pytest
import torch
from torch import nn

from wgan.config import ConstraintConfig
from wgan.lipschitz import (GradientPenalty, NoConstraint, SpectralNorm, WeightClipping, input_gradient_norms,
                            random_interpolates)
from wgan.networks import MLPCritic
from wgan.recipe import make_constraint


def linear_critic(weight: list[float]) -> nn.Module:
    layer = nn.Linear(len(weight), 1)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([weight]))
        layer.bias.fill_(0.3)
    return nn.Sequential(layer, nn.Flatten(0))


def penalty_of(constraint, critic, real, fake):
    inputs = constraint.penalty_inputs(real, fake, torch.Generator().manual_seed(0))
    return constraint.penalty(critic, inputs)


# A linear critic has ||grad|| = ||w|| everywhere: (||w|| - 1)^2 is 0, 1, 1/4 for ||w|| = 1, 2, 0.5.
@pytest.mark.parametrize("weight, two_sided, one_sided", [
    ([0.6, 0.8], 0.0, 0.0),       # ||w|| = 1
    ([1.2, 1.6], 1.0, 1.0),       # ||w|| = 2
    ([0.3, 0.4], 0.25, 0.0),      # ||w|| = 0.5
])
def test_penalty_of_linear_critic_matches_hand_calculation(weight, two_sided, one_sided):
    lam = 10.0
    critic = linear_critic(weight)
    real, fake = torch.randn(64, 2), torch.randn(64, 2)
    assert penalty_of(GradientPenalty(lam), critic, real, fake).item() == pytest.approx(lam * two_sided, abs=1e-5)
    assert penalty_of(GradientPenalty(lam, one_sided=True), critic, real, fake).item() == pytest.approx(
        lam * one_sided, abs=1e-5)


def test_gradient_norm_runs_over_all_non_batch_dimensions():
    # f(x) = sum(x * A) over a (3, 4, 4) "image": the gradient is A, its norm ||A||_F.
    a = torch.randn(3, 4, 4)
    x = torch.randn(5, 3, 4, 4, requires_grad=True)
    norms = input_gradient_norms(lambda x: (x * a).flatten(1).sum(1), x, create_graph=False)
    assert torch.allclose(norms, a.norm().expand(5), atol=1e-5)


def test_image_penalty_uses_one_alpha_per_sample():
    torch.manual_seed(0)
    real = torch.randn(6, 3, 8, 8)
    fake = real + 1 + torch.rand(6, 3, 8, 8)  # |real - fake| >= 1 at every pixel: a stable ratio
    x_hat = random_interpolates(real, fake, torch.Generator().manual_seed(1))
    # x_hat = alpha real + (1 - alpha) fake, so (x_hat - fake) / (real - fake) is alpha at every
    # pixel of one sample: one alpha per sample, in [0, 1], different between samples.
    alpha = ((x_hat - fake) / (real - fake)).flatten(1)
    assert torch.allclose(alpha, alpha[:, :1].expand_as(alpha), rtol=0, atol=1e-4)
    assert ((alpha >= 0) & (alpha <= 1)).all()
    assert alpha[:, 0].unique().numel() == 6


def test_clipping_bounds_hold_after_every_critic_step():
    critic = MLPCritic(2, width=32, depth=2)
    clip = WeightClipping(0.01)
    opt = torch.optim.RMSprop(critic.parameters(), lr=0.5)
    for _ in range(5):
        loss = critic(torch.randn(16, 2)).mean() - critic(torch.randn(16, 2) + 3).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        assert max(p.abs().max().item() for p in critic.parameters()) > 0.01  # the step broke the bound
        stepped = [p.detach().clone() for p in critic.parameters()]
        clip.after_critic_step(critic)
        # clipped to [-c, c], not shrunk or zeroed: every weight is exactly clamp(w, -c, c)
        for p, before in zip(critic.parameters(), stepped):
            assert torch.equal(p.detach(), before.clamp(-0.01, 0.01))


def test_spectrally_normalised_layers_have_unit_largest_singular_value():
    torch.manual_seed(0)
    critic = SpectralNorm().prepare(MLPCritic(2, width=64, depth=3))
    for _ in range(300):  # power iterations run on each training-mode forward pass
        critic(torch.randn(8, 2))
    linears = [m for m in critic.modules() if isinstance(m, nn.Linear)]
    assert len(linears) == 4
    for layer in linears:
        assert torch.linalg.matrix_norm(layer.weight.detach(), ord=2).item() == pytest.approx(1.0, abs=1e-2)


def test_constraints_without_penalty_add_nothing():
    critic = MLPCritic(2, width=8, depth=1)
    real, fake = torch.randn(4, 2), torch.randn(4, 2)
    for constraint in (NoConstraint(), WeightClipping(0.1), SpectralNorm()):
        inputs = constraint.penalty_inputs(real, fake, None)
        assert inputs.shape == (0, 2)
        assert constraint.penalty(critic, inputs).item() == 0.0


def test_make_constraint_builds_each_name():
    names = {"none": NoConstraint, "weight_clipping": WeightClipping, "gradient_penalty": GradientPenalty,
             "one_sided_penalty": GradientPenalty, "spectral_norm": SpectralNorm}
    for name, cls in names.items():
        constraint = make_constraint(ConstraintConfig(name=name, clip_value=0.05, penalty_weight=2.0))
        assert type(constraint) is cls and constraint.name == name
    assert make_constraint(ConstraintConfig(name="weight_clipping", clip_value=0.05)).clip_value == 0.05
    assert make_constraint(ConstraintConfig(name="one_sided_penalty", penalty_weight=2.0)).weight == 2.0


@pytest.mark.parametrize("dtype, tolerance", [(torch.bfloat16, 0.05), (torch.float16, 0.01)])
def test_half_precision_penalty_matches_float32(dtype, tolerance):
    torch.manual_seed(0)
    critic = MLPCritic(2, width=64, depth=3)
    real, fake = torch.randn(256, 2), torch.randn(256, 2) + 2
    gp = GradientPenalty(10.0)
    x = gp.penalty_inputs(real, fake, torch.Generator().manual_seed(1))
    exact = gp.penalty(critic, x).item()
    def half_score(x):
        with torch.autocast("cpu", dtype=dtype):
            scores = critic(x)
        assert scores.dtype == dtype
        return scores.float()

    half = gp.penalty(half_score, x)
    assert half.dtype == torch.float32 and torch.isfinite(half)
    assert half.item() == pytest.approx(exact, rel=tolerance)


def _penalty_step(critic, real, fake):
    """W loss + penalty and the parameter gradients of one critic step (missing grads as zeros)."""
    gp = GradientPenalty(10.0)
    x = gp.penalty_inputs(real, fake, torch.Generator().manual_seed(1))
    loss = critic(fake).mean() - critic(real).mean() + gp.penalty(critic, x)
    critic.zero_grad(set_to_none=True)
    loss.backward()
    return loss.detach(), [torch.zeros_like(p) if p.grad is None else p.grad for p in critic.parameters()]


@pytest.mark.parametrize("kind", ["mlp_relu", "mlp_leaky_relu", "dcgan"])
def test_penalty_prepared_critic_gives_the_same_step_as_the_plain_critic(kind):
    """The penalty swaps ReLU / LeakyReLU for forms whose double backward skips the forward
    graph; loss and every parameter gradient must stay those of torch's own activations."""
    from wgan.networks import DCGANCritic, MaskedLeakyReLU, MaskedReLU

    def build():
        torch.manual_seed(0)
        if kind == "dcgan":
            return DCGANCritic(1, 16, width=8, norm="layer")
        return MLPCritic(2, width=32, depth=3, activation=kind.removeprefix("mlp_"))

    shape = (1, 16, 16) if kind == "dcgan" else (2,)
    real, fake = torch.randn(64, *shape), torch.randn(64, *shape) + 1
    plain, prepared = build(), GradientPenalty(10.0).prepare(build())
    masked = [m for m in prepared.modules() if isinstance(m, (MaskedReLU, MaskedLeakyReLU))]
    assert len(masked) == len([m for m in plain.modules() if isinstance(m, (nn.ReLU, nn.LeakyReLU))]) > 0
    loss_plain, grads_plain = _penalty_step(plain, real, fake)
    loss_prepared, grads_prepared = _penalty_step(prepared, real, fake)
    torch.testing.assert_close(loss_prepared, loss_plain, rtol=1e-6, atol=1e-7)
    for a, b in zip(grads_prepared, grads_plain):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7)


def test_masked_activations_match_torch_values_and_slopes_at_every_sign():
    from wgan.networks import MaskedLeakyReLU, MaskedReLU

    x = torch.tensor([-2.0, -0.0, 0.0, 1e-30, 3.0, float("inf"), float("-inf")], requires_grad=True)
    for ours, torch_own in ((MaskedReLU(), nn.ReLU()), (MaskedLeakyReLU(0.2), nn.LeakyReLU(0.2))):
        y, y_ref = ours(x), torch_own(x)
        assert torch.equal(y, y_ref)
        (g,) = torch.autograd.grad(y.sum(), x)
        (g_ref,) = torch.autograd.grad(y_ref.sum(), x)
        assert torch.equal(g, g_ref)
