"""ResNet generators and critics (model.kind = "resnet"): the WGAN-GP and SNGAN CIFAR-10 nets."""
import copy
import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from wgan.cli import main
from wgan.config import RESNETS, ModelConfig, load_config
from wgan.errors import ConfigError
from wgan.lipschitz import GradientPenalty
from wgan.loading import load_run
from wgan.networks import MaskedReLU
from wgan.recipe import build_networks, make_networks
from wgan.resnets import CriticBlock, OptimizedBlock, ResNetCritic, ResNetGenerator, UpBlock, _upsample
from wgan.runs import load_checkpoint, read_metrics

NORMS = (nn.modules.batchnorm._BatchNorm, nn.GroupNorm, nn.LayerNorm, nn.modules.instancenorm._InstanceNorm)


def tiny(variant="wgan_gp", **kw):
    return ModelConfig(kind="resnet", resnet=variant, latent_dim=16, generator_width=8, critic_width=8, **kw)


def count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("variant", RESNETS)
@pytest.mark.parametrize("size", [32, 64, 128])
@pytest.mark.parametrize("channels", [1, 3])
def test_shapes_for_every_size_channel_count_and_variant(variant, size, channels):
    generator, critic = make_networks(tiny(variant), (channels, size, size))
    x = generator(torch.randn(3, 16))
    assert x.shape == (3, channels, size, size) and x.abs().max() <= 1.0
    assert critic(x).shape == (3,)
    # one more up block and one more down block per doubling of the size; the critic's two plain
    # blocks always run on 8x8
    ups = sum(isinstance(m, UpBlock) for m in generator.modules())
    downs = [m for m in critic.blocks if isinstance(m, OptimizedBlock) or m.down]
    assert ups == {32: 3, 64: 4, 128: 5}[size] and len(downs) == ups - 1
    assert [type(m) for m in critic.blocks[-2:]] == [CriticBlock, CriticBlock]
    assert not critic.blocks[-1].down and not critic.blocks[-2].down
    features = critic.blocks(x)
    assert features.shape == (3, 8, 8, 8)


def test_feature_critic_for_cramer():
    _, critic = make_networks(tiny(), (1, 32, 32), critic_out_dim=5)
    assert critic(torch.randn(2, 1, 32, 32)).shape == (2, 5)


def conv(c_in, c_out, k):
    """Weights and bias of a k x k convolution (every convolution in both references has a bias)."""
    return c_in * c_out * k * k + c_out


def bn(c):
    """Trainable batch-norm parameters (scale and offset; the moving statistics are not trained)."""
    return 2 * c


def test_parameter_counts_are_the_wgan_gp_reference_code():
    # igul222/improved_wgan_training, gan_cifar_resnet.py, unconditional (CONDITIONAL = False, so no
    # conditional batch norm and no ACGAN output), DIM_G = DIM_D = 128, NORMALIZATION_G = True,
    # NORMALIZATION_D = False, noise of 128; lib.ops.conv2d.Conv2D and lib.ops.linear.Linear have biases.
    d = 128
    generator = (128 * 4 * 4 * d + 4 * 4 * d                  # Generator.Input: Linear(128, 4*4*DIM_G)
                 + 3 * (bn(d) + conv(d, d, 3)                 # Generator.1-3: N1, Conv1 (UpsampleConv 3x3)
                        + bn(d) + conv(d, d, 3)               #   N2, Conv2
                        + conv(d, d, 1))                      #   Shortcut (UpsampleConv 1x1: resample='up')
                 + bn(d) + conv(d, 3, 3))                     # Generator.OutputN, Generator.Output
    critic = (conv(3, d, 1) + conv(3, d, 3) + conv(d, d, 3)   # Discriminator.1 (OptimizedResBlockDisc1):
                                                              #   Shortcut (MeanPoolConv 1x1), Conv1, Conv2
              + conv(d, d, 3) + conv(d, d, 3) + conv(d, d, 1)  # Discriminator.2, resample='down': Conv1,
                                                              #   Conv2 (ConvMeanPool), Shortcut (ConvMeanPool 1x1)
              + 2 * (conv(d, d, 3) + conv(d, d, 3))           # Discriminator.3, .4: identity shortcuts
              + d + 1)                                        # Discriminator.Output: Linear(DIM_D, 1)
    assert (generator, critic) == (1_204_483, 1_053_825)
    config = ModelConfig(kind="resnet", resnet="wgan_gp", latent_dim=128, generator_width=128, critic_width=128)
    g, c = make_networks(config, (3, 32, 32))
    assert (count(g), count(c)) == (generator, critic)


