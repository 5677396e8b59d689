"""Every Tensor primitive: its forward, then its vector-Jacobian product (VJP), side by side.

A primitive takes Tensors (plus keyword-only settings), computes its output array with the
backend's kernels, and returns it with a VJP: a function from the output's gradient `g` to one
gradient per input (None where an input gets none). A VJP is written once for two kinds of `g`:
in a plain backward g is an array and the VJP computes on arrays (nothing to record, so no
Tensor is made per step); with `backward(create_graph=True)` g is a Tensor and the VJP's Tensor
operations are recorded, so gradients can be differentiated again. The VJP reads its inputs
through `_like(g, x)`, x's array or x itself to match g, and runs ops that arrays and Tensors
spell differently through `_run` and `_where`: sin's is `g * _run(cos, _like(g, x))`, a product
of arrays or of Tensors. VJPs capture inputs and arrays, never the
output, so graphs hold no reference cycles. Gradients may come back in the broadcast shape: the
backward walk sums them to each input's shape.
Two-input primitives run through `tensor.binary`, which names the shapes when they do not
broadcast.

Everything else a Tensor does (sub, div, mean, relu, softmax, ...) is composed from these.
"""

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import backend, tensor
from .graph import is_grad_enabled
from .shapes import broadcast_shapes, kept_shape

VJP = Callable[[Any], tuple]
Primitive = Callable[..., tuple[np.ndarray, VJP]]
OPS: dict[str, Primitive] = {}


def primitive(fn: Primitive) -> Primitive:
    """Register `fn` in OPS under its name; `tensor.apply` runs it and records the graph."""
    OPS[fn.__name__] = fn
    return fn


def _like(g: Any, x: "tensor.Tensor") -> Any:
    """Input `x` in the kind of gradient `g`: its array in a plain backward (g an array), else
    x itself, so that the VJP's operations on it are recorded."""
    return x if isinstance(g, tensor.Tensor) else x.data


def _run(primitive: Primitive, first: Any, *others: Any, **settings: Any) -> Any:
    """`primitive` on a VJP's operands, of g's kind or numbers: recorded on Tensors (numbers
    lifted to the first's dtype); on arrays, its output array alone."""
    if isinstance(first, tensor.Tensor):
        others = (tensor.lift(x, first, primitive.__name__) for x in others)
        return tensor.apply(primitive, first, *others, **settings)
    return primitive(*map(tensor.Tensor._wrap, (first, *others)), **settings)[0]


def _where(cond: np.ndarray, x: Any, y: float) -> Any:
    """x where the boolean array `cond` holds, else the number y: Tensor.where on a Tensor, the
    backend's where on an array (jitted for relu's shapes, where np.where is slow)."""
    if isinstance(x, tensor.Tensor):
        return x.where(cond, y)
    return backend.kernels.where(cond, x, np.asarray(y, x.dtype))


def saves_inputs(fn: Primitive) -> Primitive:
    """Mark a primitive whose VJP reads its inputs' data, so `tensor.apply` notes their versions
    and backward refuses to run it if one was changed in place since (Tensor.add_ and kin)."""
    fn.saves_inputs = True
    return fn


@primitive
def add(x, y):
    return backend.kernels.add(x.data, y.data), lambda g: (g, g)


@primitive
@saves_inputs
def mul(x, y):
    out = backend.kernels.multiply(x.data, y.data)
    return out, lambda g: (
        g * _like(g, y) if x.requires_grad else None,
        g * _like(g, x) if y.requires_grad else None,
    )


@primitive
def neg(x):
    return backend.kernels.negative(x.data), lambda g: (-g,)


@primitive
@saves_inputs
def pow(x, y):
    """x ** y; the exponent's gradient g * x**y * log(x) is 0 where x = 0 and y >= 0 (torch)."""

    def vjp(g):
        base, exponent = _like(g, x), _like(g, y)
        gx = g * exponent * base ** (exponent - 1.0)
        flat = (x.data == 0) & (y.data == 0)  # x**0 is flat at x = 0 too, where x**-1 is inf
        if flat.any():
            gx = _where(~flat, gx, 0.0)
        if not y.requires_grad:
            return gx, None
        defined = ~((x.data == 0) & (y.data >= 0))
        return gx, _where(defined, g * base**exponent * _run(log, base), 0.0)

    return backend.kernels.power(x.data, y.data), vjp


