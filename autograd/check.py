"""gradcheck: compare the gradients backward computes with float64 central differences."""

from collections.abc import Callable, Sequence

from .graph import enable_grad, no_grad
from .value import Value


class GradcheckError(RuntimeError):
    """Backward's gradient differs from the numerical one; the message names input and values."""


def gradcheck(
    fn: Callable[..., Value],
    inputs: Sequence[float | Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """True if d fn / d inputs[i] from backward matches (f(x+eps) - f(x-eps)) / 2eps for every i.

    `fn` takes one Value per input and returns a Value. Raises GradcheckError naming the first
    input whose gradients differ by more than `atol + rtol * |numerical|`. The defaults are
    PyTorch's; pass a smaller `rtol` to catch errors below 0.1%.
    """
    point = [x.data if isinstance(x, Value) else float(x) for x in inputs]
    leaves = [Value(x) for x in point]
    with enable_grad():
        fn(*leaves).backward()
    for i, leaf in enumerate(leaves):
        expected = _central_difference(fn, point, i, eps)
        if abs(leaf.grad - expected) > atol + rtol * abs(expected):
            raise GradcheckError(
                f"gradcheck: input {i} (= {point[i]}): backward gives {leaf.grad}, "
                f"central differences give {expected}"
            )
    return True


def _central_difference(fn: Callable[..., Value], point: list[float], i: int, eps: float) -> float:
    """(f(x + eps e_i) - f(x - eps e_i)) / 2eps, recording no graph."""
    with no_grad():
        up = fn(*[Value(x + eps if j == i else x) for j, x in enumerate(point)]).data
        down = fn(*[Value(x - eps if j == i else x) for j, x in enumerate(point)]).data
    return (up - down) / (2 * eps)
