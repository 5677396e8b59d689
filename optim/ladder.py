"""The optimizer ladder: each rung fixes one weakness of the one below (torch.optim's semantics).

    SGD        step against the gradient                 p -= lr * g
     + momentum  remember the direction                  v = mu v + g;  p -= lr * v
     + Nesterov  look ahead along it                     p -= lr * (g + mu v)
    Adagrad    per-coordinate steps, shrinking with use  s += g^2;  p -= lr g / (sqrt(s) + eps)
    RMSprop    ... forgetting old gradients              s = a s + (1-a) g^2
    Adam       momentum + RMSprop, bias-corrected        p -= lr m_hat / (sqrt(v_hat) + eps)
    AdamW      weight decay decoupled from the gradient  p -= lr wd p  (then Adam)

`g` is the gradient after weight decay enters it (g + wd * p, except in AdamW). Each update is
written with plain arithmetic so the same lines serve arrays (Tensors) and floats (Values).
"""

import math
from typing import Any

import numpy as np

from autograd import backend  # array kernels only: fused updates for tensor parameters

from .optimizer import Optimizer

Params = Any


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                        weight_decay=weight_decay, maximize=maximize)  # fmt: skip
        super().__init__(params, defaults)

    def check(self, group: dict) -> None:
        super().check(group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: nesterov needs momentum > 0 and dampening = 0")

    def update(self, p: Any, grad: Any, state: dict, group: dict) -> None:
        if isinstance(grad, np.ndarray):  # tensors: the lines below as one fused kernel
            buffer = backend.kernels.sgd_update(
                p.data, grad, state.get("momentum_buffer"), group["lr"], group["momentum"],
                group["dampening"], group["nesterov"], group["weight_decay"], group["maximize"],
            )  # fmt: skip
            if buffer is not None:
                state["momentum_buffer"] = buffer
            return
        g = -grad if group["maximize"] else grad
        g = g + group["weight_decay"] * p.data if group["weight_decay"] else g
        mu = group["momentum"]
        if mu:
            v = state.get("momentum_buffer")
            v = g if v is None else mu * v + (1 - group["dampening"]) * g
            state["momentum_buffer"] = v
            g = g + mu * v if group["nesterov"] else v
        p.data -= group["lr"] * g


class Adagrad(Optimizer):
    """Per-coordinate learning rates lr / sqrt(sum of squared gradients so far)."""

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps)  # fmt: skip
        super().__init__(params, defaults)

    def update(self, p: Any, grad: Any, state: dict, group: dict) -> None:
        state["step"] = step = state.get("step", 0) + 1
        g = grad + group["weight_decay"] * p.data if group["weight_decay"] else grad
        lr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        if "sum" not in state:
            state["sum"] = _zero(g) + group["initial_accumulator_value"]
        state["sum"] = s = state["sum"] + g * g
        p.data -= lr * g / (s**0.5 + group["eps"])


class RMSprop(Optimizer):
    """Adagrad with a moving average of squared gradients, so old ones fade (rate `alpha`)."""

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered)  # fmt: skip
        super().__init__(params, defaults)

    def update(self, p: Any, grad: Any, state: dict, group: dict) -> None:
        g = grad + group["weight_decay"] * p.data if group["weight_decay"] else grad
        a = group["alpha"]
        state["square_avg"] = s = a * _entry(state, "square_avg", g) + (1 - a) * g * g
        if group["centered"]:  # subtract the squared mean: divide by the gradient's std
            state["grad_avg"] = m = a * _entry(state, "grad_avg", g) + (1 - a) * g
            s = s - m * m
        step = g / (s**0.5 + group["eps"])
        if group["momentum"]:
            buffer = _entry(state, "momentum_buffer", g)
            state["momentum_buffer"] = step = group["momentum"] * buffer + step
        p.data -= group["lr"] * step


class Adam(Optimizer):
    """Momentum (m) and RMSprop (v) together, each corrected for starting at zero."""

    decoupled_weight_decay = False

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad)  # fmt: skip
        super().__init__(params, defaults)

    def update(self, p: Any, grad: Any, state: dict, group: dict) -> None:
        (b1, b2), lr, wd = group["betas"], group["lr"], group["weight_decay"]
        state["step"] = t = state.get("step", 0) + 1
        if isinstance(grad, np.ndarray):  # tensors: the lines below as one fused kernel
            self._fused_update(p.data, grad, state, group, t)
            return
        if self.decoupled_weight_decay:
            p.data -= lr * wd * p.data  # AdamW: shrink the weights, leave the gradient alone
        g = grad + wd * p.data if wd and not self.decoupled_weight_decay else grad
        state["exp_avg"] = m = b1 * _entry(state, "exp_avg", g) + (1 - b1) * g
        state["exp_avg_sq"] = v = b2 * _entry(state, "exp_avg_sq", g) + (1 - b2) * g * g
        if group["amsgrad"]:  # never let the step grow because v shrank
            state["max_exp_avg_sq"] = v = _maximum(state.get("max_exp_avg_sq", v), v)
        v_hat_sqrt = v**0.5 / math.sqrt(1 - b2**t)
        p.data -= lr / (1 - b1**t) * m / (v_hat_sqrt + group["eps"])

    def _fused_update(
        self, p: np.ndarray, grad: np.ndarray, state: dict, group: dict, t: int
    ) -> None:
        """The same step in place, in one pass of the active backend (numba when available)."""
        if "exp_avg" not in state:  # the first step: zero averages (and running max)
            names = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if group["amsgrad"] else ())
            state.update((name, np.zeros_like(p)) for name in names)
        backend.kernels.adam_update(
            p, grad, state["exp_avg"], state["exp_avg_sq"], state.get("max_exp_avg_sq"), t,
            group["lr"], group["betas"], group["eps"], group["weight_decay"],
            self.decoupled_weight_decay,
        )  # fmt: skip


class AdamW(Adam):
    """Adam with weight decay applied to the weights directly (Loshchilov & Hutter), not to g."""

    decoupled_weight_decay = True

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


def _zero(g: Any) -> Any:
    """A fresh state entry shaped like the gradient: zeros for an array, 0.0 for a float."""
    return np.zeros_like(g) if isinstance(g, np.ndarray) else 0.0


def _entry(state: dict, name: str, g: Any) -> Any:
    """state[name], or zeros like g on the first step."""
    return state[name] if name in state else _zero(g)


def _maximum(a: Any, b: Any) -> Any:
    """Elementwise max of two arrays, or of two floats."""
    return np.maximum(a, b) if isinstance(a, np.ndarray) else max(a, b)
