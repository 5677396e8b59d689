"""Tensor functions that are not methods: concat, stack, hstack, vstack, where, maximum, linear,
cross_entropy, and torch's pad, meshgrid and one_hot."""

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops
from .shapes import normalize_axis
from .tensor import Tensor, apply, lift, promoted


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
    shapes = {tuple(np.shape(t)) for t in tensors}  # tuples: a Size in a list shows its repr
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors need one shape, got {sorted(shapes)}")
    ndim = len(shapes.pop()) + 1
    axis = normalize_axis("stack", axis, ndim)
    return concat(
        [lift(t, tensors[0], "stack").reshape(*_insert_axis(np.shape(t), axis)) for t in tensors],
        axis,
    )


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join side by side: 1-d tensors end to end (axis 0), others along axis 1 (0-d as (1,))."""
    items = [lift(t, None, "hstack").reshape(-1) if np.ndim(t) == 0 else t for t in tensors]
    return concat(items, 0 if items and np.ndim(items[0]) == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join on top of each other along axis 0, a 0-d or 1-d (n,) tensor as a row (1, n)."""
    return concat([lift(t, None, "vstack").reshape(1, -1) if np.ndim(t) < 2 else t
                   for t in tensors])  # fmt: skip


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
    x, weight, bias = (lift(t, weight, "linear") for t in (x, weight, bias))
    if not x.data.dtype == weight.data.dtype == bias.data.dtype:
        x, weight, bias = promoted(x, weight, bias)
    return apply(ops.linear, x, weight, bias, relu=relu)


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


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """torch.nn.functional.pad: `pad` is (left, right) for the last axis, then for the one before,
    ...; "constant" fills with `value` (negative widths crop), "reflect" mirrors without repeating
    the edge (widths below the axis length), "replicate" repeats the edge. (2, 3) with (1, 1)
    -> (2, 5)."""
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: {len(pad)} widths for a {x.ndim}-d tensor; give 2 per axis")
    widths = {x.ndim - 1 - i: (pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)}
    if mode == "constant":
        return _pad_constant(x, widths, value)
    if mode not in ("reflect", "replicate"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect' or 'replicate', got {mode!r}")
    for dim, (left, right) in widths.items():
        n = x.shape[dim]
        if min(left, right) < 0 or (mode == "reflect" and max(left, right) >= n) or not n:
            raise ValueError(f"pad: {mode} widths ({left}, {right}) do not fit an axis of {n}")
        at = np.arange(-left, n + right)  # positions outside 0..n-1 mirror or clip back in
        at = np.abs(at) if mode == "reflect" else np.clip(at, 0, n - 1)
        at = np.where(at > n - 1, 2 * (n - 1) - at, at)
        x = x[(slice(None),) * dim + (at,)]
    return x


def _pad_constant(x: Tensor, widths: dict[int, tuple[int, int]], value: float) -> Tensor:
    """x placed inside a block of `value`, `widths` (left, right) wider per axis; negative crop."""
    crop = tuple(slice(max(-a, 0), n - max(-b, 0)) for n, (a, b) in _each_axis(x, widths))
    x = x[crop] if any(min(w) < 0 for w in widths.values()) else x
    inside = tuple(slice(max(a, 0), max(a, 0) + n) for n, (a, _) in _each_axis(x, widths))
    shape = tuple(n + max(a, 0) + max(b, 0) for n, (a, b) in _each_axis(x, widths))
    out = apply(ops.scatter_add, x, index=inside, shape=shape)
    if value == 0:
        return out
    filled = np.ones(shape, bool)
    filled[inside] = False
    return out.where(~filled, value)


def _each_axis(x: Tensor, widths: dict[int, tuple[int, int]]) -> list:
    """(length, (left, right)) for each axis of x, (0, 0) where `widths` has none."""
    return [(n, widths.get(i, (0, 0))) for i, n in enumerate(x.shape)]


def meshgrid(*tensors: Tensor | Sequence[Tensor], indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-d tensors of lengths n0, n1, ...: each broadcast to (n0, n1, ...)
    along its own axis ("ij", torch's default), or to (n1, n0, ...) ("xy", numpy's default)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(axes) > 1:
        axes[0], axes[1] = 1, 0
    lines = [lift(t, None, "meshgrid").reshape(-1) for t in tensors]
    shape = [0] * len(lines)
    for line, axis in zip(lines, axes, strict=True):
        shape[axis] = line.shape[0]
    return tuple(
        line.reshape(*(-1 if i == axis else 1 for i in range(len(shape)))).broadcast_to(shape)
        for line, axis in zip(lines, axes, strict=True)
    )


def one_hot(classes: Any, num_classes: int = -1) -> Tensor:
    """(...) integer classes -> (..., num_classes) int64 with a 1 at each class (no gradient);
    num_classes=-1 takes the largest class + 1."""
    classes = np.asarray(getattr(classes, "data", classes))
    if classes.dtype.kind not in "iu":
        raise TypeError(f"one_hot: classes must be integers, got {classes.dtype}")
    if num_classes == -1:
        if not classes.size:
            raise ValueError("one_hot: cannot infer num_classes from no classes; pass it")
        num_classes = int(classes.max()) + 1
    if classes.size and (classes.min() < 0 or classes.max() >= num_classes):
        raise ValueError(f"one_hot: classes must be in 0..{num_classes - 1}")
    return Tensor._wrap((classes[..., None] == np.arange(num_classes)).astype(np.int64))


def _insert_axis(shape: tuple[int, ...], axis: int) -> tuple[int, ...]:
    return (*shape[:axis], 1, *shape[axis:])
