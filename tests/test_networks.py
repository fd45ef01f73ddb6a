import pytest
import torch
from torch import nn

from wgan.config import ConstraintConfig, ModelConfig
from wgan.errors import ConfigError
from wgan.networks import DCGANCritic
from wgan.recipe import make_constraint, make_networks


@pytest.mark.parametrize("size", [16, 32, 64, 128])
@pytest.mark.parametrize("channels", [1, 3])
def test_dcgan_shapes_for_every_size_and_channel_count(size, channels):
    config = ModelConfig(kind="dcgan", latent_dim=10, generator_width=8, critic_width=8, critic_norm="layer")
    generator, critic = make_networks(config, (channels, size, size))
    x = generator(torch.randn(3, 10))
    assert x.shape == (3, channels, size, size)
    assert x.abs().max() <= 1.0
    assert critic(x).shape == (3,)


def test_128_critic_is_the_one_in_the_notes():
    critic = DCGANCritic(3, 128, width=64, norm="none")
    convs = [m for m in critic.modules() if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size, c.stride) for c in convs] == [
        (3, 64, (4, 4), (2, 2)), (64, 128, (4, 4), (2, 2)), (128, 256, (4, 4), (2, 2)),
        (256, 512, (4, 4), (2, 2)), (512, 1024, (4, 4), (2, 2)), (1024, 1, (4, 4), (1, 1))]
    activations = [m for m in critic.modules() if isinstance(m, nn.LeakyReLU)]
    assert len(activations) == 5 and all(a.negative_slope == 0.2 for a in activations)
    assert not any(isinstance(m, nn.Sigmoid) for m in critic.modules())
    assert critic(torch.randn(2, 3, 128, 128)).shape == (2,)


@pytest.mark.parametrize("norm, layer", [("batch", nn.BatchNorm2d), ("layer", nn.GroupNorm),
                                         ("instance", nn.InstanceNorm2d)])
def test_critic_normalisation_is_a_choice(norm, layer):
    critic = DCGANCritic(1, 32, width=8, norm=norm)
    assert sum(isinstance(m, layer) for m in critic.modules()) == 2  # every conv but the first and last
    assert not any(isinstance(m, layer) for m in DCGANCritic(1, 32, width=8, norm="none").modules())


def test_layer_norm_critic_treats_samples_independently():
    critic = DCGANCritic(1, 16, width=8, norm="layer").eval()
    x = torch.randn(4, 1, 16, 16)
    assert torch.allclose(critic(x)[:2], critic(x[:2]), atol=1e-6)


def test_batch_norm_critic_under_gradient_penalty_is_refused():
    critic = DCGANCritic(1, 32, width=8, norm="batch")
    for name in ("gradient_penalty", "one_sided_penalty"):
        with pytest.raises(ConfigError, match="batch norm makes every score depend on the whole batch"):
            make_constraint(ConstraintConfig(name=name)).prepare(critic)
    make_constraint(ConstraintConfig(name="weight_clipping")).prepare(critic)  # the original WGAN: allowed


def test_bad_image_sizes_and_kinds():
    with pytest.raises(ConfigError, match="16, 32, 64 or 128"):
        make_networks(ModelConfig(kind="dcgan"), (1, 48, 48))
    with pytest.raises(ConfigError, match="needs image data"):
        make_networks(ModelConfig(kind="dcgan"), (2,))


def test_wgan_paper_mlp_generator_for_images():
    generator, critic = make_networks(ModelConfig(kind="mlp", latent_dim=100, generator_width=512,
                                                  generator_depth=4), (1, 16, 16))
    linears = [m for m in generator.modules() if isinstance(m, nn.Linear)]
    assert [l.out_features for l in linears] == [512, 512, 512, 512, 256]
    x = generator(torch.randn(2, 100))
    assert x.shape == (2, 1, 16, 16) and x.abs().max() <= 1
    assert critic(x).shape == (2,)
