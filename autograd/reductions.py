"""Tensor's reductions: sum, mean, var, std, max, min, argmax, logsumexp, softmax, log_softmax.
Tensor inherits them. `axis` is an int, a tuple of ints or None (all), as in numpy.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from . import ops, tensor
from .shapes import Axis, normalize_axes, normalize_axis, torch_axes

if TYPE_CHECKING:
    from .tensor import Tensor


class Reductions:
    """Reductions over axes of a Tensor, and the softmax family built on them."""

    @torch_axes
    def sum(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        axes = normalize_axes("sum", axis, self.ndim)
        return tensor.apply(ops.sum, self, axes=axes, keepdims=keepdims)

    @torch_axes
    def mean(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        return self.sum(axis, keepdims) / _count(self, axis, "mean")

    @torch_axes
    def var(self, axis: Axis = None, ddof: int = 0, keepdims: bool = False) -> "Tensor":
        """Mean squared deviation, divided by n - ddof (numpy's default ddof=0; torch's is 1);
        by 0 when ddof >= n, which gives inf (numpy, torch), never a negative variance."""
        deviation = self - self.mean(axis, keepdims=True)
        count = max(_count(self, axis, "var") - ddof, 0)
        return (deviation * deviation).sum(axis, keepdims) / count

    @torch_axes
    def std(self, axis: Axis = None, ddof: int = 0, keepdims: bool = False) -> "Tensor":
        """sqrt(var); where var is 0 the gradient is 0 (torch), not sqrt's infinite slope."""
        var = self.var(axis, ddof, keepdims)
        spread = var.data != 0  # NaN is spread too: sqrt keeps it NaN, as numpy and torch do
        return var.where(spread, 1.0).sqrt().where(spread, 0.0)

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
        out = (self - top).exp().sum(axes, keepdims=True).log() + top
        return (
            out if keepdims else out.reshape(*(n for i, n in enumerate(out.shape) if i not in axes))
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


class ValuesIndices(NamedTuple):
    """What max(dim) and min(dim) return, as torch.return_types.max: values and their indices."""

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
    values = x[_along(indices.data, normalize_axes(op, dim, x.ndim))]
    if not keep:
        values, indices = (t.reshape(*_dropped(t.shape, dim, x.ndim)) for t in (values, indices))
    return ValuesIndices(values, indices)


def _along(indices: np.ndarray, axes: tuple[int, ...]) -> tuple:
    """The index picking, along the one axis in `axes`, the positions `indices` (keepdims shape)
    holds, and every position along the others (numpy's take_along_axis, as an index)."""
    return tuple(
        indices
        if i in axes
        else np.arange(n).reshape([-1 if j == i else 1 for j in range(len(indices.shape))])
        for i, n in enumerate(indices.shape)
    )


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
    """How many elements each output of a reduction over `axis` combines."""
    return int(np.prod([x.shape[a] for a in normalize_axes(op, axis, x.ndim)]))
