"""Tensor's reductions: sum, mean, var, std, max, min, argmax, logsumexp, softmax, log_softmax.
Tensor inherits them. `axis` is an int, a tuple of ints or None (all), as in numpy.
"""

from typing import TYPE_CHECKING, Any

import numpy as np

from . import ops, tensor
from .shapes import Axis, normalize_axes, normalize_axis

if TYPE_CHECKING:
    from .tensor import Tensor


class Reductions:
    """Reductions over axes of a Tensor, and the softmax family built on them."""

    def sum(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        axes = normalize_axes("sum", axis, self.ndim)
        return tensor.apply(ops.sum, self, axes=axes, keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        return self.sum(axis, keepdims) / _count(self, axis, "mean")

    def var(self, axis: Axis = None, ddof: int = 0, keepdims: bool = False) -> "Tensor":
        """Mean squared deviation, divided by n - ddof (numpy's default ddof=0; torch's is 1);
        by 0 when ddof >= n, which gives inf (numpy, torch), never a negative variance."""
        deviation = self - self.mean(axis, keepdims=True)
        count = max(_count(self, axis, "var") - ddof, 0)
        return (deviation * deviation).sum(axis, keepdims) / count

    def std(self, axis: Axis = None, ddof: int = 0, keepdims: bool = False) -> "Tensor":
        """sqrt(var); where var is 0 the gradient is 0 (torch), not sqrt's infinite slope."""
        var = self.var(axis, ddof, keepdims)
        spread = var.data != 0  # NaN is spread too: sqrt keeps it NaN, as numpy and torch do
        return var.where(spread, 1.0).sqrt().where(spread, 0.0)

    def max(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """Largest element over `axis`; tied maxima share the gradient evenly."""
        return _max(self, axis, keepdims, "max")

    def min(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """Smallest element over `axis`; tied minima share the gradient evenly."""
        if self.dtype.kind != "f":  # -max(-x) would wrap integers and fails on bool
            axes = _reduced_axes(self, axis, "min")
            return self._wrap(np.asarray(np.min(self.data, axis=axes, keepdims=keepdims)))
        return -_max(-self, axis, keepdims, "min")

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> "Tensor":
        """Index of the largest element (int64; no gradient)."""
        if axis is not None:
            normalize_axes("argmax", axis, self.ndim)
            axis = axis if self.ndim else None  # a scalar's axis 0 (torch): its one element
        return self._wrap(np.argmax(self.data, axis=axis, keepdims=keepdims))

    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """log(sum(exp(x))) shifted by the max, so it never overflows."""
        axes = normalize_axes("logsumexp", axis, self.ndim)
        top = _max_shift(self, axes)
        out = (self - top).exp().sum(axes, keepdims=True).log() + top
        return (
            out if keepdims else out.reshape(*(n for i, n in enumerate(out.shape) if i not in axes))
        )

    def softmax(self, axis: int = -1) -> "Tensor":
        """exp(x) / sum(exp(x)) along `axis`, computed as exp(log_softmax): never overflows."""
        return self.log_softmax(axis).exp()

    def log_softmax(self, axis: int = -1) -> "Tensor":
        """x - logsumexp(x) along `axis` (max-shifted, one fused op)."""
        if self.ndim == 0:  # torch takes axis 0 or -1 of a scalar: log_softmax of one value
            normalize_axes("log_softmax", axis, 0)
            return self.reshape(1).log_softmax(0).reshape()
        axis = normalize_axis("log_softmax", axis, self.ndim)
        return tensor.apply(ops.log_softmax, tensor.floating(self), axis=axis)


def _max(x: "Tensor", axis: Axis, keepdims: bool, op: str) -> "Tensor":
    """The largest element over `axis`; errors name `op`: "max", or "min" (-max(-x))."""
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
    top = x.max(axes, keepdims=True).detach()
    finite = np.isfinite(top.data)
    return top if finite.all() else top.where(finite, 0.0)


def _count(x: "Tensor", axis: Axis, op: str) -> int:
    """How many elements each output of a reduction over `axis` combines."""
    return int(np.prod([x.shape[a] for a in normalize_axes(op, axis, x.ndim)]))
