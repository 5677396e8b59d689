"""Tensor's shape methods: reshape, transpose, permute, broadcast_to, expand, flatten. Tensor
inherits them; reshape, permute (and so transpose) give views that share the version counter.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from . import ops, tensor
from .shapes import normalize_axis, shape_arg

if TYPE_CHECKING:
    from .tensor import Tensor


class Reshaping:
    """The same elements in another shape or order."""

    def reshape(self, *shape: int | Sequence[int]) -> "Tensor":
        """Same elements, new shape; one size may be -1. reshape(2, 3) or reshape((2, 3))."""
        return tensor.view_of(self, tensor.apply(ops.reshape, self, shape=shape_arg(shape)))

    def transpose(self, *axes: int) -> "Tensor":
        """No arguments: reverse the axes (numpy). transpose(a, b): swap two axes (torch)."""
        if not axes:
            return self.permute(*reversed(range(self.ndim)))
        if len(axes) != 2:
            raise TypeError(f"transpose: give no axes or two to swap, got {len(axes)}")
        a, b = (normalize_axis("transpose", axis, self.ndim) for axis in axes)
        order = list(range(self.ndim))
        order[a], order[b] = order[b], order[a]
        return self.permute(*order)

    def permute(self, *axes: int) -> "Tensor":
        """Reorder the axes: output axis i is input axis axes[i]."""
        axes, n = shape_arg(axes), self.ndim
        order = tuple(int(a) % n for a in axes if isinstance(a, (int, np.integer)) and -n <= a < n)
        if len(order) != len(axes) or sorted(order) != list(range(n)):
            raise ValueError(f"permute: {axes} is not an ordering of the {n} axes")
        return tensor.view_of(self, tensor.apply(ops.permute, self, axes=order))

    def broadcast_to(self, *shape: int | Sequence[int]) -> "Tensor":
        """A view repeated to `shape` by numpy's broadcasting rules."""
        return tensor.apply(ops.broadcast_to, self, shape=shape_arg(shape))

    def expand(self, *sizes: int) -> "Tensor":
        """torch's expand: broadcast_to where a size of -1 keeps that axis."""
        sizes = shape_arg(sizes)
        kept = (1,) * (len(sizes) - self.ndim) + self.shape
        return self.broadcast_to(*(k if n == -1 else n for n, k in zip(sizes, kept, strict=True)))