def test_parameter_counts_are_the_sngan_reference_code():
    # Miyato et al. 2018, appendix B, Table 4; pfnet-research/sngan_projection, configs/
    # sn_cifar10_unconditional.yml: gen_models/resnet_32.py (ch = 256, dim_z = 128) and
    # dis_models/snresnet_32.py (ch = 128) with the Blocks of {gen,dis}_models/resblocks.py (chainer
    # Convolution2D / Linear have biases, except l5: SNLinear(ch, 1, nobias=True)). The PyTorch port
    # w86763777/pytorch-gan-collections, source/models/sngan.py, ResGenerator32 / ResDiscriminator32,
    # has the same counts.
    g_ch, d_ch = 256, 128
    generator = (128 * 4 * 4 * g_ch + 4 * 4 * g_ch            # l1: Linear(dim_z, 4*4*ch)
                 + 3 * (bn(g_ch) + conv(g_ch, g_ch, 3)        # block2-4 (upsample=True): b1, c1
                        + bn(g_ch) + conv(g_ch, g_ch, 3)      #   b2, c2
                        + conv(g_ch, g_ch, 1))                #   c_sc (learnable_sc: upsample)
                 + bn(g_ch) + conv(g_ch, 3, 3))               # b5, c5
    critic = (conv(3, d_ch, 3) + conv(d_ch, d_ch, 3) + conv(3, d_ch, 1)  # block1 (OptimizedBlock): c1, c2, c_sc
              + conv(d_ch, d_ch, 3) * 2 + conv(d_ch, d_ch, 1)           # block2 (downsample): c1, c2, c_sc
              + 2 * (conv(d_ch, d_ch, 3) * 2)                           # block3, block4: no c_sc
              + d_ch)                                                   # l5, no bias
    assert (generator, critic) == (4_276_739, 1_053_824)
    config = ModelConfig(kind="resnet", resnet="sngan", latent_dim=128, generator_width=256, critic_width=128)
    g, c = make_networks(config, (3, 32, 32))
    assert (count(g), count(c)) == (generator, critic)


@pytest.mark.parametrize("variant", RESNETS)
def test_the_critic_has_no_normalisation_and_the_generator_batch_norm(variant):
    generator, critic = make_networks(tiny(variant), (3, 64, 64))
    assert not any(isinstance(m, NORMS) for m in critic.modules())
    assert sum(isinstance(m, nn.BatchNorm2d) for m in generator.modules()) == 2 * 4 + 1
    critic.eval()
    x = torch.randn(4, 3, 64, 64)
    assert torch.allclose(critic(x)[:2], critic(x[:2]), atol=1e-6)  # samples are scored independently


def test_sngan_head_sums_where_wgan_gp_averages_over_the_8x8_map():
    torch.manual_seed(0)
    mean_critic = ResNetCritic(1, 32, width=8, variant="wgan_gp")
    sum_critic = ResNetCritic(1, 32, width=8, variant="sngan")
    assert mean_critic.output.bias is not None and sum_critic.output.bias is None
    sum_critic.load_state_dict({k: v for k, v in mean_critic.state_dict().items() if k != "output.bias"})
    x = torch.randn(3, 1, 32, 32)
    with torch.no_grad():
        assert torch.allclose(sum_critic(x), 64 * (mean_critic(x) - mean_critic.output.bias), rtol=1e-5, atol=1e-5)


def test_upsampling_is_the_reference_upsample_conv():
    # gan_cifar_resnet.py, UpsampleConv: concat four copies along the channels, then (NHWC)
    # tf.depth_to_space(x, 2), where out[h*2+i, w*2+j, c] = in[h, w, (i*2+j)*C + c]
    x = torch.randn(2, 3, 5, 4)
    n, c, h, w = x.shape
    tf_channels = torch.cat([x] * 4, 1).view(n, 4, c, h, w)         # channel (i*2+j)*C + c
    torch_order = tf_channels.transpose(1, 2).reshape(n, 4 * c, h, w)  # pixel_shuffle reads c*4 + i*2 + j
    assert torch.equal(_upsample(x), F.pixel_shuffle(torch_order, 2))


def test_gradient_penalty_double_backward_on_the_critic_is_exact():
    config = load_config("default", ["model.kind='resnet'", "model.critic_width=8", "model.generator_width=8",
                                     "constraint.penalty_weight=10.0"])
    torch.manual_seed(0)
    _, critic = build_networks(config, (1, 32, 32))  # prepared by the penalty: masked ReLUs
    assert not any(type(m) is nn.ReLU for m in critic.modules())
    assert sum(isinstance(m, MaskedReLU) for m in critic.modules()) == 2 * 3 + 1 + 1
    plain = copy.deepcopy(critic)
    for module in plain.modules():
        for name, child in module.named_children():
            if isinstance(child, MaskedReLU):
                setattr(module, name, nn.ReLU())
    x = torch.randn(6, 1, 32, 32)
    grads = []
    for net in (critic, plain):
        net.zero_grad()
        penalty = GradientPenalty(10.0).penalty(net, x)
        penalty.backward()
        # the output bias does not move the input gradient: no gradient from the penalty
        grads.append([torch.zeros_like(p) if p.grad is None else p.grad.clone() for p in net.parameters()])
        assert torch.isfinite(penalty) and penalty > 0
    assert all(torch.isfinite(a).all() for a in grads[0]) and any(a.abs().sum() > 0 for a in grads[0])
    for a, b in zip(*grads):
        assert torch.allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("variant", RESNETS)
