"""Tensor's indexing methods: t[index], t[index] = value, and torch's gather, scatter,
scatter_add, index_add, index_select, masked_fill, masked_select, take_along_dim and nonzero. Tensor
inherits them. Each is composed from the getitem, scatter_add and where primitives, so every
gradient comes for free: read positions get the gradient scattered back (repeats accumulate).

One rule follows torch where numpy differs: an integer in an index that also holds an index
array selects first, so x[0, :, [0, 1]] of a (2, 3, 4) tensor is x[0][:, [0, 1]], of shape
(3, 2) (numpy moves the advanced axes first and gives (2, 3)).
"""

from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ops, tensor
from .inplace import in_place_operand
from .shapes import normalize_axis

if TYPE_CHECKING:
    from .tensor import Tensor


class Indexing:
    """Reading and writing parts of a Tensor."""

    def __getitem__(self, index: Any) -> "Tensor":
        """numpy indexing (slices, ints, None, ..., integer arrays, boolean masks), with torch's
        order where an int meets an index array; gradients scatter back, repeats accumulate."""
        index = _index_arrays(index)
        first, rest = _torch_order(index)
        if first is not None:
            return self[first][rest]
        return tensor.view_of(self, tensor.apply(ops.getitem, self, index=index))

    def __setitem__(self, index: Any, value: Any) -> None:
        """x[index] = value in place (value broadcast to the indexed shape; cast to x's dtype)."""
        index, value = _index_arrays(index), in_place_operand(value, "setitem")
        first, rest = _torch_order(index)
        if first is not None:  # data[first] is a view (basic indexing): writing it writes data
            self._change("setitem", lambda data: data[first].__setitem__(rest, value))
        else:
            self._change("setitem", lambda data: data.__setitem__(index, value))

    def gather(self, dim: int, index: Any) -> "Tensor":
        """Along `dim`, out[i, j] = self[index[i, j], j] (dim 0; likewise for others): out has
        index's shape, which may be smaller than self's off `dim`. Integer index in range."""
        dim = normalize_axis("gather", dim, self.ndim)
        index = _indices(index, "gather", self.shape[dim])
        if index.ndim != self.ndim or any(
            i != dim and k > n for i, (k, n) in enumerate(zip(index.shape, self.shape, strict=True))
        ):
            raise ValueError(
                f"gather: index {index.shape} must have self's {self.ndim} axes, each no longer "
                f"than self's {self.shape} except along dim {dim}"
            )
        return self[along(index, (dim,))]

    def take_along_dim(self, indices: Any, dim: int | None = None) -> "Tensor":
        """gather where self and indices broadcast off `dim` (negative indices count from the
        end, as torch); dim=None takes from the flattened self at the flattened indices."""
        if dim is None:
            flat = self.reshape(-1)
            return flat[_indices(indices, "take_along_dim", flat.shape[0]).reshape(-1)]
        dim = normalize_axis("take_along_dim", dim, self.ndim)
        indices = _indices(indices, "take_along_dim", self.shape[dim], wrap=True)
        if indices.ndim != self.ndim:
            raise ValueError(
                f"take_along_dim: indices {indices.shape} and self {self.shape} need as many axes"
            )
        off_dim = np.broadcast_shapes(_with(self.shape, dim, 1), _with(indices.shape, dim, 1))
        source = self.broadcast_to(_with(off_dim, dim, self.shape[dim]))
        indices = np.broadcast_to(indices, _with(off_dim, dim, indices.shape[dim]))
        return source[along(indices, (dim,))]

    def index_select(self, dim: int, index: Any) -> "Tensor":
        """The entries `index` (1-d, integers) along `dim`: that axis becomes len(index) long."""
        dim = normalize_axis("index_select", dim, self.ndim)
        index = _indices(index, "index_select", self.shape[dim])
        if index.ndim > 1:
            raise ValueError(f"index_select: index must be 0-d or 1-d, got {index.shape}")
        return self[(slice(None),) * dim + (index.reshape(-1),)]

    def scatter(self, dim: int, index: Any, src: Any) -> "Tensor":
        """A copy of self with out[index[i, j], j] = src[i, j] (dim 0; likewise for others); `src`
        a tensor (its leading index.shape part is used) or a number. Where index repeats a
        position the last write wins (torch leaves it unspecified)."""
        positions = _scatter_positions(self, dim, index, "scatter")
        written = np.zeros(self.shape, np.bool_)
        written[positions] = True
        if not isinstance(src, tensor.Tensor):
            return self.masked_fill(written, src)
        last = _last_writes(positions, self.shape)
        values = _leading(_same_dtype(self, src, "scatter"), positions).reshape(-1)[last]
        placed = tensor.apply(
            ops.scatter_add, values, index=tuple(p.reshape(-1)[last] for p in positions),
            shape=self.shape,
        )  # fmt: skip
        return self.where(~written, 0) + placed

    def scatter_add(self, dim: int, index: Any, src: "Tensor") -> "Tensor":
        """A copy of self with src[i, j] added at out[index[i, j], j] (dim 0; likewise for others);
        repeated positions add up."""
        positions = _scatter_positions(self, dim, index, "scatter_add")
        values = _leading(_same_dtype(self, src, "scatter_add"), positions)
        return self + tensor.apply(ops.scatter_add, values, index=positions, shape=self.shape)

    def index_add(self, dim: int, index: Any, source: "Tensor", *, alpha: float = 1) -> "Tensor":
        """A copy of self with alpha * source's slice i added at slice index[i] along `dim`:
        self (..., n, ...), index (k,) ints, source (..., k, ...); repeats add up."""
        dim = normalize_axis("index_add", dim, self.ndim)
        index = np.asarray(getattr(index, "data", index))
        if index.ndim != 1 or index.dtype.kind not in "iu":
            raise ValueError(f"index_add: index must be a 1-d integer tensor, got {index.shape}")
        source = tensor.lift(source, self, "index_add")
        if source.ndim != self.ndim or source.shape[dim] != len(index):
            raise ValueError(f"index_add: source {source.shape} needs {len(index)} slices along "
                             f"dim {dim} of a tensor like {self.shape}")  # fmt: skip
        lined_up = index.reshape([-1 if axis == dim else 1 for axis in range(self.ndim)])
        positions = np.broadcast_to(lined_up, source.shape)  # (..., k, ...): where each goes
        return self.scatter_add(dim, positions, source if alpha == 1 else source * alpha)

    def masked_fill(self, mask: Any, value: Any) -> "Tensor":
        """self where `mask` (boolean, broadcast to self's shape) is False, `value` where True;
        a 0-d tensor `value` gets the gradient of the filled places."""
        return self.where(~tensor.condition(mask, "masked_fill"), value)

    def masked_select(self, mask: Any) -> "Tensor":
        """The elements where `mask` holds, self and mask broadcast together: 1-d, in order."""
        mask = tensor.condition(mask, "masked_select")
        shape = np.broadcast_shapes(self.shape, mask.shape)
        source = self if self.shape == shape else self.broadcast_to(shape)
        return source[np.broadcast_to(mask, shape)]

    def nonzero(self, as_tuple: bool = False) -> Any:
        """The positions of the nonzero elements: (n, ndim) int64 (torch), or with `as_tuple` one
        (n,) tensor per axis (numpy's nonzero; a 0-d tensor as a 1-d one, as torch). No gradient."""
        if as_tuple:
            positions = np.nonzero(np.atleast_1d(self.data))
            return tuple(self._wrap(np.asarray(p, np.int64)) for p in positions)
        return self._wrap(np.argwhere(self.data).astype(np.int64))


