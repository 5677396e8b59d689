"""torch.autograd over tracegrad's engine: `grad`, custom ops as `Function`, the grad modes, and
the checkers (`gradcheck`, `gradgradcheck`, `detect_anomaly`: autograd's, in torch's arguments).

A `Function` subclass defines `forward(ctx, *args)` and `backward(ctx, *grad_outputs)` as
static methods; `MyOp.apply(*args)` runs forward without recording and records one graph node
whose VJP is `backward` (autograd.tensor.apply, the same call every primitive goes through).
"""

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np

from autograd import check, gradients
from autograd.modes import detect_anomaly, enable_grad, grad_mode, is_grad_enabled, no_grad
from autograd.tensor import Tensor, apply

__all__ = [
    "Function",
    "FunctionCtx",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
) -> tuple[Tensor | None, ...]:
    """d outputs / d inputs, returned rather than stored (autograd.gradients.grad, in torch's
    argument names). One output (or a list of one); None for an input it does not depend on."""
    if isinstance(outputs, (list, tuple)):
        if len(outputs) != 1:
            raise ValueError(f"grad: one output is supported, got {len(outputs)}; sum them first")
        outputs = outputs[0]
    if isinstance(grad_outputs, (list, tuple)) and len(grad_outputs) == 1:
        grad_outputs = grad_outputs[0]
    retain = create_graph if retain_graph is None else retain_graph
    return gradients.grad(outputs, inputs, grad_outputs, retain, create_graph)


def gradcheck(
    func: Callable[..., Tensor],
    inputs: Tensor | Sequence[Tensor],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Whether func's backward matches float64 central differences at `inputs` (a Tensor or a
    tuple of them): autograd.gradcheck. A mismatch raises GradcheckError (a RuntimeError), or
    with raise_exception=False gives False."""
    return _checked(check.gradcheck, func, inputs, eps, atol, rtol, raise_exception)


def gradgradcheck(
    func: Callable[..., Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: None = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """gradcheck of the gradient (second derivatives), as autograd.gradgradcheck, which draws
    random grad_outputs itself: passing them is refused (ValueError)."""
    if grad_outputs is not None:
        raise ValueError("gradgradcheck: grad_outputs cannot be chosen; random ones are drawn")
    return _checked(check.gradgradcheck, func, inputs, eps, atol, rtol, raise_exception)


def _checked(
    checker: Callable, func: Callable, inputs: Any, eps: float, atol: float, rtol: float,
    raise_exception: bool,
) -> bool:  # fmt: skip
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    try:
        return checker(func, inputs, eps, atol, rtol)
    except check.GradcheckError:
        if raise_exception:
            raise
        return False


class set_grad_enabled:
    """Turn graph recording on or off: at once when called, and back as it was when used as a
    `with` block (torch.set_grad_enabled)."""

    def __init__(self, mode: bool) -> None:
        self.previous = grad_mode.enabled
        grad_mode.enabled = bool(mode)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        grad_mode.enabled = self.previous


def inference_mode(mode: bool = True) -> AbstractContextManager:
    """no_grad() (tracegrad has no separate inference tensors); mode=False changes nothing."""
    return no_grad() if mode else nullcontext()


class FunctionCtx:
    """What forward leaves for backward: `save_for_backward(*tensors)` then `saved_tensors`, any
    other attribute, and `needs_input_grad` (per forward argument)."""

    def __init__(self, args: tuple) -> None:
        self.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        self.saved_tensors: tuple = ()

    def save_for_backward(self, *tensors: Any) -> None:
        self.saved_tensors = tensors


class Function:
    """A custom op: subclass it with static `forward(ctx, *args)` returning one Tensor and
    `backward(ctx, grad_output)` returning one gradient (or None) per forward argument."""

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any) -> Tensor:
        raise NotImplementedError("Function subclasses define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Tensor) -> Any:
        raise NotImplementedError("Function subclasses define backward(ctx, *grad_outputs)")

    @classmethod
    def apply(cls, *args: Any) -> Tensor:
        """forward(ctx, *args), recorded as one node whose VJP calls backward."""
        ctx = FunctionCtx(args)
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]

        def custom(*tensors: Tensor) -> tuple[np.ndarray, Any]:
            with no_grad():
                out = cls.forward(ctx, *args)
            if not isinstance(out, Tensor):
                raise TypeError(
                    f"{cls.__name__}.forward must return one Tensor, got {type(out).__name__}"
                )
            return out.data, lambda g: _input_grads(cls, ctx, g, args, positions)

        custom.__name__ = cls.__name__
        return apply(custom, *(args[i] for i in positions))


def _input_grads(
    cls: type[Function], ctx: FunctionCtx, g: Any, args: tuple, positions: list[int]
) -> tuple:
    """The VJP of a Function: `cls.backward` called with g as a Tensor (torch's), its result
    one gradient (or None) per Tensor argument, each of g's kind (the walk's: an array in a
    plain backward, a Tensor in a recorded one)."""
    recorded = isinstance(g, Tensor)
    grads = cls.backward(ctx, g if recorded else Tensor._wrap(g))
    grads = grads if isinstance(grads, tuple) else (grads,)
    if len(grads) != len(args):
        raise ValueError(
            f"{cls.__name__}.backward returned {len(grads)} gradients; forward took "
            f"{len(args)} arguments"
        )
    return tuple(_as_grad(grads[i], recorded) for i in positions)


def _as_grad(g: Any, recorded: bool) -> Any:
    """A gradient backward returned (a Tensor, None, or an array) as the walk takes it."""
    if g is None:
        return None
    if recorded:
        return g if isinstance(g, Tensor) else Tensor(np.asarray(g))
    return np.asarray(g.data if isinstance(g, Tensor) else g)