def test_spectral_norm_wraps_every_critic_layer(variant):
    config = load_config("default", ["model.kind='resnet'", f"model.resnet='{variant}'", "model.critic_width=8",
                                     "model.generator_width=8", "constraint.name='spectral_norm'"])
    _, critic = build_networks(config, (3, 32, 32))
    layers = [m for m in critic.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    assert len(layers) == 3 + 3 + 2 * 2 + 1
    assert all(nn.utils.parametrize.is_parametrized(m, "weight") for m in layers)
    assert torch.isfinite(critic(torch.randn(2, 3, 32, 32))).all()


@pytest.mark.parametrize("shape", [(1, 16, 16), (3, 48, 48), (1, 256, 256)])
def test_other_image_sizes_are_refused(shape):
    with pytest.raises(ConfigError, match=r"model.kind = 'resnet'.*data.image_size = \d+.*32, 64 or 128"):
        make_networks(tiny(), shape)


def test_points_and_non_square_images_are_refused():
    with pytest.raises(ConfigError, match="model.kind = 'resnet' needs image data.*model.kind = 'mlp'"):
        make_networks(tiny(), (2,))
    with pytest.raises(ConfigError, match="needs square images"):
        make_networks(tiny(), (1, 32, 64))


TINY = ["--no-progress", "--set", "train.batch_size=8", "--set", "eval.every=2", "--set", "eval.samples=48",
        "--set", "eval.tensorboard='off'", "--set", "train.threads=1", "--set", "model.generator_width=8",
        "--set", "model.critic_width=8", "--set", "eval.figures=false"]


@pytest.fixture(scope="module")
def resnet_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "resnet"
    assert main(["train", "--set", "model.kind='resnet'", "--data", "digits", "--image-size", "32", "--steps", "2",
                 "--out", str(out), *TINY]) == 0
    return out


def test_cli_train_sample_evaluate_and_resume(resnet_run, tmp_path, capsys):
    assert isinstance(load_run(resnet_run).critic, ResNetCritic)
    assert main(["sample", "--run", str(resnet_run), "-n", "5", "--out", str(tmp_path / "g.png"),
                 "--npy", str(tmp_path / "s.npy")]) == 0
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (5, 1, 32, 32) and np.isfinite(samples).all() and np.abs(samples).max() <= 1
    capsys.readouterr()
    assert main(["evaluate", "--run", str(resnet_run), "-n", "24", "--json", "--no-memorisation"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["step"] == 2 and np.isfinite(result["w1"])
    assert main(["train", "--resume", str(resnet_run), "--steps", "3", "--no-progress"]) == 0
    assert load_checkpoint(resnet_run)["step"] == 3
    assert [r["step"] for r in read_metrics(resnet_run)] == [0, 2, 3]  # evaluations at 0, 2 and the end


def test_cli_sngan_with_spectral_norm_in_bf16_channels_last(tmp_path, capsys):
    run = tmp_path / "sngan"
    assert main(["train", "--set", "model.kind='resnet'", "--set", "model.resnet='sngan'", "--constraint",
                 "spectral_norm", "--data", "digits", "--image-size", "64", "--steps", "2", "--out", str(run),
                 "--set", "train.precision='bf16'", "--set", "train.channels_last=true", *TINY]) == 0
    loaded = load_run(run)
    assert isinstance(loaded.generator, ResNetGenerator) and loaded.critic.variant == "sngan"
    records = [r for r in read_metrics(run) if r["step"] > 0]
    assert [r["step"] for r in records] == [2]
    assert all(np.isfinite(r[k]) for r in records for k in ("critic_w_estimate", "generator_loss", "w1"))
    assert main(["explore", "--run", str(run), "--out", str(tmp_path / "probes"), "--steps", "2",
                 "--sweep-dims", "0"]) == 0


def test_cli_refuses_points_sizes_and_settings_without_effect(tmp_path, capsys):
    base = ["train", "--set", "model.kind='resnet'", "--steps", "1", "--out", str(tmp_path / "r"), *TINY]
    assert main(base) == 2
    assert "model.kind = 'resnet' needs image data" in capsys.readouterr().err
    assert main(base + ["--data", "digits", "--image-size", "16"]) == 2
    assert "data.image_size = 16" in capsys.readouterr().err
    assert main(base + ["--data", "digits", "--set", "model.generator_depth=5"]) == 2
    assert "model.generator_depth = 5 has no effect under model.kind = 'resnet'" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