def along(indices: np.ndarray, axes: tuple[int, ...]) -> tuple:
    """The index for x[...] picking, along the one axis in `axes`, the positions `indices` (in
    keepdims shape) holds, and every position along the others (numpy's take_along_axis as an
    index; gather, scatter and the (values, indices) reductions use it)."""
    return tuple(
        indices
        if i in axes
        else np.arange(n).reshape([-1 if j == i else 1 for j in range(len(indices.shape))])
        for i, n in enumerate(indices.shape)
    )


def _index_arrays(index: Any) -> Any:
    """`index` with each Tensor inside it replaced by its array, for numpy indexing."""
    if isinstance(index, tuple):
        return tuple(_index_arrays(i) for i in index)
    return index.data if isinstance(index, tensor.Tensor) else index


def _torch_order(index: Any) -> tuple[Any, Any]:
    """(first, rest) when `index` mixes ints with index arrays: x[index] is then x[first][rest]
    (the ints select first, as in torch); (None, None) when numpy's order is torch's."""
    if not isinstance(index, tuple):
        return None, None
    ints = [isinstance(i, Integral) and not isinstance(i, (bool, np.bool_)) for i in index]
    arrays = [isinstance(i, (list, np.ndarray)) and np.ndim(i) > 0 for i in index]
    if not any(ints) or not any(arrays):
        return None, None
    first, rest = [], []
    for item, is_int, is_array in zip(index, ints, arrays, strict=True):
        if is_int:
            first.append(item)
        elif item is None:  # the new axis is made first, then kept
            first.append(None)
            rest.append(slice(None))
        elif item is Ellipsis:
            first.append(Ellipsis)
            rest.append(Ellipsis)
        elif is_array:  # a boolean mask spans as many axes as it has
            first.extend([slice(None)] * (np.ndim(item) if np.asarray(item).dtype == bool else 1))
            rest.append(item)
        else:  # a slice
            first.append(item)
            rest.append(slice(None))
    return tuple(first), tuple(rest)


