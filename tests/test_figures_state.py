"""Drawing a figure never changes training: the networks' modes (every submodule), parameters
and buffers (spectral norm's power-iteration vectors, batch-norm statistics) and every random
state are the same before and after each figure, for every objective and kind of data."""
import numpy as np
import pytest
import torch

import wgan.loop
from wgan.callbacks import Figures
from wgan.config import OBJECTIVES, load_config


def snapshot(state):
    nets = {"generator": state.generator, "critic": state.critic}
    return {
        "modes": {name: [m.training for m in net.modules()] for name, net in nets.items()},
        "tensors": {name: {k: v.detach().clone() for k, v in net.state_dict().items()} for name, net in nets.items()},
        "torch_rng": torch.get_rng_state(),
        "noise_rng": state.noise.get_state(),
        "data_rng": state.data_rng.bit_generator.state,
    }


def assert_same(before, after):
    assert before["modes"] == after["modes"]
    for name in before["tensors"]:
        for key, value in before["tensors"][name].items():
            assert torch.equal(value, after["tensors"][name][key]), f"{name} {key} changed"
    assert torch.equal(before["torch_rng"], after["torch_rng"])
    assert torch.equal(before["noise_rng"], after["noise_rng"])
    assert before["data_rng"] == after["data_rng"]


def point_file(tmp_path, dim):
    path = tmp_path / f"points{dim}.npy"
    np.save(path, np.random.default_rng(dim).normal(size=(200, dim)).astype(np.float32))
    return str(path)


@pytest.mark.parametrize("data", ["1-D", "2-D", "3-D", "images"])
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_figures_leave_the_networks_and_random_states_as_they_were(tmp_path, monkeypatch, objective, data):
    calls = []
    real_snapshot = Figures.snapshot

    def checked(self, state, record):
        state.generator.train()  # as in training, where both networks are in train mode
        state.critic.train()
        before = snapshot(state)
        real_snapshot(self, state, record)
        assert_same(before, snapshot(state))
        calls.append(record["step"])

    monkeypatch.setattr(Figures, "snapshot", checked)
    tiny = ["train.steps=2", "eval.every=2", "eval.samples=32", "train.batch_size=8", "eval.tensorboard='off'",
            "model.generator_width=8", "model.critic_width=8", f"objective.name='{objective}'",
            "constraint.name='spectral_norm'"]
    if objective == "cramer":
        tiny.append("objective.cramer_dim=4")
    if data == "images":  # a batch-norm critic too: its statistics must not move either
        config = load_config("dcgan-wgan-clip", tiny + ["data.name='digits'", "data.image_size=16",
                                                        "model.critic_norm='batch'"])
    else:
        dim = int(data[0])
        name = "eight_gaussians" if dim == 2 else point_file(tmp_path, dim)
        config = load_config("default", tiny + [f"data.name='{name}'"])
    result = wgan.loop.train(config, tmp_path / "run", progress=False)
    assert calls == [0, 2] and result.step == 2
    kind = "samples" if data == "images" else "landscape"
    assert (tmp_path / "run" / "figures" / f"{kind}.png").exists()
