"""Every Tensor primitive: its forward, then its vector-Jacobian product (VJP), side by side.

A primitive takes Tensors (plus keyword-only settings), computes its output array with the
backend's kernels, and returns it with a VJP: a function from the output's gradient `g` to one
gradient per input Tensor (None where an input gets none). VJPs are written with Tensor
operations, so they can themselves be differentiated (`backward(create_graph=True)`); they
capture inputs and arrays, never the output, so graphs hold no reference cycles. Gradients
may come back in the broadcast shape: the backward walk sums them to each input's shape.

Everything else a Tensor does (sub, div, mean, relu, softmax, ...) is composed from these.
"""

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import backend, tensor
from .graph import is_grad_enabled
from .shapes import broadcast_shapes, broadcasting, kept_shape

VJP = Callable[[Any], tuple]
Primitive = Callable[..., tuple[np.ndarray, VJP]]
OPS: dict[str, Primitive] = {}


def primitive(fn: Primitive) -> Primitive:
    """Register `fn` in OPS under its name; `tensor.apply` runs it and records the graph."""
    OPS[fn.__name__] = fn
    return fn


def saves_inputs(fn: Primitive) -> Primitive:
    """Mark a primitive whose VJP reads its inputs' data, so `tensor.apply` notes their versions
    and backward refuses to run it if one was changed in place since (Tensor.add_ and kin)."""
    fn.saves_inputs = True
    return fn


@primitive
def add(x, y):
    return broadcasting("add", backend.kernels.add, x.data, y.data), lambda g: (g, g)


@primitive
@saves_inputs
def mul(x, y):
    out = broadcasting("mul", backend.kernels.multiply, x.data, y.data)
    return out, lambda g: (g * y if x.requires_grad else None, g * x if y.requires_grad else None)


@primitive
def neg(x):
    return backend.kernels.negative(x.data), lambda g: (-g,)


@primitive
@saves_inputs
def pow(x, y):
    """x ** y; the exponent's gradient g * x**y * log(x) is 0 where x = 0 and y >= 0 (torch)."""

    def vjp(g):
        gx = g * y * x ** (y - 1.0)
        flat = (x.data == 0) & (y.data == 0)  # x**0 is flat at x = 0 too, where x**-1 is inf
        if flat.any():
            gx = gx.where(~flat, 0.0)
        if not y.requires_grad:
            return gx, None
        defined = ~((x.data == 0) & (y.data >= 0))
        return gx, (g * x**y * x.log()).where(defined, 0.0)

    return broadcasting("pow", backend.kernels.power, x.data, y.data), vjp


@primitive
def maximum(x, y):
    """The larger of x and y elementwise; at a tie each gets half the gradient (torch)."""
    out = broadcasting("maximum", backend.kernels.maximum, x.data, y.data)
    share = np.where(x.data > y.data, 1.0, np.where(x.data < y.data, 0.0, 0.5)).astype(out.dtype)
    return out, lambda g: (
        g * share if x.requires_grad else None,
        g * (1.0 - share) if y.requires_grad else None,
    )


@primitive
@saves_inputs
def exp(x):
    out = backend.kernels.exp(x.data)
    # The saved output is a constant; a graph of gradients needs exp(x) on the graph instead.
    return out, lambda g: (g * (x.exp() if is_grad_enabled() else out),)


@primitive
@saves_inputs
def log(x):
    return backend.kernels.log(x.data), lambda g: (g / x,)


@primitive
@saves_inputs
def log1p(x):
    """log(1 + x), exact where 1 + x rounds to 1 (x tiny)."""
    return np.log1p(x.data), lambda g: (g / (1.0 + x),)


@primitive
@saves_inputs
def sin(x):
    return np.sin(x.data), lambda g: (g * x.cos(),)


@primitive
@saves_inputs
def cos(x):
    return np.cos(x.data), lambda g: (-g * x.sin(),)


@primitive
@saves_inputs
def erf(x):
    return backend.kernels.erf(x.data), lambda g: (g * (2.0 / np.sqrt(np.pi)) * (-x * x).exp(),)


