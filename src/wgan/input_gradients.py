"""Input gradients of critics, d f(x) / dx per sample, as gradient penalties need them.

Three ways to the same numbers: autograd.grad with create_graph (any critic, eager),
torch.func.grad (inside torch.compile, whose autograd refuses a double backward), and a
closed form for ReLU / LeakyReLU MLP critics with one output,

    d f / dx = W_1^T D_1 W_2^T D_2 ... W_k^T D_k w,

where D_i are the slope patterns at x (diagonal, constant almost everywhere) and w the
output weights. The closed form skips building the forward graph and, in the penalty's
backward, one matrix product per step (see _TopOfInputGradient). CriticScore is the
scalar function a penalty differentiates, and offers the closed form where it applies.
"""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .distributed import unwrap
from .networks import MLPCritic, negative_slope
from .objectives import Objective


def input_gradients(score: Callable[[Tensor], Tensor], inputs: Tensor, create_graph: bool) -> Tensor:
    """d score(x)_i / d x_i for every sample: (n, ...) -> (n, ...).

    score treats samples independently. Uses, in order: torch.func.grad inside
    torch.compile; `score.input_gradient(x)` when the score offers one and it is not None;
    autograd.grad (with create_graph when asked).
    """
    if torch.compiler.is_compiling():
        return torch.func.grad(lambda x: score(x).float().sum())(inputs)
    closed_form = getattr(score, "input_gradient", None)
    grad = closed_form(inputs) if closed_form is not None else None
    if grad is not None:
        return grad
    x = inputs.detach().requires_grad_(True)
    with torch.enable_grad():
        (grad,) = torch.autograd.grad(score(x).float().sum(), x, create_graph=create_graph)
    return grad


def input_gradient_norms(score: Callable[[Tensor], Tensor], inputs: Tensor, create_graph: bool) -> Tensor:
    """||d score_i / d input_i|| over all non-batch dimensions: (n, ...) -> (n,), in float32.

    Under fp16 autocast no loss scale is applied here: a penalised critic's input gradients
    are of order 1, where a GradScaler's scale (2^16) would overflow fp16. Valid as a
    per-sample gradient only for critics that treat samples independently (no batch norm).
    """
    return input_gradients(score, inputs, create_graph).float().flatten(1).norm(dim=1)


class _TopOfInputGradient(torch.autograd.Function):
    """(D * w) @ W: the top of the closed form, D (n, k) the last slope pattern (a constant),
    w (k,) the output weights, W (k, m) the last hidden layer's weights; result (n, m).

    Autograd would get w's gradient from G @ W^T (an n x k x m product) and reduce it over
    rows; both gradients follow from M = D^T G instead: dW = w * M, dw = sum_m(W * M).
    """

    # forward(ctx, ...) rather than setup_context: torch binds a setup_context Function's
    # arguments through inspect.signature on every call (~70 us, 5% of a toy run's time).
    @staticmethod
    def forward(ctx, pattern: Tensor, w: Tensor, weight: Tensor) -> Tensor:
        ctx.save_for_backward(pattern, w, weight)
        return (pattern * w) @ weight

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[None, Tensor, Tensor]:
        pattern, w, weight = ctx.saved_tensors
        m = pattern.to(grad.dtype).t() @ grad
        return None, (weight * m).sum(1).to(w.dtype), (w[:, None] * m).to(weight.dtype)


def _slope_pattern(relu_h: Tensor, negative_slope: float) -> Tensor:
    """The activation's derivative from relu(h): 1 where h > 0, else negative_slope."""
    pattern = torch.sign(relu_h)
    return pattern.mul_(1.0 - negative_slope).add_(negative_slope) if negative_slope else pattern


def _piecewise_linear_layers(critic: nn.Module) -> tuple[list[nn.Linear], list[float]] | None:
    """(linear layers, negative slopes) of a one-output ReLU / LeakyReLU MLPCritic, else None."""
    if not isinstance(critic, MLPCritic) or critic.out_dim != 1:
        return None
    layers = list(critic.net)
    linears, activations = layers[0::2], layers[1::2]
    if len(linears) < 2 or not all(type(m) is nn.Linear for m in linears):  # parametrised layers (SN) differ
        return None
    slopes = [negative_slope(a) for a in activations]
    return None if None in slopes else (linears, slopes)


def closed_form_input_gradient(critic: nn.Module, x: Tensor) -> Tensor | None:
    """d critic(x) / dx for a one-output ReLU / LeakyReLU MLPCritic: (n, ...) -> (n, ...),
    differentiable in the weights (exact almost everywhere); None for any other critic."""
    layers = _piecewise_linear_layers(critic)
    if layers is None:
        return None
    linears, negative_slopes = layers
    patterns = []
    with torch.no_grad():
        h = x.flatten(1)
        for linear, slope in zip(linears[:-1], negative_slopes):
            h = linear(h)
            relu_h = F.relu(h)
            patterns.append(_slope_pattern(relu_h, slope))
            h = F.leaky_relu(h, slope) if slope else relu_h
    grad = _TopOfInputGradient.apply(patterns[-1], linears[-1].weight[0], linears[-2].weight)
    for pattern, linear in zip(reversed(patterns[:-1]), reversed(linears[:-2])):
        grad = (pattern * grad) @ linear.weight
    return grad.view(x.shape)


@dataclass(frozen=True)
class CriticScore:
    """x (n, ...) -> the critic's scalar values (n,) in float32, which a penalty differentiates:
    the critic's outputs, or the objective's function of them and of the critic's outputs on
    its extra batches, `context` (Cramer's anchor). A conditional critic scores x (m, ...) with
    the classes `labels[:m]` held fixed (the inputs a penalty takes are aligned with them)."""
    critic: nn.Module
    objective: Objective
    context: Mapping[str, Tensor] = field(default_factory=dict)
    autocast: Callable[[], Any] = nullcontext
    labels: Tensor | None = None

    def __call__(self, x: Tensor) -> Tensor:
        with self.autocast():
            out = self.critic(x) if self.labels is None else self.critic(x, self.labels[:len(x)])
        return self.objective.critic_values(out.float(), **self.context)

    def input_gradient(self, x: Tensor) -> Tensor | None:
        """The closed-form input gradient where the critic has one (ReLU / LeakyReLU MLP) and
        the values are its outputs, else None."""
        if self.context or self.labels is not None:
            return None
        with self.autocast():
            return closed_form_input_gradient(unwrap(self.critic), x)
