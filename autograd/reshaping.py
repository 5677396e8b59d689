"""Tensor's shape methods: reshape, transpose, permute, broadcast_to, expand, and torch's view,
squeeze, unsqueeze, flatten, unflatten, movedim, repeat, tile, flip, roll, tril, triu, diagonal,
split, chunk, unbind, narrow, ... Tensor inherits them; reshape, permute (and so transpose, view,
squeeze, ...) and slicing give views that share the version counter. All but reshape, permute
and broadcast_to are composed (from them, indexing and where), so their gradients come for free.
"""

import math
from collections.abc import Sequence
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ops, tensor
from .shapes import normalize_axes, normalize_axis, shape_arg

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

    def expand_as(self, other: "Tensor") -> "Tensor":
        """broadcast_to(other's shape)."""
        return self.broadcast_to(other.shape)

    # --- torch's names for reshapes ---------------------------------------------------------------

    def view(self, *shape: int | Sequence[int]) -> "Tensor":
        """reshape that never copies: RuntimeError where the data's layout needs a copy."""
        out = self.reshape(*shape)
        if out.data.size and not np.may_share_memory(out.data, self.data):
            raise RuntimeError(
                f"view: {self.shape} cannot be viewed as {out.shape} without copying its "
                "non-contiguous data; use reshape(...) instead"
            )
        return out

    def view_as(self, other: "Tensor") -> "Tensor":
        return self.view(other.shape)

    def unsqueeze(self, dim: int) -> "Tensor":
        """A new axis of size 1 at `dim` (-ndim-1 <= dim <= ndim): (3,) -> (1, 3) at dim 0."""
        dim = normalize_axis("unsqueeze", dim, self.ndim + 1)
        return self.reshape(*self.shape[:dim], 1, *self.shape[dim:])

    def squeeze(self, dim: int | Sequence[int] | None = None) -> "Tensor":
        """Drop axes of size 1: all of them, or those among `dim` (an int or a tuple; an axis of
        another size stays, as in torch)."""
        axes = normalize_axes("squeeze", dim, self.ndim)
        return self.reshape(*(n for i, n in enumerate(self.shape) if n != 1 or i not in axes))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> "Tensor":
        """Axes start_dim..end_dim (inclusive) merged into one: (2, 3, 4) -> (24,) by default,
        (2, 12) from start_dim=1. A 0-d tensor becomes (1,)."""
        if self.ndim == 0:
            return self.reshape(1)
        start, end = (normalize_axis("flatten", d, self.ndim) for d in (start_dim, end_dim))
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        merged = math.prod(self.shape[start : end + 1])  # not -1: ambiguous with 0 elements
        return self.reshape(*self.shape[:start], merged, *self.shape[end + 1 :])

    def unflatten(self, dim: int, sizes: Sequence[int]) -> "Tensor":
        """Axis `dim` split into `sizes` (one may be -1): (2, 12) -> (2, 3, 4) for (1, (3, 4))."""
        dim = normalize_axis("unflatten", dim, self.ndim)
        return self.reshape(*self.shape[:dim], *sizes, *self.shape[dim + 1 :])

    def movedim(self, source: int | Sequence[int], destination: int | Sequence[int]) -> "Tensor":
        """Axes `source` moved to positions `destination`, the others keeping their order."""
        sources, destinations = _dims(source), _dims(destination)
        if len(sources) != len(destinations):
            raise ValueError(f"movedim: {len(sources)} source axes, {len(destinations)} places")
        sources = [normalize_axis("movedim", d, self.ndim) for d in sources]
        destinations = [normalize_axis("movedim", d, self.ndim) for d in destinations]
        if len(set(sources)) != len(sources) or len(set(destinations)) != len(destinations):
            raise ValueError(f"movedim: repeated axis in {source} or {destination}")
        rest = iter(d for d in range(self.ndim) if d not in sources)
        placed = dict(zip(destinations, sources, strict=True))
        return self.permute(*(placed[i] if i in placed else next(rest) for i in range(self.ndim)))

    def swapaxes(self, axis0: int, axis1: int) -> "Tensor":
        """The two axes swapped (transpose(axis0, axis1))."""
        return self.transpose(axis0, axis1)

    # --- copies in a new arrangement --------------------------------------------------------------

    def repeat(self, *sizes: int | Sequence[int]) -> "Tensor":
        """Tiled `sizes` times per axis (numpy's tile; sizes may add leading axes): (2, 3) with
        repeat(2, 1, 2) -> (2, 2, 6)."""
        sizes = shape_arg(sizes)
        if len(sizes) < self.ndim:
            raise ValueError(f"repeat: {len(sizes)} sizes for a {self.ndim}-d tensor")
        shape = (1,) * (len(sizes) - self.ndim) + self.shape
        spaced = self.reshape(*(n for size in shape for n in (1, size)))  # (1, s0, 1, s1, ...)
        tiled = spaced.broadcast_to(*(n for pair in zip(sizes, shape, strict=True) for n in pair))
        return tiled.reshape(*(r * n for r, n in zip(sizes, shape, strict=True)))

    def tile(self, *dims: int | Sequence[int]) -> "Tensor":
        """repeat with `dims` padded by leading 1s to the tensor's axes (torch.tile): (2, 3) with
        tile(2) -> (2, 6)."""
        dims = shape_arg(dims)
        return self.repeat(*(1,) * (self.ndim - len(dims)), *dims)

    def repeat_interleave(self, repeats: Any, dim: int | None = None) -> "Tensor":
        """Each element repeated `repeats` times (an int, or one count per element) along `dim`,
        or over the flattened tensor: [1, 2] -> [1, 1, 2, 2] for repeats=2."""
        x = self.reshape(-1) if dim is None else self
        dim = 0 if dim is None else normalize_axis("repeat_interleave", dim, self.ndim)
        counts = np.asarray(getattr(repeats, "data", repeats))
        if counts.dtype.kind not in "iu" or counts.ndim > 1 or (counts < 0).any():
            raise ValueError(f"repeat_interleave: repeats must be counts >= 0, got {repeats!r}")
        positions = np.repeat(np.arange(x.shape[dim]), counts)  # ValueError if lengths differ
        return x[(slice(None),) * dim + (positions,)]

    def flip(self, dims: int | Sequence[int]) -> "Tensor":
        """The order of the elements reversed along each of `dims`."""
        axes = normalize_axes("flip", _dims(dims), self.ndim)
        return self[tuple(slice(None, None, -1) if i in axes else slice(None)
                          for i in range(self.ndim))]  # fmt: skip

    def roll(
        self, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None
    ) -> "Tensor":
        """Elements shifted by `shifts` along `dims`, those past the end coming round to the
        start; without dims, over the flattened tensor (shape kept)."""
        if dims is None:
            return self.reshape(-1).roll(shifts, 0).reshape(*self.shape)
        shifts, dims = _dims(shifts), _dims(dims)
        if len(shifts) != len(dims):
            raise ValueError(f"roll: {len(shifts)} shifts for {len(dims)} dims")
        out = self
        for shift, dim in zip(shifts, dims, strict=True):
            dim = normalize_axis("roll", dim, self.ndim)
            n = self.shape[dim]
            out = out[(slice(None),) * dim + ((np.arange(n) - shift) % max(n, 1),)]
        return out

    def tril(self, diagonal: int = 0) -> "Tensor":
        """The lower triangle of the last two axes, from `diagonal` down (above it: 0)."""
        return self.where(_triangle("tril", self, diagonal), 0)

    def triu(self, diagonal: int = 0) -> "Tensor":
        """The upper triangle of the last two axes, from `diagonal` up (below it: 0)."""
        return self.where(~_triangle("triu", self, diagonal - 1), 0)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> "Tensor":
        """The diagonal of axes dim1 and dim2 (above it for offset > 0), as a new last axis:
        (n, m) -> (min(n, m),) for offset 0."""
        a, b = (normalize_axis("diagonal", d, self.ndim) for d in (dim1, dim2))
        if a == b:
            raise ValueError(f"diagonal: dim1 and dim2 are the same axis ({dim1}, {dim2})")
        rows, cols = _diagonal_positions(self.shape[a], self.shape[b], offset)
        return self.movedim((a, b), (-2, -1))[..., rows, cols]

    def diag(self, diagonal: int = 0) -> "Tensor":
        """(n,) -> the (n + |k|, n + |k|) matrix with it on diagonal k, zeros elsewhere; (n, m) ->
        its diagonal k (torch.diag)."""
        if self.ndim == 2:
            return self.diagonal(diagonal)
        if self.ndim != 1:
            raise ValueError(f"diag: expected a 1-d or 2-d tensor, got {self.shape}")
        side = self.shape[0] + abs(diagonal)
        positions = _diagonal_positions(side, side, diagonal)
        return tensor.apply(ops.scatter_add, self, index=positions, shape=(side, side))

    # --- pieces -----------------------------------------------------------------------------------

    def narrow(self, dim: int, start: int, length: int) -> "Tensor":
        """`length` elements from `start` (which may be negative) along `dim`: a view."""
        dim = normalize_axis("narrow", dim, self.ndim)
        n = self.shape[dim]
        start = start + n if -n <= start < 0 else start
        if not (0 <= start <= n and 0 <= length <= n - start):
            raise IndexError(f"narrow: {start}:{start + length} is outside an axis of {n}")
        return self[(slice(None),) * dim + (slice(start, start + length),)]

    def split(self, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple:
        """Pieces along `dim`: each `split_size` long (the last maybe shorter), or of the listed
        lengths, which must add up to the axis: (5,) by 2 -> (2,), (2,), (1,)."""
        dim = normalize_axis("split", dim, self.ndim)
        n = self.shape[dim]
        sizes = split_size_or_sections
        if isinstance(sizes, Integral):
            if sizes <= 0 and n:
                raise ValueError(f"split: split_size must be positive, got {sizes}")
            sizes = [min(sizes, n - start) for start in range(0, n, sizes)] if n else [0]
        if sum(sizes) != n:
            raise ValueError(f"split: sections {list(sizes)} do not add up to {n} along dim {dim}")
        starts = np.cumsum([0, *sizes[:-1]]).tolist()
        return tuple(self.narrow(dim, s, k) for s, k in zip(starts, sizes, strict=True))

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        """Up to `chunks` pieces of ceil(n / chunks) along `dim` (fewer when they run out)."""
        if chunks <= 0:
            raise ValueError(f"chunk: chunks must be positive, got {chunks}")
        n = self.shape[normalize_axis("chunk", dim, self.ndim)]
        return self.split(max(math.ceil(n / chunks), 1), dim)

    def unbind(self, dim: int = 0) -> tuple:
        """The slices along `dim`, each without that axis: (3, 4) -> three (4,) for dim 0."""
        dim = normalize_axis("unbind", dim, self.ndim)
        return tuple(self[(slice(None),) * dim + (i,)] for i in range(self.shape[dim]))


def _dims(dims: Any) -> tuple:
    """An int or a sequence of ints as a tuple."""
    return (dims,) if isinstance(dims, Integral) else tuple(dims)


def _triangle(op: str, x: "Tensor", diagonal: int) -> np.ndarray:
    """True on and below `diagonal` of x's last two axes (numpy's tri), for tril and triu."""
    if x.ndim < 2:
        raise ValueError(f"{op}: expected at least 2 axes, got {x.shape}")
    return np.tri(*x.shape[-2:], k=diagonal, dtype=bool)


def _diagonal_positions(n: int, m: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of diagonal `offset` of an n-by-m matrix."""
    first_row, first_col = max(-offset, 0), max(offset, 0)
    length = max(0, min(n - first_row, m - first_col))
    steps = np.arange(length)
    return steps + first_row, steps + first_col
