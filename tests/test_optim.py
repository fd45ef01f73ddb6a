"""Optimisers and learning-rate schedules: torch.optim's own classes, built from the config
(recipe.make_optimizer / make_scheduler), checked against closed forms and torch directly;
runs written with the optimiser of before resume bit for bit."""
import hashlib
import json
import math
import shutil
from pathlib import Path

import pytest
import torch

from wgan.cli import main
from wgan.config import load_config
from wgan.errors import ConfigError
from wgan.optimizers import kernel_options, lr_factor
from wgan.recipe import make_optimizer, make_scheduler
from wgan.runs import load_checkpoint, read_metrics

OLD_RUNS = Path(__file__).parent / "data" / "run_before_torch_optim"


def _params(seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.nn.Parameter(torch.randn(7, 5, generator=g)), torch.nn.Parameter(torch.randn(5, generator=g))]


def _grads(params, step):
    g = torch.Generator().manual_seed(100 + step)
    return [torch.randn(p.shape, generator=g) for p in params]


def _run(optimizer, scheduler, params, steps):
    lrs = []
    for t in range(steps):
        optimizer.zero_grad(set_to_none=True)
        for p, grad in zip(params, _grads(params, t)):
            p.grad = grad
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return lrs


@pytest.mark.parametrize("name, cls", [("adam", torch.optim.Adam), ("adamw", torch.optim.AdamW),
                                       ("rmsprop", torch.optim.RMSprop), ("sgd", torch.optim.SGD)])
def test_each_name_is_torchs_class_with_its_settings(name, cls):
    config = load_config("default", [f"optim.name='{name}'", "optim.weight_decay=0.25"]
                         + (["optim.betas=[0.0, 0.99]"] if name.startswith("adam") else []))
    opt = make_optimizer(config, iter(_params()), 1e-2)
    assert type(opt) is cls
    group = opt.param_groups[0]
    assert group["lr"] == 1e-2 and group["weight_decay"] == 0.25
    if name.startswith("adam"):
        assert group["betas"] == (0.0, 0.99)
    # fused where the class takes `fused` and has the kernel here (torch's CPU build has Adam's, AdamW's
    # and SGD's); foreach otherwise (RMSprop has no fused form)
    assert group.get("fused") is (True if name != "rmsprop" else None)
    assert group["foreach"] is (True if name == "rmsprop" else None)


def test_kernel_options_read_the_signature_and_fall_back_without_a_fused_kernel():
    class NoFused(torch.optim.SGD):  # a class that documents foreach only
        def __init__(self, params, lr=1e-3, foreach=None):
            super().__init__(params, lr=lr, foreach=foreach)

    class Plain(torch.optim.Optimizer):
        def __init__(self, params, lr=1e-3):
            super().__init__(params, {"lr": lr})

    assert kernel_options(NoFused, _params()) == {"foreach": True}
    assert kernel_options(Plain, _params()) == {}
    assert kernel_options(torch.optim.Adam, []) == {}
    # a dtype without a fused kernel (integer parameters cannot be fused): the probe fails, foreach
    assert kernel_options(torch.optim.Adam, [torch.zeros(2, dtype=torch.float64)]) == {"fused": True}
    assert kernel_options(torch.optim.Adam, [torch.zeros(2, dtype=torch.complex64)]) == {"foreach": True}


