"""Ways to make a Tensor: from data, filled with a value, counting, random, or shared via DLPack.

All take torch's shape forms, f(2, 3) and f((2, 3)); float32 unless `dtype` says otherwise.
"""

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .dtypes import DEFAULT_DTYPE, real_dtype
from .rng import as_generator
from .shapes import shape_arg
from .tensor import Tensor


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """A new Tensor (float32 unless `dtype` or float64 data says otherwise)."""
    return Tensor(data, requires_grad, dtype)


def zeros(
    *shape: int | Sequence[int], dtype: Any = DEFAULT_DTYPE, requires_grad: bool = False
) -> Tensor:
    return Tensor(np.zeros(shape_arg(shape), dtype), requires_grad, dtype)


def ones(
    *shape: int | Sequence[int], dtype: Any = DEFAULT_DTYPE, requires_grad: bool = False
) -> Tensor:
    return Tensor(np.ones(shape_arg(shape), dtype), requires_grad, dtype)


def full(
    shape: int | Sequence[int],
    value: float,
    dtype: Any = DEFAULT_DTYPE,
    requires_grad: bool = False,
) -> Tensor:
    return Tensor(np.full(shape_arg((shape,)), value, dtype), requires_grad, dtype)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of t's shape, in t's dtype unless `dtype` says otherwise (torch)."""
    return zeros(t.shape, dtype=t.dtype if dtype is None else dtype, requires_grad=requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of t's shape, in t's dtype unless `dtype` says otherwise (torch)."""
    return ones(t.shape, dtype=t.dtype if dtype is None else dtype, requires_grad=requires_grad)


def arange(
    start: float, stop: float | None = None, step: float = 1, dtype: Any = DEFAULT_DTYPE
) -> Tensor:
    """Evenly spaced values in [start, stop) like numpy (float32 by default).

    The count and the range of `dtype` are checked before anything is allocated: OverflowError
    if the last value does not fit `dtype`, ValueError for a step of 0 or a non-finite bound.
    """
    start, stop = (0, start) if stop is None else (start, stop)
    dtype = real_dtype(dtype, "arange")
    if step == 0 or not all(np.isfinite((start, stop, step))):
        raise ValueError(f"arange: need finite bounds and a non-zero step, got {start, stop, step}")
    count = max(0, math.ceil((stop - start) / step))
    last = start + (count - 1) * step if count else start
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if not (info.min <= min(start, last) and max(start, last) <= info.max):
            raise OverflowError(
                f"arange: {count} values from {start} to {last} do not fit {dtype} "
                f"({info.min}..{info.max})"
            )
    exact = dtype if dtype.kind in "iu" else None  # floats: computed in float64, then cast
    return Tensor(np.arange(start, stop, step, dtype=exact), dtype=dtype)


def randn(
    *shape: int | Sequence[int],
    generator: Any = None,
    dtype: Any = DEFAULT_DTYPE,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples from `generator` (a numpy Generator or an int seed)."""
    return Tensor(
        as_generator(generator).standard_normal(shape_arg(shape)).astype(dtype), requires_grad
    )


def rand(
    *shape: int | Sequence[int],
    generator: Any = None,
    dtype: Any = DEFAULT_DTYPE,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples in [0, 1) from `generator` (a numpy Generator or an int seed)."""
    return Tensor(as_generator(generator).random(shape_arg(shape)), requires_grad, dtype)


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
