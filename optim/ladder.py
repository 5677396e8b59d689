"""The optimizer ladder: each rung fixes one weakness of the one below (torch.optim's semantics).

    SGD        step against the gradient                 p -= lr * g
     + momentum  remember the direction                  v = mu v + g;  p -= lr * v
     + Nesterov  look ahead along it                     p -= lr * (g + mu v)
    Adagrad    per-coordinate steps, shrinking with use  s += g^2;  p -= lr g / (sqrt(s) + eps)
    RMSprop    ... forgetting old gradients              s = a s + (1-a) g^2
    Adam       momentum + RMSprop, bias-corrected        p -= lr m_hat / (sqrt(v_hat) + eps)
    AdamW      weight decay decoupled from the gradient  p -= lr wd p  (then Adam)
    NAdam      Adam with Nesterov's look-ahead on m      m_hat from mu_(t+1) m + (1 - mu_t) g
    RAdam      Adam waiting until v can be trusted       momentum alone while rho_t <= 5
    Adamax     Adam with an infinity norm for v          u = max(b2 u, |g| + eps); p -= lr m_hat/u

`g` is the gradient after weight decay enters it (g + wd * p), negated first when maximizing;
AdamW, and NAdam and RAdam with decoupled_weight_decay=True, shrink p instead. Each update is
written with plain arithmetic so the same lines serve arrays (Tensors) and floats (Values): they
are the reference. SGD and Adam/AdamW also have a one-pass twin in the numba backend
(`sgd_step`, `adam_step` in autograd/backend/numba_backend.py), tested equal to these lines,
which array parameters take when that backend is active; the numpy backend has none.
"""

import math
from typing import Any

import numpy as np

from autograd import backend  # the numba backend's one-pass twins of SGD and Adam

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
        if isinstance(grad, np.ndarray) and self._fused(p.data, grad, state, group):
            return  # the lines below ran as one pass of the numba backend
        g = _gradient(p, grad, group)
        mu = group["momentum"]
        if mu:
            v = state.get("momentum_buffer")
            v = _copy(g) if v is None else mu * v + (1 - group["dampening"]) * g
            state["momentum_buffer"] = v
            g = g + mu * v if group["nesterov"] else v
        p.data -= group["lr"] * g

    def _fused(self, p: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> bool:
        """update() as the active backend's `sgd_step`; False if it has none for these arrays."""
        first = bool(group["momentum"]) and "momentum_buffer" not in state
        buffer = np.empty_like(p) if first else state.get("momentum_buffer")
        settings = backend.SGDSettings(
            lr=group["lr"], momentum=group["momentum"], dampening=group["dampening"],
            nesterov=group["nesterov"], weight_decay=group["weight_decay"],
            maximize=group["maximize"],
        )  # fmt: skip
        if not backend.kernels.sgd_step(p, grad, buffer, first, settings):
            return False
        if first:
            state["momentum_buffer"] = buffer
        return True


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
        g = _gradient(p, grad, group)
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
        _start(state, p.data, square_avg=True, grad_avg=group["centered"],
               momentum_buffer=group["momentum"])  # fmt: skip
        g = _gradient(p, grad, group)
        a = group["alpha"]
        state["square_avg"] = s = a * state["square_avg"] + (1 - a) * g * g
        if group["centered"]:  # subtract the squared mean: divide by the gradient's std
            state["grad_avg"] = m = a * state["grad_avg"] + (1 - a) * g
            s = s - m * m
        step = g / (s**0.5 + group["eps"])
        if group["momentum"]:
            state["momentum_buffer"] = step = group["momentum"] * state["momentum_buffer"] + step
        p.data -= group["lr"] * step


class Adam(Optimizer):
    """Momentum (m) and RMSprop (v) together, each corrected for starting at zero.

    weight_decay=None takes the class's default, torch's: 0 for Adam, 1e-2 for AdamW.
    """

    decoupled_weight_decay = False  # True in AdamW: the one line of update() that differs
    default_weight_decay = 0.0

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float | None = None,
        amsgrad: bool = False,
    ) -> None:
        if weight_decay is None:
            weight_decay = self.default_weight_decay
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad)  # fmt: skip
        super().__init__(params, defaults)

    def update(self, p: Any, grad: Any, state: dict, group: dict) -> None:
        (b1, b2), lr = group["betas"], group["lr"]
        state["step"] = t = state.get("step", 0) + 1
        _start(state, p.data, exp_avg=True, exp_avg_sq=True, max_exp_avg_sq=group["amsgrad"])
        if isinstance(grad, np.ndarray) and self._fused(p.data, grad, state, group, t):
            return  # the lines below ran as one pass of the numba backend
        g = _gradient(p, grad, group, self.decoupled_weight_decay)  # AdamW's one different line
        m, v = _moments(state, g, b1, b2)
        if group["amsgrad"]:  # never let the step grow because v shrank
            state["max_exp_avg_sq"] = v = _maximum(state["max_exp_avg_sq"], v)
        v_hat_sqrt = v**0.5 / math.sqrt(1 - b2**t)
        p.data -= lr / (1 - b1**t) * m / (v_hat_sqrt + group["eps"])

    def _fused(self, p: np.ndarray, grad: np.ndarray, state: dict, group: dict, t: int) -> bool:
        """update() as the active backend's `adam_step`; False if it has none for these arrays."""
        (b1, b2), v_max = group["betas"], state["max_exp_avg_sq"] if group["amsgrad"] else None
        settings = backend.AdamSettings(
            lr=group["lr"], beta1=b1, beta2=b2, eps=group["eps"],
            weight_decay=group["weight_decay"], decoupled=self.decoupled_weight_decay,
        )  # fmt: skip
        return backend.kernels.adam_step(
            p, grad, state["exp_avg"], state["exp_avg_sq"], v_max, t, settings
        )