@primitive
def maximum(x, y):
    """The larger of x and y elementwise; at a tie each gets half the gradient (torch)."""
    out = backend.kernels.maximum(x.data, y.data)
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
def log(x, *, base=None):
    """Natural log, or log2 or log10 (`base` 2 or 10): exact at powers of the base, which
    log(x) / log(base) is not (log10(1000) would be 2.9999999999999996)."""
    if base is None:
        return backend.kernels.log(x.data), lambda g: (g / _like(g, x),)
    out = np.log2(x.data) if base == 2 else np.log10(x.data)
    return out, lambda g: (g / (_like(g, x) * math.log(base)),)


@primitive
@saves_inputs
def log1p(x):
    """log(1 + x), exact where 1 + x rounds to 1 (x tiny)."""
    return np.log1p(x.data), lambda g: (g / (1.0 + _like(g, x)),)


@primitive
@saves_inputs
def sin(x):
    return np.sin(x.data), lambda g: (g * _run(cos, _like(g, x)),)


@primitive
@saves_inputs
def cos(x):
    return np.cos(x.data), lambda g: (-g * _run(sin, _like(g, x)),)


@primitive
@saves_inputs
def erf(x):
    def vjp(g):
        x_ = _like(g, x)
        return (g * (2.0 / math.sqrt(math.pi)) * _run(exp, -x_ * x_),)

    return backend.kernels.erf(x.data), vjp


@primitive
@saves_inputs
def expm1(x):
    """e^x - 1, exact where e^x rounds to 1 (x tiny), which exp(x) - 1 is not."""
    return np.expm1(x.data), lambda g: (g * _run(exp, _like(g, x)),)


@primitive
@saves_inputs
def asinh(x):
    """Inverse sinh; composed, log(x + sqrt(x*x + 1)) cancels to 0 for x below -1e8 and its
    x*x overflows past 1e154, where asinh is still about 355."""
    return np.arcsinh(x.data), lambda g: (g / _run(hypot, _like(g, x), 1.0),)


@primitive
@saves_inputs
def acosh(x):
    """Inverse cosh (x >= 1; nan below); composed, log(x + sqrt(x*x - 1)) overflows past 1e154
    and loses digits near 1. The slope 1 / sqrt((x - 1)(x + 1)) is taken as two roots, which
    cannot overflow."""

    def vjp(g):
        x_ = _like(g, x)
        return (g / ((x_ - 1.0) ** 0.5 * (x_ + 1.0) ** 0.5),)

    return np.arccosh(x.data), vjp


@primitive
@saves_inputs
def atan2(y, x):
    """The angle of the point (x, y), in (-pi, pi], with torch's argument order: atan2(y, x).

    No composition of atan (itself composed from this) finds the quadrant, or survives x = 0.
    The slopes x / r^2 and -y / r^2 are taken as (x / r) / r with r = hypot(x, y), which
    neither overflows nor underflows."""

    def vjp(g):
        y_, x_ = _like(g, y), _like(g, x)
        r = _run(hypot, y_, x_)
        return (
            g * (x_ / r) / r if y.requires_grad else None,
            -g * (y_ / r) / r if x.requires_grad else None,
        )

    return np.arctan2(y.data, x.data), vjp


@primitive
@saves_inputs
def hypot(x, y):
    """sqrt(x^2 + y^2) without overflow or underflow; composed, x^2 overflows past 1e154 and
    vanishes below 1e-162, and scaling by the larger side costs a max and two divisions."""

    out = np.hypot(x.data, y.data)

    def vjp(g):  # x / r and y / r, r on the graph when the backward pass is recorded
        x_, y_ = _like(g, x), _like(g, y)
        r = _run(hypot, x_, y_) if is_grad_enabled() else out
        return (g * x_ / r if x.requires_grad else None, g * y_ / r if y.requires_grad else None)

    return out, vjp


