import pytest
import torch

from wgan.latent import constant_vectors, lerp, one_hot_vectors, slerp, sweep, sweeps


def test_constant_and_one_hot_vectors():
    z = constant_vectors(4)
    assert torch.allclose(z, torch.tensor([[v] * 4 for v in (1.0, 0.5, 0.3, 0.0, -1.0)]))
    assert torch.equal(one_hot_vectors(3), torch.eye(3))
    assert one_hot_vectors(5, dims=[2]).tolist() == [[0, 0, 1, 0, 0]]


def test_sweep_moves_one_dimension_only():
    base = torch.randn(6)
    z = sweep(base, 2, 0.0, 1.0, 5)
    assert z.shape == (5, 6)
    assert torch.allclose(z[:, 2], torch.linspace(0, 1, 5))
    others = [0, 1, 3, 4, 5]
    assert torch.equal(z[:, others], base[others].expand(5, -1))
    assert sweeps(base, [0, 1], -3, 3, 4).shape == (2, 4, 6)


def test_lerp_and_slerp_endpoints_and_norms():
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    for f in (lerp, slerp):
        z = f(a, b, 5)
        assert torch.allclose(z[0], a, atol=1e-6) and torch.allclose(z[-1], b, atol=1e-6)
    assert torch.allclose(slerp(a, b, 5).norm(dim=1), torch.ones(5), atol=1e-6)  # on the great circle
    assert lerp(a, b, 3)[1].norm().item() == pytest.approx(2 ** -0.5)
    mid = slerp(a, b, 3)[1]
    assert torch.allclose(mid, torch.tensor([2 ** -0.5, 2 ** -0.5]), atol=1e-6)
    assert torch.allclose(slerp(a, a, 3), a.expand(3, -1))  # parallel: falls back to lerp
