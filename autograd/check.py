"""gradcheck and gradgradcheck: compare backward's gradients with float64 central differences."""

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .gradients import grad
from .graph import enable_grad, no_grad
from .tensor import Tensor
from .value import Value


class GradcheckError(RuntimeError):
    """Backward's gradient differs from the numerical one; the message names input and values."""


def gradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """True if backward's gradients of `fn` at `inputs` match float64 central differences.

    Numbers and Values: `fn` takes one Value per input and returns a Value; each derivative is
    compared with (f(x + eps) - f(x - eps)) / 2eps. Arrays and Tensors: `fn` takes one float64
    Tensor per input; for random u and v (from `seed`) it compares <J^T v, u>, from one
    backward, with <v, J u> from two evaluations, so big Jacobians stay cheap. A mismatch
    beyond `atol + rtol * |numerical|` raises GradcheckError naming the input and its worst
    element. The defaults are PyTorch's; pass a smaller `rtol` to catch errors below 0.1%.
    """
    if all(isinstance(x, (int, float, Value)) for x in inputs):
        return _check_values(fn, inputs, eps, atol, rtol)
    return _check_tensors(fn, inputs, eps, atol, rtol, np.random.default_rng(seed))


def gradgradcheck(
    fn: Callable[..., Tensor],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """gradcheck of the gradient itself: second derivatives via backward(create_graph=True).

    Checks x -> <J(x)^T v, w> for fixed random v, w, whose gradient needs every VJP of `fn` to
    be differentiable in turn.
    """
    rng = np.random.default_rng(seed)
    point = [_float64(x) for x in inputs]
    with no_grad():
        v = rng.standard_normal(fn(*[Tensor(p) for p in point]).shape)
    ws = [rng.standard_normal(p.shape) for p in point]

    def first_derivative(*xs: Tensor) -> Tensor:
        total = Tensor(np.float64(0.0))
        with enable_grad():  # also when gradcheck evaluates it under no_grad
            xs = [x if x.requires_grad else Tensor(x.data, requires_grad=True) for x in xs]
            out = fn(*xs)
            if out.requires_grad:
                grads = grad(out, xs, v, create_graph=True)
                for g, w in zip(grads, ws, strict=True):
                    if g is not None:
                        total = total + (g * w).sum()
        return total

    return _check_tensors(first_derivative, point, eps, atol, rtol, rng)


def _check_values(fn: Callable, inputs: Sequence, eps: float, atol: float, rtol: float) -> bool:
    """gradcheck for scalar Value functions: every partial derivative on its own."""
    point = [x.data if isinstance(x, Value) else float(x) for x in inputs]
    leaves = [Value(x) for x in point]
    with enable_grad():
        fn(*leaves).backward()
    for i, leaf in enumerate(leaves):
        with no_grad():
            up = fn(*[Value(x + eps if j == i else x) for j, x in enumerate(point)]).data
            down = fn(*[Value(x - eps if j == i else x) for j, x in enumerate(point)]).data
        expected = (up - down) / (2 * eps)
        if not abs(leaf.grad - expected) <= atol + rtol * abs(expected):  # NaN fails too
            raise GradcheckError(
                f"gradcheck: input {i} (= {point[i]}): backward gives {leaf.grad}, "
                f"central differences give {expected}"
            )
    return True


def _check_tensors(
    fn: Callable, inputs: Sequence, eps: float, atol: float, rtol: float, rng: np.random.Generator
) -> bool:
    """gradcheck for Tensor functions, by random projections <J^T v, u> == <v, J u>."""
    point = [_float64(x) for x in inputs]
    leaves = [Tensor(p, requires_grad=True) for p in point]
    with enable_grad():
        out = fn(*leaves)
        v = rng.standard_normal(out.shape)
        grads = grad(out, leaves, v) if out.requires_grad else [None] * len(leaves)
    for i, (p, g) in enumerate(zip(point, grads, strict=True)):
        analytic = np.zeros_like(p) if g is None else g.data
        u = rng.standard_normal(p.shape)
        numeric = _directional(fn, point, i, u, v, eps)
        if not abs(np.vdot(analytic, u) - numeric) <= atol + rtol * abs(numeric):  # NaN fails
            raise GradcheckError(_worst_element(fn, point, i, v, eps, analytic))
    return True


def _directional(
    fn: Callable, point: list, i: int, u: np.ndarray, v: np.ndarray, eps: float
) -> float:
    """<v, J_i u>: how <v, fn> changes when input i moves along u, by central differences."""

    def projected(step: float) -> float:
        moved = [Tensor(x + step * u if j == i else x) for j, x in enumerate(point)]
        with no_grad():
            return float(np.vdot(v, fn(*moved).data))

    return (projected(eps) - projected(-eps)) / (2 * eps)


def _worst_element(
    fn: Callable, point: list, i: int, v: np.ndarray, eps: float, analytic: np.ndarray
) -> str:
    """The message for a mismatch: the element of input i where the gradients differ most."""
    numeric = np.zeros_like(point[i])
    for index in np.ndindex(point[i].shape):
        e = np.zeros_like(point[i])
        e[index] = 1.0
        numeric[index] = _directional(fn, point, i, e, v, eps)
    worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), numeric.shape)
    where = tuple(int(k) for k in worst)
    return (
        f"gradcheck: input {i} of shape {point[i].shape}, worst at element {where}: "
        f"backward gives {analytic[worst]}, central differences give {numeric[worst]}"
    )


def _float64(x: Any) -> np.ndarray:
    """A float64 copy of an input (array, Tensor or number)."""
    return np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
