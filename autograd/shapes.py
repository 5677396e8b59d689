"""Shape rules in one place: broadcasting, its undoing for gradients, axis checks, their errors."""

import functools
from collections.abc import Callable, Sequence
from numbers import Integral
from typing import Any

from .arguments import is_whole

Shape = tuple[int, ...]
Axis = int | Sequence[int] | None


def broadcast_shapes(op: str, *shapes: Shape) -> Shape:
    """numpy's broadcast of `shapes`.

    ValueError("add: shapes (3,) and (4,) do not broadcast") if they do not.
    """
    ndim = max(len(s) for s in shapes)
    out = []
    for sizes in zip(*[(1,) * (ndim - len(s)) + tuple(s) for s in shapes], strict=True):
        stretched = {n for n in sizes if n != 1}
        if len(stretched) > 1:
            listed = " and ".join(str(tuple(s)) for s in shapes)
            raise ValueError(f"{op}: shapes {listed} do not broadcast")
        out.append(stretched.pop() if stretched else 1)
    return tuple(out)


def broadcasting(op: str, kernel: Callable, x: Any, y: Any) -> Any:
    """kernel(x, y), with numpy's broadcasting error replaced by one naming op and shapes."""
    try:
        return kernel(x, y)
    except ValueError:
        broadcast_shapes(op, x.shape, y.shape)
        raise


def unbroadcast_axes(g_shape: Shape, shape: Shape) -> tuple[int, ...]:
    """The axes of a gradient of shape `g_shape` to sum, keeping them as 1s, to undo the
    broadcasting of an input of `shape` to it: those broadcasting added in front, and those it
    stretched from 1. (3, 4) from (4,): (0,); (3, 4) from (3, 1): (1,).

    The one un-broadcast, used by the backward walk (graph._fit) for every op.
    """
    lead = len(g_shape) - len(shape)
    stretched = (lead + i for i, n in enumerate(shape) if n == 1 and g_shape[lead + i] != 1)
    return (*range(lead), *stretched)


def normalize_axes(op: str, axis: Axis, ndim: int) -> tuple[int, ...]:
    """`axis` (int, tuple or None for all) as sorted non-negative axes of an `ndim`-d tensor.

    As in torch, a 0-d tensor takes axis 0 or -1 as its one (size-1) axis: reducing over it
    reduces nothing, so the result is ().
    """
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, without the checks below
        return (axis % ndim,)
    if ndim == 0 and axis in (0, -1, (0,), (-1,), [0], [-1]):  # a scalar's one "axis" (torch)
        return ()
    if not isinstance(axis, (Integral, tuple, list)):
        raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
    axes = (axis,) if isinstance(axis, Integral) else tuple(axis)
    for a in axes:
        if not is_whole(a):
            raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {a!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {a} out of range for a {ndim}-d tensor")
    normalized = sorted(int(a) % ndim for a in axes)
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{op}: repeated axis in {axis}")
    return tuple(normalized)


def normalize_axis(op: str, axis: int, ndim: int) -> int:
    """One axis of an `ndim`-d tensor (at least 1-d), as a non-negative int."""
    if type(axis) is int and -ndim <= axis < ndim:
        return axis % ndim
    if not is_whole(axis):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}")
    raise ValueError(f"{op}: axis {axis} out of range for a {ndim}-d tensor")


def shape_arg(shape: tuple) -> Shape:
    """A shape given either way: f(2, 3) and f((2, 3)) both mean (2, 3)."""
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def kept_shape(shape: Shape, axes: tuple[int, ...]) -> Shape:
    """`shape` with each of `axes` reduced to size 1 (the keepdims shape)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def torch_axes(method: Callable) -> Callable:
    """Let a method with numpy's `axis=`/`keepdims=` also take torch's `dim=`/`keepdim=`: the
    one place the two vocabularies meet (x.sum(dim=1, keepdim=True) is x.sum(axis=1, ...))."""

    @functools.wraps(method)
    def either_names(self: Any, *args: Any, **kwargs: Any) -> Any:
        if "dim" in kwargs or "keepdim" in kwargs:  # a test, not a loop: sum() is on hot paths
            _rename_torch_arguments(method.__name__, kwargs)
        return method(self, *args, **kwargs)

    return either_names


def _rename_torch_arguments(op: str, kwargs: dict) -> None:
    """dim= to axis=, keepdim= to keepdims= in `kwargs`; TypeError if both names are given."""
    for torch_name, numpy_name in (("dim", "axis"), ("keepdim", "keepdims")):
        if torch_name in kwargs:
            if numpy_name in kwargs:
                raise TypeError(
                    f"{op}: got both {torch_name}= and {numpy_name}=; they are the same argument"
                )
            kwargs[numpy_name] = kwargs.pop(torch_name)