def test_adamw_decays_weights_by_lr_times_weight_decay():
    """With zero gradients Adam's moments stay 0, so AdamW's step is the decoupled decay alone:
    p <- p (1 - lr wd) (Loshchilov & Hutter 2019, Algorithm 2), while Adam's L2 term goes through
    the moments: p <- p - lr sign(p) on its first step (wd p / sqrt((wd p)^2) = sign(p))."""
    config = load_config("default", ["optim.name='adamw'", "optim.weight_decay=0.1", "optim.lr_schedule='constant'"])
    params = _params()
    start = [p.detach().clone() for p in params]
    opt = make_optimizer(config, iter(params), 0.01)
    for _ in range(3):
        for p in params:
            p.grad = torch.zeros_like(p)
        opt.step()
    for p, p0 in zip(params, start):
        torch.testing.assert_close(p.detach(), p0 * (1 - 0.01 * 0.1) ** 3, rtol=1e-6, atol=0)
    adam = load_config("default", ["optim.weight_decay=0.1", "optim.lr_schedule='constant'"])
    params = _params()
    opt = make_optimizer(adam, iter(params), 0.01)
    for p in params:
        p.grad = torch.zeros_like(p)
    opt.step()
    for p, p0 in zip(params, start):
        torch.testing.assert_close(p.detach(), p0 - 0.01 * torch.sign(p0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("schedule", ["constant", "linear", "cosine"])
def test_schedules_with_warmup_follow_their_closed_forms(schedule):
    total, warmup, base = 20, 4, 3e-3
    config = load_config("default", [f"train.steps={total}", f"optim.lr_schedule='{schedule}'",
                                     f"optim.warmup_steps={warmup}"])
    params = _params()
    opt = make_optimizer(config, iter(params), base)
    lrs = _run(opt, make_scheduler(config, opt), params, total + 1)

    def expected(t):
        if t < warmup:
            return base * t / warmup
        s = (t - warmup) / (total - warmup)
        return base * {"constant": 1.0, "linear": 1.0 - s, "cosine": 0.5 * (1 + math.cos(math.pi * s))}[schedule]
    assert lrs == pytest.approx([expected(t) for t in range(total + 1)], rel=1e-12, abs=1e-18)
    assert lrs[0] == 0.0 and lrs[warmup] == base
    if schedule != "constant":
        assert lrs[total] == pytest.approx(0.0, abs=1e-18)
        assert lrs[(warmup + total) // 2] == pytest.approx(base / 2)  # half way: both at half the rate


def test_our_schedule_matches_torchs_cosine_annealing():
    """Without warm-up, cosine is torch.optim.lr_scheduler.CosineAnnealingLR(T_max=steps, eta_min=0)."""
    config = load_config("default", ["train.steps=15", "optim.lr_schedule='cosine'"])
    ours_p, theirs_p = _params(), _params()
    ours = make_optimizer(config, iter(ours_p), 1e-2)
    theirs = torch.optim.Adam(theirs_p, lr=1e-2, betas=(0.5, 0.9), fused=True)
    a = _run(ours, make_scheduler(config, ours), ours_p, 15)
    b = _run(theirs, torch.optim.lr_scheduler.CosineAnnealingLR(theirs, T_max=15), theirs_p, 15)
    assert a == pytest.approx(b, rel=1e-12, abs=1e-18)
    for p, q in zip(ours_p, theirs_p):
        torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-7)


def test_old_linear_decay_is_bit_for_bit_the_old_formula():
    for total in (7, 10, 5000):
        for step in range(total + 3):
            assert lr_factor("linear", step, total) == max(0.0, 1.0 - step / total)


def test_old_key_lr_decay_still_loads_and_maps(tmp_path):
    assert load_config("default", ["optim.lr_decay='none'"]).optim.lr_schedule == "constant"
    assert load_config("default", ["optim.lr_decay='linear'"]).optim.lr_schedule == "linear"
    old = tmp_path / "old.toml"
    old.write_text('[optim]\nname = "rmsprop"\nlr_decay = "none"\n')
    assert load_config(old).optim.lr_schedule == "constant"
    assert "lr_decay" not in load_config(old).to_toml()
    with pytest.raises(ConfigError, match="optim.lr_decay = 'cosine': allowed values are none, linear"):
        load_config("default", ["optim.lr_decay='cosine'"])
    both = tmp_path / "both.toml"
    both.write_text('[optim]\nlr_decay = "none"\nlr_schedule = "cosine"\n')
    with pytest.raises(ConfigError, match="keep only lr_schedule"):
        load_config(both)


def test_bad_settings_name_the_key(capsys):
    for setting, words in (("optim.name='lamb'", "allowed values are adam, adamw, rmsprop, sgd"),
                           ("optim.lr_schedule='step'", "allowed values are constant, linear, cosine"),
                           ("optim.weight_decay=-1", "optim.weight_decay = -1.0: must be >= 0.0"),
                           ("optim.warmup_steps=50", "optim.warmup_steps = 50: must be below train.steps = 20")):
        assert main(["train", "--steps", "20", "--set", setting]) == 2
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err
    with pytest.raises(ConfigError, match="optim.betas .* has no effect under optim.name = 'sgd'"):
        from wgan.config import check_settings_apply
        check_settings_apply(load_config("default", ["optim.name='sgd'"]), ["optim.betas"])


def _digest(obj) -> str:
    """SHA-256 over every tensor's bytes and every other value, keyed by its path (as written
    into expected.json by the run of before)."""
    h = hashlib.sha256()

    def walk(o, path=""):
        if isinstance(o, torch.Tensor):
            h.update(path.encode())
            h.update(str(o.dtype).encode())
            h.update(o.detach().cpu().contiguous().numpy().tobytes())
        elif isinstance(o, dict):
            for k in sorted(o, key=str):
                walk(o[k], f"{path}/{k}")
        elif isinstance(o, (list, tuple)):
            for i, v in enumerate(o):
                walk(v, f"{path}/{i}")
        else:
            h.update(f"{path}={o!r}".encode())
    walk(obj)
    return h.hexdigest()


@pytest.mark.parametrize("preset", ["default", "wgan-algorithm1"])
def test_a_run_of_the_hand_made_optimisers_resumes_bit_for_bit(tmp_path, preset):
    """tests/data/run_before_torch_optim/PRESET: `wgan train --config PRESET --steps 10` with widths
    16, batch 16, checkpoints every 5 steps, written by wgan's own Adam (default: fused Adam, linear
    decay) / RMSprop (wgan-algorithm1: foreach RMSprop, lr_decay = "none") before torch.optim: its
    step-5 checkpoint, config.toml and metrics. Resumed here with torch.optim, it must reach the
    uninterrupted run's step-10 networks and optimiser states exactly (expected.json)."""
    run = tmp_path / "old"
    shutil.copytree(OLD_RUNS / preset, run)
    expected = json.loads((run / "expected.json").read_text())
    assert load_checkpoint(run)["step"] == 5
    assert main(["train", "--resume", str(run), "--no-progress"]) == 0
    final = load_checkpoint(run)
    assert final["step"] == expected["step"] == 10
    for name in ("generator", "critic"):
        assert _digest(final[name]) == expected[name], name
    for name in ("critic_optimizer", "generator_optimizer"):
        assert _digest(final[name]["state"]) == expected[name], name
    later = [r for r in read_metrics(run) if r["step"] > 5]
    assert len(later) == len(expected["metrics"])
    for record, old in zip(later, expected["metrics"]):  # what the old run logged, unchanged (newer keys besides)
        assert {k: record[k] for k in old} == old
