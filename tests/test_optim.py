"""wgan.optim against torch.optim on the same parameters and gradients: bit for bit."""
import subprocess
import sys

import pytest
import torch

from wgan.optim import Adam, LambdaSchedule, RMSprop


def _params(seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.nn.Parameter(torch.randn(7, 5, generator=g)), torch.nn.Parameter(torch.randn(5, generator=g)),
            torch.nn.Parameter(torch.randn(3, 2, 2, generator=g))]


def _grads(params, step):
    g = torch.Generator().manual_seed(100 + step)
    return [torch.randn(p.shape, generator=g) * (1 + step) for p in params]


def _run(optimizer, schedule, params, steps, start=0):
    for t in range(start, start + steps):
        optimizer.zero_grad(set_to_none=True)
        for p, grad in zip(params, _grads(params, t)):
            if not (t % 3 == 2 and p.dim() == 1):  # a parameter without a gradient is skipped
                p.grad = grad
        optimizer.step()
        schedule.step()


def _pair(kind):
    ours_p, theirs_p = _params(), _params()
    if kind == "adam":
        ours = Adam(ours_p, lr=3e-3, betas=(0.5, 0.9))
        theirs = torch.optim.Adam(theirs_p, lr=3e-3, betas=(0.5, 0.9), fused=True)
    else:
        ours = RMSprop(ours_p, lr=5e-5)
        theirs = torch.optim.RMSprop(theirs_p, lr=5e-5, foreach=True)
    return ours_p, theirs_p, ours, theirs


@pytest.mark.parametrize("kind", ["adam", "rmsprop"])
def test_steps_equal_torch_bit_for_bit(kind):
    ours_p, theirs_p, ours, theirs = _pair(kind)
    decay = lambda s: max(0.0, 1.0 - s / 20)  # noqa: E731
    ours_s, theirs_s = LambdaSchedule(ours, decay), torch.optim.lr_scheduler.LambdaLR(theirs, decay)
    _run(ours, ours_s, ours_p, 12)
    _run(theirs, theirs_s, theirs_p, 12)
    for a, b in zip(ours_p, theirs_p):
        assert torch.equal(a, b)
    assert ours_s.get_last_lr() == theirs_s.get_last_lr()
    assert ours.param_groups[0]["lr"] == theirs.param_groups[0]["lr"]


@pytest.mark.parametrize("kind", ["adam", "rmsprop"])
def test_state_dicts_move_between_ours_and_torch(kind):
    """Save after 5 steps with one implementation, load into the other, take 5 more: the same
    parameters as 10 steps with torch alone (old checkpoints hold torch's state dicts)."""
    decay = lambda s: max(0.0, 1.0 - s / 20)  # noqa: E731
    _, reference_p, _, reference = _pair(kind)
    reference_s = torch.optim.lr_scheduler.LambdaLR(reference, decay)
    _run(reference, reference_s, reference_p, 10)
    for first, second in (("torch", "ours"), ("ours", "torch")):
        a_p, b_p, ours, theirs = _pair(kind)
        opt_a = theirs if first == "torch" else ours
        params_a = b_p if first == "torch" else a_p
        sched_a = (torch.optim.lr_scheduler.LambdaLR if first == "torch" else LambdaSchedule)(opt_a, decay)
        _run(opt_a, sched_a, params_a, 5)
        saved_opt, saved_sched = opt_a.state_dict(), sched_a.state_dict()
        fresh_p = _params()
        with torch.no_grad():
            for p, q in zip(fresh_p, params_a):
                p.copy_(q)
        if second == "ours":
            opt_b = Adam(fresh_p, lr=3e-3, betas=(0.5, 0.9)) if kind == "adam" else RMSprop(fresh_p, lr=5e-5)
            sched_b = LambdaSchedule(opt_b, decay)
        else:
            opt_b = (torch.optim.Adam(fresh_p, lr=3e-3, betas=(0.5, 0.9), fused=True) if kind == "adam"
                     else torch.optim.RMSprop(fresh_p, lr=5e-5, foreach=True))
            sched_b = torch.optim.lr_scheduler.LambdaLR(opt_b, decay)
        opt_b.load_state_dict(saved_opt)
        sched_b.load_state_dict(saved_sched)
        _run(opt_b, sched_b, fresh_p, 5, start=5)
        for p, q in zip(fresh_p, reference_p):
            assert torch.equal(p, q), (first, second)


def test_adam_without_the_fused_kernel_matches_torch_foreach():
    ours_p, theirs_p = _params(), _params()
    ours = Adam(ours_p, lr=1e-2, betas=(0.5, 0.9))
    ours.param_groups[0]["fused"] = None  # the path for devices without the fused kernel
    theirs = torch.optim.Adam(theirs_p, lr=1e-2, betas=(0.5, 0.9), foreach=True)
    constant = lambda s: 1.0  # noqa: E731
    _run(ours, LambdaSchedule(ours, constant), ours_p, 8)
    _run(theirs, torch.optim.lr_scheduler.LambdaLR(theirs, constant), theirs_p, 8)
    for a, b in zip(ours_p, theirs_p):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)


def test_bad_input():
    with pytest.raises(ValueError, match="empty parameter list"):
        Adam([], lr=1e-3)
    opt = Adam(_params(), lr=1e-3)
    with pytest.raises(ValueError, match="different number"):
        opt.load_state_dict(Adam(_params()[:2], lr=1e-3).state_dict())


def test_a_training_run_never_imports_dynamo(tmp_path):
    """torch._dynamo, which torch.optim imports on first use, costs ~1.5 s of start-up."""
    code = ("import sys\n"
            "from wgan.cli import main\n"
            f"main(['train', '--steps', '3', '--out', {str(tmp_path / 'run')!r}, '--set', 'eval.every=2',\n"
            "      '--set', 'eval.samples=200', '--set', 'eval.figures=false'])\n"
            "print('torch._dynamo' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"