class AdamW(Adam):
    """Adam with weight decay applied to the weights directly (Loshchilov & Hutter), not to g."""

    decoupled_weight_decay = True
    default_weight_decay = 1e-2


class NAdam(Optimizer):
    """Adam with Nesterov's look-ahead (Dozat): the step divides mu_(t+1) m + (1 - mu_t) g, each
    part bias-corrected by the product of the mu's so far, by sqrt(v_hat) + eps, where
    mu_t = b1 (1 - 0.96^(t momentum_decay) / 2) warms up towards b1."""

    scalar_state = ("step", "mu_product")

    def __init__(
        self,
        params: Params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)  # fmt: skip
        super().__init__(params, defaults)

    def update(self, p: Any, grad: Any, state: dict, group: dict) -> None:
        (b1, b2), lr, psi = group["betas"], group["lr"], group["momentum_decay"]
        state["step"] = t = state.get("step", 0) + 1
        state.setdefault("mu_product", 1.0)
        _start(state, p.data, exp_avg=True, exp_avg_sq=True)
        g = _gradient(p, grad, group, group["decoupled_weight_decay"])
        mu, mu_next = (b1 * (1 - 0.5 * 0.96 ** (step * psi)) for step in (t, t + 1))
        state["mu_product"] = product = state["mu_product"] * mu
        m, v = _moments(state, g, b1, b2)
        denominator = (v / (1 - b2**t)) ** 0.5 + group["eps"]
        p.data -= lr * (1 - mu) / (1 - product) * g / denominator
        p.data -= lr * mu_next / (1 - product * mu_next) * m / denominator


class RAdam(Optimizer):
    """Adam rectified (Liu et al.): while too few gradients are averaged for v's variance to be
    finite (rho_t <= 5) the step is momentum alone, lr m_hat; after, Adam's step scaled by r_t."""

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)  # fmt: skip
        super().__init__(params, defaults)

    def update(self, p: Any, grad: Any, state: dict, group: dict) -> None:
        (b1, b2), lr = group["betas"], group["lr"]
        state["step"] = t = state.get("step", 0) + 1
        _start(state, p.data, exp_avg=True, exp_avg_sq=True)
        g = _gradient(p, grad, group, group["decoupled_weight_decay"])
        m, v = _moments(state, g, b1, b2)
        m_hat = m / (1 - b1**t)
        rho_inf = 2 / (1 - b2) - 1  # the length of the average's memory, in the limit
        rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)  # ... and after t steps
        if rho_t <= 5:
            p.data -= lr * m_hat
            return
        r_t = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        p.data -= lr * m_hat * r_t * math.sqrt(1 - b2**t) / (v**0.5 + group["eps"])


class Adamax(Optimizer):
    """Adam with the infinity norm in place of v (Kingma & Ba): u = max(b2 u, |g| + eps), and
    p -= lr m_hat / u; u needs no bias correction."""

    def __init__(
        self,
        params: Params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize)  # fmt: skip
        super().__init__(params, defaults)

    def update(self, p: Any, grad: Any, state: dict, group: dict) -> None:
        (b1, b2), lr = group["betas"], group["lr"]
        state["step"] = t = state.get("step", 0) + 1
        _start(state, p.data, exp_avg=True, exp_inf=True)
        g = _gradient(p, grad, group)
        state["exp_avg"] = m = b1 * state["exp_avg"] + (1 - b1) * g
        state["exp_inf"] = u = _maximum(b2 * state["exp_inf"], abs(g) + group["eps"])
        p.data -= lr / (1 - b1**t) * m / u


def _moments(state: dict, g: Any, b1: float, b2: float) -> tuple[Any, Any]:
    """Adam's running averages of g and g^2 (state's exp_avg and exp_avg_sq), moved on by one
    gradient and returned."""
    state["exp_avg"] = m = b1 * state["exp_avg"] + (1 - b1) * g
    state["exp_avg_sq"] = v = b2 * state["exp_avg_sq"] + (1 - b2) * g * g
    return m, v


def _gradient(p: Any, grad: Any, group: dict, decoupled: bool = False) -> Any:
    """The gradient a rung follows: negated when the group maximizes (groups without the flag
    never do), then with weight decay added, wd p, or, `decoupled`, left alone while the weights
    themselves shrink by lr wd p (AdamW's decay)."""
    g = -grad if group.get("maximize") else grad
    wd = group["weight_decay"]
    if wd and decoupled:
        p.data -= group["lr"] * wd * p.data
    elif wd:
        g = g + wd * p.data
    return g


def _zero(x: Any) -> Any:
    """A fresh state entry shaped like x: zeros for an array, 0.0 for a float."""
    return np.zeros_like(x) if isinstance(x, np.ndarray) else 0.0


def _copy(g: Any) -> Any:
    """g itself if a float, else a copy (state never shares the gradient's array)."""
    return g.copy() if isinstance(g, np.ndarray) else g


def _start(state: dict, like: Any, **wanted: Any) -> None:
    """Set each state entry named with a true flag, and missing, to zeros like the parameter's
    data `like` (0.0 for a float): torch's start of the running averages."""
    for name, flag in wanted.items():
        if flag and name not in state:
            state[name] = _zero(like)


def _maximum(a: Any, b: Any) -> Any:
    """Elementwise max of two arrays, or of two floats."""
    return np.maximum(a, b) if isinstance(a, np.ndarray) else max(a, b)