@primitive
@saves_inputs
def mod(x, y, *, rounding):
    """x - y * q, q the quotient x / y rounded toward zero (rounding="trunc": C's fmod, the sign
    of x) or down ("floor": Python's %, the sign of y, from fmod as torch has it, so a zero keeps
    x's sign). Composed, x - y * q rounds (fmod(5.3, 0.1)); fmod is exact. Gradients: g, and
    -g * q (torch's)."""
    out = np.fmod(x.data, y.data)
    if rounding == "floor":  # a remainder against y's sign moves by one y
        out = np.where((out != 0) & ((out < 0) != (y.data < 0)), out + y.data, out)

    def vjp(g):
        with np.errstate(divide="ignore", invalid="ignore"):  # y = 0: nan, as out has there
            q = (
                np.floor_divide(x.data, y.data)
                if rounding == "floor"
                else np.trunc(x.data / y.data)
            )
        return (g if x.requires_grad else None, -g * q.astype(g.dtype) if y.requires_grad else None)

    return out, vjp


@primitive
@saves_inputs
def matmul(x, y):
    """numpy's @: (..., n, k) @ (..., k, m) -> (..., m); a 1-d side is a row or a column."""

    def vjp(g):
        a, b = _like(g, x), _like(g, y)
        if x.ndim == 1 and y.ndim == 1:  # a dot product: g is 0-d
            return g * b, g * a
        if x.ndim == 1:  # (k,) @ (..., k, m) -> (..., m): x acts as a row
            row = g.reshape(*g.shape[:-1], 1, g.shape[-1])  # (..., 1, m)
            gx = row @ b.swapaxes(-1, -2)  # (..., 1, k)
            return gx.reshape(*gx.shape[:-2], gx.shape[-1]), a.reshape(-1, 1) @ row
        if y.ndim == 1:  # (..., n, k) @ (k,) -> (..., n): y acts as a column
            col = g.reshape(*g.shape, 1)  # (..., n, 1)
            gy = a.swapaxes(-1, -2) @ col  # (..., k, 1)
            return col @ b.reshape(1, -1), gy.reshape(*gy.shape[:-1])
        return (
            g @ b.swapaxes(-1, -2) if x.requires_grad else None,
            a.swapaxes(-1, -2) @ g if y.requires_grad else None,
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
def einsum(*xs, equation):
    """np.einsum in explicit form ("ij,jk->ik"), with each operand's letters distinct and each
    in the output or another operand (linalg.einsum makes it so). Composed, as a broadcast
    product then a sum, it would hold every index at once: n^3 numbers for a matrix product.

    The gradient of operand i is the einsum of g with the other operands into i's letters."""
    inputs, output = equation.split("->")
    letters = inputs.split(",")

    def vjp(g):
        operands = [_like(g, x) for x in xs]
        return tuple(
            _run(
                einsum,
                g,
                *operands[:i],
                *operands[i + 1 :],
                equation=",".join([output, *letters[:i], *letters[i + 1 :]]) + "->" + mine,
            )
            if x.requires_grad
            else None
            for i, (x, mine) in enumerate(zip(xs, letters, strict=True))
        )

    return np.asarray(np.einsum(equation, *(x.data for x in xs), optimize=len(xs) > 2)), vjp


@primitive
@saves_inputs
def linear(x, w, b, *, relu=False):
    """x @ w.T + b (then relu, if asked), a layer in one node: (..., in), (out, in), (out,) ->
    (..., out).

    Composed, this is a transpose, a matmul and an add, nine ops with their VJPs; fused, four
    (bench/ops.py: the 2-16-16-2 MLP step goes from 250 us to 190 us). With relu, the where and
    comparison the composed relu adds join the same kernel pass, and its VJP starts by masking g.
    """
    xs, ws = x.data.shape, w.data.shape  # arrays' shapes: Tensor.shape builds a torch Size
    if not xs or w.data.ndim != 2 or xs[-1] != ws[-1] or b.data.shape != ws[:1]:
        raise ValueError(
            f"linear: input {x.shape}, weight {w.shape}, bias {b.shape}: need (..., in), "
            "(out, in) and (out,)"
        )
    out = backend.kernels.linear(x.data, w.data, b.data, relu)

    def vjp(g):
        if not is_grad_enabled():  # nothing to record: one kernel for all three (see there)
            return backend.kernels.linear_backward(
                g, x.data, w.data, out, relu, x.requires_grad, w.requires_grad
            )
        if relu:  # g where the output is positive, else 0
            g = g.where(~(out <= 0), 0.0)
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
        return (g + minus_p * _run(sum, g, axes=(axis,), keepdims=True),)

    return out, vjp


@primitive
@saves_inputs
def cross_entropy(x, *, targets):
    """-log_softmax(x)[n, targets[n]] for each row n: (N, C) logits, (N,) classes -> (N,) losses.

    Composed, this is log_softmax, indexing and a negation: three ops forward, five back;
    fused, one forward and one kernel back (two ops when recorded). tests/test_tensor.py
    equates the two.
    """
    logp = backend.kernels.log_softmax(x.data, 1)
    rows = np.arange(len(targets))

    def vjp(g):  # (softmax(x) - onehot(targets)) * g, row by row
        if not is_grad_enabled():  # nothing to record: one kernel
            return (backend.kernels.cross_entropy_backward(logp, targets, g),)
        onehot = np.zeros(x.data.shape, x.dtype)
        onehot[rows, targets] = 1
        return ((x.softmax(1) - onehot) * g.reshape(-1, 1),)

    return -logp[rows, targets], vjp


@primitive
def sum(x, *, axes, keepdims):
    """Sum over `axes` (sorted, non-negative); the gradient spreads back over them."""

    def vjp(g):
        if not keepdims and axes and axes[-1] >= len(axes):  # an inner axis went (axes are
            # sorted): put the 1s back, so that g broadcasts
            g = g.reshape(*kept_shape(x.data.shape, axes))
        if isinstance(g, tensor.Tensor):
            return (tensor.apply(broadcast_to, g, shape=x.data.shape),)
        return (backend.kernels.broadcast_to(g, x.data.shape),)  # as _run would, 1 us sooner

    return backend.kernels.sum(x.data, axes, keepdims), vjp


@primitive
@saves_inputs
def amax(x, *, axes, keepdims):
    """Largest element over `axes`; tied maxima share the gradient evenly (like torch.amax)."""
    top = backend.kernels.amax(x.data, axes, True)
    out = top if keepdims else top.reshape([n for i, n in enumerate(top.shape) if i not in axes])

    def vjp(g):
        hits = (x.data == top).astype(x.dtype)
        return (g.reshape(top.shape) * (hits / hits.sum(axes, keepdims=True)),)

    return out, vjp


@primitive
def cumsum(x, *, axis):
    """Running sum along `axis`; the gradient is the running sum of g from the other end.
    Composed, as a product with a triangular matrix, it would cost n^2."""
    return np.cumsum(x.data, axis), lambda g: (_reversed(_reversed(g, axis).cumsum(axis), axis),)


@primitive
@saves_inputs
def cumprod(x, *, axis):
    """Running product along `axis`; exp(cumsum(log x)) would fail at zeros and negatives.

    d y_k / d x_i (k >= i) is the product of x_0..x_k without x_i. The gradient is built from
    those products, one row of them per i (n^2 numbers along the axis): exact at every zero,
    and differentiable again. A plain backward takes the shortcut y_k / x_i (a reversed running
    sum divided by x, n numbers) where it is exact: no x is 0 or subnormal (1 / x overflows) and
    no product underflows or overflows. Recorded, it would not be: its own derivative cancels
    terms of size 1 / x^2."""
    out = np.cumprod(x.data, axis)

    def vjp(g):
        divisible = np.all(np.abs(x.data) >= np.finfo(x.dtype).tiny) and np.all(out != 0)
        if not is_grad_enabled() and divisible and np.all(np.isfinite(out)):
            return (_reversed(_reversed(g * out, axis).cumsum(axis), axis) / x.data,)
        n, trailing = x.shape[axis], [1] * (x.ndim - axis - 1)
        k_axis = (*x.shape[:axis], 1, *x.shape[axis:])  # (..., 1, n, ...): k on axis + 1
        i_is_k = np.eye(n, dtype=bool).reshape(n, n, *trailing)
        without_i = _where(~i_is_k, _like(g, x).reshape(*k_axis), 1.0).cumprod(axis + 1)  # [i, k]
        terms = _where(_upper(n, trailing), without_i * g.reshape(*k_axis), 0.0)
        return (_run(sum, terms, axes=(axis + 1,), keepdims=False),)

    return out, vjp


@primitive
@saves_inputs
def logcumsumexp(x, *, axis):
    """log(cumsum(exp(x))) along `axis` as logaddexp's running sum: never overflows, and right
    where a shift by the axis' max would underflow the early terms to log(0) = -inf.

    d out_k / d x_j = exp(x_j - out_k) for j <= k, at most 1: the gradient holds them all (n^2
    numbers along the axis), which keeps it linear in g, so it is differentiable again."""
    out = np.logaddexp.accumulate(x.data, axis)

    def vjp(g):
        y = x.logcumsumexp(axis) if is_grad_enabled() else out
        n, trailing = x.shape[axis], [1] * (x.ndim - axis - 1)
        k_axis = (*x.shape[:axis], 1, *x.shape[axis:])  # (..., 1, n, ...): k on axis + 1
        j_axis = (*x.shape[: axis + 1], 1, *x.shape[axis + 1 :])  # (..., n, 1, ...): j on axis
        used = _upper(n, trailing) & np.isfinite(out).reshape(k_axis)  # out_k -inf: x_j all -inf
        gaps = _where(used, _like(g, x).reshape(*j_axis) - y.reshape(*k_axis), -np.inf)
        weights = _run(exp, gaps)  # [j, k]
        return (_run(sum, weights * g.reshape(*k_axis), axes=(axis + 1,), keepdims=False),)

    return out, vjp


def _upper(n, trailing):
    """[i, k] is k >= i, for n positions (then trailing axes of 1): which k follow each i."""
    return np.triu(np.ones((n, n), bool)).reshape(n, n, *trailing)


def _reversed(t, axis):
    """t with `axis` (non-negative) in reverse order, as a getitem: on the graph."""
    return t[(slice(None),) * axis + (slice(None, None, -1),)]


@primitive
def reshape(x, *, shape):
    try:
        out = x.data.reshape(shape)
    except ValueError:
        raise ValueError(
            f"reshape: cannot reshape {x.shape} ({x.data.size} elements) into {tuple(shape)}"
        ) from None
    return out, lambda g: (g.reshape(x.data.shape),)


@primitive
def permute(x, *, axes):
    """Reorder the axes: output axis i is input axis axes[i]."""

    def vjp(g):
        order = sorted(range(len(axes)), key=axes.__getitem__)  # the inverse order
        return (g.permute(*order) if isinstance(g, tensor.Tensor) else g.transpose(order),)

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
    return out, lambda g: (_run(scatter_add, g, index=index, shape=x.data.shape),)


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
        _where(cond, g, 0.0) if x.requires_grad else None,
        _where(~cond, g, 0.0) if y.requires_grad else None,
    )


