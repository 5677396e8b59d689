"""Ways to make a Tensor: from data, filled with a value, counting, random, or shared via DLPack.

Named and typed as torch's factories: shapes as f(2, 3) or f((2, 3)); `dtype=` a numpy dtype or
one of torch's names (tracegrad.float64 is np.dtype("float64")); when `dtype` is left out, data
are inferred as torch does (Python ints int64, floats the default float, bools bool) and other
factories give the default float (float32 unless dtypes.set_default_dtype changed it). Random
ones draw from `generator` (an int seed or a numpy Generator) or, without one, from the global
generator that rng.manual_seed seeds.
"""

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dtypes
from .arguments import is_whole
from .dtypes import real_dtype
from .rng import as_generator
from .shapes import shape_arg
from .tensor import Tensor

Shape = int | Sequence[int]


def tensor(data: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new Tensor holding a copy of `data`, its dtype inferred as torch's `torch.tensor`:
    Python ints int64, floats the default float, bools bool; arrays and Tensors keep theirs."""
    return Tensor(np.array(_array(data), copy=True), requires_grad, _dtype_of(data, dtype))


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """`data` as a Tensor, sharing its memory when it already is one or an array of `dtype`."""
    if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == data.dtype):
        return data
    return Tensor(_array(data), dtype=_dtype_of(data, dtype))


def from_numpy(array: np.ndarray) -> Tensor:
    """A leaf sharing `array`'s memory and keeping its dtype (changes show through both ways)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy array, got {type(array).__name__}")
    real_dtype(array.dtype, "from_numpy")
    return Tensor._wrap(array)


def zeros(*shape: Shape, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return full(shape_arg(shape), 0, dtype=_float(dtype), requires_grad=requires_grad)


def ones(*shape: Shape, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return full(shape_arg(shape), 1, dtype=_float(dtype), requires_grad=requires_grad)


def empty(*shape: Shape, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """torch leaves the memory uninitialised; here it is zeros, so programs stay reproducible."""
    return zeros(*shape, dtype=dtype, requires_grad=requires_grad)


def full(
    shape: Shape, fill_value: float, *, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """`shape` filled with `fill_value`; its dtype inferred from the value as torch.tensor's."""
    dtype = _dtype_of(fill_value, dtype)
    return Tensor(np.full(shape_arg((shape,)), fill_value, dtype), requires_grad, dtype)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of t's shape, in t's dtype unless `dtype` says otherwise (torch)."""
    return full_like(t, 0, dtype=dtype, requires_grad=requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of t's shape, in t's dtype unless `dtype` says otherwise (torch)."""
    return full_like(t, 1, dtype=dtype, requires_grad=requires_grad)


def empty_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """As `empty`: zeros of t's shape and dtype."""
    return full_like(t, 0, dtype=dtype, requires_grad=requires_grad)


def full_like(
    t: Tensor, fill_value: float, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """t's shape filled with `fill_value`, in t's dtype unless `dtype` says otherwise."""
    return full(np.shape(t), fill_value, dtype=_like(t, dtype), requires_grad=requires_grad)


def rand_like(t: Tensor, dtype: Any = None, generator: Any = None) -> Tensor:
    """rand of t's shape, in t's dtype unless `dtype` says otherwise."""
    return rand(np.shape(t), generator=generator, dtype=_like(t, dtype))


def randn_like(t: Tensor, dtype: Any = None, generator: Any = None) -> Tensor:
    """randn of t's shape, in t's dtype unless `dtype` says otherwise."""
    return randn(np.shape(t), generator=generator, dtype=_like(t, dtype))


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Evenly spaced values in [start, end) like numpy; int64 when start, end and step are all
    ints and `dtype` is left out, else the default float (torch).

    The count and the range of `dtype` are checked before anything is allocated: OverflowError
    if the last value does not fit `dtype`, ValueError for a step of 0 or a non-finite bound.
    """
    start, end = (0, start) if end is None else (start, end)
    if dtype is None:
        whole = all(is_whole(v) for v in (start, end, step))
        dtype = np.int64 if whole else dtypes.DEFAULT_DTYPE
    dtype = real_dtype(dtype, "arange")
    if step == 0 or not all(np.isfinite((start, end, step))):
        raise ValueError(f"arange: need finite bounds and a non-zero step, got {start, end, step}")
    count = max(0, math.ceil((end - start) / step))
    last = start + (count - 1) * step if count else start
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if not (info.min <= min(start, last) and max(start, last) <= info.max):
            raise OverflowError(
                f"arange: {count} values from {start} to {last} do not fit {dtype} "
                f"({info.min}..{info.max})"
            )
    exact = dtype if dtype.kind in "iu" else None  # floats: computed in float64, then cast
    return Tensor(np.arange(start, end, step, dtype=exact), requires_grad, dtype)


def linspace(
    start: float, end: float, steps: int, *, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """`steps` evenly spaced values from start to end, both included (the default float)."""
    if not is_whole(steps) or steps < 0:
        raise ValueError(f"linspace: steps must be an int >= 0, got {steps!r}")
    return Tensor(np.linspace(start, end, steps), requires_grad, _float(dtype))


def eye(n: int, m: int | None = None, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (m = n by default), in the default float."""
    return Tensor(np.eye(n, m), requires_grad, _float(dtype))


def randn(
    *shape: Shape, generator: Any = None, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Standard normal samples, in the default float unless `dtype` says otherwise."""
    draws = as_generator(generator, "randn").standard_normal(shape_arg(shape))
    return Tensor(draws, requires_grad, _float(dtype))


def rand(
    *shape: Shape, generator: Any = None, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Uniform samples in [0, 1), in the default float unless `dtype` says otherwise."""
    draws = as_generator(generator, "rand").random(shape_arg(shape))
    return Tensor(draws, requires_grad, _float(dtype))


def randint_like(
    t: Tensor, low: int, high: int | None = None, *, dtype: Any = None, generator: Any = None
) -> Tensor:
    """randint of t's shape, in t's dtype unless `dtype` says otherwise (a float tensor gets
    whole floats, as torch): randint_like(t, high) or randint_like(t, low, high)."""
    low, high = (0, low) if high is None else (low, high)
    return randint(low, high, np.shape(t), generator=generator, dtype=_like(t, dtype))


def randint(
    low: int,
    high: int | Sequence[int] | None = None,
    size: Sequence[int] | None = None,
    *,
    generator: Any = None,
    dtype: Any = np.int64,
) -> Tensor:
    """Integers drawn uniformly from [low, high): randint(high, size) or randint(low, high, size)
    as torch (int64 by default)."""
    if size is None:
        low, high, size = 0, low, high
    if size is None or not (is_whole(low) and is_whole(high)):
        raise TypeError("randint: expected randint(high, size) or randint(low, high, size)")
    if not low < high:
        raise ValueError(f"randint: need low < high, got low={low}, high={high}")
    draws = as_generator(generator, "randint").integers(low, high, shape_arg((size,)))
    return Tensor(draws, dtype=dtype)


def randperm(n: int, *, generator: Any = None, dtype: Any = np.int64) -> Tensor:
    """A random ordering of 0..n-1 (int64 by default)."""
    if not is_whole(n) or n < 0:
        raise ValueError(f"randperm: n must be an int >= 0, got {n!r}")
    return Tensor(as_generator(generator, "randperm").permutation(n), dtype=dtype)


def from_dlpack(x: Any) -> Tensor:
    """A leaf sharing the memory of any DLPack producer (a torch tensor, a numpy array)."""
    if not hasattr(x, "__dlpack__"):
        raise TypeError(
            "from_dlpack: expected a DLPack producer (an object with __dlpack__, such as a torch "
            f"tensor or a numpy array), got {type(x).__name__}"
        )
    data = np.from_dlpack(x)
    real_dtype(data.dtype, "from_dlpack")
    return Tensor._wrap(data)


# --- helpers ------------------------------------------------------------------------------------


def _array(data: Any) -> Any:
    """A Tensor's array, or `data` as given."""
    return data.data if isinstance(data, Tensor) else data


def _dtype_of(data: Any, dtype: Any) -> np.dtype:
    """`dtype` if given, else torch.tensor's inference: arrays, numpy scalars and Tensors keep
    theirs; Python bools are bool, ints int64, floats the default float."""
    if dtype is not None:
        return real_dtype(dtype, "tensor")
    data = _array(data)
    if isinstance(data, (np.ndarray, np.generic)):
        return data.dtype
    kind = np.asarray(data).dtype.kind
    return {"b": np.dtype(np.bool_), "i": np.dtype(np.int64), "u": np.dtype(np.int64)}.get(
        kind, dtypes.DEFAULT_DTYPE
    )


def _float(dtype: Any) -> np.dtype:
    """`dtype`, or the default float when it is left out."""
    return dtypes.DEFAULT_DTYPE if dtype is None else dtype


def _like(t: Any, dtype: Any) -> np.dtype:
    """`dtype`, or t's when it is left out."""
    return np.asarray(t).dtype if dtype is None else dtype
