"""Adam, RMSProp and a per-step learning-rate schedule that start without torch.optim.

torch.optim imports torch._dynamo the first time an optimiser is built or stepped (about
1.5 s on a CPU, the largest part of a short run's start-up). These classes call the same
kernels torch.optim does, in the same order: `Adam` is torch.optim.Adam(fused=True)
(Kingma & Ba 2015) bit for bit on CPU and CUDA, `RMSprop` is torch.optim.RMSprop
(foreach=True) (Tieleman & Hinton 2012) bit for bit, and `LambdaSchedule` is
torch.optim.lr_scheduler.LambdaLR. Their state dicts have torch's format, so a checkpoint
written with either loads into the other. They cover what training uses: one parameter
group, no weight decay, no amsgrad.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Iterable

import torch
from torch import Tensor, nn

_FUSED_DEVICES = ("cpu", "cuda", "mps")


class _Optimizer:
    """One parameter group and per-parameter state, in torch.optim's state_dict format."""
    _state_keys: tuple[str, ...] = ()

    def __init__(self, params: Iterable[nn.Parameter], defaults: dict[str, Any]) -> None:
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        self.defaults = dict(defaults)
        self.param_groups = [{"params": params, **defaults}]
        self.state: defaultdict[Tensor, dict[str, Tensor]] = defaultdict(dict)

    @property
    def params(self) -> list[nn.Parameter]:
        return self.param_groups[0]["params"]

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.detach_().zero_()

    def _with_grads(self) -> list[nn.Parameter]:
        return [p for p in self.params if p.grad is not None]

    def _state_of(self, p: Tensor) -> dict[str, Tensor]:
        state = self.state[p]
        if not state:
            state["step"] = torch.zeros((), dtype=torch.float32, device=self._step_device(p))
            for key in self._state_keys:
                state[key] = torch.zeros_like(p, memory_format=torch.preserve_format)
        return state

    def _step_device(self, p: Tensor) -> torch.device:
        return torch.device("cpu")

    def state_dict(self) -> dict[str, Any]:
        index = {id(p): i for i, p in enumerate(self.params)}
        group = {k: v for k, v in self.param_groups[0].items() if k != "params"}
        group["params"] = list(range(len(self.params)))
        return {"state": {index[id(p)]: dict(s) for p, s in self.state.items()},
                "param_groups": [group]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        groups = state_dict["param_groups"]
        if len(groups) != 1 or len(groups[0]["params"]) != len(self.params):
            raise ValueError("loaded state dict has a different number of parameter groups or parameters")
        saved = groups[0]
        self.param_groups[0].update({k: v for k, v in saved.items() if k != "params"})
        self.state = defaultdict(dict)
        for i, p in zip(saved["params"], self.params):
            if i not in state_dict["state"]:
                continue
            self.state[p] = {
                key: (value.to(dtype=torch.float32, device=self._step_device(p), copy=True) if key == "step"
                      else value.to(dtype=p.dtype, device=p.device, copy=True))
                for key, value in state_dict["state"][i].items()}


class Adam(_Optimizer):
    """Adam (Kingma & Ba 2015): torch.optim.Adam(params, lr, betas, eps, fused=True) on CPU,
    CUDA and MPS (the same fused kernel), the same update in foreach ops elsewhere."""
    _state_keys = ("exp_avg", "exp_avg_sq")

    def __init__(self, params: Iterable[nn.Parameter], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        params = list(params)
        fused = bool(params) and params[0].device.type in _FUSED_DEVICES
        super().__init__(params, {
            "lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": 0, "amsgrad": False,
            "maximize": False, "foreach": None, "capturable": False, "differentiable": False,
            "fused": fused or None, "decoupled_weight_decay": False})

    def _step_device(self, p: Tensor) -> torch.device:
        return p.device if self.param_groups[0]["fused"] else torch.device("cpu")

    @torch.no_grad()
    def step(self) -> None:
        group = self.param_groups[0]
        params = self._with_grads()
        if not params:
            return
        states = [self._state_of(p) for p in params]
        grads = [p.grad for p in params]
        exp_avgs = [s["exp_avg"] for s in states]
        exp_avg_sqs = [s["exp_avg_sq"] for s in states]
        steps = [s["step"] for s in states]
        beta1, beta2 = group["betas"]
        torch._foreach_add_(steps, 1)
        if group["fused"]:
            torch._fused_adam_(params, grads, exp_avgs, exp_avg_sqs, [], steps, amsgrad=False,
                               lr=group["lr"], beta1=beta1, beta2=beta2, weight_decay=0.0,
                               eps=group["eps"], maximize=False, grad_scale=None, found_inf=None)
            return
        torch._foreach_lerp_(exp_avgs, grads, 1 - beta1)
        torch._foreach_mul_(exp_avg_sqs, beta2)
        torch._foreach_addcmul_(exp_avg_sqs, grads, grads, 1 - beta2)
        for p, m, v, step in zip(params, exp_avgs, exp_avg_sqs, steps):
            t = float(step)
            denom = (v.sqrt() / (1 - beta2 ** t) ** 0.5).add_(group["eps"])
            p.addcdiv_(m, denom, value=-group["lr"] / (1 - beta1 ** t))


class RMSprop(_Optimizer):
    """RMSProp (Tieleman & Hinton 2012): torch.optim.RMSprop(params, lr, alpha=0.99, eps=1e-8,
    foreach=True), the update WGAN's Algorithm 1 uses."""
    _state_keys = ("square_avg",)

    def __init__(self, params: Iterable[nn.Parameter], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8) -> None:
        super().__init__(params, {
            "lr": lr, "momentum": 0, "alpha": alpha, "eps": eps, "centered": False, "weight_decay": 0,
            "capturable": False, "foreach": True, "maximize": False, "differentiable": False})

    @torch.no_grad()
    def step(self) -> None:
        group = self.param_groups[0]
        params = self._with_grads()
        if not params:
            return
        states = [self._state_of(p) for p in params]
        grads = [p.grad for p in params]
        square_avgs = [s["square_avg"] for s in states]
        torch._foreach_add_([s["step"] for s in states], torch.tensor(1.0), alpha=1.0)
        torch._foreach_mul_(square_avgs, group["alpha"])
        torch._foreach_addcmul_(square_avgs, grads, grads, value=1 - group["alpha"])
        avg = torch._foreach_sqrt(square_avgs)
        torch._foreach_add_(avg, group["eps"])
        torch._foreach_addcdiv_(params, grads, avg, value=-group["lr"])


class LambdaSchedule:
    """lr = base_lr * factor(t) after t steps: torch.optim.lr_scheduler.LambdaLR (its state_dict
    format too). Loading a state keeps the optimiser's saved lr until the next `step`, as torch
    does, so a run extended to more steps follows the new plan from its next step on."""

    def __init__(self, optimizer: _Optimizer, factor: Callable[[int], float]) -> None:
        self.optimizer, self.factor = optimizer, factor
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def step(self) -> None:
        self.last_epoch += 1
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = base * self.factor(self.last_epoch)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        return {"base_lrs": list(self.base_lrs), "last_epoch": self.last_epoch,
                "_step_count": self.last_epoch + 1, "_is_initial": False,
                "_get_lr_called_within_step": False, "_last_lr": list(self._last_lr), "lr_lambdas": [None]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.base_lrs = list(state_dict["base_lrs"])
        self.last_epoch = int(state_dict["last_epoch"])
        self._last_lr = list(state_dict["_last_lr"])
