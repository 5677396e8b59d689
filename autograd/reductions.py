"""Tensor's reductions: sum, prod, mean, var, std, norm, max, min, argmax, logsumexp, softmax,
log_softmax, trace; the running ones (cumsum, cumprod, cummax, cummin, logcumsumexp) and diff;
the order statistics (sort, argsort, topk, median, mode, unique) and count_nonzero. Tensor
inherits them. `axis` is an int, a tuple of ints or None (all), as in numpy; `dim=`/`keepdim=`
work too (torch).
"""

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from . import ops, tensor
from .arguments import is_real
from .dtypes import real_dtype
from .indexing import along
from .shapes import Axis, kept_shape, normalize_axes, normalize_axis, torch_axes

if TYPE_CHECKING:
    from .tensor import Tensor


class Reductions:
    """Reductions over axes of a Tensor, and the softmax family built on them."""

    @torch_axes
    def sum(self, axis: Axis = None, keepdims: bool = False, dtype: Any = None) -> "Tensor":
        """Sum over `axis`, computed in `dtype` if given (torch's sum(dtype=))."""
        x = self if dtype is None else self.astype(real_dtype(dtype, "sum"))
        axes = normalize_axes("sum", axis, x.data.ndim)
        return tensor.apply(ops.sum, x, axes=axes, keepdims=keepdims)

    @torch_axes
    def prod(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """Product over `axis` (1 over an empty one): the last running product (cumprod) of the
        reduced elements, so zeros get their gradient, the product of the others."""
        axes = normalize_axes("prod", axis, self.ndim)
        kept = [a for a in range(self.ndim) if a not in axes]
        count = _count(self, axes, "prod")
        rows = self.permute(*kept, *axes).reshape(*(self.shape[a] for a in kept), count)
        if count == 0:
            return self.sum(axes, keepdims) + 1  # on the graph, with its empty gradient
        out = rows.cumprod(-1)[..., -1]
        return out.reshape(*kept_shape(self.shape, axes)) if keepdims else out

    @torch_axes
    def mean(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        return self.sum(axis, keepdims) / _count(self, axis, "mean")

    @torch_axes
    def var(
        self,
        axis: Axis | bool = None,
        ddof: int | None = None,
        keepdims: bool = False,
        *,
        unbiased: bool | None = None,
        correction: int | None = None,
    ) -> "Tensor":
        """Mean squared deviation over `axis`, divided by n - ddof: by n - 1 unless told otherwise
        (torch's default, the unbiased estimate). torch's unbiased= (True: ddof 1, False: 0) and
        correction= (the ddof), and numpy's ddof= say how many to take off; a bool in place of
        axis or ddof is torch's positional unbiased (x.var(False), x.var(1, False)). Divided by 0
        when ddof >= n, which gives inf (numpy, torch), never a negative variance."""
        axis, ddof = _correction("var", axis, ddof, unbiased, correction)
        deviation = self - self.mean(axis, keepdims=True)
        count = max(_count(self, axis, "var") - ddof, 0)
        return (deviation * deviation).sum(axis, keepdims) / count

    @torch_axes
    def std(
        self,
        axis: Axis | bool = None,
        ddof: int | None = None,
        keepdims: bool = False,
        **correction: Any,
    ) -> "Tensor":
        """sqrt(var) (ddof, unbiased=, correction= as in var: n - 1 by default); where var is 0
        the gradient is 0 (torch), not sqrt's infinite slope."""
        var = self.var(axis, ddof, keepdims, **correction)
        spread = var.data != 0  # NaN is spread too: sqrt keeps it NaN, as numpy and torch do
        return var.where(spread, 1.0).sqrt().where(spread, 0.0)

    @torch_axes
    def var_mean(
        self,
        axis: Axis | bool = None,
        ddof: int | None = None,
        keepdims: bool = False,
        **correction: Any,
    ) -> tuple["Tensor", "Tensor"]:
        """(var, mean) over `axis`, as torch.var_mean (ddof, unbiased=, correction= as in var)."""
        axis, ddof = _correction("var_mean", axis, ddof, **correction)
        return self.var(axis, ddof, keepdims), self.mean(axis, keepdims)

    @torch_axes
    def std_mean(
        self,
        axis: Axis | bool = None,
        ddof: int | None = None,
        keepdims: bool = False,
        **correction: Any,
    ) -> tuple["Tensor", "Tensor"]:
        """(std, mean) over `axis`, as torch.std_mean (ddof, unbiased=, correction= as in var)."""
        axis, ddof = _correction("std_mean", axis, ddof, **correction)
        return self.std(axis, ddof, keepdims), self.mean(axis, keepdims)

    @torch_axes
    def norm(self, p: float | str = 2, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """The vector p-norm over `axis` (all of x by default): (sum |x|^p)^(1/p) for any real p
        ("fro" is 2), max |x| for inf, min |x| for -inf, the count of nonzeros for 0 (no gradient).

        The elements are divided by the largest |x| first and the norm scaled back, so squares
        of 1e200 or 1e-200 neither overflow nor vanish; the gradient at a zero vector is 0
        (torch)."""
        p = 2 if p == "fro" else p
        if not is_real(p):
            raise TypeError(f"norm: p must be a real number, inf or 'fro', got {p!r}")
        x = tensor.floating(self)
        axes = normalize_axes("norm", axis, x.ndim)
        size = x.abs()
        if p == math.inf:
            return size.amax(axes, keepdims)
        if p == -math.inf:
            return size.amin(axes, keepdims)
        if p == 0:  # a count, off the graph: torch gives x no gradient from it either
            return x._wrap(np.sum(x.data != 0, axes, x.dtype, keepdims=keepdims))
        if p == 1:
            return size.sum(axes, keepdims)
        scale = _largest(size, axes)
        total = ((size / scale) ** p).sum(axes, keepdims=True)
        spread = total.data != 0
        out = total.where(spread, 1.0) ** (1.0 / p) * scale
        return _dropped_axes(out.where(spread, 0.0), axes, keepdims)

    @torch_axes
    def amax(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """Largest element over `axis` (any axes); tied maxima share the gradient evenly."""
        return _amax(self, axis, keepdims, "max")

    @torch_axes
    def amin(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """Smallest element over `axis` (any axes); tied minima share the gradient evenly."""
        if self.dtype.kind != "f":  # -max(-x) would wrap integers and fails on bool
            axes = _reduced_axes(self, axis, "min")
            return self._wrap(np.asarray(np.min(self.data, axis=axes, keepdims=keepdims)))
        return -_amax(-self, axis, keepdims, "min")

    def max(
        self, dim: Any = None, keepdim: bool = False, *, axis: Axis = None, keepdims: Any = None
    ) -> Any:
        """The largest element, in torch's three forms and numpy's: x.max() over everything;
        x.max(y) elementwise against a tensor y; x.max(dim) along one axis as (values, indices),
        the gradient to the first maximum (torch); x.max(axis=...) values over any axes (amax)."""
        return _extreme(self, "max", dim, keepdim, axis, keepdims)

    def min(
        self, dim: Any = None, keepdim: bool = False, *, axis: Axis = None, keepdims: Any = None
    ) -> Any:
        """The smallest element: x.min(), x.min(y), x.min(dim) -> (values, indices), or
        x.min(axis=...), as max."""
        return _extreme(self, "min", dim, keepdim, axis, keepdims)

    @torch_axes
    def argmax(self, axis: int | None = None, keepdims: bool = False) -> "Tensor":
        """Index of the (first) largest element (int64; no gradient)."""
        return self._wrap(_arg_extreme(self, np.argmax, "argmax", axis, keepdims))

    @torch_axes
    def argmin(self, axis: int | None = None, keepdims: bool = False) -> "Tensor":
        """Index of the (first) smallest element (int64; no gradient)."""
        return self._wrap(_arg_extreme(self, np.argmin, "argmin", axis, keepdims))

    @torch_axes
    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """log(sum(exp(x))) shifted by the max, so it never overflows."""
        axes = normalize_axes("logsumexp", axis, self.ndim)
        top = _max_shift(self, axes)
        return _dropped_axes(
            (self - top).exp().sum(axes, keepdims=True).log() + top, axes, keepdims
        )

    @torch_axes
    def softmax(self, axis: int = -1) -> "Tensor":
        """exp(x) / sum(exp(x)) along `axis`, computed as exp(log_softmax): never overflows."""
        return self.log_softmax(axis).exp()

    @torch_axes
    def log_softmax(self, axis: int = -1) -> "Tensor":
        """x - logsumexp(x) along `axis` (max-shifted, one fused op)."""
        if self.ndim == 0:  # torch takes axis 0 or -1 of a scalar: log_softmax of one value
            normalize_axes("log_softmax", axis, 0)
            return self.reshape(1).log_softmax(0).reshape()
        axis = normalize_axis("log_softmax", axis, self.ndim)
        return tensor.apply(ops.log_softmax, tensor.floating(self), axis=axis)

    # --- running reductions along one axis -----------------------------------------------------

    @torch_axes
    def cumsum(self, axis: int) -> "Tensor":
        """Running sums along `axis` (integers and bools sum in int64, as torch)."""
        x = self if self.dtype.kind == "f" else self.astype(np.int64)
        return _along_one_axis(x, axis, "cumsum", lambda t, a: tensor.apply(ops.cumsum, t, axis=a))

    @torch_axes
    def diff(
        self, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None
    ) -> "Tensor":
        """Differences of neighbours along `axis`, x[1:] - x[:-1], taken `n` times (cumsum's
        inverse), after joining `prepend` and `append` on that axis: (k,) -> (k - n,)."""
        axis = normalize_axis("diff", axis, self.ndim)
        x = self
        if prepend is not None or append is not None:
            ends = [tensor.lift(t, self, "diff") for t in (prepend, self, append) if t is not None]
            dtype = np.result_type(*(t.data for t in ends))
            ends = [t if t.dtype == dtype else t.astype(dtype) for t in ends]
            x = tensor.apply(ops.concat, *ends, axis=axis)
        lead = (slice(None),) * axis
        for _ in range(n):
            x = x[(*lead, slice(1, None))] - x[(*lead, slice(None, -1))]
        return x

    @torch_axes
    def cumprod(self, axis: int) -> "Tensor":
        """Running products along `axis`; zeros get their gradient too."""
        x = self if self.dtype.kind == "f" else self.astype(np.int64)
        return _along_one_axis(
            x, axis, "cumprod", lambda t, a: tensor.apply(ops.cumprod, t, axis=a)
        )

    @torch_axes
    def logcumsumexp(self, axis: int) -> "Tensor":
        """log(cumsum(exp(x))) along `axis`, never overflowing nor underflowing early terms."""
        return _along_one_axis(
            tensor.floating(self),
            axis,
            "logcumsumexp",
            lambda t, a: tensor.apply(ops.logcumsumexp, t, axis=a),
        )

    @torch_axes
    def cummax(self, axis: int) -> "ValuesIndices":
        """Running maxima along `axis` and their indices (the latest of tied ones, and a NaN once
        seen, as torch); the gradient goes to those indices."""
        return _along_one_axis(self, axis, "cummax", lambda t, a: _running(t, a, np.maximum))

    @torch_axes
    def cummin(self, axis: int) -> "ValuesIndices":
        """Running minima along `axis` and their indices, as cummax."""
        return _along_one_axis(self, axis, "cummin", lambda t, a: _running(t, a, np.minimum))

    # --- order statistics: values (on the graph) and their indices ------------------------------

    @torch_axes
    def sort(
        self, axis: int = -1, descending: bool = False, stable: bool = False
    ) -> "ValuesIndices":
        """Sorted along `axis`, and where each value came from; ties keep their order (always
        stable, which torch's stable=True promises) and NaN sorts last (first if descending)."""
        return _along_one_axis(self, axis, "sort", lambda t, a: _sorted(t, a, descending))

    @torch_axes
    def argsort(self, axis: int = -1, descending: bool = False, stable: bool = False) -> "Tensor":
        """The indices that sort x along `axis` (int64; no gradient)."""
        return self.sort(axis, descending).indices

    @torch_axes
    def topk(
        self, k: int, axis: int = -1, largest: bool = True, sorted: bool = True
    ) -> "ValuesIndices":
        """The k largest (or smallest) along `axis`, in order, with their indices."""

        def top(x: "Tensor", a: int) -> ValuesIndices:
            if not 0 <= k <= x.shape[a]:
                raise ValueError(f"topk: k={k} is not in 0..{x.shape[a]} (axis {a}, {x.shape})")
            order = _order(x.data, a, largest)
            return _picked(x, np.take(order, np.arange(k), axis=a), a)

        return _along_one_axis(self, axis, "topk", top)

    def median(
        self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None
    ) -> Any:
        """The lower median (of an even count, the smaller middle value, as torch): x.median()
        over everything, or x.median(dim) -> (values, indices) along one axis; the gradient goes
        to the median's index."""
        keep = keepdim if keepdims is None else keepdims
        if dim is None and axis is None:
            return _median(self.reshape(-1), 0).values
        return _along_one_axis(
            self, axis if dim is None else dim, "median", lambda t, a: _median(t, a, keep)
        )

    @torch_axes
    def mode(self, axis: int = -1, keepdims: bool = False) -> "ValuesIndices":
        """The most frequent value along `axis` (the smallest of equally frequent ones) and the
        index of its last occurrence, as torch; the gradient goes to that index."""
        return _along_one_axis(self, axis, "mode", lambda t, a: _mode(t, a, keepdims))

    def unique(
        self,
        sorted: bool = True,
        return_inverse: bool = False,
        return_counts: bool = False,
        dim: int | None = None,
    ) -> Any:
        """The distinct elements, in increasing order (also when sorted=False, as torch on the
        CPU), or the distinct slices along `dim`; with return_inverse each element's (slice's)
        index among them, shaped as the input (as its `dim`), with return_counts how many times
        each occurs: a tensor, or a tuple of those asked for. No gradient."""
        axis = None if dim is None else normalize_axis("unique", dim, self.ndim)
        values, inverse, counts = np.unique(
            self.data, return_inverse=True, return_counts=True, axis=axis
        )
        inverse = inverse.reshape(self.shape if axis is None else -1).astype(np.int64)
        extras = [(inverse, return_inverse), (counts.astype(np.int64), return_counts)]
        out = [self._wrap(values), *(self._wrap(a) for a, asked in extras if asked)]
        return out[0] if len(out) == 1 else tuple(out)

    def trace(self) -> "Tensor":
        """The sum of a matrix's diagonal: (n, m) -> () (integers summed in int64, as torch)."""
        if self.ndim != 2:
            raise ValueError(f"trace: expected a matrix, got shape {self.shape}")
        diagonal = self.diagonal()
        return diagonal.sum() if self.dtype.kind == "f" else diagonal.astype(np.int64).sum()

    @torch_axes
    def count_nonzero(self, axis: Axis = None) -> "Tensor":
        """How many elements are not 0 over `axis` (int64; no gradient)."""
        axes = normalize_axes("count_nonzero", axis, self.ndim)
        return self._wrap(np.asarray(np.count_nonzero(self.data, axis=axes), np.int64))


class ValuesIndices(NamedTuple):
    """What max(dim), sort, topk, ... return, as torch.return_types.max: values and indices."""

    values: "Tensor"
    indices: "Tensor"


def _extreme(x: "Tensor", op: str, dim: Any, keepdim: bool, axis: Axis, keepdims: Any) -> Any:
    """max or min (`op`) in the form its arguments ask for (see Reductions.max)."""
    keep = keepdim if keepdims is None else keepdims
    if isinstance(dim, tensor.Tensor):
        return x.maximum(dim) if op == "max" else x.minimum(dim)
    if dim is None:
        return x.amax(axis, keep) if op == "max" else x.amin(axis, keep)
    if axis is not None:
        raise TypeError(f"{op}: got both dim and axis=; they are the same argument")
    indices = x.argmax(dim, True) if op == "max" else x.argmin(dim, True)
    values = x[along(indices.data, normalize_axes(op, dim, x.ndim))]
    if not keep:
        values, indices = (t.reshape(*_dropped(t.shape, dim, x.ndim)) for t in (values, indices))
    return ValuesIndices(values, indices)


def _dropped(shape: tuple[int, ...], dim: int, ndim: int) -> tuple[int, ...]:
    """`shape` without axis `dim` (a 0-d tensor's axis 0 has nothing to drop)."""
    return shape if ndim == 0 else tuple(n for i, n in enumerate(shape) if i != dim % ndim)


def _arg_extreme(x: "Tensor", find: Callable, op: str, axis: Any, keepdims: bool) -> np.ndarray:
    """np.argmax or np.argmin (`find`) over `axis` (an int or None for the flat index)."""
    if any(x.shape[a] == 0 for a in normalize_axes(op, axis, x.ndim)):
        raise ValueError(f"{op}: no answer over an empty axis (shape {x.shape})")
    if x.ndim == 0:
        axis = None  # a scalar's axis 0 (torch): its one element
    return np.asarray(find(x.data, axis=axis, keepdims=keepdims))


def _amax(x: "Tensor", axis: Axis, keepdims: bool, op: str) -> "Tensor":
    """The largest element over `axis`; errors name `op`: "max", or "min" (-amax(-x))."""
    return tensor.apply(ops.amax, x, axes=_reduced_axes(x, axis, op), keepdims=keepdims)


def _reduced_axes(x: "Tensor", axis: Axis, op: str) -> tuple[int, ...]:
    """`axis` normalised for max or min, which have no answer over an empty axis."""
    axes = normalize_axes(op, axis, x.ndim)
    if any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{op}: no {op}imum over an empty axis (shape {x.shape})")
    return axes


def _max_shift(x: "Tensor", axis: Axis) -> Any:
    """The max over `axis` (kept, detached) to subtract before exp so it cannot overflow; 0 where
    that max is not finite or the axis is empty."""
    axes = normalize_axes("max", axis, x.ndim)
    if any(x.shape[a] == 0 for a in axes):
        return 0.0
    top = x.amax(axes, keepdims=True).detach()
    finite = np.isfinite(top.data)
    return top if finite.all() else top.where(finite, 0.0)


def _count(x: "Tensor", axis: Axis, op: str) -> int:
    """How many elements each output of a reduction over `axis` combines (math.prod of the
    array's sizes: np.prod of torch Sizes cost 3 us of every mean)."""
    shape = x.data.shape
    return math.prod(shape[a] for a in normalize_axes(op, axis, len(shape)))


def _correction(
    op: str,
    axis: Axis | bool,
    ddof: int | None,
    unbiased: bool | None = None,
    correction: int | None = None,
) -> tuple[Axis, int]:
    """(axis, ddof) for var and std: the one place their spellings meet. At most one of numpy's
    ddof (or torch's positional unbiased, a bool) and torch's unbiased= and correction= is given;
    none means torch's default, ddof 1. A bool where the axis goes is torch's x.var(unbiased)."""
    if isinstance(axis, (bool, np.bool_)):
        if ddof is not None:
            raise TypeError(f"{op}: got unbiased={axis} in place of dim, and ddof too")
        axis, ddof = None, axis
    given = [v for v in (ddof, unbiased, correction) if v is not None]
    if len(given) > 1:
        raise TypeError(f"{op}: give one of ddof, unbiased= and correction=; they say the same")
    return axis, int(given[0]) if given else 1


def _dropped_axes(out: "Tensor", axes: tuple[int, ...], keepdims: bool) -> "Tensor":
    """`out`, reduced with keepdims over `axes`, without those axes unless `keepdims`."""
    return out if keepdims else out.reshape(*(n for i, n in enumerate(out.shape) if i not in axes))


def _largest(size: "Tensor", axes: tuple[int, ...]) -> Any:
    """The largest of `size` (>= 0) over `axes` (kept, detached), to divide by before powers;
    1 where that is 0 or not finite, or the axes are empty."""
    if any(size.shape[a] == 0 for a in axes):
        return 1.0
    top = size.amax(axes, keepdims=True).detach()
    usable = np.isfinite(top.data) & (top.data != 0)
    return top if usable.all() else top.where(usable, 1.0)


def _along_one_axis(x: "Tensor", axis: Any, op: str, run: Callable) -> Any:
    """run(x, axis) with `axis` non-negative, for an op along one axis; a 0-d x (whose axis 0
    or -1 torch accepts) runs as 1-d and its results come back 0-d."""
    if x.ndim:
        return run(x, normalize_axis(op, axis, x.ndim))
    normalize_axes(op, axis, 0)  # raises unless axis is 0 or -1
    out = run(x.reshape(1), 0)
    return ValuesIndices(*(t.reshape() for t in out)) if isinstance(out, tuple) else out.reshape()


def _picked(x: "Tensor", indices: np.ndarray, axis: int) -> ValuesIndices:
    """x's values at `indices` along `axis` (a gather, so the gradient goes back to them)."""
    return ValuesIndices(x[along(indices, (axis,))], x._wrap(indices.astype(np.int64)))


def _running(x: "Tensor", axis: int, extreme: Any) -> ValuesIndices:
    """cummax (`extreme` np.maximum) or cummin (np.minimum) along `axis`."""
    best = extreme.accumulate(x.data, axis)
    new = (x.data == best) | np.isnan(x.data)  # this element is (or ties) the running extreme
    positions = np.arange(x.shape[axis]).reshape([-1 if i == axis else 1 for i in range(x.ndim)])
    return _picked(x, np.maximum.accumulate(np.where(new, positions, 0), axis), axis)


def _order(data: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable argsort along `axis`; descending keeps ties in their order too (NaN first)."""
    if not descending:
        return np.argsort(data, axis, kind="stable")
    flipped = np.argsort(np.flip(data, axis), axis, kind="stable")  # ties: later ones first...
    return data.shape[axis] - 1 - np.flip(flipped, axis)  # ...reversed: descending, ties kept


def _sorted(x: "Tensor", axis: int, descending: bool) -> ValuesIndices:
    return _picked(x, _order(x.data, axis, descending), axis)


def _median(x: "Tensor", axis: int, keepdims: bool = False) -> ValuesIndices:
    n = x.shape[axis]
    if n == 0:
        raise ValueError(f"median: no answer over an empty axis (shape {x.shape})")
    middle = np.take(_order(x.data, axis, False), [(n - 1) // 2], axis=axis)
    return _kept(_picked(x, middle, axis), axis, keepdims)


def _mode(x: "Tensor", axis: int, keepdims: bool) -> ValuesIndices:
    n = x.shape[axis]
    if n == 0:
        raise ValueError(f"mode: no answer over an empty axis (shape {x.shape})")
    rows = np.moveaxis(x.data, axis, -1).reshape(-1, n)
    last = np.empty(len(rows), np.int64)
    for r, row in enumerate(rows):
        values, counts = np.unique(row, return_counts=True)  # sorted: argmax finds the smallest
        last[r] = n - 1 - np.argmax(row[::-1] == values[np.argmax(counts)])
    kept = kept_shape(x.shape, (axis,))
    indices = np.moveaxis(last.reshape(*np.delete(kept, axis), 1), -1, axis)
    return _kept(_picked(x, indices, axis), axis, keepdims)


def _kept(out: ValuesIndices, axis: int, keepdims: bool) -> ValuesIndices:
    """Values and indices reduced along `axis` (kept as size 1), without it unless `keepdims`."""
    if keepdims:
        return out
    return ValuesIndices(*(t.reshape(*_dropped(t.shape, axis, t.ndim)) for t in out))