def _indices(index: Any, op: str, size: int, wrap: bool = False) -> np.ndarray:
    """`index` (a Tensor, array or list of integers) as an int64 array of positions in 0..size-1
    (with `wrap`, -size..-1 count from the end, as torch's take_along_dim); TypeError if not
    integers, IndexError naming `op` if out of range."""
    array = np.asarray(index.data if isinstance(index, tensor.Tensor) else index)
    if array.dtype.kind not in "iu" and array.size:
        raise TypeError(f"{op}: index must hold integers, got {array.dtype}")
    array = array.astype(np.int64)
    if wrap and array.size and array.min() >= -size:
        array = array % max(size, 1)
    if array.size and (array.min() < 0 or array.max() >= size):
        raise IndexError(f"{op}: index {array.min() if array.min() < 0 else array.max()} is out "
                         f"of range for an axis of {size}")  # fmt: skip
    return array


def _with(shape: tuple[int, ...], dim: int, n: int) -> tuple[int, ...]:
    """`shape` with its axis `dim` set to n."""
    return (*shape[:dim], n, *shape[dim + 1 :])


def _scatter_positions(x: "Tensor", dim: int, index: Any, op: str) -> tuple[np.ndarray, ...]:
    """Where scatter writes in x: index along `dim`, every index position elsewhere."""
    dim = normalize_axis(op, dim, x.ndim)
    index = _indices(index, op, x.shape[dim])
    if index.ndim != x.ndim or any(
        i != dim and k > n for i, (k, n) in enumerate(zip(index.shape, x.shape, strict=True))
    ):
        raise ValueError(
            f"{op}: index {index.shape} must have self's {x.ndim} axes, each no longer than "
            f"self's {x.shape} except along dim {dim}"
        )
    return tuple(np.broadcast_arrays(*along(index, (dim,))))


def _leading(src: "Tensor", positions: tuple[np.ndarray, ...]) -> "Tensor":
    """The part of src scatter reads: its leading block of the index's shape."""
    shape = positions[0].shape
    if src.ndim != len(shape) or any(k > n for k, n in zip(shape, src.shape, strict=True)):
        raise ValueError(f"scatter: src {src.shape} is smaller than index {shape}")
    return src if src.shape == shape else src[tuple(slice(0, k) for k in shape)]


def _same_dtype(x: "Tensor", src: Any, op: str) -> "Tensor":
    src = tensor.lift(src, x, op)
    if src.dtype != x.dtype:
        raise TypeError(f"{op}: src is {src.dtype}, self is {x.dtype}; they must match")
    return src


def _last_writes(positions: tuple[np.ndarray, ...], shape: tuple[int, ...]) -> np.ndarray:
    """The flat numbers of the writes that land last on each position (increasing)."""
    flat = np.ravel_multi_index(tuple(p.reshape(-1) for p in positions), shape)
    _, first_from_end = np.unique(flat[::-1], return_index=True)
    return np.sort(len(flat) - 1 - first_from_end)
