"""Tensor functions that are not methods: concat, stack, where, maximum, linear, cross_entropy."""

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops
from .shapes import normalize_axis
from .tensor import Tensor, apply, lift


def concat(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    if not tensors:
        raise ValueError("concat: expected at least one tensor")
    first = tensors[0] if isinstance(tensors[0], Tensor) else Tensor(tensors[0])
    items = [lift(t, first, "concat") for t in tensors]
    dtype = np.result_type(*(t.data for t in items))
    items = [t if t.data.dtype == dtype else t.astype(dtype) for t in items]
    axis = normalize_axis("concat", axis, first.ndim)
    return apply(ops.concat, *items, axis=axis)


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis."""
    if not tensors:
        raise ValueError("stack: expected at least one tensor")
    shapes = {np.shape(t) for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors need one shape, got {sorted(shapes)}")
    ndim = len(shapes.pop()) + 1
    axis = normalize_axis("stack", axis, ndim)
    return concat(
        [lift(t, tensors[0], "stack").reshape(*_insert_axis(np.shape(t), axis)) for t in tensors],
        axis,
    )


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """x where `condition` holds, else y (numpy/torch where)."""
    x = x if isinstance(x, Tensor) else lift(x, y if isinstance(y, Tensor) else None, "where")
    return x.where(condition, y)


def maximum(x: Any, y: Any) -> Any:
    """The larger of x and y (Tensors elementwise, or Values); a tie gives each half the grad."""
    if hasattr(x, "maximum"):
        return x.maximum(y)
    if hasattr(y, "maximum"):
        return y.maximum(x)
    return lift(x, None, "maximum").maximum(y)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None, *, relu: bool = False) -> Tensor:
    """x @ weight.T + bias in torch's layout: (..., in), (out, in), (out,) -> (..., out).

    relu=True returns linear(...).relu() computed as one op (nn.Sequential uses it for a Linear
    followed by a ReLU): same values and gradients, fewer passes over the output.
    """
    if bias is None:
        out = x @ weight.T
        return out.relu() if relu else out
    lifted = (lift(t, weight, "linear") for t in (x, weight, bias))
    return apply(ops.linear, *lifted, relu=relu)


def cross_entropy(logits: Tensor, targets: Any) -> Tensor:
    """Per-row cross-entropy: (N, C) logits and (N,) class indices -> (N,) -log p[n, target].

    One fused op (nn.functional.cross_entropy uses it when no weights or smoothing apply).
    """
    targets = np.asarray(targets)
    if logits.ndim != 2 or targets.shape != logits.shape[:1] or targets.dtype.kind not in "iu":
        raise ValueError(
            f"cross_entropy: need (N, C) logits and (N,) integer classes, got {logits.shape} "
            f"and {targets.shape} {targets.dtype}"
        )
    if targets.size and (targets.min() < 0 or targets.max() >= logits.shape[1]):
        raise IndexError(f"cross_entropy: a target is outside 0..{logits.shape[1] - 1}")
    return apply(ops.cross_entropy, logits, targets=targets)


def _insert_axis(shape: tuple[int, ...], axis: int) -> tuple[int, ...]:
    return (*shape[:axis], 1, *shape[axis:])