@primitive
@saves_inputs
def matmul(x, y):
    """numpy's @: (..., n, k) @ (..., k, m) -> (..., m); a 1-d side is a row or a column."""

    def vjp(g):
        if x.ndim == 1 and y.ndim == 1:  # a dot product: g is 0-d
            return g * y, g * x
        if x.ndim == 1:  # (k,) @ (..., k, m) -> (..., m): x acts as a row
            row = g.reshape(*g.shape[:-1], 1, g.shape[-1])  # (..., 1, m)
            gx = row @ y.transpose(-1, -2)  # (..., 1, k)
            return gx.reshape(*gx.shape[:-2], gx.shape[-1]), x.reshape(-1, 1) @ row
        if y.ndim == 1:  # (..., n, k) @ (k,) -> (..., n): y acts as a column
            col = g.reshape(*g.shape, 1)  # (..., n, 1)
            gy = x.transpose(-1, -2) @ col  # (..., k, 1)
            return col @ y.reshape(1, -1), gy.reshape(*gy.shape[:-1])
        return (
            g @ y.transpose(-1, -2) if x.requires_grad else None,
            x.transpose(-1, -2) @ g if y.requires_grad else None,
        )

    return _matmul_forward(x.data, y.data), vjp


def _matmul_forward(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x @ y, or ValueError("matmul: (2, 4) @ (3, 5): inner dimensions 4 != 3")."""
    try:
        return backend.kernels.matmul(x, y)
    except ValueError:  # find out why, to say it plainly
        if x.ndim == 0 or y.ndim == 0:
            raise ValueError(
                f"matmul: {x.shape} @ {y.shape}: both need at least 1 dimension"
            ) from None
        inner_x, inner_y = x.shape[-1], y.shape[-2] if y.ndim > 1 else y.shape[0]
        if inner_x != inner_y:
            raise ValueError(
                f"matmul: {x.shape} @ {y.shape}: inner dimensions {inner_x} != {inner_y}"
            ) from None
        broadcast_shapes("matmul: batch", x.shape[:-2], y.shape[:-2])
        raise


@primitive
@saves_inputs
def linear(x, w, b, *, relu=False):
    """x @ w.T + b (then relu, if asked), a layer in one node: (..., in), (out, in), (out,) ->
    (..., out).

    Composed, this is a transpose, a matmul and an add, nine ops with their VJPs; fused, four
    (bench/ops.py: the 2-16-16-2 MLP step goes from 250 us to 190 us). With relu, the where and
    comparison the composed relu adds join the same kernel pass, and its VJP starts by masking g.
    """
    if x.ndim == 0 or x.shape[-1] != w.shape[-1] or w.ndim != 2 or b.shape != w.shape[:1]:
        raise ValueError(
            f"linear: input {x.shape}, weight {w.shape}, bias {b.shape}: need (..., in), "
            "(out, in) and (out,)"
        )
    out = backend.kernels.linear(x.data, w.data, b.data, relu)

    def vjp(g):
        if relu:  # g where the output is positive, else 0; one kernel pass when not recorded
            recorded = is_grad_enabled()
            g = (
                g.where(~(out <= 0), 0.0)
                if recorded
                else tensor.Tensor._wrap(backend.kernels.relu_grad(g.data, out))
            )
        gx = g @ w if x.requires_grad else None
        gw = None
        if w.requires_grad:  # every leading axis is a sample: (out, n) @ (n, in)
            rows, inputs = g, x
            if x.ndim != 2:
                n = math.prod(g.shape[:-1])
                rows, inputs = g.reshape(n, g.shape[-1]), x.reshape(n, x.shape[-1])
            gw = rows.transpose() @ inputs
        return gx, gw, g  # the walk sums g to b's shape

    return out, vjp


@primitive
@saves_inputs
def log_softmax(x, *, axis):
    """x - log(sum(exp(x))) along `axis`, shifted by the max so exp cannot overflow.

    Composed, this is seven ops forward and eight back; fused, one and three (bench/ops.py: the
    2-16-16-2 MLP step goes from 200 us to 160 us). tests/test_tensor.py equates the two.
    """
    out = backend.kernels.log_softmax(x.data, axis)

    def vjp(g):  # d/dx: g - softmax(x) * sum(g); softmax on the graph when it is recorded
        minus_p = -x.softmax(axis) if is_grad_enabled() else -np.exp(out)
        return (g + minus_p * g.sum(axis, keepdims=True),)

    return out, vjp


@primitive
@saves_inputs
def cross_entropy(x, *, targets):
    """-log_softmax(x)[n, targets[n]] for each row n: (N, C) logits, (N,) classes -> (N,) losses.

    Composed, this is log_softmax, indexing and a negation: three ops forward, five back;
    fused, one and two. tests/test_tensor.py equates the two.
    """
    logp = backend.kernels.log_softmax(x.data, 1)
    rows = np.arange(len(targets))

    def vjp(g):  # (softmax(x) - onehot(targets)) * g, row by row
        p = x.softmax(1) if is_grad_enabled() else np.exp(logp)  # on the graph when recorded
        onehot = np.zeros(x.shape, x.dtype)
        onehot[rows, targets] = 1
        return ((p - onehot) * g.reshape(-1, 1),)

    return -logp[rows, targets], vjp


@primitive
def sum(x, *, axes, keepdims):
    """Sum over `axes` (sorted, non-negative); the gradient spreads back over them."""

    def vjp(g):
        if not keepdims and axes != tuple(range(len(axes))):  # inner axes: put their 1s back
            g = g.reshape(*kept_shape(x.shape, axes))
        return (g.broadcast_to(x.shape),)

    return backend.kernels.sum(x.data, axes, keepdims), vjp


@primitive
@saves_inputs
def amax(x, *, axes, keepdims):
    """Largest element over `axes`; tied maxima share the gradient evenly (like torch.amax)."""
    top = backend.kernels.amax(x.data, axes, True)
    out = top if keepdims else top.reshape([n for i, n in enumerate(top.shape) if i not in axes])

    def vjp(g):
        hits = (x.data == top).astype(x.dtype)
        return (
            g.reshape(*top.shape).broadcast_to(x.shape) * (hits / hits.sum(axes, keepdims=True)),
        )

    return out, vjp


@primitive
def reshape(x, *, shape):
    try:
        out = x.data.reshape(shape)
    except ValueError:
        raise ValueError(
            f"reshape: cannot reshape {x.shape} ({x.data.size} elements) into {tuple(shape)}"
        ) from None
    return out, lambda g: (g.reshape(*x.shape),)


@primitive
def permute(x, *, axes):
    """Reorder the axes: output axis i is input axis axes[i]."""

    def vjp(g):
        return (g.permute(*sorted(range(len(axes)), key=axes.__getitem__)),)  # the inverse order

    return x.data.transpose(axes), vjp


@primitive
def broadcast_to(x, *, shape):
    """x repeated to `shape` (numpy's rules); the walk sums the gradient back to x's shape."""
    try:
        out = backend.kernels.broadcast_to(x.data, shape)
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast {x.shape} to {tuple(shape)}") from None
    return out, lambda g: (g,)


@primitive
def getitem(x, *, index):
    """numpy indexing: slices, ints, None, ..., integer arrays, boolean masks."""
    try:
        out = x.data[index]
    except IndexError as error:
        raise IndexError(f"getitem: {error} (tensor of shape {x.shape})") from None
    if not isinstance(out, np.ndarray):  # one element: numpy gives a scalar, a Tensor holds arrays
        out = np.asarray(out)
    return out, lambda g: (tensor.apply(scatter_add, g, index=index, shape=x.shape),)


@primitive
def scatter_add(g, *, index, shape):
    """Zeros of `shape` with g added at `index` (repeats accumulate): getitem's VJP."""
    return backend.kernels.scatter_add(g.data, index, shape), lambda gg: (gg[index],)


@primitive
def concat(*xs, axis):
    """Join along `axis` (non-negative); each input gets its slice of the gradient back."""
    try:
        out = np.concatenate([x.data for x in xs], axis=axis)
    except ValueError:
        shapes = ", ".join(str(x.shape) for x in xs)
        raise ValueError(f"concat: shapes {shapes} differ off axis {axis}") from None
    ends = np.cumsum([x.shape[axis] for x in xs]).tolist()
    lead = (slice(None),) * axis
    return out, lambda g: tuple(
        g[(*lead, slice(end - x.shape[axis], end))] for x, end in zip(xs, ends, strict=True)
    )


@primitive
def where(x, y, *, cond):
    """x where `cond` (a boolean array) holds, else y; each side gets the gradient where chosen."""
    try:
        out = backend.kernels.where(cond, x.data, y.data)
    except ValueError:
        broadcast_shapes("where", cond.shape, x.shape, y.shape)
        raise
    return out, lambda g: (
        g.where(cond, 0.0) if x.requires_grad else None,
        g.where(~cond, 0.0) if y.requires_grad else None,
    )


@primitive
def astype(x, *, dtype):
    return x.data.astype(dtype), lambda g: (g.astype(x.dtype),)