@primitive
def astype(x, *, dtype):
    return x.data.astype(dtype), lambda g: (g.astype(x.dtype),)


@primitive
def unfold(x, *, window, fill=0.0):
    """im2col: (N, C, H, W) -> (N, C * kh * kw, L), one column per position of `window` (a
    windows.Window) holding the cells it covers, `fill` off the image. Each cell's gradient is
    the sum of its copies' (fold: col2im)."""
    out = backend.kernels.im2col(x.data, window, fill)
    return out, lambda g: (_run(fold, g, window=window),)


@primitive
def fold(cols, *, window):
    """col2im: (N, C * kh * kw, L) -> (N, C, H, W), each column entry added to the cell it
    stands for; unfold's adjoint, so its gradient is unfold (with zeros off the image)."""
    out = backend.kernels.col2im(cols.data, window)
    return out, lambda g: (_run(unfold, g, window=window),)


# --- pooling (autograd/pooling.py) ---------------------------------------------------------------


@primitive
def max_unpool(x, *, index, shape):
    """Zeros of `shape` with each entry of x written at its flat position in `index` (x's
    shape): max_unpool2d. Positions repeat where overlapping windows chose one cell; the values
    are then that cell's, equal. Each entry's gradient is g at its position, repeats included
    (a gather, as torch's)."""
    out = np.zeros(shape, x.dtype)
    out.reshape(-1)[index] = x.data
    return out, lambda g: (g.reshape(-1)[index],)
